package dev.postino.core.dsn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The message a notification is about, as raw bytes with CRLF line ends, and its header fields unfolded.
 * Reads any bytes without failing: a message without a blank line is all header.
 */
public final class OriginalMessage {

    private final byte[] bytes;
    private final int headerLength;
    private final List<String[]> fields = new ArrayList<>();

    private OriginalMessage(byte[] bytes) {
        this.bytes = bytes;
        int end = bytes.length;
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                end = i + 2;
                break;
            }
        }
        if (bytes.length >= 2 && bytes[0] == '\r' && bytes[1] == '\n') {
            end = 0;
        }
        this.headerLength = end;
        parseFields(new String(bytes, 0, end, StandardCharsets.UTF_8));
    }

    /** Reads {@code raw}; bare LF and bare CR line ends become CRLF. */
    public static OriginalMessage parse(byte[] raw) {
        return new OriginalMessage(crlf(raw));
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

    static byte[] crlf(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length + raw.length / 40);
        for (int i = 0; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\n') {
                out.write('\r');
                out.write('\n');
            } else if (b == '\r') {
                out.write('\r');
                out.write('\n');
                if (i + 1 < raw.length && raw[i + 1] == '\n') {
                    i++;
                }
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
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
        return bytes;
    }

    /** The header section with its terminating CRLF, without the blank line. */
    public byte[] headerBytes() {
        byte[] header = new byte[headerLength];
        System.arraycopy(bytes, 0, header, 0, headerLength);
        return header;
    }

    /** True when the header holds octets above 127 (RFC 6532 UTF-8 headers). */
    public boolean hasEightBitHeader() {
        return hasEightBit(true);
    }

    /** True when any part of the message holds octets above 127. */
    boolean hasEightBit(boolean headerOnly) {
        int end = headerOnly ? headerLength : bytes.length;
        for (int i = 0; i < end; i++) {
            if (bytes[i] < 0) {
                return true;
            }
        }
        return false;
    }
}
