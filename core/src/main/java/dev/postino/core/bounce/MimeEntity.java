package dev.postino.core.bounce;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * One MIME entity of a message that is being read as a report: its unfolded header fields and its body, decoded
 * from base64 or quoted-printable, as ISO-8859-1 text with LF line ends (one char per octet, so every step is
 * linear and no octet sequence can fail to decode).
 */
final class MimeEntity {

    /** The bounds a walk over one message keeps. */
    static final class Budget {
        final int maxDepth;
        int partsLeft;
        boolean exhausted;

        Budget(int maxDepth, int maxParts) {
            this.maxDepth = maxDepth;
            this.partsLeft = maxParts;
        }
    }

    final List<String[]> fields;
    final String body;
    final String mediaType;
    final int depth;

    private MimeEntity(List<String[]> fields, String body, int depth, boolean headersOnly) {
        this.fields = fields;
        this.depth = depth;
        String type = firstParameterless(field("content-type"));
        this.mediaType = type.isEmpty() ? "text/plain" : type;
        // only text is read: an attachment (or a returned original's body) is never decoded
        boolean read = !headersOnly && (mediaType.startsWith("text/") || mediaType.startsWith("message/")
                || mediaType.startsWith("multipart/") || mediaType.endsWith("json"));
        this.body = headersOnly ? "" : read ? decode(body, field("content-transfer-encoding")) : body;
    }

    /** Reads an entity from LF-only text: header fields up to the first empty line, then the body. */
    static MimeEntity parse(String text, int depth) {
        return parse(text, depth, false);
    }

    static MimeEntity parse(String text, int depth, boolean headersOnly) {
        List<String[]> fields = new ArrayList<>();
        int pos = 0;
        int n = text.length();
        String name = null;
        StringBuilder value = null;
        while (pos < n) {
            int eol = text.indexOf('\n', pos);
            int end = eol < 0 ? n : eol;
            int next = eol < 0 ? n : eol + 1;
            if (end == pos) {
                pos = next;
                break;
            }
            char c = text.charAt(pos);
            if ((c == ' ' || c == '\t') && value != null) {
                if (value.length() < 16_384) {
                    value.append(' ').append(text, pos, Math.min(end, pos + 16_384)).toString();
                }
            } else {
                int colon = text.indexOf(':', pos);
                if (colon < 0 || colon >= end || colon == pos) {
                    if (fields.isEmpty() && value == null && !text.startsWith("From ", pos)) {
                        // not a header section at all: the whole text is body
                        break;
                    }
                    if (value == null && text.startsWith("From ", pos)) {
                        pos = next;
                        continue;
                    }
                    // a line that is no field ends the header section (a broken message); keep it as body
                    break;
                }
                if (name != null) {
                    fields.add(new String[] {name, value.toString().trim()});
                }
                name = text.substring(pos, colon).trim().toLowerCase(Locale.ROOT);
                value = new StringBuilder(Math.min(end - colon, 16_384));
                value.append(text, colon + 1, Math.min(end, colon + 1 + 16_384));
            }
            pos = next;
            if (fields.size() > 2_000) {
                break;
            }
        }
        if (name != null) {
            fields.add(new String[] {name, value.toString().trim()});
        }
        return new MimeEntity(fields, headersOnly ? "" : text.substring(Math.min(pos, n)), depth, headersOnly);
    }

    /** The first value of the field, unfolded, or "". */
    String field(String lowerName) {
        for (String[] f : fields) {
            if (f[0].equals(lowerName)) {
                return f[1];
            }
        }
        return "";
    }

    boolean hasField(String lowerName) {
        for (String[] f : fields) {
            if (f[0].equals(lowerName)) {
                return true;
            }
        }
        return false;
    }

    String parameter(String lowerName) {
        return parameter(field("content-type"), lowerName);
    }

    private String boundary;
    private boolean guessed;

    boolean isMultipart() {
        return !boundary().isEmpty();
    }

    /**
     * The boundary that splits this body: the declared one when the body uses it, else (a multipart with a wrong
     * boundary, or a report with no Content-Type at all, both seen in real bounces) the first "--token" line that
     * is followed by a MIME header line; "" for a single part.
     */
    String boundary() {
        if (boundary == null) {
            boundary = findBoundary();
        }
        return boundary;
    }

