package dev.postino.core.dmarc.report;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One {@code rua} destination Postino can send to: a {@code mailto:} URI (RFC 9989 §4.7), with its optional size
 * limit ({@code !10m}). Other schemes are not supported and parse as empty.
 *
 * @param uri      the URI as written in the record
 * @param address  the mailbox, %-decoded
 * @param host     the mailbox's domain, lowercase: RFC 9990's "destination host"
 * @param maxBytes the size limit in octets, when the URI sets one
 */
public record ReportDestination(String uri, String address, String host, OptionalLong maxBytes) {

    /** Longest URI considered: a record is at most a few hundred octets anyway. */
    private static final int MAX_URI = 512;

    /** The destination {@code uri} names, or empty when it is not a usable {@code mailto:} URI. */
    public static Optional<ReportDestination> parse(String uri) {
        if (uri == null || uri.length() > MAX_URI) {
            return Optional.empty();
        }
        String text = uri.strip();
        if (!text.regionMatches(true, 0, "mailto:", 0, 7)) {
            return Optional.empty();
        }
        String rest = text.substring(7);
        OptionalLong limit = OptionalLong.empty();
        int bang = rest.lastIndexOf('!');
        if (bang >= 0) {
            limit = size(rest.substring(bang + 1));
            if (limit.isEmpty()) {
                return Optional.empty();
            }
            rest = rest.substring(0, bang);
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query); // hfields (subject=...) are not ours to set
        }
        Optional<String> decoded = percentDecode(rest);
        if (decoded.isEmpty()) {
            return Optional.empty();
        }
        String address = decoded.get();
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1 || address.indexOf(',') >= 0 || address.chars().anyMatch(c -> c <= ' ')) {
            return Optional.empty();
        }
        String host = address.substring(at + 1).toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        if (!host.matches("[a-z0-9_]([a-z0-9_-]{0,62}\\.)*[a-z0-9_-]{1,63}") ) {
            return Optional.empty();
        }
        return Optional.of(new ReportDestination(text, address, host, limit));
    }

    /** Whether a report of {@code octets} (as sent: after compression and transfer encoding) fits the limit. */
    public boolean accepts(long octets) {
        return maxBytes.isEmpty() || octets <= maxBytes.getAsLong();
    }

    /** RFC 9989's size: digits and an optional unit k, m, g or t (powers of 1024). */
    private static OptionalLong size(String text) {
        if (text.isEmpty() || text.length() > 20) {
            return OptionalLong.empty();
        }
        char unit = Character.toLowerCase(text.charAt(text.length() - 1));
        int shift = switch (unit) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? text : text.substring(0, text.length() - 1);
        if (digits.isEmpty() || digits.length() > 12 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalLong.empty();
        }
        long value = Long.parseLong(digits);
        // 12 digits with t (2^40) overflow a long: such a limit is larger than any report, so it saturates
        return OptionalLong.of(value > Long.MAX_VALUE >> shift ? Long.MAX_VALUE : value << shift);
    }

    private static Optional<String> percentDecode(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%') {
                if (i + 2 >= text.length()) {
                    return Optional.empty();
                }
                int hi = Character.digit(text.charAt(i + 1), 16);
                int lo = Character.digit(text.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return Optional.empty();
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                return Optional.empty();
            }
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }

    /** Octets of {@code content} once base64-encoded in lines of 76 characters with CRLF, as a MIME part carries it. */
    public static long base64Size(long content) {
        long chars = (content + 2) / 3 * 4;
        long lines = (chars + 75) / 76;
        return chars + 2 * lines;
    }
}
