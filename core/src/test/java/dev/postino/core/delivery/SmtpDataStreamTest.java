package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class SmtpDataStreamTest {

    /** The wire form of {@code message}, written to the stream in pieces of {@code piece} octets. */
    private static String wire(String message, int piece) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpDataStream data = new SmtpDataStream((block, length) -> out.write(block, 0, length), 1024, true);
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < bytes.length; i += piece) {
            data.write(bytes, i, Math.min(piece, bytes.length - i));
        }
        data.finish();
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String wire(String message) throws IOException {
        String whole = wire(message, Integer.MAX_VALUE);
        // However the source cuts its writes, the wire form is the same.
        assertThat(wire(message, 1)).isEqualTo(whole);
        assertThat(wire(message, 7)).isEqualTo(whole);
        return whole;
    }

    private static MessageContent.Scan scan(String message) throws IOException {
        return MessageContent.of(message.getBytes(StandardCharsets.ISO_8859_1)).scan();
    }

    /** The wire form without the final dot line and without transparency dots: what SIZE counts. */
    private static void assertSizeMatches(String message) throws IOException {
        String wire = wire(message);
        String unstuffed = wire.substring(0, wire.length() - 3).replace("\r\n..", "\r\n.");
        unstuffed = unstuffed.startsWith("..") ? unstuffed.substring(1) : unstuffed;
        assertThat(scan(message).size()).isEqualTo(unstuffed.length());
    }

    /** Every CR is followed by LF and every LF follows a CR; no line is over 998 octets. */
    private static void assertFitForSmtp(String wire) {
        for (int i = 0; i < wire.length(); i++) {
            if (wire.charAt(i) == '\r') {
                assertThat(i + 1 < wire.length() && wire.charAt(i + 1) == '\n').as("CR at " + i + " has its LF").isTrue();
            }
            if (wire.charAt(i) == '\n') {
                assertThat(i > 0 && wire.charAt(i - 1) == '\r').as("LF at " + i + " has its CR").isTrue();
            }
        }
        for (String line : wire.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
    }

    @Test
    void crLfLinesPassUnchangedAndTheFinalDotFollows() throws IOException {
        assertThat(wire("Subject: hi\r\n\r\nbody\r\n")).isEqualTo("Subject: hi\r\n\r\nbody\r\n.\r\n");
    }

    @Test
    void aLeadingDotIsDoubledOnEveryLineAndOnlyThere() throws IOException {
        assertThat(wire(".first\r\n\r\n.\r\n..two\r\na.b\r\n")).isEqualTo("..first\r\n\r\n..\r\n...two\r\na.b\r\n.\r\n");
        assertSizeMatches(".first\r\n\r\n.\r\n..two\r\na.b\r\n");
    }

    @Test
    void aBareLfIsALineEndSentAsCrLf() throws IOException {
        String wire = wire("A: 1\nB: 2\n\n.x\nbody");

        assertThat(wire).isEqualTo("A: 1\r\nB: 2\r\n\r\n..x\r\nbody\r\n.\r\n");
        assertThat(scan("A: 1\nB: 2\n\n.x\nbody").bareLineFeeds()).isEqualTo(4);
        assertThat(scan("A: 1\nB: 2\n\n.x\nbody").altered()).isFalse();
    }

    @Test
    void aBareCrIsSentAsASpaceNeverAsANewLine() throws IOException {
        // A reader that took "Subject: a\rBcc: x" for one field must not have the next hop see a Bcc field.
        String message = "Subject: a\rBcc: x@evil.test\r\n\r\nline\r.\rmore\r";

        String wire = wire(message);

        assertThat(wire).isEqualTo("Subject: a Bcc: x@evil.test\r\n\r\nline . more \r\n.\r\n");
        assertFitForSmtp(wire);
        MessageContent.Scan scan = scan(message);
        assertThat(scan.bareCarriageReturns()).isEqualTo(4);
        assertThat(scan.altered()).isTrue();
        assertThat(scan.alterations()).isEqualTo("4 bare CRs sent as spaces");
        assertSizeMatches(message);
    }

    @Test
    void crCrLfIsASpaceAndALineEnd() throws IOException {
        assertThat(wire("a\r\r\nb\n\r\n")).isEqualTo("a \r\nb\r\n\r\n.\r\n");
    }

    @Test
    void smtpSmugglingSequencesCannotEndTheDataEarly() throws IOException {
        // "\n.\n", "\r.\r" and "\r\n.\r" would end DATA early at a lenient receiver; here they are lines with a dot doubled.
        String message = "Subject: s\r\n\r\nA\n.\nMAIL FROM:<x>\r.\rB\r\n.\rC\r\n";

        String wire = wire(message);

        assertThat(wire).isEqualTo("Subject: s\r\n\r\nA\r\n..\r\nMAIL FROM:<x> . B\r\n.. C\r\n.\r\n");
        assertThat(wire.indexOf("\r\n.\r\n")).isEqualTo(wire.length() - 5);
    }

    @Test
    void aLongHeaderFieldIsFoldedBeforeItsLastBlankSoUnfoldingGivesItBack() throws IOException {
        StringBuilder value = new StringBuilder();
        for (int i = 0; value.length() < 2500; i++) {
            value.append(i == 0 ? "" : i % 3 == 0 ? "\t" : " ").append("word").append(i);
        }
        String field = "X-Long: " + value;
        String message = field + "\r\nSubject: s\r\n\r\nbody\r\n";

        String wire = wire(message);

        assertFitForSmtp(wire);
        String header = wire.substring(0, wire.indexOf("\r\n\r\n") + 2);
        assertThat(header.split("\r\n")).hasSizeGreaterThan(3);
        // RFC 5322 section 2.2.3: unfolding removes the CR LF before white space, and gives back the field.
        assertThat(header.replace("\r\n ", " ").replace("\r\n\t", "\t")).isEqualTo(field + "\r\nSubject: s\r\n");
        MessageContent.Scan scan = scan(message);
        assertThat(scan.linesFolded()).isEqualTo(header.split("\r\n").length - 2);
        assertThat(scan.linesBroken()).isZero();
        assertSizeMatches(message);
    }

    @Test
    void aLongLineWithoutBlanksIsBrokenWithCrLfSpaceAsPostfixDoes() throws IOException {
        String base64 = "QUJD".repeat(600); // 2400 octets, no blank to break at
        String message = "Subject: s\r\n\r\n" + base64 + "\r\nend\r\n";

        String wire = wire(message);

        assertFitForSmtp(wire);
        assertThat(wire).isEqualTo("Subject: s\r\n\r\n" + base64.substring(0, 998) + "\r\n " + base64.substring(998, 1995)
            + "\r\n " + base64.substring(1995) + "\r\nend\r\n.\r\n");
        MessageContent.Scan scan = scan(message);
        assertThat(scan.linesBroken()).isEqualTo(2);
        assertThat(scan.alterations()).isEqualTo("2 breaks in lines over 998 octets (0 at a space or tab, 2 with a space inserted)");
        assertSizeMatches(message);
    }

    @Test
    void aLineOfExactly998OctetsIsNotBroken() throws IOException {
        String line = "x".repeat(998);

        assertThat(wire(line + "\r\n")).isEqualTo(line + "\r\n.\r\n");
        assertThat(wire(line)).isEqualTo(line + "\r\n.\r\n");
        assertThat(scan(line + "\r\n").altered()).isFalse();
        assertThat(wire(line + "y\r\n")).isEqualTo(line + "\r\n y\r\n.\r\n");
    }

    @Test
    void aLongLineStartingWithADotIsStuffedOnceAndItsContinuationNever() throws IOException {
        String line = "." + "y".repeat(1200);

        String wire = wire("S: s\r\n\r\n" + line + "\r\n");

        assertThat(wire).isEqualTo("S: s\r\n\r\n." + line.substring(0, 998) + "\r\n " + line.substring(998) + "\r\n.\r\n");
    }

    @Test
    void aLongLineOfBlanksOnlyStillFits() throws IOException {
        assertFitForSmtp(wire("S: s\r\n\r\n" + " ".repeat(3000) + "\r\n"));
    }

    @Test
    void aDkimSignatureFieldIsNoticedInTheHeaderSectionOnly() throws IOException {
        assertThat(scan("Dkim-Signature : v=1; a=rsa-sha256\r\nSubject: s\r\n\r\nb\r\n").dkimSigned()).isTrue();
        assertThat(scan("Subject: s\r\n\r\nDKIM-Signature: v=1\r\n").dkimSigned()).isFalse();
        assertThat(scan("DKIM-Signatures: v=1\r\n\r\nb\r\n").dkimSigned()).isFalse();
        assertThat(scan("X: a\r\n DKIM-Signature: folded\r\n\r\nb\r\n").dkimSigned()).isFalse();
    }

    @Test
    void eightBitOctetsAreNoticed() throws IOException {
        assertThat(scan("Subject: caf\u00e9\r\n\r\n").eightBit()).isTrue();
        assertThat(scan("Subject: cafe\r\n\r\n").eightBit()).isFalse();
    }

    @Test
    void anEmptyMessageIsJustTheFinalDot() throws IOException {
        assertThat(wire("")).isEqualTo(".\r\n");
        assertThat(scan("").size()).isZero();
    }

    @Test
    void blocksAreFullUntilTheLastAndTheLineBufferIsAllThatIsHeld() throws IOException {
        List<Integer> blocks = new ArrayList<>();
        long[] total = {0};
        SmtpDataStream data = new SmtpDataStream((block, length) -> {
            blocks.add(length);
            total[0] += length;
        }, 4096, true);
        byte[] line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 10_000; i++) {
            data.write(line);
        }
        // Everything but the last partial block has gone out before the end.
        assertThat(total[0]).isGreaterThan(10_000L * line.length - 4096);
        data.finish();

        assertThat(total[0]).isEqualTo(10_000L * line.length + 3);
        assertThat(blocks.subList(0, blocks.size() - 1)).allMatch(n -> n == 4096);
    }

    @Test
    void nothingCanBeWrittenAfterTheEndAndCloseDoesNotEndTheMessage() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SmtpDataStream data = new SmtpDataStream((block, length) -> out.write(block, 0, length), 1024, true);
        data.write("a\r\n".getBytes(StandardCharsets.US_ASCII));
        data.close();
        assertThat(out.size()).isZero();
        data.finish();
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("a\r\n.\r\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> data.write('b')).isInstanceOf(IOException.class);
    }
}
