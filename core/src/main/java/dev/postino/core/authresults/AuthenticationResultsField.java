package dev.postino.core.authresults;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.mime.FieldValueText;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfIdentity;

/**
 * Builds the value of one {@code Authentication-Results} header field (RFC 8601) and recognises existing fields
 * that claim an authserv-id (RFC 8601 §5: a receiver removes those before adding its own).
 *
 * <p>Values follow RFC 8601 §2.2 ({@code pvalue = value / [[local-part] "@"] domain-name}, {@code value = token /
 * quoted-string} of RFC 2045): a property value is written bare only when it is a token of letters, digits and
 * {@code . _ + -}, or an address {@code local@domain} / {@code @domain} whose local part is dot-separated words of
 * letters, digits and {@code _ + -} and whose domain is a host name of two labels or more; the authserv-id only when
 * it is such a token. Anything else becomes a quoted-string with {@code "} and {@code \} escaped, and every comment
 * has {@code ( ) \} escaped. Control and non-ASCII characters become {@code ?} and values are cut at 200
 * characters, so no input (a From domain, a MAIL FROM address, a DKIM reason) can end the field, add a {@code ;}
 * result or close a comment. A property with an empty value is left out, and so is one that names a DKIM or DMARC
 * identifier the value cannot be ({@code header.d}, {@code header.s} or {@code header.from} that is not a domain
 * name, a {@code header.i} without {@code @domain}, a {@code header.a} that is not an algorithm name, a
 * {@code header.b} that is not base64): a malformed signature shows its result and reason, never a made-up
 * identifier. The value is unfolded; the caller's header writer folds it.
 */
public final class AuthenticationResultsField {

    /** The header field name. */
    public static final String NAME = "Authentication-Results";

    private static final Pattern KEYWORD = Pattern.compile("[a-z0-9][a-z0-9.-]*");
    private static final int MAX_TEXT = 200;

    private final String authservId;
    private final List<String> results = new ArrayList<>();

    /** A field for {@code authservId} (normally this host's name), with no result yet. */
    public AuthenticationResultsField(String authservId) {
        this.authservId = authservId;
    }

    /**
     * Adds one resinfo: {@code method=result (comment) name=value ...}.
     *
     * @param properties alternating property names ({@code ptype.property}, e.g. {@code header.d}) and values;
     *                   pairs with an empty or blank value are left out
     */
    public AuthenticationResultsField add(String method, String result, String comment, String... properties) {
        if (properties.length % 2 != 0) {
            throw new IllegalArgumentException("properties come in name/value pairs");
        }
        StringBuilder resinfo = new StringBuilder(keyword(method)).append('=').append(keyword(result));
        if (comment != null && !comment.isBlank()) {
            resinfo.append(" (").append(commentText(comment)).append(')');
        }
        for (int i = 0; i < properties.length; i += 2) {
            String value = properties[i + 1];
            if (value != null && !value.isBlank()) {
                resinfo.append(' ').append(keyword(properties[i])).append('=').append(value(value));
            }
        }
        results.add(resinfo.toString());
        return this;
    }

    /** {@code spf=}: smtp.mailfrom for the MAIL FROM identity, smtp.helo for the HELO one or a null reverse-path. */
    public AuthenticationResultsField spf(SpfResult spf) {
        String mailFrom = spf.request().mailFrom();
        boolean helo = mailFrom.isEmpty() || spf.identity() != SpfIdentity.MAIL_FROM;
        return add("spf", spf.verdict().keyword(), spf.reason(),
            helo ? "smtp.helo" : "smtp.mailfrom", helo ? spf.request().helo() : mailFrom);
    }

    /** One {@code dkim=} per signature (RFC 6008 header.b tells them apart); {@code dkim=none} without any. */
    public AuthenticationResultsField dkim(List<DkimResult> signatures) {
        if (signatures.isEmpty()) {
            return add("dkim", "none", "no signature");
        }
        for (DkimResult signature : signatures) {
            String comment = signature.reason() + (signature.testing() ? " (key in testing mode)" : "")
                + (signature.unsignedContent() ? " (l= leaves content unsigned)" : "");
            add("dkim", signature.verdict().word(), comment, "header.d", domainOrEmpty(signature.domain()),
                "header.i", identityOrEmpty(signature.identity()), "header.s", domainOrEmpty(signature.selector()),
                "header.a", algorithmOrEmpty(signature.algorithm()), "header.b", base64OrEmpty(signature.headerB()));
        }
        return this;
    }

    /** {@code dmarc=} with the policy and disposition in the comment, as common receivers write it. */
    public AuthenticationResultsField dmarc(DmarcResult dmarc) {
        String comment = "p=" + dmarc.policy().keyword() + " dis=" + dmarc.disposition().keyword()
            + (dmarc.policyDomain().isEmpty() ? "" : " d=" + dmarc.policyDomain()) + "; " + dmarc.reason();
        return add("dmarc", dmarc.verdict().keyword(), comment, "header.from", domainOrEmpty(dmarc.headerFrom()));
    }

    /** {@code iprev=} (RFC 8601 §3): the client address as policy.iprev, the host name in the comment. */
    public AuthenticationResultsField iprev(String result, String clientIp, String hostname) {
        return add("iprev", result, hostname, "policy.iprev", clientIp);
    }

