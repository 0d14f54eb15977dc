package dev.postino.core.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The header section of a message as every check reads it (DKIM, DMARC's From, the SMTP hook, the mailets and
 * {@code postino auth}), read by {@link HeaderSectionReader}: lines end at LF (after CR or alone), the section
 * ends at the first empty line or at the end of the message, and a line starting with SP or HTAB continues the
 * field above it.
 *
 * <p>A CR that is not followed by LF (a "bare CR") is kept inside the line, and recorded: RFC 5322 §2.2 forbids
 * it, and other readers end a line there (javax.mail does, and so do the IMAP clients that show the message),
 * so that they see other fields, or an earlier end of the section, than this reading. A message with one
 * cannot be authenticated: {@link #problem()} says so.
 *
 * @param fields         the fields in order, as received
 * @param size           the octets read, the empty line that ends the section included
 * @param endsWithEmptyLine the section ended at an empty line (else at the end of the message, or at the bound)
 * @param tooLarge       the section was cut at the size bound; {@code fields} holds what came before it
 * @param maxBytes       that bound
 * @param bareCr         a CR not followed by LF occurs in the section
 * @param mixedLineEnds  the section has both CRLF and bare LF line ends (accepted: both end a line for every
 *                       reader; recorded for the logs)
 */
public record HeaderSection(List<Field> fields, long size, boolean endsWithEmptyLine, boolean tooLarge, int maxBytes,
                            boolean bareCr, boolean mixedLineEnds) {

    /** One header field: {@code raw} holds its octets as chars (ISO-8859-1), continuation lines joined with their
     * line ends, without the final line end; {@code name} is the text before the first colon, trimmed, lowercase. */
    public record Field(String name, String raw) {

        /** Names most messages have, lowercase: such a field is named without a new string. */
        private static final String[] COMMON_NAMES = {"from", "to", "cc", "subject", "date", "message-id",
            "mime-version", "content-type", "content-transfer-encoding", "received", "dkim-signature", "reply-to",
            "sender", "references", "in-reply-to", "return-path", "authentication-results", "list-id",
            "list-unsubscribe", "x-mailer", "user-agent", "content-language"};

        public static Field of(String raw) {
            int colon = raw.indexOf(':');
            if (colon > 0) {
                char first = (char) (raw.charAt(0) | 0x20); // a letter lowercased; no other octet becomes a letter
                for (String common : COMMON_NAMES) {
                    // the whole text before the colon, so no whitespace to strip; Latin-1 folds to ASCII letters
                    // only from ASCII letters
                    if (common.length() == colon && common.charAt(0) == first && isName(raw, common)) {
                        return new Field(common, raw);
                    }
                }
            }
            String name = (colon < 0 ? raw : raw.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
            return new Field(name, raw);
        }

        /**
         * The first {@code common.length()} chars of {@code raw} are {@code common} (lowercase letters and hyphens),
         * ASCII letters in either case: what {@code regionMatches(true, ...)} says there, without its per-char case
         * mapping (no Latin-1 char but an ASCII letter maps to one).
         */
        private static boolean isName(String raw, String common) {
            for (int i = 0; i < common.length(); i++) {
                char c = raw.charAt(i);
                char k = common.charAt(i);
                if (c != k && (k < 'a' || k > 'z' || (c | 0x20) != k)) {
                    return false;
                }
            }
            return true;
        }

        /** The octets after the first colon, as chars (empty if there is none). */
        public String value() {
            int colon = raw.indexOf(':');
            return colon < 0 ? "" : raw.substring(colon + 1);
        }
    }

    public HeaderSection {
        fields = List.copyOf(fields);
    }

    /** Reads the header section of a whole message in memory ({@link HeaderSectionReader#DEFAULT_MAX_BYTES}). */
    public static HeaderSection of(byte[] message) {
        try {
            return new HeaderSectionReader(new ByteArrayInputStream(message))
                .read(HeaderSectionReader.DEFAULT_MAX_BYTES, true);
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
    }

    /**
     * Why this header section cannot be used to authenticate the message, or empty: a bare CR, or a section
     * larger than the bound (fields past it would go unseen).
     */
    public Optional<String> problem() {
        if (bareCr) {
            return Optional.of("bare CR in the header section");
        }
        if (tooLarge) {
            return Optional.of("header section larger than " + maxBytes + " octets");
        }
        return Optional.empty();
    }

    /** The values (after the colon, folding kept) of the fields named {@code name}, as {@link #text} reads them. */
    public List<String> values(String name) {
        return values(fields, name.toLowerCase(Locale.ROOT));
    }

    /**
     * The values of the From fields that any reader may see, for DMARC: those of this reading and, when a bare
     * CR is present, also those of a reader that ends lines (and the section) at a bare CR, as javax.mail does.
     * A value both readings see counts once; so several values mean several authors, and DMARC cannot pass.
     */
    public List<String> authorFieldValues() {
        List<String> ours = values(fields, "from");
        if (!bareCr) {
            return ours;
        }
        List<String> all = new ArrayList<>(ours);
        Map<String, Integer> unmatched = new HashMap<>();
        for (String value : ours) {
            unmatched.merge(value, 1, Integer::sum);
        }
        for (String value : values(fieldsEndingLinesAtBareCr(), "from")) {
            if (unmatched.merge(value, -1, Integer::sum) < 0) {
                all.add(value);
            }
        }
        return all;
    }

    /**
     * The fields as a reader that also ends a line at a bare CR (javax.mail's InternetHeaders) splits the same
     * octets: the section ends at its first empty line, which may come earlier than in this reading.
     */
    public List<Field> fieldsEndingLinesAtBareCr() {
        List<Field> out = new ArrayList<>();
        StringBuilder field = null;
        for (Field received : fields) {
            String raw = received.raw();
            int start = 0;
            while (start <= raw.length()) {
                int end = start;
                while (end < raw.length() && raw.charAt(end) != '\r' && raw.charAt(end) != '\n') {
                    end++;
                }
                String line = raw.substring(start, end);
                if (line.isEmpty()) {
                    if (field != null) {
                        out.add(Field.of(field.toString()));
                    }
                    return out; // the empty line that ends the section for this reader
                }
                if (field != null && (line.charAt(0) == ' ' || line.charAt(0) == '\t')) {
                    field.append("\r\n").append(line);
                } else {
                    if (field != null) {
                        out.add(Field.of(field.toString()));
                    }
                    field = new StringBuilder(line);
                }
                if (end == raw.length()) {
                    break;
                }
                start = raw.startsWith("\r\n", end) ? end + 2 : end + 1;
            }
        }
        if (field != null) {
            out.add(Field.of(field.toString()));
        }
        return out;
    }

    private static List<String> values(List<Field> fields, String lowercaseName) {
        List<String> out = new ArrayList<>();
        for (Field field : fields) {
            if (field.name().equals(lowercaseName)) {
                out.add(text(field.value()));
            }
        }
        return out;
    }

    /**
     * Header octets held as ISO-8859-1 chars, read as UTF-8 when they are valid UTF-8 (an SMTPUTF8 message,
     * RFC 6532): reading its domain as Latin-1 would evaluate some other domain. Otherwise unchanged.
     */
    public static String text(String latin1) {
        boolean ascii = true;
        for (int i = 0; i < latin1.length(); i++) {
            char c = latin1.charAt(i);
            if (c > 0xff) {
                return latin1;
            }
            ascii &= c < 0x80;
        }
        if (ascii) {
            return latin1;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException notUtf8) {
            return latin1;
        }
    }
}
