package dev.postino.core.delivery;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;

/**
 * The octets of a message to deliver, written out on demand rather than held: once to {@linkplain #scan() look at
 * them} before {@code MAIL} (size, 8-bit, what the wire form changes), then once per SMTP session straight into the
 * socket through {@link SmtpDataStream}. A 50 MB message read from James's spool is never a 50 MB array.
 * Thread-safe when the source is.
 */
public final class MessageContent {

    /** Writes the message, as stored, to {@code out}; called once per scan or session, never closes {@code out}. */
    @FunctionalInterface
    public interface Source {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * What sending the message over SMTP involves, learned by one pass over it.
     *
     * @param size                the octets between {@code DATA} and the final dot, without the transparency dots (the
     *                            {@code SIZE} of RFC 1870)
     * @param eightBit            whether an octet has the high bit set (then {@code BODY=8BITMIME} is declared)
     * @param bareCarriageReturns CRs without an LF after them, each sent as a space
     * @param bareLineFeeds       LFs without a CR before them, each sent as CR LF
     * @param linesFolded         breaks of lines over 998 octets made before a space or tab already there
     * @param linesBroken         breaks of lines over 998 octets made by inserting CR LF SP (no space or tab to break at)
     * @param dkimSigned          whether the header section holds a DKIM-Signature field
     */
    public record Scan(long size, boolean eightBit, long bareCarriageReturns, long bareLineFeeds, long linesFolded,
                       long linesBroken, boolean dkimSigned) {

        /** Whether the text sent differs from the message beyond its line ends, so a signature over it may not verify. */
        public boolean altered() {
            return bareCarriageReturns + linesFolded + linesBroken > 0;
        }

        /** What was changed, for the log: {@code 2 bare CRs sent as spaces, 1 line over 998 octets broken}. */
        public String alterations() {
            StringBuilder text = new StringBuilder();
            if (bareCarriageReturns > 0) {
                text.append(bareCarriageReturns).append(bareCarriageReturns == 1 ? " bare CR" : " bare CRs")
                    .append(" sent as ").append(bareCarriageReturns == 1 ? "a space" : "spaces");
            }
            long breaks = linesFolded + linesBroken;
            if (breaks > 0) {
                text.append(text.length() > 0 ? ", " : "").append(breaks).append(breaks == 1 ? " break" : " breaks")
                    .append(" in lines over ").append(SmtpDataStream.MAX_LINE).append(" octets (").append(linesFolded)
                    .append(" at a space or tab, ").append(linesBroken).append(" with a space inserted)");
            }
            return text.toString();
        }
    }

    private final Source source;
    private volatile Scan scan;

    private MessageContent(Source source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    /** A message held in memory (tests, notices built here); the array is not copied and must not change. */
    public static MessageContent of(byte[] octets) {
        Objects.requireNonNull(octets, "octets");
        return new MessageContent(out -> out.write(octets));
    }

    /** A message written by {@code source} each time it is needed, such as James's {@code MimeMessage.writeTo}. */
    public static MessageContent streamed(Source source) {
        return new MessageContent(source);
    }

    /** The message as stored, unchanged. */
    public void writeTo(OutputStream out) throws IOException {
        source.writeTo(out);
    }

    /** The scan, if one was made (by {@link #scan()} or a delivery attempt). */
    public Optional<Scan> scanned() {
        return Optional.ofNullable(scan);
    }

    /** One pass over the message, made the first time it is asked for and kept. */
    public Scan scan() throws IOException {
        Scan known = scan;
        if (known == null) {
            SmtpDataStream counter = new SmtpDataStream(null, 0, false);
            source.writeTo(counter);
            counter.finish();
            known = counter.scan();
            scan = known;
        }
        return known;
    }
}
