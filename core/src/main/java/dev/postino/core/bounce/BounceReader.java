package dev.postino.core.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads an inbound message as a report about earlier mail: an RFC 3464 / RFC 6533 delivery status notification,
 * an MTA's or provider's own bounce text, an ARF (RFC 5965) feedback report or an RFC 3834 auto-reply; and, for
 * each recipient it names, what happened (action, status), why (a reason in Sisimai's vocabulary), whether that is
 * final (hard) and what the remote server said.
 *
 * <p>Bounded: only the first {@link Limits#maxScanBytes()} octets are read, MIME nesting, part count and
 * recipients are capped, and every scan is a literal search over bounded text (no backtracking regular
 * expression), so time and memory are linear in the scanned prefix. Never throws: malformed input gives
 * {@code kind none} or reason {@code undefined}, with a {@link BounceReport#note()}.
 */
public final class BounceReader {

    /**
     * The bounds of one read.
     *
     * @param maxScanBytes  octets of the message read at all (a report's own text is near the start)
     * @param maxDepth      MIME nesting followed
     * @param maxParts      MIME parts read
     * @param maxRecipients recipients reported
     */
    public record Limits(int maxScanBytes, int maxDepth, int maxParts, int maxRecipients) {
        /** 2 MiB scanned, 8 levels, 64 parts, 500 recipients. */
        public static final Limits DEFAULT = new Limits(2 << 20, 8, 64, 500);

        public Limits {
            if (maxScanBytes < 1 || maxDepth < 1 || maxParts < 1 || maxRecipients < 1) {
                throw new IllegalArgumentException("every limit must be at least 1");
            }
        }
    }

    private BounceReader() {
    }

    /** Reads a message with the {@link Limits#DEFAULT} bounds. */
    public static BounceReport read(byte[] message) {
        return read(message, Limits.DEFAULT);
    }

    /** Reads a message (raw octets; CRLF, LF or CR line ends, mixed) within the given bounds. */
    public static BounceReport read(byte[] message, Limits limits) {
        if (message == null || message.length == 0) {
            return BounceReport.none(Optional.of("empty message"));
        }
        try {
            return new Reading(message, limits).report();
        } catch (RuntimeException | StackOverflowError e) {
            // a defect must not take down a mailet: the message is then simply not read as a report
            return BounceReport.none(Optional.of("could not read the message: " + e.getClass().getSimpleName()));
        }
    }

    /** One read: the scanned text, the MIME parts in order, and what they say. */
    static final class Reading {
        final Limits limits;
        final boolean truncated;
        final MimeEntity top;
        final List<MimeEntity> parts = new ArrayList<>();
        final List<MimeEntity> originals = new ArrayList<>();
        final MimeEntity.Budget budget;

        Reading(byte[] message, Limits limits) {
            this.limits = limits;
            int scan = Math.min(message.length, limits.maxScanBytes());
            this.truncated = scan < message.length;
            String text = BounceText.fromOctets(message, 0, scan);
            this.top = MimeEntity.parse(text, 0);
            this.budget = new MimeEntity.Budget(limits.maxDepth(), limits.maxParts());
            walk(top, false);
        }

        private void walk(MimeEntity entity, boolean insideOriginal) {
            parts.add(entity);
            if (entity.isMultipart()) {
                for (MimeEntity child : entity.children(budget)) {
                    walk(child, insideOriginal);
                }
            } else if (entity.isEnclosedMessage() && !insideOriginal) {
                MimeEntity inner = entity.enclosed(budget);
                if (inner != null) {
                    originals.add(inner);
                }
            }
        }

        BounceReport report() {
            BounceReport r = Feedback.read(this);
            if (r == null) {
                r = DeliveryStatus.read(this);
            }
            if (r == null) {
                r = ProviderJson.read(this);
            }
            if (r == null && !TextBounce.looksLikeBounce(this)) {
                r = AutoReply.read(this);
            }
            if (r == null) {
                r = TextBounce.read(this);
            }
            if (r == null) {
                r = BounceReport.none(note(""));
            }
            return r;
        }

        Optional<String> note(String own) {
            StringBuilder note = new StringBuilder(own);
            if (truncated) {
                append(note, "only the first " + limits.maxScanBytes() + " octets were read");
            }
            if (budget.exhausted) {
                append(note, "MIME nesting or part count over the limit; the rest was not read");
            }
            return note.length() == 0 ? Optional.empty() : Optional.of(note.toString());
        }

        private static void append(StringBuilder note, String text) {
            if (note.length() > 0) {
                note.append("; ");
            }
            note.append(text);
        }

        /** The Message-ID of the returned original, with angle brackets, if the report carries it. */
        Optional<String> originalMessageId() {
            for (MimeEntity original : originals) {
                String id = original.field("message-id").trim();
                if (!id.isEmpty()) {
                    return Optional.of(messageId(id));
                }
            }
            // a plain-text bounce quotes the original's header lines in its body
            for (MimeEntity part : parts) {
                if (!part.mediaType.startsWith("text/") || part.isMultipart()) {
                    continue;
                }
                String body = part.body;
                int hit = indexOfLineStart(body, "message-id:");
                if (hit >= 0) {
                    int eol = body.indexOf('\n', hit);
                    String value = body.substring(hit + 11, eol < 0 ? body.length() : eol).trim();
                    if (value.isEmpty() && eol >= 0) {
                        int next = body.indexOf('\n', eol + 1);
                        value = body.substring(eol + 1, next < 0 ? body.length() : next).trim();
                    }
                    if (value.indexOf('@') > 0) {
                        return Optional.of(messageId(value));
                    }
                }
            }
            return Optional.empty();
        }

        static String messageId(String value) {
            String v = value.trim();
            int lt = v.indexOf('<');
            int gt = v.indexOf('>', Math.max(lt, 0));
            if (lt >= 0 && gt > lt) {
                return v.substring(lt, gt + 1);
            }
            int sp = v.indexOf(' ');
            if (sp > 0) {
                v = v.substring(0, sp);
            }
            return "<" + v + ">";
        }
    }

    /** The position of a line that starts (case-insensitively) with the prefix, or -1. */
    static int indexOfLineStart(String text, String lowerPrefix) {
        int n = text.length();
        int pos = 0;
        int len = lowerPrefix.length();
        while (pos < n) {
            if (text.regionMatches(true, pos, lowerPrefix, 0, len)) {
                return pos;
            }
            int eol = text.indexOf('\n', pos);
            if (eol < 0) {
                return -1;
            }
            pos = eol + 1;
        }
        return -1;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
