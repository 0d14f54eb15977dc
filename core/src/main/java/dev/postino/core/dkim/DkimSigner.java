package dev.postino.core.dkim;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.postino.core.dmarc.AuthorDomains;
import dev.postino.core.mime.HeaderSection;
import dev.postino.core.mime.HeaderSectionReader;

/**
 * Signs a raw message with one or more DKIM keys (RFC 6376, rsa-sha256; RFC 8463, ed25519-sha256), relaxed/relaxed.
 *
 * <p>The message is read once as a stream: the header section is kept, the body is canonicalized and hashed as it
 * passes by the verifier's own {@link BodyHasher}, once for all keys, and the signed fields are canonicalized once
 * per message by the verifier's own {@link Canonicalization}: selected by {@link DkimVerifier#signedFields} for a
 * fixed list, by one counting pass for the default list. The DKIM-Signature field writes its canonical form as it is
 * built. Tests hold both equal to the verifier's reading ({@code DkimSignerTest}), so the signer and verifier cannot
 * disagree on canonicalization. Bare LF line ends count as CRLF (the wire form is CRLF).
 *
 * <p>Headers signed: by default {@link #DEFAULT_HEADERS}, each named once more than the message has it (rspamd's
 * oversigning), so that no such field can be added or duplicated afterwards without breaking the signature; or a
 * fixed h= list, signed as given. A message without a From field, with several From fields or with a From that
 * does not name exactly one address is refused (RFC 6376 §8.15: a verifier may show either From), as is a header
 * section larger than 1 MB or holding a bare CR. Thread-safe; one instance serves all messages.
 */
public final class DkimSigner {

    /**
     * The fields signed by default, in h= order: the author and addressing fields, the MIME fields that say how the
     * body is read, the threading fields and the mailing list fields (RFC 2369, RFC 2919, RFC 8058).
     */
    public static final List<String> DEFAULT_HEADERS = List.of("from", "sender", "reply-to", "subject", "date",
        "message-id", "to", "cc", "in-reply-to", "references", "mime-version", "content-type",
        "content-transfer-encoding", "content-language", "list-id", "list-help", "list-unsubscribe",
        "list-unsubscribe-post", "list-subscribe", "list-post", "list-owner", "list-archive");

    /** Each default name's place in {@link #DEFAULT_HEADERS}. */
    private static final Map<String, Integer> DEFAULT_INDEX = defaultIndex();
    private static final byte[][] DEFAULT_OCTETS = octets(DEFAULT_HEADERS);

    private static final int MAX_STARTS = 256;
    private static final int MAX_START_OCTETS = 4096;
    private static final int MAX_HEADER_BYTES = HeaderSectionReader.DEFAULT_MAX_BYTES;
    private static final int LINE = 78;

    private final Clock clock;
    private final Duration expiration;
    private final List<String> headers;
    private final byte[][] headerOctets;
    /**
     * The start of the field, up to and including h=, per key and header shape: it depends on nothing else, and
     * a few shapes make most mail. Bounded in count and size (at most 256 starts of 4 KB, twice: text and canonical
     * form): a sender who varies its header counts only clears it.
     */
    private final Map<Shape, Folded> starts = new ConcurrentHashMap<>();

