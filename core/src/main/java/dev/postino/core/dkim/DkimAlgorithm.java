package dev.postino.core.dkim;

/** The signing algorithms (a=) this verifier knows: RFC 6376 §3.3 and RFC 8463. */
public enum DkimAlgorithm {
    RSA_SHA1("rsa-sha1", "rsa", "sha1", "SHA-1", "SHA1withRSA"),
    RSA_SHA256("rsa-sha256", "rsa", "sha256", "SHA-256", "SHA256withRSA"),
    ED25519_SHA256("ed25519-sha256", "ed25519", "sha256", "SHA-256", null);

    private final String word;
    private final String keyType;
    private final String hashWord;
    private final String digestName;
    private final String jcaSignature;

    DkimAlgorithm(String word, String keyType, String hashWord, String digestName, String jcaSignature) {
        this.word = word;
        this.keyType = keyType;
        this.hashWord = hashWord;
        this.digestName = digestName;
        this.jcaSignature = jcaSignature;
    }

    /** The a= word, e.g. {@code rsa-sha256}. */
    public String word() {
        return word;
    }

    String keyType() {
        return keyType;
    }

    String hashWord() {
        return hashWord;
    }

    String digestName() {
        return digestName;
    }

    String jcaSignature() {
        return jcaSignature;
    }

    /** The algorithm a= names (case-insensitive), or null. */
    static DkimAlgorithm fromWord(String word) {
        for (DkimAlgorithm algorithm : values()) {
            if (algorithm.word.equalsIgnoreCase(word)) {
                return algorithm;
            }
        }
        return null;
    }
}