    private String findBoundary() {
        boolean declaredMultipart = mediaType.startsWith("multipart/");
        boolean undeclared = !hasField("content-type");
        if (!declaredMultipart && !undeclared) {
            return "";
        }
        String declared = parameter("boundary");
        if (declaredMultipart && !declared.isEmpty() && declared.length() <= 200) {
            String delimiter = "--" + declared;
            if (body.startsWith(delimiter) || body.contains("\n" + delimiter)) {
                return declared;
            }
        }
        int pos = 0;
        int n = body.length();
        int lines = 0;
        while (pos < n && lines++ < 2_000) {
            int eol = body.indexOf('\n', pos);
            int end = eol < 0 ? n : eol;
            if (end - pos > 3 && end - pos < 200 && body.startsWith("--", pos) && body.charAt(pos + 2) > ' '
                    && eol >= 0 && body.regionMatches(true, eol + 1, "content-", 0, 8)) {
                String token = body.substring(pos + 2, end).trim();
                if (token.indexOf(' ') < 0) {
                    guessed = !declaredMultipart;
                    return token;
                }
            }
            if (eol < 0) {
                break;
            }
            pos = eol + 1;
        }
        return "";
    }

    /** message/rfc822, message/global and their header-only siblings: an enclosed (original) message. */
    boolean isEnclosedMessage() {
        return mediaType.equals("message/rfc822") || mediaType.equals("message/global")
                || mediaType.equals("text/rfc822-headers") || mediaType.equals("message/rfc822-headers")
                || mediaType.equals("message/global-headers") || mediaType.equals("message/partial");
    }

    boolean isDeliveryStatus() {
        return mediaType.equals("message/delivery-status") || mediaType.equals("message/global-delivery-status");
    }

    /** The body's parts, split at the boundary; empty when there is no usable boundary or the budget is spent. */
    List<MimeEntity> children(Budget budget) {
        List<MimeEntity> parts = new ArrayList<>();
        String boundary = boundary();
        if (boundary.isEmpty()) {
            return parts;
        }
        if (depth + 1 > budget.maxDepth) {
            budget.exhausted = true;
            return parts;
        }
        String delimiter = "--" + boundary;
        String text = body;
        int start = -1;
        int pos = 0;
        int n = text.length();
        while (pos <= n) {
            int hit = text.indexOf(delimiter, pos);
            if (hit < 0) {
                break;
            }
            boolean lineStart = hit == 0 || text.charAt(hit - 1) == '\n';
            int eol = text.indexOf('\n', hit);
            int next = eol < 0 ? n : eol + 1;
            if (!lineStart) {
                pos = hit + delimiter.length();
                continue;
            }
            if (start < 0 && guessed && hit > 0 && !text.substring(0, hit).isBlank()) {
                // no declared MIME structure: the text before the first boundary is the notice itself
                if (!addPart(parts, "\n" + text.substring(0, hit - 1), budget)) {
                    return parts;
                }
            }
            if (start >= 0) {
                int end = Math.max(start, hit > 0 ? hit - 1 : hit);
                if (!addPart(parts, text.substring(start, end), budget)) {
                    return parts;
                }
            }
            if (text.startsWith("--", hit + delimiter.length())) {
                return parts;
            }
            start = next;
            pos = next;
            if (eol < 0) {
                break;
            }
        }
        if (start >= 0 && start < n) {
            addPart(parts, text.substring(start), budget); // a truncated message: the last part has no close
        }
        return parts;
    }

    private boolean addPart(List<MimeEntity> parts, String text, Budget budget) {
        if (budget.partsLeft <= 0) {
            budget.exhausted = true;
            return false;
        }
        budget.partsLeft--;
        parts.add(parse(text, depth + 1));
        return true;
    }

    /** The enclosed message of a message/rfc822 entity (or the headers of text/rfc822-headers). */
    MimeEntity enclosed(Budget budget) {
        if (depth + 1 > budget.maxDepth || budget.partsLeft <= 0) {
            budget.exhausted = true;
            return null;
        }
        budget.partsLeft--;
        return parse(body, depth + 1, true); // the original's header fields are all a report needs of it
    }

