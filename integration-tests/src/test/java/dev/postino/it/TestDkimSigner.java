package dev.postino.it;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A DKIM signer for end-to-end tests (RFC 6376: rsa-sha256, relaxed/relaxed, the h= list the test chooses),
 * written on the JDK alone so that what signs the test mail shares no code with the verifier under test: a
 * canonicalization bug in the engine cannot make its own signatures look valid here.
 *
 * <p>It signs only well-formed test messages: CRLF line ends, a header section ended by an empty line.
 */
final class TestDkimSigner {

    private final String domain;
    private final String selector;
    private final PrivateKey key;
    private final String keyRecord;

    private TestDkimSigner(String domain, String selector, KeyPair pair) {
        this.domain = domain;
        this.selector = selector;
        this.key = pair.getPrivate();
        this.keyRecord = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
    }

    /** A fresh 2048-bit RSA key for {@code d=domain; s=selector}. */
    static TestDkimSigner rsa(String domain, String selector) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new TestDkimSigner(domain, selector, generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Where the key record is published. */
    String keyName() {
        return selector + "._domainkey." + domain;
    }

    /** The key record to publish at {@link #keyName()}. */
    String keyRecord() {
        return keyRecord;
    }

    /**
     * Returns {@code message} with a DKIM-Signature field on top.
     *
     * @param signedFields the h= list in order; a name listed more often than the message has it is over-signed
     */
    String sign(String message, List<String> signedFields) {
        int end = message.indexOf("\r\n\r\n");
        if (end < 0) {
            throw new IllegalArgumentException("no empty line after the header section");
        }
        List<String> fields = fields(message.substring(0, end + 2));
        String bodyHash = Base64.getEncoder().encodeToString(sha256(relaxedBody(message.substring(end + 4))));
        String field = "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=" + domain + "; s=" + selector
            + "; t=" + Instant.now().getEpochSecond() + "; h=" + String.join(":", signedFields) + "; bh=" + bodyHash + "; b=";

        StringBuilder data = new StringBuilder();
        boolean[] used = new boolean[fields.size()];
        for (String name : signedFields) {
            // RFC 6376 §5.4.2: each listed name takes the last instance not yet taken, from the bottom up
            for (int i = fields.size() - 1; i >= 0; i--) {
                if (!used[i] && name(fields.get(i)).equals(name.toLowerCase(Locale.ROOT))) {
                    used[i] = true;
                    data.append(relaxedHeader(fields.get(i))).append("\r\n");
                    break;
                }
            }
        }
        // the signature field itself, b= empty, without its CRLF (§3.7)
        data.append(relaxedHeader(field));
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(key);
            rsa.update(data.toString().getBytes(StandardCharsets.ISO_8859_1));
            return field + Base64.getEncoder().encodeToString(rsa.sign()) + "\r\n" + message;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The header fields of a CRLF header section, each with its folding kept, without the final CRLF. */
    private static List<String> fields(String section) {
        List<String> fields = new ArrayList<>();
        for (String line : section.split("\r\n")) {
            if (!fields.isEmpty() && (line.startsWith(" ") || line.startsWith("\t"))) {
                fields.set(fields.size() - 1, fields.get(fields.size() - 1) + "\r\n" + line);
            } else {
                fields.add(line);
            }
        }
        return fields;
    }

    private static String name(String field) {
        return field.substring(0, field.indexOf(':')).strip().toLowerCase(Locale.ROOT);
    }

    /** RFC 6376 §3.4.2: lowercase name, unfolded, whitespace runs as one space, none around the colon or at the end. */
    private static String relaxedHeader(String field) {
        int colon = field.indexOf(':');
        String value = field.substring(colon + 1).replace("\r\n", "").replaceAll("[ \t]+", " ").strip();
        return name(field) + ":" + value;
    }

    /** RFC 6376 §3.4.4: whitespace runs as one space, none at line ends, no empty lines at the end. */
    private static byte[] relaxedBody(String body) {
        List<String> lines = new ArrayList<>(List.of(body.split("\r\n", -1)));
        lines.replaceAll(line -> line.replaceAll("[ \t]+", " ").replaceAll(" $", ""));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        lines.forEach(line -> out.append(line).append("\r\n"));
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