    /** The field value, unfolded: {@code authserv-id; resinfo; resinfo}, or {@code authserv-id; none}. */
    public String value() {
        return foldedValue().replace("\r\n\t", " ");
    }

    /** The field value folded before each resinfo (CRLF TAB), for header writers that do not fold. */
    public String foldedValue() {
        StringBuilder out = new StringBuilder(isToken(authservId) ? authservId : FieldValueText.quoted(authservId, MAX_TEXT));
        if (results.isEmpty()) {
            return out.append("; none").toString();
        }
        for (String result : results) {
            out.append(";\r\n\t").append(result);
        }
        return out.toString();
    }

    /**
     * The authserv-id an existing field value claims (comments and folding skipped, a quoted-string unquoted);
     * empty when the value does not start with one.
     */
    public static Optional<String> authservId(String fieldValue) {
        String text = fieldValue.replace("\r", "").replace("\n", "");
        int i = skipCfws(text, 0);
        if (i >= text.length()) {
            return Optional.empty();
        }
        StringBuilder id = new StringBuilder();
        if (text.charAt(i) == '"') {
            i++;
            while (i < text.length() && text.charAt(i) != '"') {
                if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                    i++;
                }
                id.append(text.charAt(i++));
            }
        } else {
            while (i < text.length() && " \t;(\"".indexOf(text.charAt(i)) < 0) {
                id.append(text.charAt(i++));
            }
        }
        return id.length() == 0 ? Optional.empty() : Optional.of(id.toString());
    }

    /** Whether an existing field value claims {@code ourId} (compared without regard to case, as host names). */
    public static boolean claims(String fieldValue, String ourId) {
        return authservId(fieldValue).map(id -> id.equalsIgnoreCase(ourId)).orElse(false);
    }

    private static int skipCfws(String text, int start) {
        int i = start;
        int depth = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (depth > 0 && c == '\\') {
                i += 2;
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0 && c != ' ' && c != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }

    private static String keyword(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        if (!KEYWORD.matcher(lower).matches()) {
            throw new IllegalArgumentException("not an Authentication-Results keyword: " + FieldValueText.printable(word, MAX_TEXT));
        }
        return lower;
    }

    /** A property value: bare when it is a token or a plain address (see the class comment), else a quoted-string. */
    static String value(String text) {
        return isToken(text) || isPlainAddress(text) ? text : FieldValueText.quoted(text, MAX_TEXT);
    }

    /** A token (RFC 2045) of the safest characters: letters, digits and {@code . _ + -}; at most 200 of them. */
    static boolean isToken(String text) {
        if (text.isEmpty() || text.length() > MAX_TEXT) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isLetterOrDigit(c) && ".-_+".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@code [local-part] "@" domain-name} that needs no quoting: dot-separated words, then a host name. */
    static boolean isPlainAddress(String text) {
        int at = text.indexOf('@');
        if (at < 0 || at != text.lastIndexOf('@') || text.length() > MAX_TEXT) {
            return false;
        }
        String domain = text.substring(at + 1);
        if (!isDomainName(domain, false) || domain.indexOf('.') < 0) {
            return false;
        }
        String local = text.substring(0, at);
        if (local.isEmpty()) {
            return true;
        }
        for (String word : local.split("\\.", -1)) {
            if (word.isEmpty() || !word.chars().allMatch(c -> isLetterOrDigit((char) c) || c == '_' || c == '+' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * A domain name of labels of letters, digits and hyphens (not at either end), at most 63 octets each and 253 in
     * all; {@code underscore} also allows {@code _}, found in selectors and service names.
     */
    static boolean isDomainName(String text, boolean underscore) {
        if (text.isEmpty() || text.length() > 253) {
            return false;
        }
        int labelStart = 0;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                int length = i - labelStart;
                if (length == 0 || length > 63 || text.charAt(labelStart) == '-' || text.charAt(i - 1) == '-') {
                    return false;
                }
                labelStart = i + 1;
            } else if (!isLetterOrDigit(c) && c != '-' && !(underscore && c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isLetterOrDigit(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    /** header.d, header.s, header.from: a domain name, else nothing to show. */
    private static String domainOrEmpty(String text) {
        return isDomainName(text, true) ? text : "";
    }

    /** header.i: {@code [local-part] "@" domain} with a domain name after the last {@code @}, else nothing. */
    private static String identityOrEmpty(String text) {
        int at = text.lastIndexOf('@');
        return at >= 0 && isDomainName(text.substring(at + 1), true) ? text : "";
    }

    /** header.a: an algorithm name such as {@code rsa-sha256}, else nothing. */
    private static String algorithmOrEmpty(String text) {
        return !text.isEmpty() && text.length() <= 64 && text.chars().allMatch(c -> isLetterOrDigit((char) c) || c == '-')
            ? text : "";
    }

    /** header.b: a prefix of base64 (RFC 6008), else nothing. */
    private static String base64OrEmpty(String text) {
        return text.chars().allMatch(c -> isLetterOrDigit((char) c) || c == '+' || c == '/' || c == '=') ? text : "";
    }

    static String commentText(String text) {
        return FieldValueText.comment(text, MAX_TEXT);
    }
}
