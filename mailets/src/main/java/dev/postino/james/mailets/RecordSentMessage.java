package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.bounce.BounceRates;
import dev.postino.core.bounce.SentMessages;
import dev.postino.core.store.PostinoStore;
import dev.postino.james.store.JamesStores;

/**
 * Remembers, as the mail leaves for remote delivery, what a genuine bounce will refer to: a hash of the message's
 * Message-ID and of its ENVID (never the text), kept for {@code sentRetention}; and counts the recipients attempted
 * for the sender's and its domain's bounce rates. Put it in the relay processor just before remote delivery (after
 * the suppression check). It never stops the mail: with the store down it logs a warning and the mail goes on (a
 * bounce for it would then read {@code forged}).
 *
 * <p>Init parameters (optional): {@code sentRetention} (default {@code 30d}): how long a record is kept; keep it equal
 * to {@code BounceClassifier}'s.
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.RecordSentMessage"/>}</pre>
 */
public class RecordSentMessage extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(RecordSentMessage.class);

    private final FileSystem fileSystem;
    private final Clock clock;
    private PostinoStore store;
    private boolean ownStore;
    private SentMessages sent;
    private BounceRates rates;

    @Inject
    public RecordSentMessage(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
        this.clock = Clock.systemUTC();
    }

    /** For tests: this store and clock. */
    public RecordSentMessage(PostinoStore store, Clock clock) {
        this.fileSystem = null;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), Set.of("sentRetention"));
        Duration retention = parameters.duration("sentRetention", SentMessages.DEFAULT_RETENTION);
        if (retention.isZero() || retention.isNegative()) {
            throw parameters.invalid("sentRetention", parameters.string("sentRetention", ""), "a positive duration such as 30d");
        }
        if (store == null) {
            store = JamesStores.acquire(fileSystem);
            ownStore = true;
        }
        sent = new SentMessages(store, retention, clock);
        rates = new BounceRates(store, clock);
    }

    @Override
    public void service(Mail mail) {
        try {
            Optional<String> messageId = Optional.ofNullable(mail.getMessage().getMessageID());
            sent.record(messageId, DsnMapping.envelopeId(mail));
            rates.recordAttempted(mail.getMaybeSender().asString(""), mail.getRecipients().size());
        } catch (MessagingException | RuntimeException e) {
            LOGGER.warn("cannot record sent mail {} (a bounce for it will read as forged): {}", mail.getName(), e.getMessage());
        }
    }

    @Override
    public void destroy() {
        if (ownStore) {
            JamesStores.release(store);
            store = null;
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino: records sent Message-IDs for bounce verification";
    }
}
