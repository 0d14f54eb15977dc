package dev.postino.core.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A parsed macro-string (RFC 7208 §7.1): literal text and macros such as {@code %{ir}} or {@code %{d2}},
 * checked once when the record is parsed and expanded for each evaluation by {@link #expand}.
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

    private sealed interface Part permits Literal, Macro {
    }

    private record Literal(String text) implements Part {
    }

    /** {@code %{letter digits r delimiters}}; {@code escape} marks an upper-case letter (URL-escaped value). */
    private record Macro(char letter, boolean escape, int digits, boolean reverse, String delimiters) implements Part {
    }

    private static final String DOMAIN_LETTERS = "slodiphv";
    private static final String ALL_LETTERS = "slodiphvcrt";
    private static final String DELIMITERS = ".-+,/_=";
    private static final Pattern TOPLABEL =
        Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");
    /** More right-hand parts than any name or address can have: a larger DIGIT changes nothing. */
    private static final int MAX_DIGITS = 255;

    private final String text;
    private final List<Part> parts;
    /** Ends in a macro-expand ({@code %{..}}, {@code %%}, {@code %_} or {@code %-}), a valid domain-end. */
    private final boolean endsInMacro;

    private MacroString(String text, List<Part> parts, boolean endsInMacro) {
        this.text = text;
        this.parts = parts;
        this.endsInMacro = endsInMacro;
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
            if (tail.endsWith(".")) {
                tail = tail.substring(0, tail.length() - 1);
            }
            int dot = tail.lastIndexOf('.');
            if (dot < 0 || !TOPLABEL.matcher(tail.substring(dot + 1)).matches()) {
                throw new SpfSyntaxException("domain-spec '" + printable(text) + "' must end in a macro or in '.' and a valid top label");
            }
        }
        return parsed;
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
        for (Part part : parts) {
            if (part instanceof Macro m && m.letter() == letter) {
                return true;
            }
        }
        return false;
    }

    /** Expands every macro with the given values (RFC 7208 §7.3, §7.4). */
    String expand(Values values) {
        StringBuilder out = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Literal literal) {
                out.append(literal.text());
            } else if (part instanceof Macro macro) {
                out.append(expand(macro, values.of(macro.letter())));
            }
        }
        return out.toString();
    }

    private static String expand(Macro macro, String value) {
        String result = value;
        if (macro.digits() > 0 || macro.reverse() || !macro.delimiters().isEmpty()) {
            String delimiters = macro.delimiters().isEmpty() ? "." : macro.delimiters();
            List<String> labels = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < value.length(); i++) {
                if (delimiters.indexOf(value.charAt(i)) >= 0) {
                    labels.add(value.substring(start, i));
                    start = i + 1;
                }
            }
            labels.add(value.substring(start));
            if (macro.reverse()) {
                Collections.reverse(labels);
            }
            if (macro.digits() > 0 && macro.digits() < labels.size()) {
                labels = labels.subList(labels.size() - macro.digits(), labels.size());
            }
            result = String.join(".", labels);
        }
        return macro.escape() ? urlEscape(result) : result;
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters (RFC 7208 §7.3). */
    private static String urlEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                    .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
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
