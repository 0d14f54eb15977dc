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
 * <p>Every property value is a bare token only when it is made of letters, digits and {@code . _ + - @}; anything
 * else becomes a quoted-string with {@code "} and {@code \} escaped, and every comment has {@code ( ) \} escaped.
 * Control and non-ASCII characters become {@code ?} and values are cut at 200 characters, so no input (a From
 * domain, a MAIL FROM address, a DKIM reason) can end the field, add a {@code ;} result or close a comment.
 * The value is unfolded; the caller's header writer folds it.
 */
public final class AuthenticationResultsField {

    /** The header field name. */
    public static final String NAME = "Authentication-Results";

    private static final Pattern BARE_VALUE = Pattern.compile("[A-Za-z0-9._+@-]{1,200}");
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
     *                   pairs with an empty value are left out
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
            if (value != null && !value.isEmpty()) {
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
            add("dkim", signature.verdict().word(), comment, "header.d", signature.domain(),
                "header.i", signature.identity(), "header.s", signature.selector(), "header.a", signature.algorithm(),
                "header.b", signature.headerB());
        }
        return this;
    }

    /** {@code dmarc=} with the policy and disposition in the comment, as common receivers write it. */
    public AuthenticationResultsField dmarc(DmarcResult dmarc) {
        String comment = "p=" + dmarc.policy().keyword() + " dis=" + dmarc.disposition().keyword()
            + (dmarc.policyDomain().isEmpty() ? "" : " d=" + dmarc.policyDomain()) + "; " + dmarc.reason();
        return add("dmarc", dmarc.verdict().keyword(), comment, "header.from", dmarc.headerFrom());
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
        StringBuilder out = new StringBuilder(value(authservId));
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

    /** A property value or authserv-id: bare when safe, else a quoted-string. */
    static String value(String text) {
        return BARE_VALUE.matcher(text).matches() ? text : FieldValueText.quoted(text, MAX_TEXT);
    }

    static String commentText(String text) {
        return FieldValueText.comment(text, MAX_TEXT);
    }
}
