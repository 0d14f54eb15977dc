package dev.postino.james.mailets;

import java.util.List;
import java.util.Optional;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.delivery.DeliveryRound;
import dev.postino.core.delivery.RecipientNotice;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.dsn.DeliveryOutcome;

/**
 * The mail attributes of remote delivery, all String values so that they survive any James mail queue (the README's
 * "Mail attributes" table lists them): {@code postino.delivery.state} on queued mails, one line per recipient
 * ({@link RecipientState#formatAll}); on notice mails, whose recipients are the recipients to tell about,
 * {@code postino.delivery.outcomes} (the JSON {@code LocalizedBounce} reads, {@link DeliveryOutcome#toJson}),
 * {@code postino.delivery.notice} ({@code failed}, {@code delayed} or {@code relayed}) and
 * {@code postino.delivery.warning=true} on delay warnings.
 */
final class DeliveryAttributes {

    static final AttributeName STATE = AttributeName.of("postino.delivery.state");
    static final AttributeName OUTCOMES = AttributeName.of(DeliveryOutcome.ATTRIBUTE);
    static final AttributeName WARNING = AttributeName.of("postino.delivery.warning");
    static final AttributeName NOTICE = AttributeName.of("postino.delivery.notice");

    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryAttributes.class);

    private DeliveryAttributes() {
    }

    /** The states kept on the mail; none when there are none or they cannot be read (the schedule starts again). */
    static List<RecipientState> states(Mail mail) {
        Optional<String> text = mail.getAttribute(STATE).map(a -> a.getValue().value()).filter(String.class::isInstance)
            .map(String.class::cast);
        try {
            return text.map(RecipientState::parseAll).orElse(List.of());
        } catch (IllegalArgumentException e) {
            // Unreadable state (e.g. edited by hand): start the schedule again rather than lose the mail.
            LOGGER.warn("{}: ignoring unreadable {}: {}", mail.getName(), STATE.asString(), e.getMessage());
            return List.of();
        }
    }

    /** Keeps {@code states} on the mail; none removes the attribute. */
    static void setStates(Mail mail, List<RecipientState> states) {
        mail.removeAttribute(STATE);
        if (!states.isEmpty()) {
            mail.setAttribute(new Attribute(STATE, AttributeValue.of(RecipientState.formatAll(states))));
        }
    }

    /** Makes a copy of a mail the notice mail for {@code notice}. */
    static void setNotice(Mail copy, DeliveryRound.Notice notice) {
        copy.removeAttribute(STATE);
        copy.setAttribute(new Attribute(OUTCOMES, AttributeValue.of(DeliveryOutcome.toJson(notice.outcomes()))));
        copy.setAttribute(new Attribute(NOTICE, AttributeValue.of(notice.action().label())));
        if (notice.action() == RecipientNotice.Action.DELAYED) {
            copy.setAttribute(new Attribute(WARNING, AttributeValue.of("true")));
        }
        copy.setErrorMessage(notice.summary());
    }
}
