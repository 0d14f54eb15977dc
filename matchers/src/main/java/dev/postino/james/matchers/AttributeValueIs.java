package dev.postino.james.matchers;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Selects a mail (all its recipients) when a String attribute that a Postino mailet wrote has one of the
 * values listed in the condition, e.g. {@code IprevResultIs=fail,permerror}. A value outside the verdicts the
 * mailet can write is refused at start-up, so a typo cannot silently match nothing.
 */
abstract class AttributeValueIs extends GenericMatcher {

    private Set<String> wanted;

    /** The attribute the mailet wrote. */
    protected abstract AttributeName attribute();

    /** Every value the mailet can write. */
    protected abstract List<String> possibleValues();

    @Override
    public void init() throws MessagingException {
        String condition = getCondition();
        if (condition == null || condition.isBlank()) {
            throw new MessagingException(getMatcherName() + ": needs a condition, one or more of "
                + String.join(",", possibleValues()));
        }
        Set<String> values = new LinkedHashSet<>();
        for (String item : condition.split(",")) {
            String value = item.trim().toLowerCase(Locale.ROOT);
            if (!possibleValues().contains(value)) {
                throw new MessagingException(getMatcherName() + ": condition value '" + item.trim()
                    + "' is not valid: expected one or more of " + String.join(",", possibleValues()));
            }
            values.add(value);
        }
        wanted = Set.copyOf(values);
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        Optional<String> value = AuthenticationAttributes.read(mail, attribute());
        return value.isPresent() && wanted.contains(value.get()) ? mail.getRecipients() : List.of();
    }
}
