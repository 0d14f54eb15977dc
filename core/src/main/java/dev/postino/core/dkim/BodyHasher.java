package dev.postino.core.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Canonicalizes a message body as it streams by (RFC 6376 §3.4.3 and §3.4.4) and hashes the first {@code limit}
 * canonical octets. One state machine per byte, output batched into a buffer, so a 50 MB body costs one pass
 * and no copy of the message.
 */
final class BodyHasher {

    private static final int CR = '\r';
    private static final int LF = '\n';

    private final boolean relaxed;
    private final boolean bareLfIsLineEnd;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[8192];
    private int outPos;
    /** Canonical octets produced so far, including those past the limit. */
    private long produced;
    /** Empty lines seen since the last content: emitted only if content follows (trailing ones are dropped). */
    private long pendingEmptyLines;
    private boolean lineHasContent;
    private boolean pendingCr;
    private boolean pendingSpace;
    private boolean finished;

    /**
     * @param limit octets to hash (the l= value), or -1 for all
     */
    BodyHasher(Canonicalization canonicalization, String digestAlgorithm, long limit, boolean bareLfIsLineEnd) {
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        this.bareLfIsLineEnd = bareLfIsLineEnd;
        this.limit = limit;
        try {
            this.digest = MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + digestAlgorithm, e);
        }
    }

    void update(byte[] buf, int off, int len) {
        int end = off + len;
        for (int i = off; i < end; i++) {
            int b = buf[i];
            if (pendingCr) {
                pendingCr = false;
                if (b == LF) {
                    endLine();
                    continue;
                }
                content(CR);
            }
            if (b == CR) {
                pendingCr = true;
            } else if (b == LF && bareLfIsLineEnd) {
                endLine();
            } else if (relaxed && (b == ' ' || b == '\t')) {
                pendingSpace = true;
            } else {
                content(b);
            }
        }
    }

    private void content(int b) {
        if (pendingEmptyLines > 0) {
            flushEmptyLines();
        }
        if (pendingSpace) {
            pendingSpace = false;
            put(' ');
        }
        put(b);
        lineHasContent = true;
    }

    private void endLine() {
        pendingSpace = false; // relaxed: whitespace at the end of a line goes
        if (lineHasContent) {
            put(CR);
            put(LF);
            lineHasContent = false;
        } else {
            pendingEmptyLines++;
        }
    }

    private void flushEmptyLines() {
        for (long n = pendingEmptyLines; n > 0; n--) {
            put(CR);
            put(LF);
        }
        pendingEmptyLines = 0;
    }

    private void put(int b) {
        if (outPos == out.length) {
            flush();
        }
        out[outPos++] = (byte) b;
    }

    private void flush() {
        if (outPos == 0) {
            return;
        }
        if (limit < 0) {
            digest.update(out, 0, outPos);
        } else if (produced < limit) {
            digest.update(out, 0, (int) Math.min(outPos, limit - produced));
        }
        produced += outPos;
        outPos = 0;
    }

    /** Ends the body: returns its hash, and the canonical length (all of it, whatever the limit). */
    BodyHash finish() {
        if (finished) {
            throw new IllegalStateException("finish() called twice");
        }
        finished = true;
        if (pendingCr) {
            pendingCr = false;
            content(CR);
        }
        if (lineHasContent) {
            put(CR); // a last line without line end gets one, in both algorithms
            put(LF);
        }
        flush();
        if (!relaxed && produced == 0) {
            // simple: an empty body (or one of empty lines only) is a single CRLF
            put(CR);
            put(LF);
            flush();
        }
        return new BodyHash(digest.digest(), produced);
    }

    /** The result of hashing a body. */
    record BodyHash(byte[] hash, long canonicalLength) {
    }
}
