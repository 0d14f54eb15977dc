package dev.postino.core.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the SMTP client waits. The per-phase defaults are RFC 5321 section 4.5.3.2's minimums, but 30 seconds to
 * connect (as Postfix's {@code smtp_connect_timeout}). Each is a deadline, not an idle timeout: a reply must be
 * complete within its phase's time, however the server spreads its bytes, and the whole session must end within
 * {@link #sessionDeadline(long)}.
 *
 * @param connect     opening the TCP connection
 * @param command     the whole reply to the greeting, EHLO, STARTTLS (with the TLS handshake), AUTH, MAIL, RCPT
 *                    and DATA (RFC: 5 minutes)
 * @param dataBlock   writing each 64 KiB block of the message (RFC: 3 minutes)
 * @param endOfData   the whole reply after the final {@code .} (RFC: 10 minutes)
 * @param session     the whole session, connection to QUIT, for a message of no size (default 10 minutes)
 * @param minDataRate the slowest transfer, in octets per second, the session deadline allows on top of
 *                    {@code session} for the message itself (default 10240, so 10 MB add about 16 minutes)
 */
public record SmtpTimeouts(Duration connect, Duration command, Duration dataBlock, Duration endOfData, Duration session,
                           long minDataRate) {

    public static final Duration DEFAULT_SESSION = Duration.ofMinutes(10);
    public static final long DEFAULT_MIN_DATA_RATE = 10_240;

    public static final SmtpTimeouts DEFAULTS = new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5),
        Duration.ofMinutes(3), Duration.ofMinutes(10));

    public SmtpTimeouts {
        for (Duration d : new Duration[] {connect, command, dataBlock, endOfData, session}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be more than 0s, were " + connect + ", " + command
                    + ", " + dataBlock + ", " + endOfData + ", " + session);
            }
        }
        if (minDataRate < 1) {
            throw new IllegalArgumentException("minDataRate must be at least 1 octet per second, was " + minDataRate);
        }
    }

    /** The per-phase timeouts with the default session deadline. */
    public SmtpTimeouts(Duration connect, Duration command, Duration dataBlock, Duration endOfData) {
        this(connect, command, dataBlock, endOfData, DEFAULT_SESSION, DEFAULT_MIN_DATA_RATE);
    }

    /** Every phase waits at most {@code timeout} (the session deadline keeps its default), for tests. */
    public static SmtpTimeouts all(Duration timeout) {
        return new SmtpTimeouts(timeout, timeout, timeout, timeout);
    }

    public SmtpTimeouts withSession(Duration newSession, long newMinDataRate) {
        return new SmtpTimeouts(connect, command, dataBlock, endOfData, newSession, newMinDataRate);
    }

    /** The most one session may take for a message of {@code messageSize} octets: {@code session + size / minDataRate}. */
    public Duration sessionDeadline(long messageSize) {
        long size = Math.max(0, messageSize);
        return session.plusSeconds(size / minDataRate).plusNanos(size % minDataRate * 1_000_000_000L / minDataRate);
    }
}
