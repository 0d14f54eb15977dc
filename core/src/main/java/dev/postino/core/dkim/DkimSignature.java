package dev.postino.core.dkim;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A parsed DKIM-Signature header field (RFC 6376 §3.5). Parsing checks syntax only: required tags, known
 * algorithms and canonicalizations, number formats, base64. Whether the signature is acceptable (expiry,
 * i= within d=, From signed, rsa-sha1) is the verifier's business.
 *
 * @param tags             all tags as written
 * @param algorithm        a=
 * @param signature        b=, decoded
 * @param signatureBase64  b= without whitespace (for header.b)
 * @param bodyHash         bh=, decoded
 * @param headerCanon      the header part of c= (default simple)
 * @param bodyCanon        the body part of c= (default simple)
 * @param domain           d=, lowercase
 * @param selector         s=
 * @param signedHeaders    h=, lowercase names in order
 * @param identity         i=, quoted-printable decoded; {@code @domain} when absent
 * @param bodyLength       l=, or -1 when absent
 * @param timestamp        t= in epoch seconds, or -1
 * @param expiration       x= in epoch seconds, or -1
 */
public record DkimSignature(TagList tags, DkimAlgorithm algorithm, byte[] signature, String signatureBase64,
                            byte[] bodyHash, Canonicalization headerCanon, Canonicalization bodyCanon, String domain,
                            String selector, List<String> signedHeaders, String identity, long bodyLength,
                            long timestamp, long expiration) {

    private static final String[] REQUIRED = {"v", "a", "b", "bh", "d", "h", "s"};

    /** Parses the value of a DKIM-Signature field (the text after the colon). */
    static DkimSignature parse(TagList tags) throws DkimCheckException {
        for (String name : REQUIRED) {
            if (!tags.has(name)) {
                throw DkimCheckException.permerror("signature lacks the required tag " + name + "=");
            }
        }
        String version = tags.get("v");
        if (!version.equals("1")) {
            throw DkimCheckException.permerror("signature version v=" + TagList.shown(version) + " is not 1");
        }
        DkimAlgorithm algorithm = DkimAlgorithm.fromWord(tags.get("a"));
        if (algorithm == null) {
            throw DkimCheckException.permerror("unsupported algorithm a=" + TagList.shown(tags.get("a")));
        }
        String signatureBase64 = TagList.withoutFws(tags.get("b"));
        byte[] signature = base64(signatureBase64, "b");
        byte[] bodyHash = base64(TagList.withoutFws(tags.get("bh")), "bh");
        if (signature.length == 0 || bodyHash.length == 0) {
            throw DkimCheckException.permerror("signature has an empty " + (signature.length == 0 ? "b=" : "bh="));
        }

        Canonicalization headerCanon = Canonicalization.SIMPLE;
        Canonicalization bodyCanon = Canonicalization.SIMPLE;
        String c = tags.get("c");
        if (c != null) {
            int slash = c.indexOf('/');
            headerCanon = Canonicalization.fromWord(slash < 0 ? c : c.substring(0, slash));
            bodyCanon = slash < 0 ? Canonicalization.SIMPLE : Canonicalization.fromWord(c.substring(slash + 1));
            if (headerCanon == null || bodyCanon == null) {
                throw DkimCheckException.permerror("unsupported canonicalization c=" + TagList.shown(c));
            }
        }

        String domain = tags.get("d").toLowerCase(Locale.ROOT);
        String selector = tags.get("s");
        if (!isDomainName(domain)) {
            throw DkimCheckException.permerror("d=" + TagList.shown(domain) + " is not a domain name");
        }
        if (!isDomainName(selector)) {
            throw DkimCheckException.permerror("s=" + TagList.shown(selector) + " is not a valid selector");
        }

        List<String> signedHeaders = new ArrayList<>();
        for (String name : tags.get("h").split(":", -1)) {
            String trimmed = TagList.withoutFws(name);
            if (trimmed.isEmpty()) {
                throw DkimCheckException.permerror("h= has an empty header field name");
            }
            signedHeaders.add(trimmed.toLowerCase(Locale.ROOT));
        }

        String q = tags.get("q");
        if (q != null && !hasDnsTxt(q)) {
            throw DkimCheckException.permerror("unsupported query method q=" + TagList.shown(q));
        }

        String identity = "@" + domain;
        String i = tags.get("i");
        if (i != null) {
            identity = decodeQuotedPrintable(TagList.withoutFws(i));
            if (identity.indexOf('@') < 0) {
                throw DkimCheckException.permerror("i=" + TagList.shown(identity) + " has no '@'");
            }
        }

        return new DkimSignature(tags, algorithm, signature, signatureBase64, bodyHash, headerCanon, bodyCanon,
            domain, selector, List.copyOf(signedHeaders), identity, number(tags, "l", 76), number(tags, "t", 12),
            number(tags, "x", 12));
    }

    /** Where the key record is: {@code selector._domainkey.domain} (RFC 6376 §3.6.2.1). */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    /** The domain part of i= (after the last '@'), lowercase. */
    public String identityDomain() {
        return identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
    }

    private static boolean hasDnsTxt(String q) {
        for (String method : q.split(":", -1)) {
            if (TagList.withoutFws(method).equalsIgnoreCase("dns/txt")) {
                return true;
            }
        }
        return false;
    }

    /** A decimal tag of at most {@code maxDigits} digits; -1 when absent. Values over a long's range saturate. */
    private static long number(TagList tags, String name, int maxDigits) throws DkimCheckException {
        String text = tags.get(name);
        if (text == null) {
            return -1;
        }
        if (text.isEmpty() || text.length() > maxDigits || !text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw DkimCheckException.permerror(name + "= is not a number of at most " + maxDigits + " digits");
        }
        return text.length() > 18 ? Long.MAX_VALUE : Long.parseLong(text);
    }

    static byte[] base64(String text, String tag) throws DkimCheckException {
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw DkimCheckException.permerror(tag + "= is not valid base64");
        }
    }

    /** Letters, digits, '-', '_' in dot-separated labels of 1..63 octets (selectors may hold '_'). */
    static boolean isDomainName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        int labelLength = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.') {
                if (labelLength == 0) {
                    return false;
                }
                labelLength = 0;
            } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                if (++labelLength > 63) {
                    return false;
                }
            } else {
                return false;
            }
        }
        return labelLength > 0;
    }

    /** DKIM quoted-printable (RFC 6376 §2.11): =XX is an octet; malformed escapes stay as written. */
    static String decodeQuotedPrintable(String text) {
        if (text.indexOf('=') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '=' && i + 2 < text.length() && hex(text.charAt(i + 1)) >= 0 && hex(text.charAt(i + 2)) >= 0) {
                out.append((char) (hex(text.charAt(i + 1)) * 16 + hex(text.charAt(i + 2))));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
