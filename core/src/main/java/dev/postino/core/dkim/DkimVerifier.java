package dev.postino.core.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.mime.HeaderSection;
import dev.postino.core.mime.HeaderSectionReader;

/**
 * Verifies the DKIM signatures of a raw message (RFC 6376, RFC 8301, RFC 8463 ed25519-sha256).
 *
 * <p>The message is read once as a stream: the header section is kept in memory, the body is canonicalized and
 * hashed as it passes, once per distinct (canonicalization, hash, l=) among the signatures. Key lookups start as
 * soon as the headers are read, so DNS waits overlap the body. Thread-safe; one instance serves all messages.
 *
 * <p>The header section is split by {@link HeaderSectionReader}, the reading every check shares; one larger than
 * {@link DkimOptions#maxHeaderBytes()} or holding a bare CR (which other readers take for a line end) gives
 * {@code permerror} for every signature, before any key lookup.
 *
 * <p>Checks run in this order, and the first that decides gives the verdict: the signature's tags (syntax,
 * version, algorithm, i= within d=, From signed, x=, t=), the key lookup, the key record, then the hashes. A
 * signature that verifies but whose {@code h=} names {@code from} fewer times than the message has From fields
 * is {@code policy} (RFC 6376 §8.15, RFC 8601 §2.7.1): the unsigned From could be the one a reader is shown.
 */
public final class DkimVerifier {

    private static final int HEADER_B_MIN = 8;
    private static final int MAX_RSA_KEY_BITS = 16384;

    /** Decoded RSA keys by their p= octets: decoding costs about as much as a verification. Cleared when full. */
    private static final int MAX_CACHED_KEYS = 1024;

    private final DnsClient dns;
    private final DkimOptions options;
    private final Map<ByteBuffer, RSAPublicKey> rsaKeys = new ConcurrentHashMap<>();

