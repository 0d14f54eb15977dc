package dev.postino.core.dsn;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The message a notification is about, as raw bytes with CRLF line ends, and its header fields unfolded.
 * Reads any bytes without failing: a message without a blank line is all header. Only the header is read
 * up front: the body is looked at only when a notification returns it whole.
 */
public final class OriginalMessage {

    private final byte[] raw;
    private final byte[] header;
    private final List<String[]> fields = new ArrayList<>();
    private byte[] bytes;
    private List<Integer> dashLines;

    private OriginalMessage(byte[] raw) {
        this.raw = raw;
        this.header = crlf(Arrays.copyOf(raw, headerEnd(raw)));
        parseFields(new String(header, StandardCharsets.UTF_8));
    }

    /** Reads {@code raw}; bare LF and bare CR line ends become CRLF. */
    public static OriginalMessage parse(byte[] raw) {
        return new OriginalMessage(raw);
    }

    /** Where the header ends in {@code raw}: after the line break that precedes the first empty line. */
    private static int headerEnd(byte[] raw) {
        boolean lineStart = true;
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\r' || b == '\n') {
                if (lineStart) {
                    return i;
                }
                if (b == '\r' && i + 1 < raw.length && raw[i + 1] == '\n') {
                    i++;
                }
                lineStart = true;
            } else {
                lineStart = false;
            }
        }
        return raw.length;
    }

    private void parseFields(String header) {
        String name = null;
        StringBuilder value = new StringBuilder();
        for (String line : header.split("\r\n")) {
            if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
                value.append(line);
                continue;
            }
            if (name != null) {
                fields.add(new String[] {name, value.toString().trim()});
            }
            int colon = line.indexOf(':');
            name = colon > 0 ? line.substring(0, colon).trim() : null;
            value.setLength(0);
            if (name != null) {
                value.append(line.substring(colon + 1));
            }
        }
        if (name != null) {
            fields.add(new String[] {name, value.toString().trim()});
        }
    }

    /** {@code raw} with CRLF line ends; the same array when it has them already, as mail in James does. */
    static byte[] crlf(byte[] raw) {
        int bare = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r') || raw[i] == '\r' && (i + 1 == raw.length || raw[i + 1] != '\n')) {
                bare++;
            }
        }
        if (bare == 0) {
            return raw;
        }
        byte[] out = new byte[raw.length + bare];
        int o = 0;
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\n' || b == '\r') {
                out[o++] = '\r';
                out[o++] = '\n';
                if (b == '\r' && i + 1 < raw.length && raw[i + 1] == '\n') {
                    i++;
                }
            } else {
                out[o++] = b;
            }
        }
        return out;
    }

    /** The first field named {@code name} (any case), unfolded and trimmed; null when there is none. */
    public String header(String name) {
        for (String[] field : fields) {
            if (field[0].equalsIgnoreCase(name)) {
                return field[1];
            }
        }
        return null;
    }

    /** The Subject with its RFC 2047 words decoded; empty when there is none. */
    public String subject() {
        String subject = header("Subject");
        return subject == null ? "" : HeaderText.decode(subject);
    }

    /**
     * True when the message is itself an automatic message that must never be answered (RFC 3834 §2, RFC
     * 3464 §1): a {@code multipart/report}, or {@code Auto-Submitted} with any value but {@code no}.
     */
    public boolean isAutomatic() {
        String type = header("Content-Type");
        String auto = header("Auto-Submitted");
        return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/report")
            || auto != null && !auto.toLowerCase(Locale.ROOT).split("[;(\\s]", 2)[0].equals("no");
    }

    /**
     * When the topmost Received field says the message arrived here (the date after its last {@code ;}), or
     * null when there is none or it does not parse.
     */
    public Instant receivedDate() {
        String received = header("Received");
        if (received == null || received.lastIndexOf(';') < 0) {
            return null;
        }
        String date = received.substring(received.lastIndexOf(';') + 1).replaceAll("\\s*\\([^)]*\\)\\s*$", "").trim()
            .replaceAll("\\s+", " ");
        try {
            return ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The whole message, CRLF line ends. */
    public byte[] bytes() {
        if (bytes == null) {
            bytes = crlf(raw);
        }
        return bytes;
    }

    /** Its size in octets, as received. */
    public int size() {
        return raw.length;
    }

    /** The header section with its terminating CRLF, without the blank line. */
    public byte[] headerBytes() {
        return header.clone();
    }

    /** True when the header holds octets above 127 (RFC 6532 UTF-8 headers). */
    public boolean hasEightBitHeader() {
        return hasEightBit(header);
    }

    /** True when the header (or the whole message) holds octets above 127. */
    boolean hasEightBit(boolean headerOnly) {
        return hasEightBit(headerOnly ? header : raw);
    }

    private static boolean hasEightBit(byte[] octets) {
        for (byte b : octets) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when a line of the header (or of the whole message) starts with {@code prefix}, which starts with
     * "--" (a MIME delimiter). The lines of the whole message that start with "--" are found once.
     */
    boolean hasLineStarting(String prefix, boolean headerOnly) {
        byte[] octets = headerOnly ? header : bytes();
        List<Integer> starts = headerOnly ? dashLines(header) : wholeDashLines();
        byte[] wanted = prefix.getBytes(StandardCharsets.US_ASCII);
        for (int start : starts) {
            if (start + wanted.length <= octets.length && Arrays.equals(octets, start, start + wanted.length, wanted, 0, wanted.length)) {
                return true;
            }
        }
        return false;
    }

    private List<Integer> wholeDashLines() {
        if (dashLines == null) {
            dashLines = dashLines(bytes());
        }
        return dashLines;
    }

    private static List<Integer> dashLines(byte[] octets) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 1 < octets.length; i++) {
            if (octets[i] == '-' && octets[i + 1] == '-' && (i == 0 || octets[i - 1] == '\n')) {
                starts.add(i);
            }
        }
        return starts;
    }
}
