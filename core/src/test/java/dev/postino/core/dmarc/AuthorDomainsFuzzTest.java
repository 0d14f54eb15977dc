package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of Author Domain extraction (RFC 9989 §4.4) through its two entry points: the From
 * fields of a raw header section ({@link AuthorDomains#fromFields}), then the domains read from their values
 * ({@link AuthorDomains#of}). Seeds: {@code AuthorDomainsFuzzTestInputs/fromHeaderSection/} (real messages and
 * the From shapes of known DMARC bypasses).
 *
 * <p>Invariants: nothing throws; a result is single only with exactly one From field, one address and one
 * domain; every domain is a lowercase host name of at most 253 octets; adding a From field never leaves a single
 * Author Domain; memory stays linear in the header section's size. Appending a mailbox, and agreeing with what
 * javax.mail reads, are {@link AuthorDomainsDifferentialFuzzTest}'s invariants.
 */
class AuthorDomainsFuzzTest {

    @FuzzTest
    void fromHeaderSection(byte[] message) {
        LinearAllocation.check(message.length, "reading the Author Domains",
            () -> AuthorDomains.of(AuthorDomains.fromFields(message)));
        List<String> values = AuthorDomains.fromFields(message);
        AuthorDomains authors = AuthorDomains.of(values);

        assertThat(authors.fieldCount()).isEqualTo(values.size());
        if (authors.isSingle()) {
            assertThat(values).hasSize(1);
            assertThat(authors.addresses()).hasSize(1);
            assertThat(authors.domains()).hasSize(1);
        } else {
            assertThat(authors.problem()).isNotBlank();
        }
        assertThat(authors.domains()).allSatisfy(domain -> {
            assertThat(domain).hasSizeLessThanOrEqualTo(253).isEqualTo(domain.toLowerCase(Locale.ROOT));
            assertThat(domain.split("\\.", -1)).allSatisfy(label -> assertThat(label).isNotEmpty().hasSizeLessThanOrEqualTo(63)
                .matches("[a-z0-9_-]+"));
        });
        // more domains than addresses is fine: a display name that is another domain's address counts too

        if (!values.isEmpty()) {
            List<String> withAnotherField = new ArrayList<>(values);
            withAnotherField.add(" ceo@bank.example");
            assertThat(AuthorDomains.of(withAnotherField).isSingle()).as("one more From field: %s", withAnotherField).isFalse();
        }
    }
}
