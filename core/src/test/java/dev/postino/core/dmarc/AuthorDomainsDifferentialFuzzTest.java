package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.IDN;
import java.util.List;
import java.util.Locale;

import javax.mail.internet.InternetAddress;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided differential fuzzing of Author Domain extraction against javax.mail, the parser behind
 * {@code MimeMessage.getFrom()} in James and in many clients: whenever Postino finds a single Author Domain, javax.mail
 * must read that From value as exactly one address in the same domain, and a mailbox appended after a comma must
 * end the single result, however malformed the (non-blank) value before it, unless that value is a valid list of no
 * mailbox (then the one appended is the only one, for javax.mail as well). Seeds: {@code
 * AuthorDomainsDifferentialFuzzTestInputs/fromHeaderSection/} (those of {@link AuthorDomainsFuzzTest}).
 */
class AuthorDomainsDifferentialFuzzTest {

    @FuzzTest
    void fromHeaderSection(byte[] message) throws Exception {
        List<String> values = AuthorDomains.fromFields(message);
        AuthorDomains authors = AuthorDomains.of(values);
        // a value that is a valid list of no mailbox (commas, whitespace, comments: RFC 5322 obs-mbox-list) plus
        // one mailbox is one mailbox, for javax.mail too; any other non-blank value must not end single
        if (values.size() == 1 && !values.get(0).isBlank() && !isEmptyList(values.get(0))) {
            String twoMailboxes = values.get(0) + ", ceo@bank.example";
            assertThat(AuthorDomains.of(List.of(twoMailboxes)).isSingle()).as("one more mailbox: %s", twoMailboxes).isFalse();
        }
        if (!authors.isSingle()) {
            return;
        }
        InternetAddress[] read = InternetAddress.parseHeader(values.get(0), false);
        assertThat(read).as("what javax.mail reads in %s", values.get(0)).hasSize(1);
        String address = read[0].getAddress();
        String domain = address.substring(address.lastIndexOf('@') + 1);
        domain = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        assertThat(IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT))
            .as("the domain javax.mail reads in %s", values.get(0)).isEqualTo(authors.domains().get(0));
    }

    private static boolean isEmptyList(String value) {
        MailboxList list = MailboxList.parse(value);
        return list.isValid() && list.mailboxes().isEmpty();
    }
}
