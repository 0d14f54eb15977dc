package dev.postino.core.dkim;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Canonicalizes a message body as it streams by (RFC 6376 §3.4.3 and §3.4.4) and hashes the first {@code limit}
 * canonical octets, in one pass and without holding the body. A state machine handles line ends and whitespace
 * runs; between them, runs of plain content are found 8 octets per step and copied in bulk.
 */
final class BodyHasher {

    private static final int CR = '\r';
    private static final int LF = '\n';
    /** Never updated: only cloned. */
    private static final MessageDigest SHA256 = lookUp("SHA-256");
    /** Runs of content at least this long go to the digest straight from the caller's buffer. */
    private static final int DIRECT = 256;

    private final boolean relaxed;
    private final boolean bareLfIsLineEnd;
    private final MessageDigest digest;
    private final long limit;
    private final byte[] out = new byte[1024];
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
        this(canonicalization, digest(digestAlgorithm), limit, bareLfIsLineEnd);
    }

    /** @param digest a new or reset digest, used until {@link #finish()} (which leaves it reset for another use) */
    BodyHasher(Canonicalization canonicalization, MessageDigest digest, long limit, boolean bareLfIsLineEnd) {
        this.relaxed = canonicalization == Canonicalization.RELAXED;
        this.bareLfIsLineEnd = bareLfIsLineEnd;
        this.limit = limit;
        this.digest = digest;
    }

    /** A new digest: SHA-256 cloned from a prototype (cheaper than a provider lookup per message), others looked up. */
    static MessageDigest digest(String algorithm) {
        if (algorithm.equals("SHA-256")) {
            try {
                return (MessageDigest) SHA256.clone();
            } catch (CloneNotSupportedException notThisProvider) {
                // looked up below
            }
        }
        return lookUp(algorithm);
    }

    private static MessageDigest lookUp(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    void update(byte[] buf, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int b = buf[i];
            if (pendingCr) {
                pendingCr = false;
                if (b == LF) {
                    endLine();
                    i++;
                    continue;
                }
                content(CR);
            }
            if (isPlain(b)) {
                i = contentRun(buf, i, end);
                continue;
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
            i++;
        }
    }

    /**
     * True when 8 octets can be copied as they are without looking at each: for simple, no CR or LF; for relaxed,
     * no HTAB, no two spaces in a row, each CR followed by LF (both in the block) and not preceded by a space, and
     * a last space or LF only before a plain octet: what follows a line end (a single space, an empty line) is then
     * followed by content, and is its own canonical form. The octet before the block is plain content: a run never
     * ends on a space or a line end.
     */
    private boolean isPlainBlock(long x, int next) {
        if (OctetBlocks.noOctetBelow0x21(x)) {
            return true;
        }
        if (!relaxed) {
            return (OctetBlocks.zeroBytes(x ^ OctetBlocks.CRS) | OctetBlocks.zeroBytes(x ^ OctetBlocks.LFS)) == 0;
        }
        if (OctetBlocks.singleSpaced(x)) { // words and single spaces, most blocks of text: the short test
            return !OctetBlocks.endsWithSpace(x) || isPlain(next);
        }
        long spaces = OctetBlocks.zeroBytes(x ^ OctetBlocks.SPACES);
        long below = OctetBlocks.below0x21(x);
        long crs = OctetBlocks.zeroBytes(x ^ OctetBlocks.CRS);
        long lfs = OctetBlocks.zeroBytes(x ^ OctetBlocks.LFS);
        return below == (spaces | crs | lfs) // no HTAB, no other control
            && (spaces & (spaces >>> 8)) == 0 // no two spaces in a row
            && crs << 8 == lfs && crs >= 0 // each CR followed by LF, each LF after CR, no CR last
            && (crs >>> 8 & spaces) == 0 // before a line end: no space
            && ((spaces | lfs) >= 0 || isPlain(next)); // a last space or LF: content after the block
    }

    /**
     * How many octets of the block {@code x} come before the first CR or LF (relaxed: also HTAB, or the first of
     * two spaces in a row); 8 if none. Each of them is plain, or a single space followed by an octet of the block
     * that is not a space.
     */
    private int plainPrefix(long x) {
        long stop = OctetBlocks.zeroBytes(x ^ OctetBlocks.CRS) | OctetBlocks.zeroBytes(x ^ OctetBlocks.LFS);
        if (relaxed) {
            long spaces = OctetBlocks.zeroBytes(x ^ OctetBlocks.SPACES);
            stop |= OctetBlocks.zeroBytes(x ^ OctetBlocks.TABS) | (spaces & (spaces >>> 8));
        }
        return Long.numberOfTrailingZeros(stop) >>> 3;
    }

    /** Content as it is: anything but CR and LF, and for relaxed also not SP or HTAB. */
    private boolean isPlain(int b) {
        return b != CR && b != LF && (!relaxed || (b != ' ' && b != '\t'));
    }

    /**
     * Copies a run of content starting at {@code start} (a plain byte) in one go. A single space (relaxed) or a CRLF
     * between plain bytes is its own canonical form and stays in the run, so ordinary text is one run per chunk and
     * goes to the digest without a copy. Returns where the run ends.
     */
    private int contentRun(byte[] buf, int start, int end) {
        if (pendingEmptyLines > 0) {
            flushEmptyLines();
        }
        if (pendingSpace) {
            pendingSpace = false;
            put(' ');
        }
        int i = start + 1;
        int lastBlock = end - 8; // a block starting before it has an octet after it
        while (i < end) {
            while (i < lastBlock && OctetBlocks.noOctetBelow0x21(OctetBlocks.get(buf, i))) {
                i += 8; // base64 and words: the tightest loop
            }
            if (i < lastBlock) {
                long x = OctetBlocks.get(buf, i);
                if (isPlainBlock(x, buf[i + 8])) {
                    i += 8;
                    // text: words and single spaces, block after block, each read once
                    while (i < lastBlock && isPlainBlock(OctetBlocks.get(buf, i), buf[i + 8])) {
                        i += 8;
                    }
                    continue;
                }
                // the octets before the first that needs a look are plain, but a space last among them (it may end
                // the line): passed at once, then the octet that needs a look is looked at below
                int plain = plainPrefix(x);
                if (plain > 0 && buf[i + plain - 1] == ' ') {
                    plain--;
                }
                i += plain;
            }
            int b = buf[i];
            if (isPlain(b)) {
                i++;
            } else if (relaxed && b == ' ' && i + 1 < end && isPlain(buf[i + 1])) {
                i += 2;
            } else if (b == CR && i + 2 < end && buf[i + 1] == LF && isPlain(buf[i + 2])) {
                i += 3; // a CRLF between content octets is its own canonical form in both algorithms
            } else {
                break;
            }
        }
        lineHasContent = true;
        int n = i - start;
        if (n > out.length - outPos || n >= DIRECT) {
            flush();
        }
        if (n >= DIRECT) {
            sink(buf, start, n);
        } else {
            System.arraycopy(buf, start, out, outPos, n);
            outPos += n;
        }
        return i;
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
        if (outPos > 0) {
            sink(out, 0, outPos);
            outPos = 0;
        }
    }

    /** Hashes canonical octets up to the limit, and counts them all. */
    private void sink(byte[] bytes, int off, int n) {
        if (limit < 0) {
            digest.update(bytes, off, n);
        } else if (produced < limit) {
            digest.update(bytes, off, (int) Math.min(n, limit - produced));
        }
        produced += n;
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
