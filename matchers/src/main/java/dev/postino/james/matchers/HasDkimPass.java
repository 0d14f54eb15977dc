package dev.postino.james.matchers;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

/**
 * Matches mails that carry a verified DKIM signature covering the whole body (attribute
 * {@code postino.dkim.pass.domains}, written by {@code dev.postino.james.mailets.DkimVerify}). With a condition,
 * only a signature whose d= is one of the listed domains counts (exact match, case-insensitive): e.g. trust
 * mail that your bank really signed.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.HasDkimPass=bank.example,bank.example.net" class="...">}</pre>
 */
public class HasDkimPass extends GenericMatcher {

    private static final AttributeName PASS_DOMAINS = AttributeName.of("postino.dkim.pass.domains");

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
        Optional<String> passed = mail.getAttribute(PASS_DOMAINS).map(Attribute::getValue).map(v -> v.value())
            .filter(String.class::isInstance).map(String.class::cast);
        if (passed.isEmpty() || passed.get().isBlank()) {
            return List.of();
        }
        boolean matches = domains.isEmpty()
            || List.of(passed.get().split(",")).stream().anyMatch(d -> domains.contains(d.trim().toLowerCase(Locale.ROOT)));
        return matches ? mail.getRecipients() : List.of();
    }
}
