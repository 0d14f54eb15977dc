package dev.postino.core.dkim;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a raw message from a stream: the header section into memory (bounded), then the body in chunks
 * through one reused buffer, so the body is never held whole.
 */
final class MessageReader {

    /** The header fields in order, and whether the section was cut at the size limit. */
    record HeaderSection(List<HeaderField> fields, boolean tooLarge) {
    }

    private final InputStream in;
    private final byte[] buffer = new byte[16 * 1024];
    private int pos;
    private int limit;
    private boolean eof;
    private int chunkOffset;

    MessageReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads up to and including the empty line that ends the header section (or to the end of the stream).
     *
     * @param bareLfAsCrlf a line ended by LF alone is stored with CRLF (otherwise the LF is kept as it is)
     * @param maxBytes     stop (tooLarge) once the section exceeds this many octets
     */
    HeaderSection readHeaders(boolean bareLfAsCrlf, int maxBytes) throws IOException {
        List<HeaderField> fields = new ArrayList<>();
        StringBuilder field = null;
        byte[] line = new byte[256];
        long total = 0;
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
                    return new HeaderSection(fields, true);
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
            if (contentLength == 0 && (sawLf || lineLength == 0)) {
                break; // the empty line before the body, or the end of the stream
            }
            String text = new String(line, 0, contentLength, StandardCharsets.ISO_8859_1);
            String lineEnd = hadCr || bareLfAsCrlf ? "\r\n" : "\n";
            if (field != null && (line[0] == ' ' || line[0] == '\t')) {
                field.append(lineEnd).append(text);
            } else {
                if (field != null) {
                    fields.add(HeaderField.of(field.toString()));
                }
                field = new StringBuilder(text);
            }
            if (!sawLf) {
                break;
            }
        }
        if (field != null) {
            fields.add(HeaderField.of(field.toString()));
        }
        return new HeaderSection(fields, false);
    }

    /**
     * The next part of the body: the buffer and how many octets of it are valid from offset 0
     * ({@link #bodyOffset()}), or -1 at the end. The buffer's content changes on the next call.
     */
    int nextBodyChunk() throws IOException {
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

    byte[] buffer() {
        return buffer;
    }

    /** Where the chunk returned by {@link #nextBodyChunk()} starts in {@link #buffer()}. */
    int bodyOffset() {
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
