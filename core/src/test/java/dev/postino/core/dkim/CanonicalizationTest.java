package dev.postino.core.dkim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** RFC 6376 §3.4 canonicalization, with the expected forms written from the RFC's §3.4.6 example. */
class CanonicalizationTest {

    // RFC 6376 §3.4.6: the example message, its headers and body.
    private static final String[] EXAMPLE_HEADERS = {"A: X", "B : Y\t\r\n\tZ  "};
    private static final String EXAMPLE_BODY = " C \r\nD \t E\r\n\r\n\r\n";

    @Test
    void relaxedHeadersFollowTheRfcExample() {
        assertThat(header(Canonicalization.RELAXED, EXAMPLE_HEADERS[0])).isEqualTo("a:X\r\n");
        assertThat(header(Canonicalization.RELAXED, EXAMPLE_HEADERS[1])).isEqualTo("b:Y Z\r\n");
    }

    @Test
    void simpleHeadersAreUnchanged() {
        assertThat(header(Canonicalization.SIMPLE, EXAMPLE_HEADERS[1])).isEqualTo("B : Y\t\r\n\tZ  \r\n");
    }

    @Test
    void bodiesFollowTheRfcExample() {
        assertThat(bodyHash(Canonicalization.RELAXED, EXAMPLE_BODY, -1)).isEqualTo(sha256(" C\r\nD E\r\n"));
        assertThat(bodyHash(Canonicalization.SIMPLE, EXAMPLE_BODY, -1)).isEqualTo(sha256(" C \r\nD \t E\r\n"));
    }

