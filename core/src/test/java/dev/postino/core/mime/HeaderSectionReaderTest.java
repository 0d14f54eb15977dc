package dev.postino.core.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class HeaderSectionReaderTest {

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static HeaderSection read(String message) {
        return HeaderSection.of(bytes(message));
    }

    private static List<String> raws(List<HeaderSection.Field> fields) {
        return fields.stream().map(HeaderSection.Field::raw).toList();
    }

    /** Everything the reader hands out as body after the header section. */
    private static String body(HeaderSectionReader reader) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = reader.nextBodyChunk(); n >= 0; n = reader.nextBodyChunk()) {
            out.write(reader.buffer(), reader.bodyOffset(), n);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    /** A stream that returns at most {@code step} octets per read, and counts what it gave. */
    private static final class Trickle extends InputStream {
        private final byte[] data;
        private final int step;
        int given;

        Trickle(byte[] data, int step) {
            this.data = data;
            this.step = step;
        }

        @Override
        public int read() {
            return given < data.length ? data[given++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (given >= data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, step), data.length - given);
            System.arraycopy(data, given, b, off, n);
            given += n;
            return n;
        }
    }

    @Test
    void foldedFieldsKeepTheirLineEndsAndTheBodyFollows() throws IOException {
        HeaderSectionReader reader = new HeaderSectionReader(new Trickle(
            bytes("Subject: a\r\n b\r\n\tc\r\nFROM : x@y.test\r\n\r\nbody\r\nmore\r\n"), 3));
        HeaderSection section = reader.read(1024, true);

        assertThat(raws(section.fields())).containsExactly("Subject: a\r\n b\r\n\tc", "FROM : x@y.test");
        assertThat(section.fields()).extracting(HeaderSection.Field::name).containsExactly("subject", "from");
        assertThat(section.values("From")).containsExactly(" x@y.test");
        assertThat(section.endsWithEmptyLine()).isTrue();
        assertThat(section.size()).isEqualTo("Subject: a\r\n b\r\n\tc\r\nFROM : x@y.test\r\n\r\n".length());
        assertThat(section.problem()).isEmpty();
        assertThat(body(reader)).isEqualTo("body\r\nmore\r\n");
    }

    @Test
    void aContinuationIsJoinedWithTheLineEndOfTheLineAboveIt() throws IOException {
        String message = "A: 1\r\n 2\n 3\r\n\r\n";

        HeaderSection kept = new HeaderSectionReader(new ByteArrayInputStream(bytes(message))).read(1024, false);
        HeaderSection asCrlf = new HeaderSectionReader(new ByteArrayInputStream(bytes(message))).read(1024, true);

        assertThat(raws(kept.fields())).containsExactly("A: 1\r\n 2\n 3");
        assertThat(raws(asCrlf.fields())).containsExactly("A: 1\r\n 2\r\n 3");
        assertThat(kept.mixedLineEnds()).isTrue();
        assertThat(kept.problem()).as("mixed line ends are line ends for every reader").isEmpty();
    }

    @Test
    void bareLfLineEndsAreLineEnds() throws IOException {
        HeaderSectionReader reader = new HeaderSectionReader(new ByteArrayInputStream(bytes("From: a@x.test\nTo: b\n\nbody\n")));
        HeaderSection section = reader.read(1024, true);

        assertThat(raws(section.fields())).containsExactly("From: a@x.test", "To: b");
        assertThat(section.bareCr()).isFalse();
        assertThat(section.mixedLineEnds()).isFalse();
        assertThat(section.problem()).isEmpty();
        assertThat(body(reader)).isEqualTo("body\n");
    }

    @Test
    void aBareCrStaysInsideTheLineAndIsAProblem() {
        HeaderSection section = read("X-Note: a\rb\r\nFrom: c@x.test\r\n\r\nbody\rbody\r\n");

        assertThat(raws(section.fields())).containsExactly("X-Note: a\rb", "From: c@x.test");
        assertThat(section.bareCr()).isTrue();
        assertThat(section.problem()).contains("bare CR in the header section");
        assertThat(raws(section.fieldsEndingLinesAtBareCr())).containsExactly("X-Note: a", "b", "From: c@x.test");
        assertThat(section.authorFieldValues()).as("both readings see the same From once").containsExactly(" c@x.test");
    }

    @Test
    void aBareCrInTheBodyIsNotTheHeaderSections() {
        HeaderSection section = read("From: c@x.test\r\n\r\nbody\rbody\r\n");

        assertThat(section.bareCr()).isFalse();
        assertThat(section.problem()).isEmpty();
    }

    @Test
    void crCrLfEndsTheSectionOnlyForAReaderThatEndsLinesAtCr() {
        HeaderSection section = read("From: ceo@bank.test\r\n\r\r\nDKIM-Signature: v=1\r\nFrom: news@bank.test\r\n\r\nbody\r\n");

        assertThat(raws(section.fields()))
            .containsExactly("From: ceo@bank.test", "\r", "DKIM-Signature: v=1", "From: news@bank.test");
        assertThat(section.bareCr()).isTrue();
        assertThat(raws(section.fieldsEndingLinesAtBareCr())).containsExactly("From: ceo@bank.test");
        assertThat(section.authorFieldValues()).containsExactly(" ceo@bank.test", " news@bank.test");
    }

    @Test
    void aBareCrInsideFromGivesBothReadingsToDmarc() {
        assertThat(read("From: ceo@bank.test\r<attacker@evil.test>\r\n\r\n").authorFieldValues())
            .containsExactly(" ceo@bank.test\r<attacker@evil.test>", " ceo@bank.test");
        // the other reader sees two From fields here, this one sees one of them: three values in all
        assertThat(read("From: ceo@bank.test\r<attacker@evil.test>\r\nFrom: ceo@bank.test\r\n\r\n").authorFieldValues())
            .containsExactly(" ceo@bank.test\r<attacker@evil.test>", " ceo@bank.test", " ceo@bank.test");
    }

    @Test
    void repeatedFromFieldsAreAllKept() {
        assertThat(read("From: a@x.test\r\nFrom: a@x.test\r\n\r\n").authorFieldValues())
            .containsExactly(" a@x.test", " a@x.test");
        assertThat(read("From: a@x.test\r\nFrom: a@x.test\r\nX: \r\r\n\r\n").authorFieldValues())
            .containsExactly(" a@x.test", " a@x.test");
    }

    @Test
    void aBareCrAtTheEndOfTheStreamCounts() {
        HeaderSection section = read("From: a@x.test\r\nX: y\r");

        assertThat(section.bareCr()).isTrue();
        assertThat(raws(section.fields())).containsExactly("From: a@x.test", "X: y\r");
    }

    @Test
    void withoutAnEmptyLineTheWholeMessageIsTheHeaderSection() throws IOException {
        HeaderSectionReader reader = new HeaderSectionReader(new ByteArrayInputStream(bytes("From: a@x.test\r\nTo: b\r\n")));
        HeaderSection section = reader.read(1024, true);

        assertThat(raws(section.fields())).containsExactly("From: a@x.test", "To: b");
        assertThat(section.endsWithEmptyLine()).isFalse();
        assertThat(section.problem()).isEmpty();
        assertThat(reader.nextBodyChunk()).isEqualTo(-1);

        HeaderSection unterminated = read("From: a@x.test");
        assertThat(raws(unterminated.fields())).containsExactly("From: a@x.test");
        assertThat(unterminated.bareCr()).isFalse();
    }

    @Test
    void anEmptyMessageHasNoFields() throws IOException {
        HeaderSectionReader reader = new HeaderSectionReader(new ByteArrayInputStream(new byte[0]));
        HeaderSection section = reader.read(1024, true);

        assertThat(section.fields()).isEmpty();
        assertThat(section.size()).isZero();
        assertThat(section.problem()).isEmpty();
        assertThat(section.authorFieldValues()).isEmpty();
        assertThat(reader.nextBodyChunk()).isEqualTo(-1);

        HeaderSectionReader bodyOnly = new HeaderSectionReader(new ByteArrayInputStream(bytes("\r\nbody")));
        assertThat(bodyOnly.read(1024, true).fields()).isEmpty();
        assertThat(body(bodyOnly)).isEqualTo("body");
    }

    @Test
    void theSectionIsCutAtTheBoundAndTheStreamIsNotReadFurther() throws IOException {
        byte[] endless = bytes("From: a@x.test\r\nX-Big: " + "a".repeat(4 << 20) + "\r\nFrom: b@y.test\r\n\r\n");
        Trickle in = new Trickle(endless, Integer.MAX_VALUE);
        HeaderSection section = new HeaderSectionReader(in).read(64 * 1024, true);

        assertThat(section.tooLarge()).isTrue();
        assertThat(section.problem()).contains("header section larger than 65536 octets");
        assertThat(section.values("from")).containsExactly(" a@x.test");
        assertThat(in.given).as("octets taken from the stream").isLessThanOrEqualTo(64 * 1024 + 16 * 1024);
    }

    @Test
    void theSectionIsReadOnceAndTheBodyOnlyAfterIt() throws IOException {
        HeaderSectionReader reader = new HeaderSectionReader(new ByteArrayInputStream(bytes("A: 1\r\n\r\nb")));

        assertThatThrownBy(reader::nextBodyChunk).isInstanceOf(IllegalStateException.class);
        HeaderSection first = reader.read(1024, true);
        assertThat(reader.read(10, false)).isSameAs(first);
        assertThat(body(reader)).isEqualTo("b");
    }

    @Test
    void longHeaderSectionsCrossBufferBoundaries() throws IOException {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 3000; i++) {
            headers.append("X-").append(i).append(": ").append("v".repeat(i % 40)).append("\r\n ").append(i).append("\r\n");
        }
        String message = headers + "\r\n" + "body".repeat(10_000);
        HeaderSectionReader reader = new HeaderSectionReader(new Trickle(bytes(message), 7000));
        HeaderSection section = reader.read(1 << 20, true);

        assertThat(section.fields()).hasSize(3000);
        assertThat(section.fields().get(2999).raw()).isEqualTo("X-2999: " + "v".repeat(2999 % 40) + "\r\n 2999");
        assertThat(section.size()).isEqualTo(headers.length() + 2);
        assertThat(body(reader)).isEqualTo("body".repeat(10_000));
    }

    /**
     * Lines read where they lie in the buffer and lines gathered across refills give the same section and body:
     * random messages rich in folds, bare CR and LF, read whole and in steps of 1 to 40 octets.
     */
    @Test
    void anyStepSizeGivesTheSameSectionAndBody() throws IOException {
        java.util.Random random = new java.util.Random(5322);
        String[] pieces = {"A: b", "\r\n", "\n", "\r", " ", "\t", "x", "From: y@z.test", ":", "\r\n\r\n"};
        for (int round = 0; round < 2000; round++) {
            StringBuilder message = new StringBuilder();
            for (int i = random.nextInt(40); i > 0; i--) {
                message.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] data = bytes(message.toString());
            boolean bareLfAsCrlf = random.nextBoolean();
            int max = 1 + random.nextInt(200);
            HeaderSectionReader whole = new HeaderSectionReader(new ByteArrayInputStream(data));
            HeaderSectionReader stepped = new HeaderSectionReader(new Trickle(data, 1 + random.nextInt(40)));
            HeaderSection expected = whole.read(max, bareLfAsCrlf);
            HeaderSection actual = stepped.read(max, bareLfAsCrlf);
            if (expected.tooLarge()) {
                // where reading stopped past the bound depends on the step: only the fields and the verdict count
                assertThat(actual.tooLarge()).isTrue();
                assertThat(actual.fields()).as(message.toString()).isEqualTo(expected.fields());
                assertThat(actual.size()).isGreaterThan(max);
            } else {
                assertThat(actual).as(message.toString()).isEqualTo(expected);
                assertThat(body(stepped)).isEqualTo(body(whole));
            }
        }
    }

    /**
     * The reader against a literal reading of {@link HeaderSection}'s rules, on long lines (the reader skips 8
     * octets at a time until one is below 0x0E) with CR, LF, HTAB, other controls and 8-bit octets at every
     * offset: the same fields, bare CR, end and size.
     */
    @Test
    void longLinesAreReadAsTheRulesSay() throws IOException {
        java.util.Random random = new java.util.Random(2822);
        String[] pieces = {"abcdefgh", "Subject: ", "x", "\r", "\n", "\r\n", "\t", " ", "\013", "\016",
            "\r\r", "\u0080", "\u00ff", "\0", "\r\n "};
        for (int round = 0; round < 5000; round++) {
            StringBuilder message = new StringBuilder("From: a@b.test");
            for (int i = random.nextInt(60); i > 0; i--) {
                message.append(pieces[random.nextInt(pieces.length)]);
            }
            byte[] data = bytes(message.toString());
            boolean bareLfAsCrlf = random.nextBoolean();
            HeaderSection actual = new HeaderSectionReader(new ByteArrayInputStream(data)).read(1 << 20, bareLfAsCrlf);
            List<String> fields = new java.util.ArrayList<>();
            boolean bareCr = false;
            boolean endsWithEmptyLine = false;
            String lineEnd = "\r\n";
            int pos = 0;
            while (true) {
                int lf = message.indexOf("\n", pos);
                String line = message.substring(pos, lf < 0 ? message.length() : lf);
                boolean hadCr = lf >= 0 && line.endsWith("\r");
                String content = hadCr ? line.substring(0, line.length() - 1) : line;
                pos = lf < 0 ? message.length() : lf + 1;
                if (content.isEmpty()) {
                    endsWithEmptyLine = lf >= 0;
                    break;
                }
                bareCr |= content.indexOf('\r') >= 0;
                if (!fields.isEmpty() && (content.charAt(0) == ' ' || content.charAt(0) == '\t')) {
                    fields.set(fields.size() - 1, fields.get(fields.size() - 1) + lineEnd + content);
                } else {
                    fields.add(content);
                }
                lineEnd = hadCr || bareLfAsCrlf ? "\r\n" : "\n";
                if (lf < 0) {
                    break;
                }
            }
            assertThat(raws(actual.fields())).as(message.toString()).isEqualTo(fields);
            assertThat(actual.bareCr()).as(message.toString()).isEqualTo(bareCr);
            assertThat(actual.endsWithEmptyLine()).as(message.toString()).isEqualTo(endsWithEmptyLine);
            assertThat(actual.size()).as(message.toString()).isEqualTo(pos);
        }
    }

    /** Common names recognised without a new string are named exactly as the general rule names them. */
    @Test
    void commonNamesAreNamedAsAnyOther() {
        java.util.Random random = new java.util.Random(822);
        String[] names = {"From", "to", "CC", "Subject", "Content-Type", "DKIM-Signature", "Received", "X-Other",
            "Message-ID", "In-Reply-To", "list-id"};
        // and octets one bit (0x20) away from a letter or a hyphen: CR from '-', '@' and '[' from '`' and '{'
        String odd = " \tK\u00ff\u00b5\u00c9\u00e9:-\r@[`{\u008d\u00cd\u00ed";
        for (int round = 0; round < 20_000; round++) {
            StringBuilder raw = new StringBuilder(names[random.nextInt(names.length)]);
            for (int i = 0; i < raw.length(); i++) {
                if (random.nextInt(3) == 0) {
                    char c = raw.charAt(i);
                    raw.setCharAt(i, Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c));
                }
            }
            if (random.nextInt(4) == 0) {
                raw.insert(random.nextInt(raw.length() + 1), odd.charAt(random.nextInt(odd.length())));
            }
            if (random.nextInt(4) == 0) { // same length, one octet replaced
                raw.setCharAt(random.nextInt(raw.length()), odd.charAt(random.nextInt(odd.length())));
            }
            raw.append(random.nextBoolean() ? ": v" : " : v");
            String text = raw.toString();
            int colon = text.indexOf(':');
            assertThat(HeaderSection.Field.of(text).name()).as(text)
                .isEqualTo(text.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT));
        }
    }

    @Test
    void valuesAreReadAsUtf8WhereTheyAreUtf8() {
        HeaderSection section = HeaderSection.of("From: B\u00fccher <news@b\u00fccher.test>\r\nTo: caf\u00e9\r\n\r\n"
            .getBytes(StandardCharsets.UTF_8));

        assertThat(section.values("from")).containsExactly(" B\u00fccher <news@b\u00fccher.test>");
        assertThat(HeaderSection.text("caf\u00e9")).as("Latin-1 that is not UTF-8 stays").isEqualTo("caf\u00e9");
    }
}