    static String firstParameterless(String value) {
        int semi = value.indexOf(';');
        String v = (semi < 0 ? value : value.substring(0, semi)).trim();
        int sp = v.indexOf(' ');
        if (sp > 0) {
            v = v.substring(0, sp);
        }
        return v.toLowerCase(Locale.ROOT);
    }

    /** A parameter of a structured field (name=value or name="value"), or "". */
    static String parameter(String value, String lowerName) {
        String lower = value.toLowerCase(Locale.ROOT);
        int from = 0;
        while (true) {
            int hit = lower.indexOf(lowerName, from);
            if (hit < 0) {
                return "";
            }
            from = hit + lowerName.length();
            char before = hit == 0 ? ';' : lower.charAt(hit - 1);
            if (before != ';' && before != ' ' && before != '\t') {
                continue;
            }
            int p = from;
            while (p < lower.length() && lower.charAt(p) == ' ') {
                p++;
            }
            if (p >= lower.length() || lower.charAt(p) != '=') {
                continue;
            }
            p++;
            while (p < lower.length() && lower.charAt(p) == ' ') {
                p++;
            }
            if (p < value.length() && value.charAt(p) == '"') {
                int close = value.indexOf('"', p + 1);
                return close < 0 ? value.substring(p + 1) : value.substring(p + 1, close);
            }
            int end = p;
            while (end < value.length() && value.charAt(end) != ';' && value.charAt(end) != ' ') {
                end++;
            }
            return value.substring(p, end);
        }
    }

    private static String decode(String body, String encoding) {
        String cte = encoding.trim().toLowerCase(Locale.ROOT);
        if (cte.equals("base64")) {
            return decodeBase64(body);
        }
        if (cte.equals("quoted-printable")) {
            return decodeQuotedPrintable(body);
        }
        return body;
    }

    static String decodeBase64(String body) {
        byte[] clean = new byte[body.length()];
        int n = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/') {
                clean[n++] = (byte) c;
            }
        }
        n -= n % 4 == 1 ? 1 : 0;
        try {
            byte[] decoded = Base64.getDecoder().decode(padded(clean, n));
            return BounceText.fromOctets(decoded, 0, decoded.length);
        } catch (IllegalArgumentException e) {
            return body;
        }
    }

    private static byte[] padded(byte[] clean, int n) {
        int pad = (4 - n % 4) % 4;
        byte[] out = new byte[n + pad];
        System.arraycopy(clean, 0, out, 0, n);
        for (int i = 0; i < pad; i++) {
            out[n + i] = '=';
        }
        return out;
    }

    static String decodeQuotedPrintable(String body) {
        StringBuilder out = new StringBuilder(body.length());
        int n = body.length();
        for (int i = 0; i < n; i++) {
            char c = body.charAt(i);
            if (c != '=') {
                out.append(c);
                continue;
            }
            if (i + 1 < n && body.charAt(i + 1) == '\n') {
                i++;
                continue;
            }
            if (i + 2 < n && hex(body.charAt(i + 1)) >= 0 && hex(body.charAt(i + 2)) >= 0) {
                out.append((char) (hex(body.charAt(i + 1)) * 16 + hex(body.charAt(i + 2))));
                i += 2;
                continue;
            }
            // "=" followed by trailing blanks then the line end: a soft break
            int j = i + 1;
            while (j < n && (body.charAt(j) == ' ' || body.charAt(j) == '\t')) {
                j++;
            }
            if (j < n && body.charAt(j) == '\n') {
                i = j;
                continue;
            }
            out.append(c);
        }
        return BounceText.lineEnds(out.toString());
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /** Text as UTF-8 when its octets are UTF-8 (for people and JSON), else as they were. */
    static String readable(String latin1) {
        boolean high = false;
        for (int i = 0; i < latin1.length(); i++) {
            if (latin1.charAt(i) >= 0x80) {
                high = true;
                break;
            }
        }
        if (!high) {
            return latin1;
        }
        byte[] octets = latin1.getBytes(StandardCharsets.ISO_8859_1);
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(octets)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return latin1;
        }
    }
}
