package dev.postino.core.dsn;

import java.util.List;

/**
 * A composed delivery status notification, to be sent with the null reverse-path.
 *
 * @param recipient the address it goes to: the original's reverse-path
 * @param languages the languages it is written in, first first
 * @param message   the whole message, RFC 5322 with CRLF line ends
 */
public record Notification(String recipient, List<String> languages, byte[] message) {
}
