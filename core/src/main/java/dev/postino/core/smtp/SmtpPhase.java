package dev.postino.core.smtp;

import java.util.Locale;

/** Where in an SMTP transaction a delivery attempt stopped: what the delivery engine reports and retry rules match. */
public enum SmtpPhase {
    /** Opening the TCP connection (refused, timed out, unreachable). */
    CONNECT,
    /** Waiting for or reading the server's 220 greeting. */
    GREETING,
    /** EHLO, or its HELO fallback. */
    EHLO,
    /** STARTTLS and the TLS handshake after it. */
    STARTTLS,
    /** MAIL FROM. */
    MAIL,
    /** RCPT TO. */
    RCPT,
    /** The DATA command itself, before the message is sent. */
    DATA,
    /** The reply after the message's final {@code .}. */
    END_OF_DATA;

    /** The name people and configuration use: {@code rcpt}, {@code end-of-data}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a label such as {@code rcpt} or {@code end-of-data} (case-insensitive; {@code _} and {@code -} alike).
     *
     * @throws IllegalArgumentException naming the accepted labels
     */
    public static SmtpPhase parse(String label) {
        String normalized = label.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (SmtpPhase phase : values()) {
            if (phase.name().equals(normalized)) {
                return phase;
            }
        }
        throw new IllegalArgumentException("unknown SMTP phase '" + label
            + "': expected connect, greeting, ehlo, starttls, mail, rcpt, data or end-of-data");
    }
}
