package dev.postino.james.matchers;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails that carry a verified DKIM signature covering the whole body (attribute
 * {@code postino.dkim.pass.domains}, written by {@code dev.postino.james.mailets.DkimVerify}, or by the
 * authentication step that verified DKIM first). With a condition, only a signature whose d= is one of the listed
 * domains counts (exact match, case-insensitive): e.g. trust mail that your bank really signed.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.HasDkimPass=bank.example,bank.example.net" class="...">}</pre>
 */
public class HasDkimPass extends GenericMatcher {

    private Set<String> domains;

    @Override
    public void init() {
        String condition = getCondition();
        domains = condition == null || condition.isBlank() ? Set.of()
            : List.of(condition.split(",")).stream().map(d -> d.trim().toLowerCase(Locale.ROOT))
                .filter(d -> !d.isEmpty()).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        List<String> passed = AuthenticationAttributes.dkimPassDomains(mail);
        boolean matches = !passed.isEmpty() && (domains.isEmpty() || passed.stream().anyMatch(domains::contains));
        return matches ? mail.getRecipients() : List.of();
    }
}
