package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cost bounds of macro-strings, asserted as operation counts (characters read, steps reported to the
 * meter), never as time: each test fails if its step goes back to super-linear. And the bounded expansion
 * against a plain one (expand everything, then cut), on random macro-strings.
 */
class MacroStringCostTest {

    /** A CharSequence that counts every character read: a backtracking scan shows up as a count, not as time. */
    private static final class CountingText implements CharSequence {
        private final String text;
        long reads;

        CountingText(String text) {
            this.text = text;
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public char charAt(int index) {
            reads++;
            return text.charAt(index);
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            throw new UnsupportedOperationException("a scanner that copies is not one pass");
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Counts what an expansion reports. */
    private static final class Steps implements MacroString.Meter {
        long total;
        int calls;

        @Override
        public void charge(long steps) {
            total += steps;
            calls++;
        }
    }

    // ---- the top-label check: one read per character ----

    @ParameterizedTest
    @ValueSource(strings = {"digits", "hyphenAtEnd", "letters", "digitsThenLetter"})
    void theTopLabelCheckReadsEachCharacterOnce(String shape) {
        int n = 60_000;
        String label = switch (shape) {
            case "digits" -> "1".repeat(n); // the backtracking regex took 8.2 s on this one
            case "hyphenAtEnd" -> "a1".repeat(n / 2) + "-";
            case "letters" -> "a".repeat(n);
            default -> "1".repeat(n) + "x";
        };
        CountingText text = new CountingText(label);

        boolean valid = MacroString.isTopLabel(text, 0, text.length());

        assertThat(valid).isEqualTo(shape.equals("letters") || shape.equals("digitsThenLetter"));
        assertThat(text.reads).isLessThanOrEqualTo(text.length());
    }

    @Test
    void aRecordWithA60KbLabelIsRefusedAsSyntax() {
        assertThatThrownBy(() -> MacroString.domainSpec("x." + "1".repeat(60_000)))
            .isInstanceOf(SpfSyntaxException.class).hasMessageContaining("top label");
        assertThatThrownBy(() -> SpfRecord.parse("v=spf1 a:x." + "1".repeat(60_000) + " -all"))
            .isInstanceOf(SpfSyntaxException.class);
    }

    /** The scanner and the ABNF of RFC 7208 §7.1 (as a regular expression, on short labels) agree. */
    @Test
    void theTopLabelCheckIsTheAbnf() {
        Pattern abnf = Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");
        String alphabet = "a1-Z9.";
        Random random = new Random(7208);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder label = new StringBuilder();
            for (int j = random.nextInt(7); j > 0; j--) {
                label.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String text = label.toString();
            assertThat(MacroString.isTopLabel(text, 0, text.length())).as("'%s'", text).isEqualTo(abnf.matcher(text).matches());
        }
    }

    // ---- expansion: capped, and each macro's work the size of its output ----

    /** A domain of 126 one-letter labels: the most labels per character, the worst case of the old left cut. */
    private static final String MANY_LABELS = "a.".repeat(120) + "example.test";

    @ParameterizedTest
    @ValueSource(ints = {1_024, 2_048, 4_096, 65_536})
    void aDomainExpansionStopsOnceItHasTheRightMostCharactersItCanKeep(int recordLength) throws Exception {
        String spec = "%{d}".repeat(recordLength / 4);
        Steps steps = new Steps();

        String name = MacroString.domainSpec(spec).expandDomain(letter -> MANY_LABELS, steps);

        assertThat(name).hasSizeLessThanOrEqualTo(MacroString.MAX_NAME).isEqualTo(cutAsRfc7208Says(MANY_LABELS.repeat(recordLength / 4)));
        // 1 KB of %{d} expanded to 64 KB and took 2.9 s: now the same few hundred steps at any length
        assertThat(steps.total).isLessThanOrEqualTo(MacroString.DOMAIN_WINDOW + 1);
        assertThat(steps.calls).isLessThanOrEqualTo(2);
    }

    @Test
    void eachMacroReadsOnlyTheLabelsItKeeps() throws Exception {
        String value = "x.".repeat(5_000) + "end"; // 10 KB, of which %{h1} keeps 3 characters
        MacroString text = MacroString.parse("%{h1}".repeat(100), MacroString.Use.EXPLANATION);
        Steps steps = new Steps();

        String expanded = text.expandText(letter -> value, steps);

        assertThat(expanded).isEqualTo("end".repeat(100));
        // reading the value whole for each macro was 100 * 10,002 steps
        assertThat(steps.total).isLessThanOrEqualTo(3L * expanded.length() + 2L * 100);
    }

    @Test
    void reversedMacrosReadFromTheLeftOnlyTheLabelsTheyKeep() throws Exception {
        String value = "start." + "x.".repeat(5_000) + "end";
        MacroString text = MacroString.parse("%{h1r}".repeat(100), MacroString.Use.EXPLANATION);
        Steps steps = new Steps();

        String expanded = text.expandText(letter -> value, steps);

        assertThat(expanded).isEqualTo("start".repeat(100));
        assertThat(steps.total).isLessThanOrEqualTo(3L * expanded.length() + 2L * 100);
    }

    @Test
    void aTextExpansionStopsAtItsLimit() throws Exception {
        String helo = "h".repeat(1_000);
        MacroString text = MacroString.parse("%{h} ".repeat(10_000), MacroString.Use.EXPLANATION);
        Steps steps = new Steps();

        String expanded = text.expandText(letter -> helo, steps);

        assertThat(expanded).hasSize(MacroString.MAX_TEXT).isEqualTo((helo + " ").repeat(10_000).substring(0, MacroString.MAX_TEXT));
        assertThat(steps.total).isLessThanOrEqualTo(MacroString.MAX_TEXT + 1);
    }

    /** Parts that expand to nothing are still visited one by one, each reported: a deadline can stop them. */
    @Test
    void theMeterHearsFromEveryPartAndCanStopTheExpansion() throws Exception {
        MacroString spec = MacroString.domainSpec("%{h}".repeat(1_000));
        Steps steps = new Steps();
        spec.expandDomain(letter -> "", steps);
        assertThat(steps.calls).isEqualTo(1_000);

        int[] calls = {0};
        assertThatThrownBy(() -> spec.expandDomain(letter -> "", work -> {
            if (++calls[0] == 10) {
                throw new IllegalStateException("deadline");
            }
        })).hasMessage("deadline");
        assertThat(calls[0]).isEqualTo(10);
    }

    // ---- the bounded expansion gives what expanding everything and then cutting gives ----

    @Test
    void boundedExpansionsAgreeWithExpandingEverything() throws Exception {
        Random random = new Random(4408);
        String[] literals = {"a", "b.", ".", "x-y", "..", "c", "%%", "%_", "%-", "z9."};
        String delimiters = ".-+,/_=";
        for (int round = 0; round < 5_000; round++) {
            Map<Character, String> values = Map.of('s', randomValue(random), 'l', randomValue(random), 'o', randomValue(random),
                'd', randomValue(random), 'i', randomValue(random), 'p', randomValue(random), 'v', randomValue(random),
                'h', randomValue(random));
            StringBuilder text = new StringBuilder();
            for (int parts = 1 + random.nextInt(random.nextInt(10) == 0 ? 40 : 6); parts > 0; parts--) {
                if (random.nextBoolean()) {
                    text.append(literals[random.nextInt(literals.length)]);
                    continue;
                }
                char letter = "slodiphv".charAt(random.nextInt(8));
                text.append("%{").append(random.nextInt(4) == 0 ? Character.toUpperCase(letter) : letter);
                if (random.nextBoolean()) {
                    text.append(1 + random.nextInt(random.nextBoolean() ? 4 : 255));
                }
                if (random.nextBoolean()) {
                    text.append('r');
                }
                for (int d = random.nextInt(3); d > 0; d--) {
                    text.append(delimiters.charAt(random.nextInt(delimiters.length())));
                }
                text.append('}');
            }
            String full = expandEverything(text.toString(), values::get);

            String domain = MacroString.parse(text.toString(), MacroString.Use.DOMAIN).expandDomain(values::get, MacroString.Meter.NONE);
            String expected = cutAsRfc7208Says(full);
            String description = text + " with " + MacroString.printable(values.toString().replace("\\", "\\\\"));
            if (expected.length() <= MacroString.MAX_NAME) {
                assertThat(MacroString.printable(domain)).as(description).isEqualTo(MacroString.printable(expected));
                assertThat(domain).as(description).isEqualTo(expected);
            } else {
                // one label longer than a name can be: invalid either way, whatever is left of it
                assertThat(domain).as(description).hasSizeGreaterThan(MacroString.MAX_NAME).doesNotContain(".");
            }
            String explanation = MacroString.parse(text.toString(), MacroString.Use.EXPLANATION).expandText(values::get, MacroString.Meter.NONE);
            assertThat(explanation).as(description)
                .isEqualTo(full.substring(0, Math.min(full.length(), MacroString.MAX_TEXT)));
        }
    }

    private static String randomValue(Random random) {
        String alphabet = "ab.-+_=/,@x.";
        int length = switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 200 + random.nextInt(200);
            default -> random.nextInt(20);
        };
        StringBuilder value = new StringBuilder();
        for (int i = 0; i < length; i++) {
            int pick = random.nextInt(40);
            if (pick == 0) {
                value.append('\u00e9');
            } else if (pick == 1) {
                value.append("\uD83D\uDE00"); // a pair: one code point, four UTF-8 octets
            } else if (pick == 2) {
                value.append('\uDC00'); // a lone surrogate, which UTF-8 writes as '?'
            } else {
                value.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return value.toString();
    }

    /** RFC 7208 §7.3 by the letter: drop a trailing dot, then remove left labels until 253 characters or fewer. */
    static String cutAsRfc7208Says(String expanded) {
        String name = expanded.endsWith(".") ? expanded.substring(0, expanded.length() - 1) : expanded;
        if (name.length() <= MacroString.MAX_NAME) {
            return name;
        }
        int dot = name.indexOf('.', name.length() - MacroString.MAX_NAME - 1);
        return dot < 0 ? name.substring(name.lastIndexOf('.') + 1) : name.substring(dot + 1);
    }

    /** The plain expansion (RFC 7208 §7.3): split the value on the delimiters, reverse, keep the right-most DIGIT, join. */
    private static String expandEverything(String text, MacroString.Values values) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                out.append(c);
                i++;
                continue;
            }
            char next = text.charAt(i + 1);
            if (next != '{') {
                out.append(next == '%' ? "%" : next == '_' ? " " : "%20");
                i += 2;
                continue;
            }
            int close = text.indexOf('}', i);
            String body = text.substring(i + 2, close);
            i = close + 1;
            char letter = body.charAt(0);
            int j = 1;
            while (j < body.length() && Character.isDigit(body.charAt(j))) {
                j++;
            }
            int digits = j > 1 ? Integer.parseInt(body.substring(1, j)) : 0;
            boolean reverse = j < body.length() && body.charAt(j) == 'r';
            String delimiters = body.substring(reverse ? j + 1 : j);
            String value = values.of(Character.toLowerCase(letter));
            List<String> labels = new ArrayList<>();
            int start = 0;
            for (int k = 0; k < value.length(); k++) {
                if ((delimiters.isEmpty() ? "." : delimiters).indexOf(value.charAt(k)) >= 0) {
                    labels.add(value.substring(start, k));
                    start = k + 1;
                }
            }
            labels.add(value.substring(start));
            if (reverse) {
                Collections.reverse(labels);
            }
            if (digits > 0 && digits < labels.size()) {
                labels = labels.subList(labels.size() - digits, labels.size());
            }
            String result = String.join(".", labels);
            out.append(Character.isUpperCase(letter) ? urlEscape(result) : result);
        }
        return out.toString();
    }

    private static String urlEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", (int) c));
            }
        }
        return out.toString();
    }
}
