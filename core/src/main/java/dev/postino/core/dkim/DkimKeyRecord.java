package dev.postino.core.dkim;

import java.util.List;
import java.util.Locale;

/**
 * A parsed DKIM key record (RFC 6376 §3.6.1), the TXT record at {@code selector._domainkey.domain}.
 *
 * @param keyType       k= (default {@code rsa}), lowercase
 * @param hashes        h=, lowercase; empty means any hash is allowed
 * @param publicKey     p=, decoded; empty means the key is revoked
 * @param services      s=, lowercase (default {@code *})
 * @param testing       t= contains {@code y}
 * @param strictDomain  t= contains {@code s}: i= must have exactly the domain of d=
 */
public record DkimKeyRecord(String keyType, List<String> hashes, byte[] publicKey, List<String> services,
                            boolean testing, boolean strictDomain) {

    /** Parses a key record's text (the TXT character-strings joined). */
    static DkimKeyRecord parse(String text) throws DkimCheckException {
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (DkimCheckException e) {
            throw DkimCheckException.permerror("key record: " + e.getMessage());
        }
        String version = tags.get("v");
        if (version != null && !version.equals("DKIM1")) {
            throw DkimCheckException.permerror("key record version v=" + TagList.shown(version) + " is not DKIM1");
        }
        String p = tags.get("p");
        if (p == null) {
            throw DkimCheckException.permerror("key record has no p= tag");
        }
        byte[] publicKey = DkimSignature.base64(TagList.withoutFws(p), "key record p");
        String keyType = tags.has("k") ? tags.get("k").toLowerCase(Locale.ROOT) : "rsa";
        List<String> hashes = tags.has("h") ? words(tags.get("h")) : List.of();
        List<String> services = tags.has("s") ? words(tags.get("s")) : List.of("*");
        List<String> flags = tags.has("t") ? words(tags.get("t")) : List.of();
        return new DkimKeyRecord(keyType, hashes, publicKey, services, flags.contains("y"), flags.contains("s"));
    }

    /** A colon-separated list, each item without whitespace, lowercase. */
    private static List<String> words(String value) {
        return java.util.Arrays.stream(value.split(":", -1))
            .map(word -> TagList.withoutFws(word).toLowerCase(Locale.ROOT))
            .toList();
    }

    public boolean isRevoked() {
        return publicKey.length == 0;
    }
}
