package dev.postino.core.delivery;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the SMTP client waits in each phase. The defaults are RFC 5321 section 4.5.3.2's minimums, but 30
 * seconds to connect (as Postfix's {@code smtp_connect_timeout}).
 *
 * @param connect   opening the TCP connection
 * @param command   the greeting and each reply to EHLO, STARTTLS, AUTH, MAIL, RCPT and DATA (RFC: 5 minutes)
 * @param dataBlock writing the message, without progress (RFC: 3 minutes)
 * @param endOfData the reply after the final {@code .} (RFC: 10 minutes)
 */
public record SmtpTimeouts(Duration connect, Duration command, Duration dataBlock, Duration endOfData) {

    public static final SmtpTimeouts DEFAULTS = new SmtpTimeouts(Duration.ofSeconds(30), Duration.ofMinutes(5),
        Duration.ofMinutes(3), Duration.ofMinutes(10));

    public SmtpTimeouts {
        for (Duration d : new Duration[] {connect, command, dataBlock, endOfData}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be more than 0s, were " + connect + ", " + command
                    + ", " + dataBlock + ", " + endOfData);
            }
        }
    }

    /** Every phase waits at most {@code timeout}, for tests. */
    public static SmtpTimeouts all(Duration timeout) {
        return new SmtpTimeouts(timeout, timeout, timeout, timeout);
    }
}