    @Test
    void emptyBodiesHashAsTheRfcSays() {
        // RFC 6376 §3.4.3: simple turns an empty body into one CRLF; §3.4.4: relaxed leaves it empty
        assertThat(bodyHash(Canonicalization.SIMPLE, "", -1)).isEqualTo("frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
        assertThat(bodyHash(Canonicalization.RELAXED, "", -1)).isEqualTo("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertThat(bodyHash(Canonicalization.SIMPLE, "\r\n\r\n", -1)).isEqualTo(sha256("\r\n"));
        assertThat(bodyHash(Canonicalization.RELAXED, " \r\n\t\r\n", -1)).isEqualTo(sha256(""));
    }

    @Test
    void aLastLineWithoutLineEndGetsOne() {
        assertThat(bodyHash(Canonicalization.SIMPLE, "abc", -1)).isEqualTo(sha256("abc\r\n"));
        assertThat(bodyHash(Canonicalization.RELAXED, "abc  ", -1)).isEqualTo(sha256("abc\r\n"));
    }

    @Test
    void emptyLinesInsideTheBodyStay() {
        assertThat(bodyHash(Canonicalization.SIMPLE, "a\r\n\r\n\r\nb\r\n\r\n", -1)).isEqualTo(sha256("a\r\n\r\n\r\nb\r\n"));
        assertThat(bodyHash(Canonicalization.RELAXED, "a\r\n \r\n\r\nb\r\n", -1)).isEqualTo(sha256("a\r\n\r\n\r\nb\r\n"));
    }

    @Test
    void bareCrIsContentAndBareLfIsALineEndOnlyWhenAccepted() {
        assertThat(bodyHash(Canonicalization.SIMPLE, "a\rb\r\n", -1)).isEqualTo(sha256("a\rb\r\n"));
        assertThat(bodyHash(Canonicalization.SIMPLE, "a\nb\n\n", -1)).isEqualTo(sha256("a\r\nb\r\n"));
        BodyHasher strict = new BodyHasher(Canonicalization.SIMPLE, "SHA-256", -1, false);
        byte[] body = "a\nb\n".getBytes(StandardCharsets.ISO_8859_1);
        strict.update(body, 0, body.length);
        assertThat(Base64.getEncoder().encodeToString(strict.finish().hash())).isEqualTo(sha256("a\nb\n\r\n"));
    }

    @Test
    void lengthLimitHashesOnlyThatManyCanonicalOctetsAndCountsTheRest() {
        BodyHasher hasher = new BodyHasher(Canonicalization.RELAXED, "SHA-256", 4, true);
        byte[] body = "ab  cd\r\nef\r\n".getBytes(StandardCharsets.ISO_8859_1);
        hasher.update(body, 0, body.length);
        BodyHasher.BodyHash hash = hasher.finish();
        assertThat(Base64.getEncoder().encodeToString(hash.hash())).isEqualTo(sha256("ab c"));
        assertThat(hash.canonicalLength()).isEqualTo("ab cd\r\nef\r\n".length());
    }

    /** Any split of the stream into chunks gives the same hash: state carries across chunk ends (CR|LF, WSP runs). */
    @Test
    void chunkBoundariesDoNotMatter() {
        Random random = new Random(6376);
        byte[] alphabet = " \t\r\nab".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 300; round++) {
            byte[] body = new byte[random.nextInt(200)];
            for (int i = 0; i < body.length; i++) {
                body[i] = alphabet[random.nextInt(alphabet.length)];
            }
            for (Canonicalization canon : Canonicalization.values()) {
                BodyHasher whole = new BodyHasher(canon, "SHA-256", -1, true);
                whole.update(body, 0, body.length);
                BodyHasher pieces = new BodyHasher(canon, "SHA-256", -1, true);
                for (int i = 0; i < body.length; ) {
                    int n = Math.min(body.length - i, 1 + random.nextInt(5));
                    pieces.update(body, i, n);
                    i += n;
                }
                assertThat(pieces.finish().hash()).isEqualTo(whole.finish().hash());
            }
        }
    }

    /**
     * The streaming hasher (with its 8-octet fast path) against a line-by-line transcription of RFC 6376 §3.4.3
     * and §3.4.4, on random bodies rich in the octets that matter: CR, LF, SP, HTAB.
     */
    @Test
    void streamingHasherAgreesWithALineByLineReading() {
        Random random = new Random(3443);
        byte[] alphabet = "  \t\r\n\r\nab.x\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 2000; round++) {
            byte[] body = new byte[random.nextInt(120)];
            for (int i = 0; i < body.length; i++) {
                body[i] = random.nextInt(3) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) ('a' + random.nextInt(3));
            }
            String text = new String(body, StandardCharsets.ISO_8859_1);
            for (Canonicalization canon : Canonicalization.values()) {
                assertThat(bodyHash(canon, text, -1)).as("%s %s", canon, text.replace("\r", "<CR>").replace("\n", "<LF>"))
                    .isEqualTo(sha256(lineByLine(canon, text)));
            }
        }
    }

    /**
     * The same on long runs of octets around the fast path's thresholds (0x1F to 0x21, 0x7F, 0x80, 0xA0, 0xFF),
     * so that whole 8-octet blocks with and without an octet below 0x21 occur at every alignment.
     */
    @Test
    void fastPathAgreesAroundItsThresholds() {
        Random random = new Random(8463);
        byte[] rare = {' ', '\t', '\r', '\n', 0x1F, 0x00, 0x0B, 0x0C};
        byte[] common = {'!', 'a', '~', 0x7F, (byte) 0x80, (byte) 0xA0, (byte) 0xFF, (byte) 0xE9, '0'};
        for (int round = 0; round < 3000; round++) {
            boolean longRuns = round % 10 == 0; // some runs longer than the hasher's direct-to-digest threshold
            byte[] body = new byte[random.nextInt(longRuns ? 3000 : 300)];
            int odds = 2 + random.nextInt(longRuns ? 800 : 40); // one rare octet in `odds`: runs of all lengths
            for (int i = 0; i < body.length; i++) {
                body[i] = random.nextInt(odds) == 0 ? rare[random.nextInt(rare.length)] : common[random.nextInt(common.length)];
            }
            String text = new String(body, StandardCharsets.ISO_8859_1);
            for (Canonicalization canon : Canonicalization.values()) {
                assertThat(bodyHash(canon, text, -1)).as("%s %s", canon, text.replace("\r", "<CR>").replace("\n", "<LF>"))
                    .isEqualTo(sha256(lineByLine(canon, text)));
            }
        }
    }

    /**
     * The same on text: short lines of words and single spaces ended by CRLF, so that line ends fall inside 8-octet
     * blocks at every position, with now and then what a line end must not pass as it is (a space or HTAB before or
     * after it, an empty line, a bare CR or LF, a line starting with a space, trailing empty lines).
     */
    @Test
    void textWithLineEndsInsideBlocksAgrees() {
        Random random = new Random(6376_2);
        String[] odd = {" ", "\t", "", "\r", "\n", "  ", "\u00e9"};
        for (int round = 0; round < 3000; round++) {
            StringBuilder body = new StringBuilder();
            int lines = random.nextInt(40);
            int oddity = 2 + random.nextInt(30); // one odd piece in `oddity`
            for (int line = 0; line < lines; line++) {
                if (random.nextInt(oddity) == 0) {
                    body.append(odd[random.nextInt(odd.length)]);
                }
                int words = random.nextInt(5);
                for (int w = 0; w < words; w++) {
                    body.append(w > 0 ? " " : "").append("abcdefghijk", 0, 1 + random.nextInt(10));
                }
                if (random.nextInt(oddity) == 0) {
                    body.append(odd[random.nextInt(odd.length)]);
                }
                body.append("\r\n");
            }
            if (random.nextInt(4) == 0) {
                body.append("\r\n".repeat(random.nextInt(3)));
            }
            String text = body.toString();
            for (Canonicalization canon : Canonicalization.values()) {
                assertThat(bodyHash(canon, text, -1)).as("%s %s", canon, text.replace("\r", "<CR>").replace("\n", "<LF>"))
                    .isEqualTo(sha256(lineByLine(canon, text)));
                assertThat(chunkedBodyHash(canon, text, 1 + random.nextInt(64))).isEqualTo(bodyHash(canon, text, -1));
            }
        }
    }

    /**
     * Relaxed header canonicalization against RFC 6376 §3.4.2 read literally (lowercase name, unfold, WSP runs to
     * one space, none around the colon or at the end), on random fields rich in WSP, folds and mixed case.
     */
    @Test
    void relaxedHeaderAgreesWithALiteralReading() {
        Random random = new Random(34212);
        String[] pieces = {" ", "\t", "\r\n ", "\r\n\t", "a", "B", ":", "\r", "\n", "x\u00e9", ";", "="};
        for (int round = 0; round < 3000; round++) {
            StringBuilder raw = new StringBuilder();
            int n = random.nextInt(30);
            for (int i = 0; i < n; i++) {
                raw.append(pieces[random.nextInt(pieces.length)]);
            }
            String field = raw.toString();
            int colon = field.indexOf(':');
            String name = colon < 0 ? field : field.substring(0, colon);
            String value = colon < 0 ? "" : field.substring(colon + 1);
            String expected = literal(name).toLowerCase(java.util.Locale.ROOT) + ":" + literal(value) + "\r\n";
            assertThat(header(Canonicalization.RELAXED, field)).as(field.replace("\r", "<CR>").replace("\n", "<LF>"))
                .isEqualTo(expected);
        }
    }

    /**
     * The same on long fields of words and single spaces, the text relaxed passes 8 octets at a time, with every
     * kind of octet that stops a block (WSP runs, folds, controls, 8-bit, a space before the end or before a fold)
     * at every offset, written after other fields already in the buffer.
     */
    @Test
    void relaxedHeaderAgreesWithALiteralReadingOnLongFields() {
        Random random = new Random(34213);
        String[] pieces = {" ", " ", " ", "\t", "\r\n ", "\r\n\t", "  ", "word", "Example.", "a", "<joe@example.test>",
            "x\u00e9", "\u00ff\u0080", "\u0001", "\u001f", "!", "~", ":", "\r", "\n", "quarterly", "Figures,", "=?utf-8?q?x?="};
        for (int round = 0; round < 5000; round++) {
            StringBuilder raw = new StringBuilder(random.nextBoolean() ? "Subject:" : "X-Long-Name :");
            int n = random.nextInt(120);
            for (int i = 0; i < n; i++) {
                raw.append(pieces[random.nextInt(pieces.length)]);
            }
            String field = raw.toString();
            int colon = field.indexOf(':');
            String expected = literal(field.substring(0, colon)).toLowerCase(java.util.Locale.ROOT) + ":"
                + literal(field.substring(colon + 1)) + "\r\n";
            Octets out = new Octets(16);
            String before = "from:joe\r\n".repeat(random.nextInt(3));
            out.put(before, 0, before.length());
            Canonicalization.RELAXED.appendHeader(field, out);
            assertThat(new String(out.array(), 0, out.length(), StandardCharsets.ISO_8859_1))
                .as(field.replace("\r", "<CR>").replace("\n", "<LF>")).isEqualTo(before + expected);
        }
    }

    /** Unfolded (CRLF, then any bare LF, removed), WSP runs as one space, trimmed. */
    private static String literal(String text) {
        return text.replace("\r\n", "").replace("\n", "").replaceAll("[ \t]+", " ").replaceAll("^ | \\z", "");
    }

    /** RFC 6376 §3.4.3 / §3.4.4 read literally, with bare LF as a line end. */
    private static String lineByLine(Canonicalization canon, String body) {
        java.util.List<String> lines = new java.util.ArrayList<>(java.util.Arrays.asList(body.split("\r?\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // nothing after the last line end
        }
        if (canon == Canonicalization.RELAXED) {
            lines.replaceAll(line -> line.replaceAll("[ \t]+", " ").replaceAll(" \\z", ""));
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
            return canon == Canonicalization.SIMPLE ? "\r\n" : "";
        }
        return String.join("\r\n", lines) + "\r\n";
    }

    private static String bodyHash(Canonicalization canon, String body, long limit) {
        BodyHasher hasher = new BodyHasher(canon, "SHA-256", limit, true);
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        hasher.update(bytes, 0, bytes.length);
        return Base64.getEncoder().encodeToString(hasher.finish().hash());
    }

    /** {@link #bodyHash} fed in chunks of {@code chunk} octets (blocks then meet chunk ends at every position). */
    private static String chunkedBodyHash(Canonicalization canon, String body, int chunk) {
        BodyHasher hasher = new BodyHasher(canon, "SHA-256", -1, true);
        byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += chunk) {
            hasher.update(bytes, i, Math.min(chunk, bytes.length - i));
        }
        return Base64.getEncoder().encodeToString(hasher.finish().hash());
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The canonical form of one field as text. */
    private static String header(Canonicalization canon, String raw) {
        Octets out = new Octets(raw.length() + 2);
        canon.appendHeader(raw, out);
        return new String(out.array(), 0, out.length(), StandardCharsets.ISO_8859_1);
    }
}