    /**
     * @param expiration how long a signature stays valid (x= is t= plus this), or null for no x=
     * @param headers    a fixed h= list, signed as given (must name {@code from}), or null for the default list
     *                   with oversigning
     */
    public DkimSigner(Clock clock, Duration expiration, List<String> headers) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (expiration != null && (expiration.isNegative() || expiration.getSeconds() < 1)) {
            throw new IllegalArgumentException("expiration " + expiration + ": expected at least one second");
        }
        this.expiration = expiration;
        this.headers = headers == null ? null : checkedHeaders(headers);
        this.headerOctets = this.headers == null ? null : octets(this.headers);
    }

    private static Map<String, Integer> defaultIndex() {
        Map<String, Integer> index = new HashMap<>();
        for (String name : DEFAULT_HEADERS) {
            index.put(name, index.size());
        }
        return Map.copyOf(index);
    }

    /** The default list with oversigning, t= from the system clock, no x=. */
    public static DkimSigner withDefaults() {
        return new DkimSigner(Clock.systemUTC(), null, null);
    }

    /** Lowercase field names, checked: RFC 5322 ftext, and {@code from} among them. */
    public static List<String> checkedHeaders(List<String> names) {
        List<String> checked = new ArrayList<>(names.size());
        for (String name : names) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.isEmpty() || !n.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw new IllegalArgumentException("'" + name + "' is not a header field name");
            }
            checked.add(n);
        }
        if (!checked.contains("from")) {
            throw new IllegalArgumentException("the signed headers must include from (RFC 6376 §5.4)");
        }
        return List.copyOf(checked);
    }

    /** {@link #sign(InputStream, Function)} on bytes in memory with fixed keys: the signed message, CRLF line ends. */
    public byte[] sign(byte[] message, List<DkimSigningKey> keys) throws DkimSigningException {
        List<String> fields;
        try {
            fields = sign(new ByteArrayInputStream(message), domain -> keys);
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024);
        for (String field : fields) {
            out.writeBytes(field.getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(new byte[] {'\r', '\n'});
        }
        out.writeBytes(withCrlf(message));
        return out.toByteArray();
    }

    /**
     * Signs a message read from {@code message} (not closed).
     *
     * @param keysForAuthorDomain the keys to sign with, given the From domain (lowercase A-labels); an empty list
     *                            signs nothing and leaves the body unread
     * @return the DKIM-Signature fields to put on top of the message, in order, each without its final CRLF
     * @throws DkimSigningException when the message must not be signed (From missing, repeated or unclear; header
     *                              section too large or with a bare CR)
     * @throws IOException          only when reading the stream fails
     */
    public List<String> sign(InputStream message, Function<String, List<DkimSigningKey>> keysForAuthorDomain)
        throws IOException, DkimSigningException {
        HeaderSectionReader reader = new HeaderSectionReader(message);
        HeaderSection section = reader.read(MAX_HEADER_BYTES, true);
        if (section.tooLarge()) {
            throw new DkimSigningException("the header section is larger than " + MAX_HEADER_BYTES + " octets");
        }
        if (section.bareCr()) {
            throw new DkimSigningException("the header section holds a bare CR");
        }
        String authorDomain = authorDomain(section);
        List<DkimSigningKey> keys = keysForAuthorDomain.apply(authorDomain);
        if (keys == null || keys.isEmpty()) {
            return List.of();
        }
        MessageDigest sha256 = BodyHasher.digest("SHA-256"); // the body's, then each ed25519 key's header data
        BodyHasher hasher = new BodyHasher(Canonicalization.RELAXED, sha256, -1, true);
        for (int n = reader.nextBodyChunk(); n >= 0; n = reader.nextBodyChunk()) {
            hasher.update(reader.buffer(), reader.bodyOffset(), n);
        }
        String bodyHash = Base64.getEncoder().encodeToString(hasher.finish().hash());
        long now = Math.floorDiv(clock.millis(), 1000); // the same second as instant(), without an Instant
        // the section's size is enough (relaxed never lengthens, no field is signed twice), up to 8 KB: a larger
        // section grows the buffer only as far as the fields signed need
        Octets signedFields = new Octets((int) Math.min(section.size() + 2, 8192));
        int[] counts = null; // the header shape, when it decides h=
        if (headers == null) {
            counts = appendDefaultFields(section.fields(), signedFields);
        } else {
            DkimVerifier.signedFields(Canonicalization.RELAXED, headers,
                DkimVerifier.byName(DkimVerifier.fields(section)), signedFields);
        }
        List<String> out = new ArrayList<>(keys.size());
        for (DkimSigningKey key : keys) {
            out.add(signatureField(key, counts, signedFields, bodyHash, now, sha256));
        }
        return out;
    }

    /** The one From domain, or the reason there is none. */
    static String authorDomain(HeaderSection section) throws DkimSigningException {
        List<String> froms = section.authorFieldValues();
        if (froms.isEmpty()) {
            throw new DkimSigningException("the message has no From field");
        }
        if (froms.size() > 1) {
            throw new DkimSigningException("the message has " + froms.size() + " From fields");
        }
        AuthorDomains author = AuthorDomains.of(froms);
        if (!author.isSingle()) {
            throw new DkimSigningException("the From field does not name one address: " + author.problem());
        }
        return author.domains().get(0);
    }

    /**
     * Appends the relaxed canonical form of the fields {@link #DEFAULT_HEADERS} names to {@code data}, in the
     * order {@link #oversigned} lists them: per name, its fields from the bottom of the section up (RFC 6376
     * §5.4.2), as {@link DkimVerifier#signedFields} selects them for that list, in one pass over the fields
     * (a counting sort by name) rather than through an index of every name.
     *
     * @return how many fields each default name has, in {@link #DEFAULT_HEADERS} order
     */
    static int[] appendDefaultFields(List<HeaderSection.Field> fields, Octets data) {
        int[] count = new int[DEFAULT_HEADERS.size()];
        byte[] nameOf = new byte[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            Integer n = DEFAULT_INDEX.get(fields.get(i).name());
            nameOf[i] = (byte) (n == null ? -1 : n);
            if (n != null) {
                count[n]++;
            }
        }
        int[] next = new int[count.length]; // where the next field of each name goes in the order
        int total = 0;
        for (int n = 0; n < count.length; n++) {
            next[n] = total;
            total += count[n];
        }
        int[] order = new int[total];
        for (int i = fields.size() - 1; i >= 0; i--) {
            if (nameOf[i] >= 0) {
                order[next[nameOf[i]]++] = i;
            }
        }
        for (int i : order) {
            Canonicalization.RELAXED.appendHeader(fields.get(i).raw(), data);
        }
        return count;
    }

    /** {@link #DEFAULT_HEADERS} as octets, each once more than {@code count} says it is present. */
    static byte[][] oversigned(int[] count) {
        int total = count.length;
        for (int n : count) {
            total += n;
        }
        byte[][] names = new byte[total][];
        int i = 0;
        for (int n = 0; n < count.length; n++) {
            for (int k = count[n]; k >= 0; k--) {
                names[i++] = DEFAULT_OCTETS[n];
            }
        }
        return names;
    }

    /** Names (ASCII, checked) as octets, for h=. */
    private static byte[][] octets(List<String> names) {
        byte[][] out = new byte[names.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = names.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }

    /**
     * One DKIM-Signature field. The header data it signs is the signed fields (the same for every key) followed by
     * this field's canonical form with b= empty, hashed from the two parts without joining them. Tags in the
     * order v, a, c, d, s, h (fixed for a key and header shape), t, x, bh, b.
     */
    private String signatureField(DkimSigningKey key, int[] counts, Octets signedFields, String bodyHash, long now,
                                  MessageDigest sha256) {
        Shape shape = new Shape(key, counts);
        Folded start = starts.get(shape);
        if (start == null) {
            start = new Folded();
            start.tag("v=1;");
            start.tag("a=", key.algorithm().word());
            start.tag("c=relaxed/relaxed;");
            start.tag("d=", key.domain());
            start.tag("s=", key.selector());
            start.names(counts == null ? headerOctets : oversigned(counts));
            if (start.length <= MAX_START_OCTETS) { // a start of thousands of names is rare: not worth keeping
                if (starts.size() >= MAX_STARTS) {
                    starts.clear();
                }
                starts.put(shape, start);
            }
        }
        Folded field = new Folded(start);
        field.tag("t=", Long.toString(now));
        if (expiration != null) {
            field.tag("x=", Long.toString(now + expiration.getSeconds()));
        }
        field.tag("bh=", bodyHash);
        field.tag("b=");
        String b = Base64.getEncoder().encodeToString(key.sign(signedFields.array(), signedFields.length(),
            field.canonical(), field.canonicalLength(), sha256));
        for (int i = 0; i < b.length(); i += 16) {
            field.signaturePiece(b, i, Math.min(b.length(), i + 16));
        }
        return field.toString();
    }

    /** A key and a header shape (how many fields of each default name; null for a fixed list), for {@link #starts}. */
    private static final class Shape {
        private final DkimSigningKey key;
        private final int[] counts;
        private final int hash;

        Shape(DkimSigningKey key, int[] counts) {
            this.key = key;
            this.counts = counts;
            this.hash = key.selector().hashCode() * 31 + hash(counts); // strings keep their hash
        }

        /** Independent products rather than Arrays.hashCode's chain of 22 dependent multiplications. */
        private static int hash(int[] counts) {
            if (counts == null) {
                return 0;
            }
            int h = counts.length;
            for (int i = 0; i < counts.length; i++) {
                h += counts[i] * (0x9E3779B9 + 2 * i);
            }
            return h;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Shape shape && shape.key == key && Arrays.equals(shape.counts, counts);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * A DKIM-Signature field folded before a tag, or within a value, where the line would pass {@value #LINE}
     * columns; written as octets (every part is ASCII), made a string once when done. Until the first octet of the
     * b= value, it also writes the field's relaxed canonical form (RFC 6376 §3.4.2), which is what the signature
     * signs: the name lowercase with no space after its colon, each fold and each space one space. Written as the
     * field is built, it costs a copy instead of a second reading; {@code DkimSignerTest} holds it equal to
     * {@link DkimVerifier#appendSignatureField}'s reading of the same field.
     */
    static final class Folded {
        private static final String NAME = "DKIM-Signature:";
        private static final String CANONICAL_NAME = "dkim-signature:";

        private byte[] text;
        private int length;
        private byte[] canonical;
        private int canonicalLength;
        private boolean valueStarted; // a tag was written: the next one is preceded by a space in canonical form
        private boolean canonicalDone;
        private int column;

        /** A field that goes on from {@code start} (left as it is: it may be shared between threads, read only). */
        Folded(Folded start) {
            text = Arrays.copyOf(start.text, start.length + 512); // t=, x=, bh= and an RSA-2048 b= fit
            length = start.length;
            canonical = Arrays.copyOf(start.canonical, start.canonicalLength + 128);
            canonicalLength = start.canonicalLength;
            valueStarted = start.valueStarted;
            canonicalDone = start.canonicalDone;
            column = start.column;
        }

        Folded() {
            text = copy(NAME, 0, NAME.length(), new byte[768], 0);
            length = NAME.length();
            canonical = copy(CANONICAL_NAME, 0, CANONICAL_NAME.length(), new byte[640], 0);
            canonicalLength = CANONICAL_NAME.length();
            column = NAME.length();
        }

        /** A tag: after a space, or at the start of a new line. */
        void tag(String tag) {
            space(tag.length());
            put(tag);
            column += tag.length();
        }

        /** A tag {@code name=value;}. */
        void tag(String nameEquals, String value) {
            tag(nameEquals, value, ';');
        }

        /** A tag {@code name=value} and the octet that follows it. */
        void tag(String nameEquals, String value, char end) {
            int n = nameEquals.length() + value.length() + 1;
            space(n);
            put(nameEquals);
            put(value);
            put(end);
            column += n;
        }

        private void space(int n) {
            if (column + 1 + n > LINE) {
                newLine();
            } else {
                text(' ');
                column++;
            }
            if (valueStarted) {
                canonical(' ');
            }
            valueStarted = true;
        }

        /** The h= tag: each name on this line, or on a new one (FWS), colon-separated. */
        void names(byte[][] names) {
            space(3 + names[0].length); // "h=", the first name and the octet after it stay on one line
            put("h=");
            column += 2;
            for (int i = 0; i < names.length; i++) {
                byte[] name = names[i];
                int n = name.length + 1;
                if (i > 0) {
                    fold(n);
                }
                room(n);
                System.arraycopy(name, 0, text, length, name.length);
                System.arraycopy(name, 0, canonical, canonicalLength, name.length);
                length += name.length;
                canonicalLength += name.length;
                put(i + 1 < names.length ? ':' : ';');
                column += n;
            }
        }

        /** Room for {@code n} more octets in both forms. */
        private void room(int n) {
            if (length + n > text.length) {
                text = Arrays.copyOf(text, Math.max(text.length * 2, length + n));
            }
            if (canonicalLength + n > canonical.length) {
                canonical = Arrays.copyOf(canonical, Math.max(canonical.length * 2, canonicalLength + n));
            }
        }

        /**
         * A piece of the b= value, {@code value[from, to)}: on this line, or on a new one (FWS). The canonical form
         * ends before it (b= is signed empty), so this and anything after it is not written there.
         */
        void signaturePiece(String value, int from, int to) {
            canonicalDone = true;
            fold(to - from);
            text = copy(value, from, to, text, length);
            length += to - from;
            column += to - from;
        }

        private void fold(int n) {
            if (column + n > LINE) {
                newLine();
                canonical(' ');
            }
        }

        private void newLine() {
            text('\r');
            text('\n');
            text('\t');
            column = 8;
        }

        private void put(String part) {
            text = copy(part, 0, part.length(), text, length);
            length += part.length();
            if (!canonicalDone) {
                canonical = copy(part, 0, part.length(), canonical, canonicalLength);
                canonicalLength += part.length();
            }
        }

        private void put(char c) {
            text(c);
            canonical(c);
        }

        private void text(char c) {
            if (length == text.length) {
                text = Arrays.copyOf(text, text.length * 2);
            }
            text[length++] = (byte) c;
        }

        private void canonical(char c) {
            if (!canonicalDone) {
                if (canonicalLength == canonical.length) {
                    canonical = Arrays.copyOf(canonical, canonical.length * 2);
                }
                canonical[canonicalLength++] = (byte) c;
            }
        }

        /** {@code part[from, to)} as octets into {@code into} at {@code at}: the array, grown if it had no room. */
        @SuppressWarnings("deprecation") // String.getBytes(int, int, byte[], int): ASCII as octets, no new array
        private static byte[] copy(String part, int from, int to, byte[] into, int at) {
            byte[] out = at + to - from > into.length ? Arrays.copyOf(into, Math.max(into.length * 2, at + to - from))
                : into;
            part.getBytes(from, to, out, at);
            return out;
        }

        /** The canonical form written so far (valid up to {@link #canonicalLength()}), without a final CRLF. */
        byte[] canonical() {
            return canonical;
        }

        int canonicalLength() {
            return canonicalLength;
        }

        @Override
        public String toString() {
            return new String(text, 0, length, StandardCharsets.ISO_8859_1);
        }
    }

    /** The message with every bare LF made CRLF (a bare CR stays: it is no line end). */
    public static byte[] withCrlf(byte[] message) {
        ByteArrayOutputStream out = null;
        for (int i = 0; i < message.length; i++) {
            if (message[i] == '\n' && (i == 0 || message[i - 1] != '\r')) {
                if (out == null) {
                    out = new ByteArrayOutputStream(message.length + message.length / 32 + 16);
                    out.write(message, 0, i);
                }
                out.write('\r');
            }
            if (out != null) {
                out.write(message[i]);
            }
        }
        return out == null ? message : out.toByteArray();
    }
}
