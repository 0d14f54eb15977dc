package dev.postino.core.delivery;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Turns a message's octets, as they are written to it, into the text that goes between {@code DATA} and the final
 * dot, holding one line (at most {@value #MAX_LINE} octets) and one block at a time whatever the message's size.
 *
 * <ul>
 * <li>CR LF stays; a bare LF is sent as CR LF: James, mime4j and every DKIM verifier read it as a line end, and RFC 6376
 *     section 5.3 has signers convert it before signing, so the signed text is unchanged.</li>
 * <li>A bare CR (not followed by LF) is sent as a space, as Postfix's {@code cleanup_replace_stray_cr_lf}: RFC 5321
 *     section 2.3.8 forbids it on the wire, and readers disagree on it (a line end to javax.mail, text to others), so
 *     making it a line end here would show the next hop lines the checks before delivery may have read as one (the
 *     stuff of SMTP smuggling). James writes a header section with javax.mail, which already ends a line at a bare CR
 *     as its mailets read it; in practice this is about the body, which James copies untouched.</li>
 * <li>A line over {@value #MAX_LINE} octets (RFC 5321 section 4.5.3.1.6) is broken before its last space or tab within
 *     the limit, which in a header field is a fold that unfolding undoes (so a DKIM {@code relaxed} header hash
 *     survives); without one it is broken by inserting CR LF SP, as Postfix's {@code smtp_line_length_limit}. Either
 *     way the new line starts with white space: it continues a header field and never reads as a boundary or a dot.</li>
 * <li>On the wire ({@code dotStuffing}), a line starting with {@code .} gets another one (RFC 5321 section 4.5.2) and
 *     {@link #finish()} ends the text with the last line's CR LF and {@code .} CR LF.</li>
 * </ul>
 *
 * <p>Without a sink it only counts, which is how {@link MessageContent#scan()} learns the size on the wire before
 * {@code MAIL}. Not thread-safe.
 */
final class SmtpDataStream extends OutputStream {

    /** RFC 5321 section 4.5.3.1.6: a text line is at most 1000 octets with its CR LF. */
    static final int MAX_LINE = 998;

    /** Where full blocks go. */
    @FunctionalInterface
    interface BlockSink {
        void write(byte[] block, int length) throws IOException;
    }

    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte TAB = '\t';
    private static final byte DOT = '.';
    private static final byte[] CRLF = {CR, LF};
    private static final byte[] END = {DOT, CR, LF};
    private static final byte[] DKIM_SIGNATURE = "dkim-signature".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final BlockSink sink;
    private final boolean dotStuffing;
    private final byte[] line = new byte[MAX_LINE];
    private int lineLength;
    /** Index in {@link #line} of its first octet that is not a space or tab; -1 while there is none. */
    private int firstNonBlank = -1;
    /** Whether the line in hand started after a line end of the message rather than after a break of ours. */
    private boolean lineStart = true;
    private boolean pendingCr;
    private boolean inHeader = true;
    private final byte[] block;
    private int blockLength;
    private boolean finished;

    private long size;
    private boolean eightBit;
    private long bareCarriageReturns;
    private long bareLineFeeds;
    private long linesFolded;
    private long linesBroken;
    private boolean dkimSigned;

    /**
     * @param sink        where blocks of {@code blockSize} octets (the last one shorter) go; null to count only
     * @param dotStuffing whether to write SMTP's transparency dots and the final {@code .} line
     */
    SmtpDataStream(BlockSink sink, int blockSize, boolean dotStuffing) {
        this.sink = sink;
        this.dotStuffing = dotStuffing;
        this.block = sink == null ? null : new byte[Math.max(blockSize, MAX_LINE + 3)];
    }

    @Override
    public void write(int b) throws IOException {
        if (finished) {
            throw new IOException("the message has been ended");
        }
        accept((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        if (finished) {
            throw new IOException("the message has been ended");
        }
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        for (int i = offset, end = offset + length; i < end; i++) {
            accept(bytes[i]);
        }
    }

    private void accept(byte b) throws IOException {
        if (pendingCr) {
            pendingCr = false;
            if (b == LF) {
                endLine();
                return;
            }
            bareCarriageReturns++;
            append(SP);
        }
        if (b == CR) {
            pendingCr = true;
        } else if (b == LF) {
            bareLineFeeds++;
            endLine();
        } else {
            if (b < 0) {
                eightBit = true;
            }
            append(b);
        }
    }

    private void append(byte b) throws IOException {
        if (lineLength == MAX_LINE) {
            breakLine();
        }
        if (firstNonBlank < 0 && b != SP && b != TAB) {
            firstNonBlank = lineLength;
        }
        line[lineLength++] = b;
    }

    /** The line in hand is full and goes on: send what fits, keep the rest as a line that starts with white space. */
    private void breakLine() throws IOException {
        int fold = -1;
        for (int i = MAX_LINE - 1; firstNonBlank >= 0 && i > firstNonBlank; i--) {
            if (line[i] == SP || line[i] == TAB) {
                fold = i;
                break;
            }
        }
        if (fold > 0) {
            emit(fold);
            lineLength = MAX_LINE - fold;
            System.arraycopy(line, fold, line, 0, lineLength);
            firstNonBlank = -1;
            for (int i = 0; i < lineLength; i++) {
                if (line[i] != SP && line[i] != TAB) {
                    firstNonBlank = i;
                    break;
                }
            }
            linesFolded++;
        } else {
            emit(MAX_LINE);
            line[0] = SP;
            lineLength = 1;
            firstNonBlank = -1;
            linesBroken++;
        }
        lineStart = false;
    }

    private void endLine() throws IOException {
        if (inHeader && lineStart && lineLength == 0) {
            inHeader = false;
        }
        emit(lineLength);
        lineLength = 0;
        firstNonBlank = -1;
        lineStart = true;
    }

    /** {@code line[0, length)} and CR LF. */
    private void emit(int length) throws IOException {
        if (inHeader && lineStart && !dkimSigned) {
            dkimSigned = namesDkimSignature(length);
        }
        if (dotStuffing && length > 0 && line[0] == DOT) {
            put(END, 0, 1); // END starts with the dot
        }
        put(line, 0, length);
        put(CRLF, 0, 2);
        size += length + 2;
    }

    /** Whether {@code line[0, length)} starts a DKIM-Signature field (RFC 6376 section 3.5: the name, WSP, colon). */
    private boolean namesDkimSignature(int length) {
        if (length <= DKIM_SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < DKIM_SIGNATURE.length; i++) {
            if ((line[i] | 0x20) != DKIM_SIGNATURE[i]) {
                return false;
            }
        }
        int i = DKIM_SIGNATURE.length;
        while (i < length && (line[i] == SP || line[i] == TAB)) {
            i++;
        }
        return i < length && line[i] == ':';
    }

    private void put(byte[] bytes, int offset, int length) throws IOException {
        if (block == null) {
            return;
        }
        while (length > 0) {
            int n = Math.min(length, block.length - blockLength);
            System.arraycopy(bytes, offset, block, blockLength, n);
            blockLength += n;
            offset += n;
            length -= n;
            if (blockLength == block.length) {
                sink.write(block, blockLength);
                blockLength = 0;
            }
        }
    }

    /** Ends the message: its last line gets its CR LF, the final dot follows (on the wire), and the last block goes. */
    void finish() throws IOException {
        if (finished) {
            return;
        }
        if (pendingCr) {
            pendingCr = false;
            bareCarriageReturns++;
            append(SP);
        }
        if (lineLength > 0) {
            endLine();
        }
        if (dotStuffing) {
            put(END, 0, END.length);
        }
        finished = true;
        if (block != null && blockLength > 0) {
            sink.write(block, blockLength);
            blockLength = 0;
        }
    }

    /**
     * Does nothing: only {@link #finish()} ends the message, once its source has returned, so that a source that
     * closes the stream and then fails can never send a truncated message with its final dot.
     */
    @Override
    public void close() {
        // see above
    }

    /** What was seen; complete once {@link #finish()} has run. */
    MessageContent.Scan scan() {
        return new MessageContent.Scan(size, eightBit, bareCarriageReturns, bareLineFeeds, linesFolded, linesBroken,
            dkimSigned);
    }
}
