package dev.postino.core.spf;

import dev.postino.core.mime.FieldFolding;
import dev.postino.core.mime.FieldValueText;
import dev.postino.core.net.IpLiteral;

import java.util.Objects;

/**
 * The outcome of one SPF check. Immutable.
 *
 * @param request     what was checked
 * @param verdict     the result
 * @param explanation for {@code fail}: the domain's explanation (its {@code exp=}) or the default one; else empty
 * @param domain      the domain whose policy was checked (the sender's domain)
 * @param dnsLookups  DNS lookups spent (cache hits included)
 * @param mechanism   the directive that decided, as written (e.g. {@code -all}); empty when none did
 * @param reason      a short human reason, for logs and the Received-SPF comment
 */
public record SpfResult(SpfRequest request, SpfVerdict verdict, String explanation, String domain, int dnsLookups,
                        String mechanism, String reason) {

    /**
     * Each value is cut at this length (ending in "..."): no sender input can make the field huge, and a value
     * escaped whole ({@code \"} for each {@code "}) with its key stays a line well within 998 octets.
     */
    private static final int MAX_VALUE = 400;
    /** The comment repeats the reason, which errors also give in {@code problem=}: a shorter cut. */
    private static final int MAX_COMMENT = 200;

    public SpfResult {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(verdict, "verdict");
        explanation = explanation == null ? "" : explanation;
        domain = domain == null ? "" : domain;
        mechanism = mechanism == null ? "" : mechanism;
        reason = reason == null ? "" : reason;
    }

    public SpfIdentity identity() {
        return request.identity();
    }

    /**
     * The value of a {@code Received-SPF} header field (RFC 7208 §9.1), unfolded, without the field name:
     * {@code pass (receiver: reason) client-ip="..."; envelope-from="..."; ...}. Every value is a quoted
     * string and the comment is escaped, with control and non-ASCII characters replaced, so that sender input
     * can neither end the field nor add a key.
     *
     * @param receiver this host's name
     */
    public String receivedSpfHeaderValue(String receiver) {
        StringBuilder value = new StringBuilder(verdict.keyword());
        value.append(" (").append(FieldValueText.comment(cut(receiver + ": " + reason, MAX_COMMENT), MAX_COMMENT)).append(')');
        pair(value, "client-ip", IpLiteral.format(request.clientIp()));
        pair(value, "envelope-from", request.sender());
        pair(value, "helo", request.helo());
        pair(value, "receiver", receiver);
        pair(value, "identity", identity().keyword());
        if (!mechanism.isEmpty()) {
            pair(value, "mechanism", mechanism);
        }
        if (verdict == SpfVerdict.PERMERROR || verdict == SpfVerdict.TEMPERROR) {
            pair(value, "problem", reason);
        }
        return value.toString();
    }

    /**
     * {@link #receivedSpfHeaderValue} folded for a header writer that does not fold (javax.mail's addHeader):
     * CRLF before spaces, lines within 78 octets where the values allow and never over 998 (RFC 5322 §2.1.1).
     */
    public String foldedReceivedSpfHeaderValue(String receiver) {
        return FieldFolding.fold("Received-SPF", receivedSpfHeaderValue(receiver));
    }

    private static void pair(StringBuilder out, String key, String value) {
        out.append(' ').append(key).append('=').append(FieldValueText.quoted(cut(value, MAX_VALUE), MAX_VALUE)).append(';');
    }

    /** At most {@code max} characters, the last three "..." when some were cut. */
    private static String cut(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }
}
