package dev.postino.core.dkim;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Tests on 8 octets at once (one {@code long}, the first octet in the low bits), for the canonicalizations: most
 * text is words and single spaces, which relaxed leaves as they are, so a block that is only that is passed whole.
 */
final class OctetBlocks {

    /** Reads and writes 8 octets at once, in memory order (the last octet in the high bits). */
    static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    static final long CRS = 0x0D0D0D0D0D0D0D0DL;
    static final long LFS = 0x0A0A0A0A0A0A0A0AL;
    static final long TABS = 0x0909090909090909L;
    static final long SPACES = 0x2020202020202020L;
    /**
     * With {@link #HIGHS}: {@code (x - BELOW_0X21) & ~x & HIGHS} is not zero when some octet of x is below 0x21.
     * Never zero when one is (the lowest such octet borrows and keeps its high bit); an octet of 0x80 or more may
     * set it without one, which only sends the block to the exact test.
     */
    private static final long BELOW_0X21 = 0x2121212121212121L;
    private static final long HIGHS = 0x8080808080808080L;

    private OctetBlocks() {
    }

    static long get(byte[] bytes, int at) {
        return (long) LONGS.get(bytes, at);
    }

    /** No octet below 0x21, so no CR, LF, HTAB or SP: base64 and most words (exact, see {@link #BELOW_0X21}). */
    static boolean noOctetBelow0x21(long x) {
        return ((x - BELOW_0X21) & ~x & HIGHS) == 0;
    }

    /** 0x80 in each octet of {@code x} below 0x21, 0 elsewhere (exact: no carry crosses an octet). */
    static long below0x21(long x) {
        return ~(((x & 0x7F7F7F7F7F7F7F7FL) + 0x5F5F5F5F5F5F5F5FL) | x) & HIGHS;
    }

    /** 0x80 in each octet of {@code t} that is zero, 0 elsewhere (exact, no false positives). */
    static long zeroBytes(long t) {
        long y = (t & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL;
        return ~(y | t | 0x7F7F7F7F7F7F7F7FL);
    }

    /**
     * Every octet below 0x21 is a space (no CR, LF, HTAB or other control), and no two spaces are in a row: relaxed
     * leaves it as it is, but for a space at either end, which depends on the octets around the block.
     */
    static boolean singleSpaced(long x) {
        long spaces = zeroBytes(x ^ SPACES);
        return below0x21(x) == spaces && (spaces & (spaces >>> 8)) == 0;
    }

    /** The last octet of the block is a space. */
    static boolean endsWithSpace(long x) {
        return x >>> 56 == ' ';
    }
}
