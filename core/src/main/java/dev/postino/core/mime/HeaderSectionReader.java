package dev.postino.core.mime;

import java.io.IOException;
import java.io.InputStream;
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
        StringBuilder field = null;
        String previousLineEnd = "\r\n";
        byte[] line = new byte[256];
        long total = 0;
        boolean bareCr = false;
        boolean crlf = false;
        boolean bareLf = false;
        while (true) {
            int lineLength = 0;
            boolean sawLf = false;
            while (!sawLf) {
                if (pos == limit && !fill()) {
                    break;
                }
                int stop = pos;
                while (stop < limit && buffer[stop] != '\n') {
                    stop++;
                }
                sawLf = stop < limit;
                int n = stop - pos;
                total += sawLf ? n + 1 : n;
                if (total > maxBytes) {
                    addField(fields, field);
                    return new HeaderSection(fields, total, false, true, maxBytes, bareCr, crlf && bareLf);
                }
                if (lineLength + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
                }
                System.arraycopy(buffer, pos, line, lineLength, n);
                lineLength += n;
                pos = sawLf ? stop + 1 : stop;
            }
            boolean hadCr = sawLf && lineLength > 0 && line[lineLength - 1] == '\r';
            int contentLength = hadCr ? lineLength - 1 : lineLength;
            if (sawLf) {
                crlf |= hadCr;
                bareLf |= !hadCr;
            }
            for (int i = 0; i < contentLength && !bareCr; i++) {
                bareCr = line[i] == '\r';
            }
            if (contentLength == 0 && (sawLf || lineLength == 0)) {
                addField(fields, field);
                return new HeaderSection(fields, total, sawLf, false, maxBytes, bareCr, crlf && bareLf);
            }
            String text = new String(line, 0, contentLength, StandardCharsets.ISO_8859_1);
            if (field != null && (line[0] == ' ' || line[0] == '\t')) {
                field.append(previousLineEnd).append(text);
            } else {
                addField(fields, field);
                field = new StringBuilder(text);
            }
            previousLineEnd = hadCr || bareLfAsCrlf ? "\r\n" : "\n";
            if (!sawLf) {
                addField(fields, field);
                return new HeaderSection(fields, total, false, false, maxBytes, bareCr, crlf && bareLf);
            }
        }
    }

    private static void addField(List<HeaderSection.Field> fields, StringBuilder field) {
        if (field != null) {
            fields.add(HeaderSection.Field.of(field.toString()));
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
