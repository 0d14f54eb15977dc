package dev.postino.james.mailets;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.bounce.SentMessages;
import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.SuppressionNotice;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.suppression.SuppressionCheck;
import dev.postino.core.suppression.SuppressionEntry;
import dev.postino.james.attributes.ReturnPathAttributes;
import dev.postino.james.store.JamesStores;

/**
 * Answers mail to recipients on the suppression list at once, never silently: it marks each as failed (with
 * {@code postino.delivery.outcomes}, status 5.Y.Z from the entry's last bounce, {@code 5.7.1} for one added by hand)
 * and what the entry says ({@code postino.suppression.notices}), and sends the mail to {@code bounceProcessor}, where
 * {@code LocalizedBounce} tells the sender in their language when and why the address bounced and until when it is
 * suppressed. Use it behind {@code RecipientIsSuppressed}. A recipient whose entry is gone meanwhile (removed by an
 * administrator) is sent on, in a copy, to {@code relayProcessor}.
 *
 * <p>Init parameters (optional): {@code bounceProcessor} (default {@code bounces}), {@code relayProcessor}
 * (default {@code relay}).
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.RecipientIsSuppressed" class="dev.postino.james.mailets.SuppressedRecipientNotice"/>}</pre>
 */
public class SuppressedRecipientNotice extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(SuppressedRecipientNotice.class);
    /** How the notice's diagnostic begins; {@code BounceClassifier} does not count such a notice as a new bounce. */
    static final String DIAGNOSTIC = "recipient on the suppression list";

    private final FileSystem fileSystem;
    private PostinoStore store;
    private SuppressionCheck check;
    private SentMessages sent;
    private String bounceProcessor;
    private String relayProcessor;

    @Inject
    public SuppressedRecipientNotice(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    /** For tests: the check given; {@code sent} records what is answered (may be null). */
    public SuppressedRecipientNotice(SuppressionCheck check, SentMessages sent) {
        this.fileSystem = null;
        this.check = check;
        this.sent = sent;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), Set.of("bounceProcessor", "relayProcessor"));
        bounceProcessor = parameters.string("bounceProcessor", "bounces");
        relayProcessor = parameters.string("relayProcessor", "relay");
        if (check == null) {
            store = JamesStores.acquire(fileSystem);
            check = SuppressionCheck.shared(store);
            sent = new SentMessages(store, SentMessages.DEFAULT_RETENTION, Clock.systemUTC());
        }
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        List<SuppressionNotice> notices = new ArrayList<>();
        List<MailAddress> suppressed = new ArrayList<>();
        List<MailAddress> free = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            Optional<SuppressionEntry> entry;
            try {
                entry = check.lookup(recipient.asString());
            } catch (RuntimeException e) {
                LOGGER.warn("suppression check of {} for mail {} failed, sent on: {}", recipient.asString(), mail.getName(), e.getMessage());
                entry = Optional.empty();
            }
            if (entry.isEmpty()) {
                free.add(recipient);
                continue;
            }
            SuppressionEntry e = entry.get();
            suppressed.add(recipient);
            outcomes.add(new DeliveryOutcome(recipient.asString(), null, DeliveryAction.FAILED, status(e), null, null, null, null, null,
                DIAGNOSTIC + " (" + e.source().word() + ": " + e.reason()
                    + (e.status().isEmpty() ? "" : " " + e.status()) + ", last " + e.last()
                    + ", until " + e.expires().map(Object::toString).orElse("removed") + ")", null, null, null));
            notices.add(new SuppressionNotice(recipient.asString(), e.source().word(), e.reason(), e.last(), e.expires()));
        }
        if (suppressed.isEmpty()) {
            return; // every entry went meanwhile: the mail goes on to delivery
        }
        if (!free.isEmpty()) {
            Mail copy = mail.duplicate();
            try {
                copy.setRecipients(free);
                getMailetContext().sendMail(copy, relayProcessor);
            } finally {
                LifecycleUtil.dispose(copy); // the spool keeps its own copy
            }
            mail.setRecipients(suppressed);
        }
        recordAsSent(mail);
        mail.setAttribute(new Attribute(LocalizedBounce.OUTCOMES, AttributeValue.of(DeliveryOutcome.toJson(outcomes))));
        mail.setAttribute(new Attribute(ReturnPathAttributes.SUPPRESSION_NOTICES, AttributeValue.of(SuppressionNotice.toJson(notices))));
        LOGGER.info("mail {} from {} not sent to {}: on the suppression list; the sender is told", mail.getName(),
            mail.getMaybeSender().asString(), suppressed);
        mail.setState(bounceProcessor);
    }

    /** Our own notice refers to this mail: recorded, it reads as genuine when it comes back to a local sender. */
    private void recordAsSent(Mail mail) {
        if (sent == null) {
            return;
        }
        try {
            sent.record(Optional.ofNullable(mail.getMessage().getMessageID()), DsnMapping.envelopeId(mail));
        } catch (MessagingException | RuntimeException e) {
            LOGGER.warn("cannot record mail {} as answered: {}", mail.getName(), e.getMessage());
        }
    }

    /** The entry's status as a permanent failure (the mail is not sent, ever): 5.Y.Z; 5.7.1 without one. */
    static EnhancedStatusCode status(SuppressionEntry entry) {
        try {
            EnhancedStatusCode code = EnhancedStatusCode.parse(entry.status());
            return new EnhancedStatusCode(5, code.subject(), code.detail());
        } catch (IllegalArgumentException e) {
            return new EnhancedStatusCode(5, 7, 1);
        }
    }

    @Override
    public void destroy() {
        JamesStores.release(store);
        store = null;
    }

    @Override
    public String getMailetInfo() {
        return "Postino: answers mail to suppressed recipients";
    }
}
