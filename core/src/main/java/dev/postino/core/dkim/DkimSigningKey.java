package dev.postino.core.dkim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;

import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;

/**
 * One DKIM private key with the domain (d=) and selector (s=) it signs for: rsa-sha256 (RSA of at least
 * {@value #MIN_RSA_BITS} bits, signed by the JDK's provider) or ed25519-sha256 (RFC 8463, signed by BouncyCastle,
 * several times faster than the JDK 17 provider). Read from PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}).
 * Immutable and thread-safe.
 */
public final class DkimSigningKey {

    /** RSA keys shorter than this are refused: RFC 8301 requires 1024, and 1024-bit keys are breakable now. */
    public static final int MIN_RSA_BITS = 2048;
    private static final int MAX_RSA_BITS = 8192;

    private final String domain;
    private final String selector;
    private final DkimAlgorithm algorithm;
    private final PrivateKey rsaKey;
    private final Ed25519PrivateKeyParameters edKey;
    private final String publicKeyBase64;

    private DkimSigningKey(String domain, String selector, DkimAlgorithm algorithm, PrivateKey rsaKey,
                           Ed25519PrivateKeyParameters edKey, String publicKeyBase64) {
        if (!DkimSignature.isDomainName(domain)) {
            throw new IllegalArgumentException("'" + domain + "' is not a domain name");
        }
        if (!DkimSignature.isDomainName(selector)) {
            throw new IllegalArgumentException("selector '" + selector + "' is not made of domain name labels");
        }
        this.domain = domain.toLowerCase(Locale.ROOT);
        this.selector = selector;
        this.algorithm = algorithm;
        this.rsaKey = rsaKey;
        this.edKey = edKey;
        this.publicKeyBase64 = publicKeyBase64;
    }

    /**
     * Reads a PKCS#8 PEM private key.
     *
     * @param algorithm the algorithm the key must be for ({@code rsa-sha256} or {@code ed25519-sha256}), or null to
     *                  take it from the key
     * @throws IllegalArgumentException with one line saying what is wrong (not PEM, not PKCS#8, RSA too short, not
     *                                  the algorithm asked for)
     */
    public static DkimSigningKey fromPem(String domain, String selector, String algorithm, String pem) {
        Objects.requireNonNull(pem, "pem");
        byte[] der = pemBody(pem);
        AsymmetricKeyParameter key;
        try {
            key = PrivateKeyFactory.createKey(der);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("not a PKCS#8 RSA or Ed25519 private key (" + e.getMessage() + ")");
        }
        DkimAlgorithm wanted = algorithm == null ? null : signingAlgorithm(algorithm);
        if (key instanceof Ed25519PrivateKeyParameters ed) {
            requireAlgorithm(wanted, DkimAlgorithm.ED25519_SHA256);
            return ed25519(domain, selector, ed);
        }
        if (key instanceof RSAPrivateCrtKeyParameters) {
            requireAlgorithm(wanted, DkimAlgorithm.RSA_SHA256);
            try {
                RSAPrivateCrtKey rsa = (RSAPrivateCrtKey) KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
                return rsa(domain, selector, rsa);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("the RSA key does not load (" + e.getMessage() + ")");
            }
        }
        throw new IllegalArgumentException("a " + key.getClass().getSimpleName() + " key: expected RSA or Ed25519");
    }

    /** The a= word as an algorithm this signer uses; rsa-sha1 is refused (RFC 8301). */
    public static DkimAlgorithm signingAlgorithm(String word) {
        DkimAlgorithm algorithm = DkimAlgorithm.fromWord(word.trim());
        if (algorithm == null || algorithm == DkimAlgorithm.RSA_SHA1) {
            throw new IllegalArgumentException("algorithm '" + word + "': expected rsa-sha256 or ed25519-sha256");
        }
        return algorithm;
    }

    private static void requireAlgorithm(DkimAlgorithm wanted, DkimAlgorithm actual) {
        if (wanted != null && wanted != actual) {
            throw new IllegalArgumentException("the key is for " + actual.word() + ", not " + wanted.word());
        }
    }

