package dev.postino.core.delivery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.log.LogLine;
import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * One line of the delivery log: one recipient, one attempt, in Postfix's shape ({@code NAME: from=<...> to=<...>
 * orig_to=<...> relay=host[ip]:port delay=S delays=a/b/c/d tls=... dsn=X.Y.Z status=... (reply) attempt=N next=...}),
 * or as JSON ({@link LogLine}). {@link #ofRound} makes the lines of one {@link DeliveryRound} from what the round was
 * given and what it decided, so the log says exactly what the round did.
 *
 * @param queueId     the James mail name
 * @param from        the reverse-path, empty for the null sender
 * @param to          the recipient
 * @param origTo      the ORCPT address the sender gave, or null
 * @param relay       {@code host[address]:port} of the host tried last, or null when none was ({@code relay=none})
 * @param delays      where the time went; {@code delay=} is their total
 * @param tls         the TLS of the session with {@code relay}
 * @param tlsProtocol the TLS protocol, or null
 * @param tlsCipher   the cipher suite, or null
 * @param dsn         the status: the server's, Postino's own without a reply, {@code 4.4.7} when retries ran out
 * @param status      what became of the recipient
 * @param reply       the remote reply, or what happened when there was none
 * @param attempt     the number of this attempt for this recipient, from 1
 * @param next        for a deferral, when the next attempt is due; else null
 */
public record DeliveryLogLine(String queueId, String from, String to, String origTo, String relay, DeliveryDelays delays,
                              AttemptTrace.Tls tls, String tlsProtocol, String tlsCipher, EnhancedStatusCode dsn,
                              Status status, String reply, int attempt, Instant next) {

    /** What became of a recipient after an attempt. */
    public enum Status {
        /** the server accepted it */
        SENT,
        /** a temporary failure: tried again at {@code next} */
        DEFERRED,
        /** a permanent failure */
        BOUNCED,
        /** temporary failures until the retry rule or the queue lifetime gave up */
        EXPIRED,
        /** not attempted: the address is on a suppression list */
        SUPPRESSED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DeliveryLogLine {
        Objects.requireNonNull(queueId, "queueId");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(delays, "delays");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(dsn, "dsn");
        Objects.requireNonNull(status, "status");
        reply = reply == null ? "" : reply;
    }

    /** The fields, in order; absent ones (no ORCPT, no TLS, no next attempt) are left out. */
    public LogLine toLogLine() {
        return LogLine.of(queueId)
            .address("from", from)
            .address("to", to)
            .address("orig_to", origTo)
            .plain("relay", relay == null ? "none" : relay)
            .plain("delay", DeliveryDelays.seconds(delays.total()))
            .plain("delays", delays.format())
            .plain("tls", tls.label())
            .plain("tls_protocol", tlsProtocol)
            .plain("tls_cipher", tlsCipher)
            .plain("dsn", dsn)
            .plain("status", status.label())
            .remark("reply", reply)
            .plain("attempt", attempt)
            .plain("next", next)
            .build();
    }

    public String format(LogLine.Format format) {
        return toLogLine().format(format);
    }

    /**
     * {@code X.Y}, the class and subject of {@link #dsn} (RFC 3463 defines subjects 0 to 7; any other is
     * {@code X.other}): a bounded set of names for metrics, whatever a server replies.
     */
    public String dsnClass() {
        return dsn.statusClass() + "." + (dsn.subject() >= 0 && dsn.subject() <= 7 ? Integer.toString(dsn.subject()) : "other");
    }

    /**
     * The lines of one round: one per recipient that had an outcome, in the order of the attempts.
     *
     * @param queueId  the mail's name
     * @param pending  the mail as {@link DeliveryRound#decide} was given it
     * @param attempts the attempts it was given
     * @param result   what it decided
     * @param received when James received the mail, or null when unknown
     * @param now      the round's time
     */
    public static List<DeliveryLogLine> ofRound(String queueId, DeliveryRound.Pending pending,
                                                Map<String, SmtpDelivery.DomainAttempt> attempts, DeliveryRound.Result result,
                                                Instant received, Instant now) {
        List<DeliveryLogLine> lines = new ArrayList<>();
        for (SmtpDelivery.DomainAttempt attempt : attempts.values()) {
            AttemptTrace trace = attempt.trace();
            for (AttemptOutcome outcome : attempt.outcomes()) {
                Optional<RecipientState> before = pending.states().stream()
                    .filter(s -> s.recipient().equals(outcome.recipient())).findFirst();
                if (before.isEmpty()) {
                    continue; // not due: the round ignored it, and says so in its problems
                }
                Instant queued = before.get().retry().arrival();
                Optional<RecipientState> after = result.remaining().stream()
                    .filter(s -> s.recipient().equals(outcome.recipient())).findFirst();
                Optional<RecipientNotice> failed = result.notice(RecipientNotice.Action.FAILED).stream()
                    .flatMap(n -> n.notices().stream()).filter(n -> n.recipient().equals(outcome.recipient())).findFirst();
                Status status;
                EnhancedStatusCode dsn = outcome.status();
                Instant next = null;
                if (after.isPresent()) {
                    status = Status.DEFERRED;
                    next = after.get().nextAttempt();
                } else if (outcome.result() == AttemptOutcome.Result.DELIVERED) {
                    status = Status.SENT;
                } else if (outcome.result() == AttemptOutcome.Result.PERMANENT) {
                    status = Status.BOUNCED;
                } else {
                    status = Status.EXPIRED;
                    dsn = failed.map(RecipientNotice::status).orElse(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
                }
                OriginalRecipient orcpt = pending.dsnOf(outcome.recipient()).original();
                String relay = trace != null && trace.relay() != null ? trace.relay() : relayOf(outcome.remoteHost());
                lines.add(new DeliveryLogLine(queueId, pending.sender(), outcome.recipient(),
                    orcpt == null ? null : OriginalRecipient.RFC822.equalsIgnoreCase(orcpt.type()) ? orcpt.address() : orcpt.toString(),
                    relay, DeliveryDelays.of(received, queued, trace, now),
                    trace == null ? AttemptTrace.Tls.NONE : trace.tls(), trace == null ? null : trace.tlsProtocol(),
                    trace == null ? null : trace.tlsCipher(), dsn, status, outcome.diagnostic(),
                    before.get().retry().failures() + 1, next));
            }
        }
        return lines;
    }

    /** {@code mx.example.com [192.0.2.1]:2525} (port 25 left out) as {@code mx.example.com[192.0.2.1]:2525}. */
    static String relayOf(String remoteHost) {
        if (remoteHost == null || remoteHost.isEmpty()) {
            return null;
        }
        String relay = remoteHost.replace(" [", "[");
        return relay.endsWith("]") ? relay + ":25" : relay;
    }

    /**
     * The line for a notification sent or withheld: {@code NAME: notice=failed sender=<...> recipients=N
     * result=sent|withheld (why)}.
     *
     * @param action     what the notification reports ({@code failed}, {@code delayed}, ...), comma-separated
     * @param recipients how many recipients it is about
     * @param reason     why it was withheld; null when sent
     */
    public static LogLine notification(String queueId, String action, String sender, int recipients, boolean sent,
                                       String reason) {
        return LogLine.of(queueId)
            .plain("notice", action)
            .address("sender", sender)
            .plain("recipients", recipients)
            .plain("result", sent ? "sent" : "withheld")
            .remark("reason", reason)
            .build();
    }
}
