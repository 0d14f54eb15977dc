package dev.postino.core.spf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A parsed macro-string (RFC 7208 §7.1): literal text and macros such as {@code %{ir}} or {@code %{d2}},
 * checked once when the record is parsed and expanded for each evaluation by {@link #expandDomain} or
 * {@link #expandText}.
 *
 * <p>Every step is linear in its input, and an expansion's work is bounded whatever the record and the
 * macro values: a domain expansion is built from the right and stops once it holds the {@value #DOMAIN_WINDOW}
 * right-most characters, all that RFC 7208 §7.3's cut to 253 can keep; a text expansion stops at
 * {@value #MAX_TEXT} characters. The work is reported to a {@link Meter}, which may end the expansion.
 */
final class MacroString {

    /** Where a macro-string appears, which decides the letters and characters it may hold. */
    enum Use {
        /** A domain-spec: no {@code c r t}, no spaces, and it must end in a macro or a top label. */
        DOMAIN,
        /** An unknown modifier's value: any macro letter, never expanded. */
        MODIFIER,
        /** The explanation TXT record (explain-string): spaces allowed, {@code c r t} allowed. */
        EXPLANATION
    }

    /** The value of each macro letter (lower case) for one expansion. */
    @FunctionalInterface
    interface Values {
        String of(char letter);
    }

    /**
     * Receives the work of an expansion as it goes, in steps (a character of a value scanned or of the output
     * written), after each literal and macro; it may end the expansion by throwing, e.g. past a deadline.
     */
    @FunctionalInterface
    interface Meter {
        Meter NONE = steps -> { };

        void charge(long steps);
    }

    private sealed interface Part permits Literal, Macro {
    }

    private record Literal(String text) implements Part {
    }

    /** {@code %{letter digits r delimiters}}; {@code escape} marks an upper-case letter (URL-escaped value). */
    private record Macro(char letter, boolean escape, int digits, boolean reverse, String delimiters) implements Part {

        /** No transformer and no delimiter: the value as it is, with nothing to split. */
        boolean whole() {
            return digits == 0 && !reverse && delimiters.isEmpty();
        }

        boolean isDelimiter(char c) {
            return delimiters.isEmpty() ? c == '.' : delimiters.indexOf(c) >= 0;
        }
    }

    /** The longest domain name in text form (RFC 1035 §2.3.4; RFC 7208 §7.3 cuts expansions to it). */
    static final int MAX_NAME = 253;
    /**
     * The right-most characters a domain expansion keeps. A name longer than {@link #MAX_NAME} loses left labels
     * until it fits, so what is kept starts after the first dot among its last 254 characters: nothing left of
     * them can matter. With no dot among them the last label alone is too long, and the name is invalid.
     */
    static final int DOMAIN_WINDOW = MAX_NAME + 1;
    /** An explanation is a short message or a URL (RFC 7208 §6.2): its expansion stops at this length. */
    static final int MAX_TEXT = 512;

    private static final String DOMAIN_LETTERS = "slodiphv";
    private static final String ALL_LETTERS = "slodiphvcrt";
    private static final String DELIMITERS = ".-+,/_=";
    /** More right-hand parts than any name or address can have: a larger DIGIT changes nothing. */
    private static final int MAX_DIGITS = 255;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String text;
    private final List<Part> parts;
    /** Ends in a macro-expand ({@code %{..}}, {@code %%}, {@code %_} or {@code %-}), a valid domain-end. */
    private final boolean endsInMacro;
    /** The lower-case macro letters used, for {@link #uses}. */
    private final String letters;

    private MacroString(String text, List<Part> parts, boolean endsInMacro) {
        this.text = text;
        this.parts = parts;
        this.endsInMacro = endsInMacro;
        StringBuilder used = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Macro m && used.indexOf(String.valueOf(m.letter())) < 0) {
                used.append(m.letter());
            }
        }
        this.letters = used.toString();
    }

    /** Parses a domain-spec (RFC 7208 §7.1: macro-string domain-end). */
    static MacroString domainSpec(String text) throws SpfSyntaxException {
        if (text.isEmpty()) {
            throw new SpfSyntaxException("empty domain-spec");
        }
        MacroString parsed = parse(text, Use.DOMAIN);
        if (!parsed.endsInMacro) {
            // the literal after the last macro; %% %_ %- inside it never form a valid top label either
            String tail = ((Literal) parsed.parts.get(parsed.parts.size() - 1)).text();
            int end = tail.endsWith(".") ? tail.length() - 1 : tail.length();
            int dot = tail.lastIndexOf('.', end - 1);
            if (dot < 0 || !isTopLabel(tail, dot + 1, end)) {
                throw new SpfSyntaxException("domain-spec '" + printable(text) + "' must end in a macro or in '.' and a valid top label");
            }
        }
        return parsed;
    }

    /**
     * Whether {@code text[from, to)} is a toplabel (RFC 7208 §7.1): letters, digits and hyphens, with a letter
     * somewhere when there is no hyphen, and a letter or digit at both ends when there is one. One pass, each
     * character read once: a backtracking regular expression took seconds over a long label.
     */
    static boolean isTopLabel(CharSequence text, int from, int to) {
        if (from >= to) {
            return false;
        }
        boolean letter = false;
        boolean hyphen = false;
        char first = 0;
        char last = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (i == from) {
                first = c;
            }
            last = c;
            if (isLetter(c)) {
                letter = true;
            } else if (c == '-') {
                hyphen = true;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return hyphen ? first != '-' && last != '-' : letter;
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    static MacroString parse(String text, Use use) throws SpfSyntaxException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        boolean endsInMacro = false;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                boolean allowed = (c >= 0x21 && c <= 0x7e) || (c == ' ' && use == Use.EXPLANATION);
                if (!allowed) {
                    throw new SpfSyntaxException("'" + printable(text) + "' holds a character not allowed in SPF ("
                        + String.format("0x%02X", (int) c) + ")");
                }
                literal.append(c);
                i++;
                endsInMacro = false;
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            switch (next) {
                case '%' -> literal.append('%');
                case '_' -> literal.append(' ');
                case '-' -> literal.append("%20");
                case '{' -> {
                    int close = text.indexOf('}', i + 2);
                    if (close < 0) {
                        throw new SpfSyntaxException("'" + printable(text) + "' has a '%{' without '}'");
                    }
                    if (literal.length() > 0) {
                        parts.add(new Literal(literal.toString()));
                        literal.setLength(0);
                    }
                    parts.add(macro(text, text.substring(i + 2, close), use));
                    i = close + 1;
                    endsInMacro = true;
                    continue;
                }
                default -> throw new SpfSyntaxException("'" + printable(text)
                    + "' has a '%' not followed by '{', '%', '_' or '-'");
            }
            i += 2;
            endsInMacro = true;
        }
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
        }
        return new MacroString(text, List.copyOf(parts), endsInMacro);
    }

    private static Macro macro(String text, String body, Use use) throws SpfSyntaxException {
        if (body.isEmpty()) {
            throw new SpfSyntaxException("'" + printable(text) + "' has an empty macro '%{}'");
        }
        char letter = body.charAt(0);
        char lower = Character.toLowerCase(letter);
        String letters = use == Use.DOMAIN ? DOMAIN_LETTERS : ALL_LETTERS;
        if (letter > 0x7f || letters.indexOf(lower) < 0) {
            throw new SpfSyntaxException("'" + printable(text) + "' uses macro letter '" + printable(String.valueOf(letter))
                + "'" + (ALL_LETTERS.indexOf(lower) >= 0 ? ", allowed only in explanation text" : ", which does not exist"));
        }
        int i = 1;
        int digits = 0;
        int digitStart = i;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') {
            digits = Math.min(MAX_DIGITS, digits * 10 + (body.charAt(i) - '0'));
            i++;
        }
        if (i > digitStart && digits == 0) {
            throw new SpfSyntaxException("'" + printable(text) + "' asks for zero parts in a macro");
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (int j = 0; j < delimiters.length(); j++) {
            if (DELIMITERS.indexOf(delimiters.charAt(j)) < 0) {
                throw new SpfSyntaxException("'" + printable(text) + "' has an invalid macro transformer or delimiter in '%{"
                    + printable(body) + "}'");
            }
        }
        return new Macro(lower, letter != lower, digits, reverse, delimiters);
    }

    /** The text as written. */
    String text() {
        return text;
    }

    /** Whether a macro of this letter (lower case) appears, e.g. 'p' which needs DNS lookups first. */
    boolean uses(char letter) {
        return letters.indexOf(letter) >= 0;
    }

    // ---- expansion (RFC 7208 §7.3, §7.4) ----

    /**
     * Expands a domain-spec into the name to look up: a trailing dot dropped, then, over 253 characters, left
     * labels removed until it fits (RFC 7208 §7.3). Built right to left, it stops once it holds
     * {@link #DOMAIN_WINDOW} characters; a result longer than 253 (one label too long) is an invalid name.
     */
    String expandDomain(Values values, Meter meter) {
        Tail out = new Tail();
        for (int p = parts.size() - 1; p >= 0 && !out.full(); p--) {
            Part part = parts.get(p);
            long scanned = 0;
            if (part instanceof Literal literal) {
                String t = literal.text();
                for (int i = t.length() - 1; i >= 0 && out.put(t.charAt(i)); i--) {
                    // put() counts what it wrote
                }
            } else {
                Macro macro = (Macro) part;
                String value = values.of(macro.letter());
                int[] labels = labels(macro, value);
                scanned = labels[0];
                // the output's last label is the first one found; each is written from its end
                for (int l = 0; l < labels[1] && !out.full(); l++) {
                    if (l > 0) {
                        out.put('.');
                    }
                    int from = labels[2 + 2 * l];
                    int to = labels[3 + 2 * l];
                    if (macro.escape()) {
                        for (int i = to; i > from && !out.full(); i -= Character.charCount(value.codePointBefore(i))) {
                            putEscapedBackwards(value.codePointBefore(i), out);
                        }
                    } else {
                        for (int i = to - 1; i >= from && out.put(value.charAt(i)); i--) {
                            // put() did the work
                        }
                    }
                }
            }
            meter.charge(scanned + out.takeWritten());
        }
        return out.name();
    }

    /** Expands explanation text, left to right, stopping at {@link #MAX_TEXT} characters. */
    String expandText(Values values, Meter meter) {
        StringBuilder out = new StringBuilder();
        for (int p = 0; p < parts.size() && out.length() < MAX_TEXT; p++) {
            Part part = parts.get(p);
            int before = out.length();
            long scanned = 0;
            if (part instanceof Literal literal) {
                String t = literal.text();
                out.append(t, 0, Math.min(t.length(), MAX_TEXT - out.length()));
            } else {
                Macro macro = (Macro) part;
                String value = values.of(macro.letter());
                int[] labels = labels(macro, value);
                scanned = labels[0];
                // the output's first label is the last one found
                for (int l = labels[1] - 1; l >= 0 && out.length() < MAX_TEXT; l--) {
                    if (l < labels[1] - 1) {
                        out.append('.');
                    }
                    int from = labels[2 + 2 * l];
                    int to = labels[3 + 2 * l];
                    if (macro.escape()) {
                        for (int i = from; i < to && out.length() < MAX_TEXT; i += Character.charCount(value.codePointAt(i))) {
                            appendEscaped(value.codePointAt(i), out);
                        }
                    } else {
                        out.append(value, from, Math.min(to, from + MAX_TEXT - out.length()));
                    }
                }
            }
            meter.charge(scanned + out.length() - before);
        }
        if (out.length() > MAX_TEXT) {
            out.setLength(MAX_TEXT);
        }
        return out.toString();
    }

    /**
     * The labels a macro keeps of its value, as {@code [scanned, count, from0, to0, from1, to1, ...]}, in the
     * reverse of output order: the right-most kept label first. Without {@code r} the value is read from its end
     * and the last DIGIT labels are kept; with {@code r} it is read from its start and the first DIGIT labels
     * are kept (they come out reversed). Either way the reading stops at the last label kept, so the work is
     * the size of what the macro produces, not of the value.
     */
    private static int[] labels(Macro macro, String value) {
        int length = value.length();
        if (macro.whole()) {
            return new int[] {0, 1, 0, length};
        }
        int limit = macro.digits() > 0 ? macro.digits() : Integer.MAX_VALUE;
        int[] found = new int[2 + 2 * Math.min(8, length + 1)];
        int count = 0;
        int scanned = 0;
        if (!macro.reverse()) {
            int end = length;
            for (int i = length - 1; i >= -1; i--) {
                scanned++;
                if (i < 0 || macro.isDelimiter(value.charAt(i))) {
                    found = add(found, count++, i + 1, end);
                    if (count == limit) {
                        break;
                    }
                    end = i;
                }
            }
        } else {
            int start = 0;
            for (int i = 0; i <= length; i++) {
                scanned++;
                if (i == length || macro.isDelimiter(value.charAt(i))) {
                    found = add(found, count++, start, i);
                    if (count == limit) {
                        break;
                    }
                    start = i + 1;
                }
            }
        }
        found[0] = scanned;
        found[1] = count;
        return found;
    }

    private static int[] add(int[] found, int index, int from, int to) {
        int[] into = 3 + 2 * index < found.length ? found : Arrays.copyOf(found, found.length * 2);
        into[2 + 2 * index] = from;
        into[3 + 2 * index] = to;
        return into;
    }

    /** RFC 3986 percent-encoding of a character's UTF-8 octets, but for the unreserved characters (RFC 7208 §7.3). */
    private static void appendEscaped(int codePoint, StringBuilder out) {
        if (isUnreserved(codePoint)) {
            out.append((char) codePoint);
            return;
        }
        byte[] octets = new byte[4];
        int n = utf8(codePoint, octets);
        for (int k = 0; k < n; k++) {
            out.append('%').append(HEX[(octets[k] >> 4) & 0xf]).append(HEX[octets[k] & 0xf]);
        }
    }

    private static void putEscapedBackwards(int codePoint, Tail out) {
        if (isUnreserved(codePoint)) {
            out.put((char) codePoint);
            return;
        }
        byte[] octets = new byte[4];
        for (int k = utf8(codePoint, octets) - 1; k >= 0; k--) {
            if (!(out.put(HEX[octets[k] & 0xf]) && out.put(HEX[(octets[k] >> 4) & 0xf]) && out.put('%'))) {
                return;
            }
        }
    }

    private static boolean isUnreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** The UTF-8 octets of a code point; a lone surrogate is '?', as Java's encoder writes it. */
    private static int utf8(int codePoint, byte[] out) {
        if (codePoint < 0x80 || Character.isSurrogate((char) codePoint) && codePoint < 0x10000) {
            out[0] = (byte) (codePoint < 0x80 ? codePoint : '?');
            return 1;
        }
        if (codePoint < 0x800) {
            out[0] = (byte) (0xc0 | codePoint >> 6);
            out[1] = (byte) (0x80 | codePoint & 0x3f);
            return 2;
        }
        if (codePoint < 0x10000) {
            out[0] = (byte) (0xe0 | codePoint >> 12);
            out[1] = (byte) (0x80 | codePoint >> 6 & 0x3f);
            out[2] = (byte) (0x80 | codePoint & 0x3f);
            return 3;
        }
        out[0] = (byte) (0xf0 | codePoint >> 18);
        out[1] = (byte) (0x80 | codePoint >> 12 & 0x3f);
        out[2] = (byte) (0x80 | codePoint >> 6 & 0x3f);
        out[3] = (byte) (0x80 | codePoint & 0x3f);
        return 4;
    }

    /** The right-most {@link #DOMAIN_WINDOW} characters of a domain expansion, filled from the right. */
    private static final class Tail {
        private final char[] window = new char[DOMAIN_WINDOW];
        private int start = DOMAIN_WINDOW;
        private boolean any;
        private int written;

        /** Adds a character on the left; false once full (nothing more can change the name). */
        boolean put(char c) {
            if (start == 0) {
                return false;
            }
            written++;
            if (!any) {
                any = true;
                if (c == '.') {
                    return true; // a trailing dot is dropped (RFC 7208 §7.3: the name is the same)
                }
            }
            window[--start] = c;
            return start > 0;
        }

        boolean full() {
            return start == 0;
        }

        long takeWritten() {
            int n = written;
            written = 0;
            return n;
        }

        /** The name: all of it when it fits, else what follows the first dot of the window, else the window. */
        String name() {
            if (start > 0) {
                return new String(window, start, DOMAIN_WINDOW - start);
            }
            for (int i = 0; i < DOMAIN_WINDOW; i++) {
                if (window[i] == '.') {
                    return new String(window, i + 1, DOMAIN_WINDOW - i - 1);
                }
            }
            return new String(window);
        }
    }

    /** Sender-controlled text made safe for a reason string: control and non-ASCII characters as \xNN. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        int limit = Math.min(text.length(), 200);
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c >= 0x7f) {
                out.append(String.format("\\x%02X", (int) c & 0xffff));
            } else {
                out.append(c);
            }
        }
        if (text.length() > limit) {
            out.append("...");
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text;
    }
}