    public static DkimSigningKey rsa(String domain, String selector, RSAPrivateCrtKey key) {
        int bits = key.getModulus().bitLength();
        if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
            throw new IllegalArgumentException("an RSA key of " + bits + " bits: expected " + MIN_RSA_BITS + " to "
                + MAX_RSA_BITS + " bits");
        }
        try {
            byte[] spki = KeyFactory.getInstance("RSA")
                .generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent())).getEncoded();
            return new DkimSigningKey(domain, selector, DkimAlgorithm.RSA_SHA256, key, null,
                Base64.getEncoder().encodeToString(spki));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the RSA key has no usable public key (" + e.getMessage() + ")");
        }
    }

    public static DkimSigningKey ed25519(String domain, String selector, Ed25519PrivateKeyParameters key) {
        return new DkimSigningKey(domain, selector, DkimAlgorithm.ED25519_SHA256, null, key,
            Base64.getEncoder().encodeToString(key.generatePublicKey().getEncoded()));
    }

    /**
     * A new key pair, for {@code postino dkim keygen}.
     *
     * @param bits the RSA key size (ignored for ed25519)
     */
    public static DkimSigningKey generate(String domain, String selector, DkimAlgorithm algorithm, int bits) {
        SecureRandom random = new SecureRandom();
        if (algorithm == DkimAlgorithm.ED25519_SHA256) {
            return ed25519(domain, selector, new Ed25519PrivateKeyParameters(random));
        }
        if (algorithm != DkimAlgorithm.RSA_SHA256) {
            throw new IllegalArgumentException("algorithm " + algorithm.word() + ": expected rsa-sha256 or ed25519-sha256");
        }
        if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
            throw new IllegalArgumentException(bits + " bits: expected " + MIN_RSA_BITS + " to " + MAX_RSA_BITS);
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits, random);
            KeyPair pair = generator.generateKeyPair();
            return rsa(domain, selector, (RSAPrivateCrtKey) pair.getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate RSA keys", e);
        }
    }

    /** The private key as PKCS#8 PEM, 64 characters a line, LF line ends. */
    public String privateKeyPem() {
        byte[] der;
        try {
            der = rsaKey != null ? rsaKey.getEncoded() : PrivateKeyInfoFactory.createPrivateKeyInfo(edKey).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode the Ed25519 key", e);
        }
        return "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
            + "\n-----END PRIVATE KEY-----\n";
    }

    /** The key record to publish at {@link #recordName()}: {@code v=DKIM1; k=rsa|ed25519; p=...}. */
    public String keyRecord() {
        return "v=DKIM1; k=" + algorithm.keyType() + "; p=" + publicKeyBase64;
    }

    /** {@code selector._domainkey.domain}. */
    public String recordName() {
        return selector + "._domainkey." + domain;
    }

    public String domain() {
        return domain;
    }

    public String selector() {
        return selector;
    }

    public DkimAlgorithm algorithm() {
        return algorithm;
    }

    /** Signs the canonical header data as the algorithm says (RFC 8463 §3: ed25519 signs its SHA-256 hash). */
    byte[] sign(byte[] headerData) {
        return sign(headerData, headerData.length, headerData, 0);
    }

    /**
     * {@link #sign(byte[])} on header data given in two parts: the first {@code firstLength} octets of {@code first}
     * (the signed fields), then the first {@code secondLength} of {@code second} (the DKIM-Signature field).
     */
    byte[] sign(byte[] first, int firstLength, byte[] second, int secondLength) {
        return sign(first, firstLength, second, secondLength, null);
    }

    /**
     * {@link #sign(byte[], int, byte[], int)} hashing for ed25519 with {@code sha256}, a reset SHA-256 digest the
     * caller no longer needs (left reset), or a new one if null: a signer hashes the body and then each key's
     * header data with one digest.
     */
    byte[] sign(byte[] first, int firstLength, byte[] second, int secondLength, MessageDigest sha256) {
        try {
            if (edKey != null) {
                if (sha256 == null) {
                    sha256 = BodyHasher.digest("SHA-256");
                }
                sha256.update(first, 0, firstLength);
                sha256.update(second, 0, secondLength);
                byte[] hash = sha256.digest();
                Ed25519Signer signer = new Ed25519Signer();
                signer.init(true, edKey);
                signer.update(hash, 0, hash.length);
                return signer.generateSignature();
            }
            Signature signer = Signature.getInstance(algorithm.jcaSignature());
            signer.initSign(rsaKey);
            signer.update(first, 0, firstLength);
            signer.update(second, 0, secondLength);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot sign with " + algorithm.word(), e);
        }
    }

    private static byte[] pemBody(String pem) {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int start = pem.indexOf(begin);
        int stop = pem.indexOf(end);
        if (start < 0 || stop < start) {
            String other = pem.contains("-----BEGIN RSA PRIVATE KEY-----") ? " (this is PKCS#1: convert it with "
                + "openssl pkcs8 -topk8 -nocrypt)" : pem.contains("ENCRYPTED") ? " (it is encrypted)" : "";
            throw new IllegalArgumentException("not a PKCS#8 PEM private key: expected -----BEGIN PRIVATE KEY-----" + other);
        }
        try {
            return Base64.getMimeDecoder().decode(pem.substring(start + begin.length(), stop).strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the PEM key is not valid base64 (" + e.getMessage() + ")");
        }
    }

    @Override
    public String toString() {
        return algorithm.word() + " key " + recordName();
    }
}
