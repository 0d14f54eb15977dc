package dev.postino.core.delivery;

import java.time.Instant;
import java.util.Locale;

/**
 * How one attempt at one domain went, for the delivery log and the metrics: the host of the last session, the TLS
 * it had, and when the attempt started (before DNS), when the message's transmission started (MAIL FROM was sent;
 * null when it never was) and when the attempt ended. {@link SmtpClient} fills in the session's part,
 * {@link SmtpDelivery} the times around it.
 *
 * @param relay               {@code host[address]:port} of the host of the last session, null when no host was tried
 * @param tls                 the TLS of that session
 * @param tlsProtocol         e.g. {@code TLSv1.3}, null without TLS
 * @param tlsCipher           e.g. {@code TLS_AES_256_GCM_SHA384}, null without TLS
 * @param started             when the attempt started, null when unknown
 * @param transmissionStarted when MAIL FROM was sent, null when it never was
 * @param ended               when the attempt ended, null when unknown
 */
public record AttemptTrace(String relay, Tls tls, String tlsProtocol, String tlsCipher, Instant started,
                           Instant transmissionStarted, Instant ended) {

    /** The TLS of a session: none, encrypted with any certificate, or with one verified for the host. */
    public enum Tls {
        NONE, ANONYMOUS, VERIFIED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public AttemptTrace {
        tls = tls == null ? Tls.NONE : tls;
    }

    /** An attempt that reached no host (DNS failed, a null MX, nothing could be sent). */
    public static AttemptTrace withoutSession(Instant started, Instant ended) {
        return new AttemptTrace(null, Tls.NONE, null, null, started, null, ended);
    }

    /** {@code host[address]:port}, as Postfix writes {@code relay=}. */
    public static String relay(SmtpClient.RemoteHost host) {
        return host.name() + "[" + host.address().getHostAddress() + "]:" + host.port();
    }

    /** This session's part within the attempt from {@code attemptStarted} to {@code attemptEnded}. */
    public AttemptTrace within(Instant attemptStarted, Instant attemptEnded) {
        return new AttemptTrace(relay, tls, tlsProtocol, tlsCipher, attemptStarted, transmissionStarted, attemptEnded);
    }
}
