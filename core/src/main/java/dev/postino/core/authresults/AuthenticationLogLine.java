package dev.postino.core.authresults;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

import dev.postino.core.log.LogLine;

/**
 * One line of the authentication log: where a mail came from, each verdict, and what was done with it, written where
 * the verdict is final ({@code NAME: client=192.0.2.1 helo=mx.example.com mail_from=<...> header_from=example.com
 * spf=pass spf_domain=example.com dkim=pass dkim_signatures=pass/example.com/sel dmarc=pass dmarc_policy=reject
 * dmarc_disposition=none dmarc_domain=example.com iprev=pass stage=mailet action=deliver (reason)}), or as JSON
 * ({@link LogLine}). Absent verdicts (a step that did not run) are left out.
 *
 * @param queueId    the James mail name
 * @param client     the client's IP address
 * @param helo       the HELO/EHLO name
 * @param mailFrom   the reverse-path, empty for the null sender
 * @param headerFrom the Author Domain DMARC evaluated
 * @param spf        the SPF verdict of MAIL FROM, or null
 * @param spfDomain  the domain SPF checked
 * @param dkim       the DKIM verdict of the mail (pass when one signature verified), or null
 * @param signatures each DKIM signature's verdict with its d= and s=
 * @param dmarc      the DMARC verdict, or null
 * @param policy     the DMARC policy that applies
 * @param disposition the DMARC disposition
 * @param dmarcDomain the domain whose DMARC record applied
 * @param iprev      the iprev verdict, or null
 * @param stage      {@code smtp} (during the session) or {@code mailet} (after it)
 * @param action     what was done: {@code refuse}, {@code defer} (SMTP), {@code deliver}, {@code quarantine},
 *                   {@code reject} (the disposition the mailets act on)
 * @param reason     why, for a person (DMARC's reason, or the SMTP reply given)
 */
public record AuthenticationLogLine(String queueId, String client, String helo, String mailFrom, String headerFrom,
                                    String spf, String spfDomain, String dkim, List<Signature> signatures, String dmarc,
                                    String policy, String disposition, String dmarcDomain, String iprev, String stage,
                                    String action, String reason) {

    /** One DKIM signature: its result, d= and s=. */
    public record Signature(String result, String domain, String selector) {
        @Override
        public String toString() {
            return result + "/" + domain + "/" + selector;
        }
    }

    public AuthenticationLogLine {
        Objects.requireNonNull(queueId, "queueId");
        signatures = List.copyOf(signatures);
    }

    /** The fields, in order: empty text is left out, except MAIL FROM (the null sender is {@code <>}). */
    public LogLine toLogLine() {
        return LogLine.of(queueId)
            .plain("client", blankToNull(client))
            .plain("helo", blankToNull(helo))
            .address("mail_from", mailFrom)
            .plain("header_from", blankToNull(headerFrom))
            .plain("spf", spf)
            .plain("spf_domain", spf == null ? null : blankToNull(spfDomain))
            .plain("dkim", dkim)
            .plain("dkim_signatures", signatures.isEmpty() ? null
                : signatures.stream().map(Signature::toString).collect(Collectors.joining(",")))
            .plain("dmarc", dmarc)
            .plain("dmarc_policy", dmarc == null ? null : blankToNull(policy))
            .plain("dmarc_disposition", dmarc == null ? null : blankToNull(disposition))
            .plain("dmarc_domain", dmarc == null ? null : blankToNull(dmarcDomain))
            .plain("iprev", iprev)
            .plain("stage", stage)
            .plain("action", action)
            .remark("reason", blankToNull(reason))
            .build();
    }

    public String format(LogLine.Format format) {
        return toLogLine().format(format);
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text;
    }
}
