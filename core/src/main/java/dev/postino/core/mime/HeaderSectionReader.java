package dev.postino.core.mime;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads a raw message from a stream, once: the header section into memory (bounded, in time linear in its size),
 * then the body in chunks through one reused buffer, so that the body is never held whole. The one reader of
 * header sections: see {@link HeaderSection} for how lines and fields are split. Not thread-safe.
 */
public final class HeaderSectionReader {

    /** The bound every check uses unless configured otherwise: 1 MiB. */
    public static final int DEFAULT_MAX_BYTES = 1 << 20;

    /** The body chunk size for a stream of unknown or larger size. */
    private static final int CHUNK = 16 * 1024;

    private final InputStream in;
    private final byte[] buffer;
    private int pos;
    private int limit;
    private boolean eof;
    private int chunkOffset;
    private HeaderSection section;

    public HeaderSectionReader(InputStream in) {
        this.in = Objects.requireNonNull(in, "in");
        // a stream that knows it holds less (a message in memory) gets a buffer of its size: no 16 KB to clear
        int available = 0;
        try {
            available = in.available();
        } catch (IOException unknown) {
            // the full chunk, then
        }
        this.buffer = new byte[available > 0 && available < CHUNK ? Math.max(available + 1, 512) : CHUNK];
    }

    /**
     * Reads up to and including the empty line that ends the header section, or to the end of the stream, or
     * until more than {@code maxBytes} octets were read ({@link HeaderSection#tooLarge()}). Only the first call
     * reads; later calls return the same section whatever their arguments.
     *
     * @param maxBytes     the bound on the octets held
     * @param bareLfAsCrlf a line ended by LF alone is stored with CRLF (otherwise its LF is kept as it is); either
     *                     way it ends the line
     */
    public HeaderSection read(int maxBytes, boolean bareLfAsCrlf) throws IOException {
        if (section == null) {
            section = readSection(maxBytes, bareLfAsCrlf);
        }
        return section;
    }

    private HeaderSection readSection(int maxBytes, boolean bareLfAsCrlf) throws IOException {
        List<HeaderSection.Field> fields = new ArrayList<>();
        Field field = new Field();
        String previousLineEnd = "\r\n";
        byte[] line = null; // for a line that spans refills of the buffer; most lines are read where they lie
        long total = 0;
        boolean bareCr = false;
        boolean crlf = false;
        boolean bareLf = false;
        while (true) {
            byte[] src = buffer;
            int off = pos;
            int lineLength = 0;
            int crs = 0;
            boolean sawLf = false;
            boolean copied = false;
            while (!sawLf) {
                if (pos == limit) {
                    if (lineLength > 0 && !copied) {
                        // the line continues past the buffer: gather it in the line buffer, before fill() reuses it
                        line = grown(line, lineLength);
                        System.arraycopy(buffer, off, line, 0, lineLength);
                        src = line;
                        off = 0;
                        copied = true;
                    }
                    if (!fill()) {
                        break;
                    }
                    if (!copied) {
                        off = pos; // nothing of the line read yet: it starts in the refilled buffer
                    }
                }
                int stop = pos;
                while (stop < limit) {
                    // 8 octets at a time while none is below 0x0E (LF, CR and HTAB are): most header octets are not
                    while (stop + 8 <= limit && !anyBelow0x0E((long) LONGS.get(buffer, stop))) {
                        stop += 8;
                    }
                    if (stop == limit || buffer[stop] == '\n') {
                        break;
                    }
                    crs += buffer[stop] == '\r' ? 1 : 0;
                    stop++; // one octet, then blocks again (a folded line's leading HTAB does not slow the rest)
                }
                sawLf = stop < limit;
                int n = stop - pos;
                total += sawLf ? n + 1 : n;
                if (total > maxBytes) {
                    field.addTo(fields);
                    return new HeaderSection(fields, total, false, true, maxBytes, bareCr, crlf && bareLf);
                }
                if (copied) {
                    line = grown(line, lineLength + n);
                    src = line;
                    System.arraycopy(buffer, pos, line, lineLength, n);
                }
                lineLength += n;
                pos = sawLf ? stop + 1 : stop;
            }
            boolean hadCr = sawLf && lineLength > 0 && src[off + lineLength - 1] == '\r';
            int contentLength = hadCr ? lineLength - 1 : lineLength;
            if (sawLf) {
                crlf |= hadCr;
                bareLf |= !hadCr;
            }
            bareCr |= crs > (hadCr ? 1 : 0); // a CR other than the one that ends the line
            if (contentLength == 0 && (sawLf || lineLength == 0)) {
                field.addTo(fields);
                return new HeaderSection(fields, total, sawLf, false, maxBytes, bareCr, crlf && bareLf);
            }
            String text = new String(src, off, contentLength, StandardCharsets.ISO_8859_1);
            if (field.started() && (src[off] == ' ' || src[off] == '\t')) {
                field.continueWith(previousLineEnd, text);
            } else {
                field.addTo(fields);
                field.start(text);
            }
            previousLineEnd = hadCr || bareLfAsCrlf ? "\r\n" : "\n";
            if (!sawLf) {
                field.addTo(fields);
                return new HeaderSection(fields, total, false, false, maxBytes, bareCr, crlf && bareLf);
            }
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Whether some octet of {@code word} is below 0x0E (exact when none is: borrows only run above a true one). */
    private static boolean anyBelow0x0E(long word) {
        return ((word - 0x0E0E0E0E0E0E0E0EL) & ~word & 0x8080808080808080L) != 0;
    }

    private static byte[] grown(byte[] line, int needed) {
        if (line == null) {
            return new byte[Math.max(256, needed)];
        }
        return needed <= line.length ? line : Arrays.copyOf(line, Math.max(line.length * 2, needed));
    }

    /** The field being read: its first line, and a builder only once a continuation line comes (most have none). */
    private static final class Field {
        private String first;
        private StringBuilder folded;

        boolean started() {
            return first != null;
        }

        void start(String text) {
            first = text;
            folded = null;
        }

        void continueWith(String lineEnd, String text) {
            if (folded == null) {
                folded = new StringBuilder(first.length() + lineEnd.length() + text.length() + 64).append(first);
            }
            folded.append(lineEnd).append(text);
        }

        void addTo(List<HeaderSection.Field> fields) {
            if (first != null) {
                fields.add(HeaderSection.Field.of(folded == null ? first : folded.toString()));
                first = null;
                folded = null;
            }
        }
    }

    /**
     * The next part of the body, after {@link #read}: how many octets of {@link #buffer()} from
     * {@link #bodyOffset()} are valid, or -1 at the end. The buffer's content changes on the next call.
     */
    public int nextBodyChunk() throws IOException {
        if (section == null) {
            throw new IllegalStateException("the header section was not read");
        }
        if (pos < limit) {
            int n = limit - pos;
            chunkOffset = pos;
            pos = limit;
            return n;
        }
        if (!fill()) {
            return -1;
        }
        chunkOffset = 0;
        pos = limit;
        return limit;
    }

    /** The buffer {@link #nextBodyChunk()} fills; do not keep it across calls. */
    public byte[] buffer() {
        return buffer;
    }

    /** Where the chunk returned by {@link #nextBodyChunk()} starts in {@link #buffer()}. */
    public int bodyOffset() {
        return chunkOffset;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buffer, 0, buffer.length);
        for (int retries = 0; n == 0 && retries < 1000; retries++) {
            n = in.read(buffer, 0, buffer.length); // a stream may return 0; a bounded number of times
        }
        if (n <= 0) {
            eof = true;
            pos = 0;
            limit = 0;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }
}
