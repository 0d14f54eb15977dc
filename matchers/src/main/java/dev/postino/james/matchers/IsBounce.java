package dev.postino.james.matchers;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.postino.james.attributes.ReturnPathAttributes;

/**
 * Matches a bounce (a report that some recipient failed or was delayed) or a complaint (a feedback report), as
 * {@code dev.postino.james.mailets.BounceClassifier} found it (attributes {@code postino.bounce.detected} and
 * {@code postino.bounce.kind}); never an auto-reply or ordinary mail. Without a condition it matches all the mail's
 * recipients; with {@code IsBounce=ADDRESS[,ADDRESS...]} only those of them, e.g. a mailing list's sender address,
 * whose bounces an administrator wants to read apart.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.IsBounce=lists@example.com" class="ToRepository">}</pre>
 */
public class IsBounce extends GenericMatcher {

    private Set<String> only;

    @Override
    public void init() throws MessagingException {
        String condition = getCondition();
        if (condition == null || condition.isBlank()) {
            only = Set.of();
            return;
        }
        only = java.util.Arrays.stream(condition.split(",")).map(String::trim).filter(s -> !s.isEmpty())
            .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        for (String address : only) {
            if (!address.matches("[^@\\s]+@[^@\\s]+")) {
                throw new MessagingException(getMatcherName() + ": condition value '" + address
                    + "' is not valid: expected e-mail addresses separated by commas");
            }
        }
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        boolean bounce = ReturnPathAttributes.read(mail, ReturnPathAttributes.BOUNCE_DETECTED).orElse("").equals("true")
            || ReturnPathAttributes.read(mail, ReturnPathAttributes.BOUNCE_KIND).orElse("").equals("feedback");
        if (!bounce) {
            return List.of();
        }
        if (only.isEmpty()) {
            return mail.getRecipients();
        }
        return mail.getRecipients().stream().filter(r -> only.contains(r.asString().toLowerCase(Locale.ROOT))).toList();
    }
}
