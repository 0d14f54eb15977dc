package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import javax.mail.MessagingException;

import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.delivery.DeliveryLogLine;
import dev.postino.core.delivery.DeliveryRound;
import dev.postino.core.delivery.SmtpDelivery;
import dev.postino.core.log.LogLine;

/**
 * The delivery log and the delivery metrics: one line per recipient per attempt on the logger {@code postino.delivery}
 * ({@link DeliveryLogLine}, in the format of the init parameter {@code deliveryLogFormat}: {@code keyvalue}, the
 * default, or {@code json}), one line per notification sent or withheld, and the {@code postino_delivery_*} and
 * {@code postino_notifications_*} metrics (the README lists them). Never throws: the log must not stop delivery.
 *
 * <p>Attribute: {@code postino.delivery.received}, the ISO-8601 instant James received the mail (its last-updated
 * time when {@code PolicyRemoteDelivery} queued it), for the first of the {@code delays}.
 */
public final class DeliveryLog {

    /** The logger of the delivery log. */
    public static final String LOGGER_NAME = "postino.delivery";
    /** The init parameter naming the format. */
    public static final String FORMAT_PARAMETER = "deliveryLogFormat";
    static final AttributeName RECEIVED = AttributeName.of("postino.delivery.received");

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger LOGGER = LoggerFactory.getLogger(DeliveryLog.class);
    /** Past this many mails the queue's age gauge stops looking (it is read at every scrape). */
    private static final int MAX_BROWSED = 100_000;
    private static final Duration GAUGE_CACHE = Duration.ofSeconds(5);

    private final LogLine.Format format;
    private final PostinoMetrics metrics;

    public DeliveryLog(LogLine.Format format, PostinoMetrics metrics) {
        this.format = format;
        this.metrics = metrics;
    }

    /** The format {@value #FORMAT_PARAMETER} names; a value that is neither refuses the start in one line. */
    public static LogLine.Format format(MailetConfig config) throws MessagingException {
        Set<String> present = new java.util.HashSet<>();
        config.getInitParameterNames().forEachRemaining(present::add);
        return MailetParameters.read(config, present).value(FORMAT_PARAMETER, LogLine.Format.KEYVALUE, LogLine.Format::parse);
    }

    /** Notes when James received {@code mail}, as it is queued at {@code queued}. */
    static void received(Mail mail, Instant queued) {
        try {
            Instant received = mail.getLastUpdated() == null ? queued : mail.getLastUpdated().toInstant();
            mail.setAttribute(new Attribute(RECEIVED, AttributeValue.of((received.isAfter(queued) ? queued : received).toString())));
        } catch (RuntimeException e) {
            LOGGER.debug("{}: no receipt time", mail.getName(), e);
        }
    }

    private static Instant receivedOf(Mail mail) {
        try {
            return mail.getAttribute(RECEIVED).map(a -> a.getValue().value()).filter(String.class::isInstance)
                .map(v -> Instant.parse((String) v)).orElse(null);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** One attempt at one domain, timed as {@code postino_delivery_attempt_time}. */
    SmtpDelivery.DomainAttempt timed(Supplier<SmtpDelivery.DomainAttempt> attempt) {
        return metrics.time("postino_delivery_attempt_time", attempt);
    }

    /** Logs and counts what one round of {@code mail} did. */
    void round(Mail mail, DeliveryRound.Pending pending, Map<String, SmtpDelivery.DomainAttempt> attempts,
               DeliveryRound.Result result, Instant now) {
        try {
            for (DeliveryLogLine line : DeliveryLogLine.ofRound(mail.getName(), pending, attempts, result, receivedOf(mail), now)) {
                LOG.info(line.format(format));
                count(line);
            }
        } catch (RuntimeException e) {
            LOGGER.warn("{}: no delivery log for this round: {}", mail.getName(), e.toString());
        }
    }

    private void count(DeliveryLogLine line) {
        metrics.count("postino_delivery_attempts");
        metrics.count("postino_delivery_status_" + line.status().label());
        metrics.count("postino_delivery_dsn_" + PostinoMetrics.word(line.dsnClass()));
        metrics.count("postino_delivery_tls_" + line.tls().label());
        if (line.status() != DeliveryLogLine.Status.DEFERRED) {
            metrics.record("postino_delivery_total_time", line.delays().total());
        }
    }

    /** What a notice mail reports: {@code postino.delivery.notice}, else {@code failed} (James's own bounces). */
    static String noticeOf(Mail mail) {
        return mail.getAttribute(DeliveryAttributes.NOTICE).map(a -> a.getValue().value()).filter(String.class::isInstance)
            .map(String.class::cast).map(PostinoMetrics::word).orElse("failed");
    }

    /** Logs and counts a notification sent, or withheld and why. */
    void notification(String queueId, String action, String sender, int recipients, boolean sent, String reason) {
        try {
            LOG.info(DeliveryLogLine.notification(queueId, action, sender, recipients, sent, reason).format(format));
            metrics.count(sent ? "postino_notifications_sent" : "postino_notifications_withheld");
        } catch (RuntimeException e) {
            LOGGER.warn("{}: no notification log line: {}", queueId, e.toString());
        }
    }

    /**
     * Exports {@code postino_delivery_queue_oldest_age_seconds}: the age of the mail longest in {@code queue} (0 when
     * empty), when James's queue can be browsed; read at most every 5 seconds.
     */
    void watch(MailQueue queue, Clock clock) {
        if (!(queue instanceof ManageableMailQueue manageable)) {
            return;
        }
        metrics.gauge("postino_delivery_queue_oldest_age_seconds", new Supplier<Number>() {
            private Instant readAt = Instant.MIN;
            private double age;

            @Override
            public synchronized Number get() {
                Instant now = clock.instant();
                if (Duration.between(readAt, now).compareTo(GAUGE_CACHE) >= 0) {
                    age = oldestAge(manageable, now);
                    readAt = now;
                }
                return age;
            }
        });
    }

    private static double oldestAge(ManageableMailQueue queue, Instant now) {
        Instant oldest = null;
        int seen = 0;
        ManageableMailQueue.MailQueueIterator items = null;
        try {
            items = queue.browse();
            while (items.hasNext() && seen++ < MAX_BROWSED) {
                Mail mail = items.next().getMail();
                Optional<Instant> arrival = DeliveryAttributes.states(mail).stream().map(s -> s.retry().arrival())
                    .min(Instant::compareTo);
                if (arrival.isPresent() && (oldest == null || arrival.get().isBefore(oldest))) {
                    oldest = arrival.get();
                }
            }
        } catch (Exception e) {
            LOGGER.debug("cannot browse the outgoing queue", e);
        } finally {
            if (items != null) {
                items.close();
            }
        }
        return oldest == null || oldest.isAfter(now) ? 0 : Duration.between(oldest, now).toMillis() / 1000.0;
    }
}