    public DkimVerifier(DnsClient dns, DkimOptions options) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.options = Objects.requireNonNull(options, "options");
    }

    public DkimOptions options() {
        return options;
    }

    /** {@link #verify(InputStream)} on bytes in memory. */
    public List<DkimResult> verify(byte[] message) {
        try {
            return verify(new ByteArrayInputStream(message));
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
    }

    /**
     * Verifies every DKIM-Signature field of the message, read from {@code message} (raw octets, CRLF line ends;
     * bare LF accepted when the options say so). The stream is not closed; when there is no signature the body
     * is not read.
     *
     * @return one result per DKIM-Signature header field, in header order; empty when there is none
     * @throws IOException only when reading the stream fails; nothing in the message or in DNS makes this
     *                     method throw
     */
    public List<DkimResult> verify(InputStream message) throws IOException {
        return verify(new HeaderSectionReader(message));
    }

    /**
     * The header section as this verifier reads it ({@link DkimOptions#maxHeaderBytes()},
     * {@link DkimOptions#acceptBareLf()}), so that a caller can read the message once for DKIM and for other
     * checks: pass the same reader to {@link #verify(HeaderSectionReader)} afterwards.
     */
    public HeaderSection readHeaderSection(HeaderSectionReader message) throws IOException {
        return message.read(options.maxHeaderBytes(), options.acceptBareLf());
    }

    /**
     * {@link #verify(InputStream)} on a reader whose header section may already have been read (by
     * {@link #readHeaderSection}); the body is read from where the reader is.
     */
    public List<DkimResult> verify(HeaderSectionReader reader) throws IOException {
        HeaderSection headers = readHeaderSection(reader);
        List<HeaderField> fields = fields(headers);
        List<HeaderField> signatureFields = fields.stream()
            .filter(f -> f.name().equals("dkim-signature")).toList();
        if (signatureFields.isEmpty()) {
            return List.of();
        }
        DnsBudget budget = DnsBudget.of(Math.max(1, options.maxSignatures()), options.dnsTimeout());
        List<Candidate> candidates = new ArrayList<>();
        Map<String, BodyHasher> hashers = new LinkedHashMap<>();
        for (int index = 0; index < signatureFields.size(); index++) {
            Candidate candidate = new Candidate(signatureFields.get(index));
            candidates.add(candidate);
            if (headers.tooLarge()) {
                candidate.decide(DkimVerdict.PERMERROR, "header section larger than " + options.maxHeaderBytes() + " octets");
            } else if (headers.bareCr()) {
                // other readers end a line there: they would see other fields than the ones verified (RFC 5322 §2.2)
                candidate.decide(DkimVerdict.PERMERROR, "bare CR in the header section");
            } else if (index >= options.maxSignatures()) {
                candidate.decide(DkimVerdict.NEUTRAL, "not verified: only the first " + options.maxSignatures()
                    + " signatures are checked");
            } else {
                prepare(candidate, budget, hashers);
            }
        }
        if (!hashers.isEmpty()) {
            for (int n = reader.nextBodyChunk(); n >= 0; n = reader.nextBodyChunk()) {
                for (BodyHasher hasher : hashers.values()) {
                    hasher.update(reader.buffer(), reader.bodyOffset(), n);
                }
            }
            Map<BodyHasher, BodyHasher.BodyHash> bodyHashes = new HashMap<>();
            for (BodyHasher hasher : hashers.values()) {
                bodyHashes.put(hasher, hasher.finish());
            }
            for (Candidate candidate : candidates) {
                if (candidate.result == null) {
                    evaluate(candidate, fields, bodyHashes.get(candidate.hasher));
                }
            }
        }
        return withUniqueHeaderB(candidates.stream().map(c -> c.result).toList());
    }

    /** The fields of a header section, as the canonicalization takes them. */
    static List<HeaderField> fields(HeaderSection headers) {
        List<HeaderField> fields = new ArrayList<>(headers.fields().size());
        for (HeaderSection.Field field : headers.fields()) {
            fields.add(new HeaderField(field.name(), field.raw()));
        }
        return fields;
    }

    /** One DKIM-Signature field on its way to a verdict. */
    private static final class Candidate {
        final HeaderField field;
        TagList tags;
        DkimSignature signature;
        CompletableFuture<DnsResult<String>> key;
        BodyHasher hasher;
        DkimKeyRecord keyRecord;
        DkimResult result;

        Candidate(HeaderField field) {
            this.field = field;
        }

        void decide(DkimVerdict verdict, String reason) {
            decide(verdict, reason, false);
        }

        void decide(DkimVerdict verdict, String reason, boolean unsignedContent) {
            // a signature that did not parse reports its d=, s= and a= only when they are what they claim to be:
            // they go into Authentication-Results, and the sender chose their size and characters
            String domain = signature != null ? signature.domain() : validName(tag("d").toLowerCase(Locale.ROOT));
            String selector = signature != null ? signature.selector() : validName(tag("s"));
            String algorithm = DkimAlgorithm.fromWord(tag("a")) != null ? tag("a") : "";
            String identity = signature != null ? signature.identity() : "";
            String b = tags != null && tags.has("b") ? TagList.withoutFws(tags.get("b")) : "";
            result = new DkimResult(verdict, domain, selector, algorithm, identity, b, reason, unsignedContent,
                keyRecord != null && keyRecord.testing());
        }

        private static String validName(String name) {
            return DkimSignature.isDomainName(name) ? name : "";
        }

        private String tag(String name) {
            String value = tags == null ? null : tags.get(name);
            return value == null ? "" : TagList.withoutFws(value);
        }
    }

    /** Parses and checks the signature's own tags; starts its key lookup and picks its body hasher. */
    private void prepare(Candidate candidate, DnsBudget budget, Map<String, BodyHasher> hashers) {
        try {
            candidate.tags = TagList.parse(candidate.field.value());
            candidate.signature = DkimSignature.parse(candidate.tags);
            checkSignature(candidate.signature);
            DkimSignature signature = candidate.signature;
            candidate.key = dns.txt(signature.keyName(), budget);
            String hasherKey = signature.bodyCanon() + "/" + signature.algorithm().digestName() + "/" + signature.bodyLength();
            candidate.hasher = hashers.computeIfAbsent(hasherKey, k -> new BodyHasher(signature.bodyCanon(),
                signature.algorithm().digestName(), signature.bodyLength(), options.acceptBareLf()));
        } catch (DkimCheckException e) {
            candidate.decide(e.verdict(), e.getMessage());
        } catch (RuntimeException e) {
            candidate.decide(DkimVerdict.PERMERROR, "internal error while parsing the signature: " + e);
        }
    }

    private void checkSignature(DkimSignature signature) throws DkimCheckException {
        String identityDomain = signature.identityDomain();
        if (!identityDomain.equals(signature.domain()) && !identityDomain.endsWith("." + signature.domain())) {
            throw DkimCheckException.permerror("i=" + TagList.shown(signature.identity()) + " is not within d=" + signature.domain());
        }
        if (!signature.signedHeaders().contains("from")) {
            throw DkimCheckException.permerror("the From header field is not signed (h= lacks from)");
        }
        long now = options.clock().instant().getEpochSecond();
        long skew = options.clockSkew().getSeconds();
        if (signature.expiration() >= 0 && signature.timestamp() >= 0 && signature.expiration() < signature.timestamp()) {
            throw DkimCheckException.permerror("x= is earlier than t=");
        }
        if (signature.expiration() >= 0 && signature.expiration() < now - skew) {
            throw DkimCheckException.permerror("signature expired (x=" + signature.expiration() + ")");
        }
        if (signature.timestamp() >= 0 && signature.timestamp() > now + skew) {
            throw DkimCheckException.permerror("signature timestamp t=" + signature.timestamp() + " is in the future");
        }
        if (signature.algorithm() == DkimAlgorithm.RSA_SHA1) {
            String reason = "rsa-sha1 is not accepted (RFC 8301)";
            switch (options.rsaSha1()) {
                case FAIL -> throw new DkimCheckException(DkimVerdict.FAIL, reason);
                case PERMERROR -> throw new DkimCheckException(DkimVerdict.PERMERROR, reason);
                case POLICY -> throw new DkimCheckException(DkimVerdict.POLICY, reason);
                case VERIFY -> {
                    // legacy: verified like the others
                }
            }
        }
    }

    /** Key lookup, key record, body hash and header signature. */
    private void evaluate(Candidate candidate, List<HeaderField> fields, BodyHasher.BodyHash bodyHash) {
        try {
            DkimSignature signature = candidate.signature;
            DnsResult<String> answer;
            try {
                answer = candidate.key.join();
            } catch (CompletionException | CancellationException e) {
                throw new DkimCheckException(DkimVerdict.TEMPERROR, "key lookup failed: " + e.getCause());
            }
            candidate.keyRecord = keyRecord(signature, answer);
            PublicKey rsaKey = checkKey(signature, candidate.keyRecord);
            if (!MessageDigest.isEqual(bodyHash.hash(), signature.bodyHash())) {
                candidate.decide(DkimVerdict.FAIL, "body hash did not verify");
                return;
            }
            long bodyLength = signature.bodyLength();
            if (bodyLength >= 0 && bodyHash.canonicalLength() < bodyLength) {
                candidate.decide(DkimVerdict.FAIL, "l=" + bodyLength + " is longer than the body ("
                    + bodyHash.canonicalLength() + " octets)");
                return;
            }
            byte[] headerData = headerData(signature.headerCanon(), signature.signedHeaders(), candidate.field, fields);
            if (!signatureVerifies(signature, candidate.keyRecord, rsaKey, headerData)) {
                candidate.decide(DkimVerdict.FAIL, "signature did not verify");
                return;
            }
            long signedFroms = signature.signedHeaders().stream().filter("from"::equals).count();
            long froms = fields.stream().filter(f -> f.name().equals("from")).count();
            if (signedFroms < froms) {
                // RFC 6376 §8.15: an unsigned From beside the signed one is what a reader may be shown
                candidate.decide(DkimVerdict.POLICY, "signature verified, but h= signs " + signedFroms + " of the "
                    + froms + " From fields (RFC 6376 §8.15)");
                return;
            }
            if (bodyLength >= 0 && bodyHash.canonicalLength() > bodyLength) {
                long unsigned = bodyHash.canonicalLength() - bodyLength;
                String reason = "l=" + bodyLength + " leaves " + unsigned + " body octets unsigned";
                switch (options.bodyLength()) {
                    case REPORT -> candidate.decide(DkimVerdict.PASS, "signature verified; " + reason, true);
                    case POLICY -> candidate.decide(DkimVerdict.POLICY, reason, true);
                    case FAIL -> candidate.decide(DkimVerdict.FAIL, reason, true);
                }
                return;
            }
            candidate.decide(DkimVerdict.PASS, "signature verified");
        } catch (DkimCheckException e) {
            candidate.decide(e.verdict(), e.getMessage());
        } catch (RuntimeException e) {
            candidate.decide(DkimVerdict.PERMERROR, "internal error while verifying: " + e);
        }
    }

    private static DkimKeyRecord keyRecord(DkimSignature signature, DnsResult<String> answer) throws DkimCheckException {
        String name = signature.keyName();
        switch (answer.kind()) {
            case RECORDS -> {
                DkimCheckException first = null;
                for (String text : answer.values()) {
                    try {
                        return DkimKeyRecord.parse(text);
                    } catch (DkimCheckException e) {
                        first = first == null ? e : first;
                    }
                }
                throw first;
            }
            case NXDOMAIN, NODATA -> throw DkimCheckException.permerror("no key record at " + name);
            case INVALID_NAME -> throw DkimCheckException.permerror("invalid key record name " + name);
            default -> throw new DkimCheckException(DkimVerdict.TEMPERROR,
                "key lookup of " + name + " failed: " + answer.reason());
        }
    }

    /** Checks the key record against the signature; returns the RSA key (null for ed25519). */
    private PublicKey checkKey(DkimSignature signature, DkimKeyRecord key) throws DkimCheckException {
        DkimAlgorithm algorithm = signature.algorithm();
        if (!key.keyType().equals("rsa") && !key.keyType().equals("ed25519")) {
            throw DkimCheckException.permerror("unsupported key type k=" + TagList.shown(key.keyType()));
        }
        if (!key.keyType().equals(algorithm.keyType())) {
            throw DkimCheckException.permerror("key type k=" + key.keyType() + " does not match a=" + algorithm.word());
        }
        if (!key.hashes().isEmpty() && !key.hashes().contains(algorithm.hashWord())) {
            throw DkimCheckException.permerror("key record h= does not allow " + algorithm.hashWord());
        }
        if (!key.services().contains("email") && !key.services().contains("*")) {
            throw DkimCheckException.permerror("key record s= does not allow email");
        }
        if (key.strictDomain() && !signature.identityDomain().equals(signature.domain())) {
            throw DkimCheckException.permerror("key record t=s forbids the subdomain in i=" + TagList.shown(signature.identity()));
        }
        if (key.isRevoked()) {
            throw new DkimCheckException(DkimVerdict.FAIL, "key revoked (empty p=)");
        }
        if (algorithm.keyType().equals("ed25519")) {
            if (key.publicKey().length != 32) {
                throw DkimCheckException.permerror("ed25519 key is " + key.publicKey().length + " octets, not 32");
            }
            return null;
        }
        RSAPublicKey rsa = rsaKeys.get(ByteBuffer.wrap(key.publicKey()));
        if (rsa == null) {
            rsa = rsaKey(key.publicKey());
            if (rsaKeys.size() >= MAX_CACHED_KEYS) {
                rsaKeys.clear();
            }
            rsaKeys.put(ByteBuffer.wrap(key.publicKey()), rsa);
        }
        int bits = rsa.getModulus().bitLength();
        if (bits < options.minRsaKeyBits()) {
            throw DkimCheckException.permerror("RSA key of " + bits + " bits is shorter than " + options.minRsaKeyBits());
        }
        if (bits > MAX_RSA_KEY_BITS) {
            throw DkimCheckException.permerror("RSA key of " + bits + " bits is longer than " + MAX_RSA_KEY_BITS);
        }
        return rsa;
    }

    /** p= holds a SubjectPublicKeyInfo; some publishers put a bare PKCS#1 RSAPublicKey, accepted too. */
    private static RSAPublicKey rsaKey(byte[] encoded) throws DkimCheckException {
        try {
            KeyFactory factory = KeyFactory.getInstance("RSA");
            try {
                return (RSAPublicKey) factory.generatePublic(new X509EncodedKeySpec(encoded));
            } catch (GeneralSecurityException notSpki) {
                return (RSAPublicKey) factory.generatePublic(new X509EncodedKeySpec(Der.rsaSpki(encoded)));
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw DkimCheckException.permerror("key record p= is not an RSA public key");
        }
    }

    private static boolean signatureVerifies(DkimSignature signature, DkimKeyRecord key, PublicKey rsaKey,
                                             byte[] headerData) {
        try {
            if (rsaKey == null) {
                // RFC 8463 §3: Ed25519 signs the SHA-256 hash of the canonical header data (PureEdDSA over the hash)
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(headerData);
                Ed25519Signer signer = new Ed25519Signer();
                signer.init(false, new Ed25519PublicKeyParameters(key.publicKey(), 0));
                signer.update(hash, 0, hash.length);
                return signer.verifySignature(signature.signature());
            }
            Signature verifier = Signature.getInstance(signature.algorithm().jcaSignature());
            verifier.initVerify(rsaKey);
            verifier.update(headerData);
            return verifier.verify(signature.signature());
        } catch (GeneralSecurityException | RuntimeException e) {
            return false; // a malformed signature value or key is simply a signature that does not verify
        }
    }

    /**
     * The canonical header data the signature covers (RFC 6376 §5.4.2 and §3.7): the fields h= names, each
     * occurrence taken from the bottom up, names listed more often than present adding nothing, then the
     * DKIM-Signature field itself with an empty b= and no final CRLF.
     */
    static byte[] headerData(Canonicalization canon, List<String> signedHeaders, HeaderField signatureField,
                             List<HeaderField> fields) {
        Octets data = signedFields(canon, signedHeaders, fields);
        appendSignatureField(canon, signatureField.raw(), data);
        return data.toArray();
    }

    /** The first part of {@link #headerData}: the canonical fields h= names (a signer computes it once for all keys). */
    static Octets signedFields(Canonicalization canon, List<String> signedHeaders, List<HeaderField> fields) {
        return signedFields(canon, signedHeaders, byName(fields), new Octets(2048));
    }

    /**
     * The fields by lowercase name, in message order: indexed once, so that h= with thousands of names over
     * thousands of fields stays linear.
     */
    static Map<String, Named> byName(List<HeaderField> fields) {
        Map<String, Named> byName = new HashMap<>();
        for (HeaderField field : fields) {
            Named named = byName.get(field.name());
            if (named == null) {
                named = new Named(byName.size());
                byName.put(field.name(), named);
            }
            named.fields.add(field);
        }
        return byName;
    }

    /** The fields of one name, in message order, and the name's place in its index (for per-call counters). */
    static final class Named {
        final int index;
        final List<HeaderField> fields = new ArrayList<>(2);

        Named(int index) {
            this.index = index;
        }
    }

    /**
     * {@link #signedFields(Canonicalization, List, List)} over fields already indexed by {@link #byName}, appended
     * to {@code data} (returned).
     */
    static Octets signedFields(Canonicalization canon, List<String> signedHeaders, Map<String, Named> byName,
                               Octets data) {
        int[] taken = new int[byName.size()];
        for (String name : signedHeaders) {
            Named named = byName.get(name);
            if (named == null) {
                continue;
            }
            int used = taken[named.index]++;
            if (used < named.fields.size()) {
                canon.appendHeader(named.fields.get(named.fields.size() - 1 - used).raw(), data);
            }
        }
        return data;
    }

    /** The last part of {@link #headerData}: the DKIM-Signature field {@code raw} with an empty b=, no final CRLF. */
    static void appendSignatureField(Canonicalization canon, String raw, Octets data) {
        canon.appendHeader(withEmptyB(raw), data);
        data.truncate(data.length() - 2);
    }

    /** The field with the value of its b= tag (and the whitespace around it) deleted. */
    static String withEmptyB(String raw) {
        int colon = raw.indexOf(':');
        StringBuilder out = null; // made at the first b= with a value: a field whose b= is already empty is returned
        int copied = 0; // raw[0, copied) is in out, or unchanged so far
        int start = colon + 1;
        while (start <= raw.length()) {
            int end = raw.indexOf(';', start);
            if (end < 0) {
                end = raw.length();
            }
            int eq = start;
            while (eq < end && raw.charAt(eq) != '=') {
                eq++; // within this tag only: a search past it would make many empty tags quadratic
            }
            if (eq < end && eq + 1 < end && isNamedB(raw, start, eq)) {
                if (out == null) {
                    out = new StringBuilder(raw.length());
                }
                out.append(raw, copied, eq + 1);
                copied = end;
            }
            start = end + 1;
        }
        return out == null ? raw : out.append(raw, copied, raw.length()).toString();
    }

    /** Whether {@code raw[from, to)}, FWS aside, is the tag name "b" (no copy: this runs for every tag). */
    private static boolean isNamedB(String raw, int from, int to) {
        boolean b = false;
        for (int i = from; i < to; i++) {
            char c = raw.charAt(i);
            if (c == 'b' && !b) {
                b = true;
            } else if (!TagList.isFws(c)) {
                return false;
            }
        }
        return b;
    }

    /**
     * header.b values: at least 8 characters, longer where two different signatures would otherwise share one.
     * Sorted, a value's nearest rivals are its neighbours, so this stays O(n log n) for any number of fields.
     */
    private static List<DkimResult> withUniqueHeaderB(List<DkimResult> results) {
        List<String> sorted = results.stream().map(DkimResult::headerB).distinct().sorted().toList();
        Map<String, Integer> lengths = new HashMap<>();
        for (int k = 0; k < sorted.size(); k++) {
            String b = sorted.get(k);
            int shared = Math.max(k > 0 ? commonPrefix(sorted.get(k - 1), b) : 0,
                k + 1 < sorted.size() ? commonPrefix(b, sorted.get(k + 1)) : 0);
            lengths.put(b, Math.min(b.length(), Math.max(HEADER_B_MIN, shared + 1)));
        }
        List<DkimResult> unique = new ArrayList<>(results.size());
        for (DkimResult result : results) {
            unique.add(result.withHeaderB(result.headerB().substring(0, lengths.get(result.headerB()))));
        }
        return unique;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    /** Just enough DER to wrap a PKCS#1 RSAPublicKey into a SubjectPublicKeyInfo. */
    private static final class Der {
        private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

        static byte[] rsaSpki(byte[] pkcs1) {
            byte[] bitString = tlv(0x03, concat(new byte[] {0}, pkcs1));
            return tlv(0x30, concat(RSA_ALGORITHM, bitString));
        }

        private static byte[] tlv(int tag, byte[] content) {
            byte[] length = BigInteger.valueOf(content.length).toByteArray();
            byte[] header = content.length < 128 ? new byte[] {(byte) tag, (byte) content.length}
                : concat(new byte[] {(byte) tag, (byte) (0x80 | stripSign(length).length)}, stripSign(length));
            return concat(header, content);
        }

        private static byte[] stripSign(byte[] bytes) {
            return bytes.length > 1 && bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
