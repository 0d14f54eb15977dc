package dev.postino.core.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPrivateKey;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

import dev.postino.core.mime.HeaderSectionReader;

/**
 * Signs test messages so verifier rules (l=, x=, over-signing...) can be exercised on fresh signatures. It
 * reuses the engine's canonicalization: canonicalization itself is checked against the corpus, the RFC
 * examples and dkimpy, not here.
 */
final class TestSigner {

    private final String algorithm;
    private final RSAPrivateKey rsaKey;
    private final Ed25519PrivateKeyParameters edKey;
    /** The key record to publish. */
    final String keyRecord;

    private TestSigner(String algorithm, RSAPrivateKey rsaKey, Ed25519PrivateKeyParameters edKey, String keyRecord) {
        this.algorithm = algorithm;
        this.rsaKey = rsaKey;
        this.edKey = edKey;
        this.keyRecord = keyRecord;
    }

    static TestSigner rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits, new SecureRandom());
            KeyPair pair = generator.generateKeyPair();
            return new TestSigner("rsa-sha256", (RSAPrivateKey) pair.getPrivate(), null,
                "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static TestSigner ed25519() {
        return ed25519(new Ed25519PrivateKeyParameters(new SecureRandom()));
    }

    /** A signer with a given key (deterministic: ed25519 signs the same data the same way). */
    static TestSigner ed25519(Ed25519PrivateKeyParameters key) {
        return new TestSigner("ed25519-sha256", null, key,
            "v=DKIM1; k=ed25519; p=" + Base64.getEncoder().encodeToString(key.generatePublicKey().getEncoded()));
    }

    /** The same keys signing with another a= word (e.g. rsa-sha1 with an RSA key). */
    TestSigner withAlgorithm(String word) {
        return new TestSigner(word, rsaKey, edKey, keyRecord);
    }

    /**
     * Returns {@code message} with a DKIM-Signature field on top.
     *
     * @param tags the tags before bh= and b=, e.g. {@code "d=example.test; s=sel; c=relaxed/relaxed; h=from:to"}
     */
    String sign(String message, String tags) {
        byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
        try {
            HeaderSectionReader reader = new HeaderSectionReader(new ByteArrayInputStream(bytes));
            List<HeaderField> fields = DkimVerifier.fields(reader.read(1 << 20, true));
            BodyHasher hasher = bodyHasher(tags);
            for (int n = reader.nextBodyChunk(); n >= 0; n = reader.nextBodyChunk()) {
                hasher.update(reader.buffer(), reader.bodyOffset(), n);
            }
            return signatureField(fields, Base64.getEncoder().encodeToString(hasher.finish().hash()), tags) + message;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A body hasher for the c= and l= of {@code tags}, to hash a body that is never held whole. */
    BodyHasher bodyHasher(String tags) {
        TagList parsed = parse(tags);
        String c = parsed.has("c") ? parsed.get("c") : "simple/simple";
        Canonicalization bodyCanon = c.contains("/") ? Canonicalization.fromWord(c.split("/")[1]) : Canonicalization.SIMPLE;
        long limit = parsed.has("l") ? Long.parseLong(parsed.get("l")) : -1;
        return new BodyHasher(bodyCanon, algorithm.endsWith("sha1") ? "SHA-1" : "SHA-256", limit, true);
    }

    /** The DKIM-Signature field (with its CRLF) over {@code fields} and a body hash computed elsewhere. */
    String signatureField(List<HeaderField> fields, String bodyHash, String tags) {
        TagList parsed = parse(tags);
        String c = parsed.has("c") ? parsed.get("c") : "simple/simple";
        Canonicalization headerCanon = Canonicalization.fromWord(c.split("/")[0]);
        String raw = "DKIM-Signature: v=1; a=" + algorithm + "; " + tags + "; bh=" + bodyHash + "; b=";
        List<String> names = Arrays.stream(parsed.get("h").split(":")).map(n -> n.strip().toLowerCase(Locale.ROOT)).toList();
        byte[] data = DkimVerifier.headerData(headerCanon, names, HeaderField.of(raw), fields);
        try {
            return raw + Base64.getEncoder().encodeToString(signature(data)) + "\r\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static TagList parse(String tags) {
        try {
            return TagList.parse(tags);
        } catch (DkimCheckException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private byte[] signature(byte[] data) throws GeneralSecurityException {
        if (edKey != null) {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(data);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, edKey);
            signer.update(hash, 0, hash.length);
            return signer.generateSignature();
        }
        Signature signer = Signature.getInstance(algorithm.endsWith("sha1") ? "SHA1withRSA" : "SHA256withRSA");
        signer.initSign(rsaKey);
        signer.update(data);
        return signer.sign();
    }
}
