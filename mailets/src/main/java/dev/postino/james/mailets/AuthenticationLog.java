package dev.postino.james.mailets;

import static dev.postino.james.attributes.AuthenticationAttributes.DKIM_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_DISPOSITION;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_DOMAIN;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_HEADER_FROM;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_POLICY;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_REASON;
import static dev.postino.james.attributes.AuthenticationAttributes.DMARC_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.IPREV_RESULT;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_DOMAIN;
import static dev.postino.james.attributes.AuthenticationAttributes.SPF_RESULT;

import java.util.List;

import org.apache.james.core.MailAddress;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.authresults.AuthenticationLogLine;
import dev.postino.core.log.LogLine;
import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * The authentication log and the verdict metrics: one line per mail on the logger {@code postino.auth}
 * ({@link AuthenticationLogLine}), written where the verdict is final, from the attributes the checks left
 * ({@link AuthenticationAttributes}): by {@code AuthenticationCheck} for every mail it sees (also one the SMTP hook
 * evaluated and accepted), and by {@code DmarcRejectHook} for a mail it refuses (which no mailet sees). Counts
 * {@code postino_auth_{spf,dkim,dmarc,iprev}_RESULT} and the DMARC dispositions applied,
 * {@code postino_dmarc_disposition_smtp_{reject,defer}} and {@code postino_dmarc_disposition_after_DISPOSITION}.
 * Never throws.
 */
public final class AuthenticationLog {

    /** The logger of the authentication log. */
    public static final String LOGGER_NAME = "postino.auth";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger LOGGER = LoggerFactory.getLogger(AuthenticationLog.class);

    private final LogLine.Format format;
    private final PostinoMetrics metrics;

    public AuthenticationLog(LogLine.Format format, PostinoMetrics metrics) {
        this.format = format;
        this.metrics = metrics;
    }

    /** After the mailets' check: the disposition the routing matchers act on ({@code none}: deliver). */
    public void afterAcceptance(Mail mail) {
        String disposition = AuthenticationAttributes.read(mail, DMARC_DISPOSITION).orElse("none");
        String action = disposition.equals("none") ? "deliver" : PostinoMetrics.word(disposition);
        String dmarc = AuthenticationAttributes.read(mail, DMARC_RESULT).orElse(null);
        write(mail, mail.getRemoteAddr(), "mailet", action, AuthenticationAttributes.read(mail, DMARC_REASON).orElse(""));
        if (dmarc != null && !dmarc.equals(AuthenticationAttributes.SKIPPED)) {
            metrics.count("postino_dmarc_disposition_after_" + PostinoMetrics.word(disposition));
        }
    }

    /**
     * The SMTP hook refused the mail at the end of DATA: {@code reply} is what it answered ({@code 550 ...} refuses,
     * {@code 451 ...} defers).
     */
    public void refusedAtSmtp(Mail mail, String client, String reply) {
        String action = reply.startsWith("4") ? "defer" : "refuse";
        write(mail, client, "smtp", action, reply);
        if (mail.getAttribute(DMARC_RESULT).isPresent()) { // not a refusal before DMARC ran (a bare CR)
            metrics.count("postino_dmarc_disposition_smtp_" + (action.equals("defer") ? "defer" : "reject"));
        }
    }

    private void write(Mail mail, String client, String stage, String action, String reason) {
        try {
            String spf = AuthenticationAttributes.read(mail, SPF_RESULT).orElse(null);
            String dkim = AuthenticationAttributes.read(mail, DKIM_RESULT).orElse(null);
            String dmarc = AuthenticationAttributes.read(mail, DMARC_RESULT).orElse(null);
            String iprev = AuthenticationAttributes.read(mail, IPREV_RESULT).orElse(null);
            List<AuthenticationLogLine.Signature> signatures = AuthenticationAttributes.readDkim(mail).orElse(List.of()).stream()
                .map(s -> new AuthenticationLogLine.Signature(s.verdict().word(), s.domain(), s.selector())).toList();
            AuthenticationLogLine line = new AuthenticationLogLine(mail.getName(), client,
                AuthenticationAttributes.read(mail, Mail.SMTP_HELO).orElse(null),
                mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse(""),
                text(mail, DMARC_HEADER_FROM), spf, text(mail, SPF_DOMAIN), dkim, signatures, dmarc,
                text(mail, DMARC_POLICY), text(mail, DMARC_DISPOSITION), text(mail, DMARC_DOMAIN), iprev, stage, action,
                reason);
            LOG.info(line.format(format));
            count("spf", spf);
            count("dkim", dkim);
            count("dmarc", dmarc);
            count("iprev", iprev);
        } catch (RuntimeException e) {
            LOGGER.warn("{}: no authentication log line: {}", mail.getName(), e.toString());
        }
    }

    private void count(String check, String result) {
        if (result != null) {
            metrics.count("postino_auth_" + check + "_" + PostinoMetrics.word(result));
        }
    }

    private static String text(Mail mail, AttributeName name) {
        return AuthenticationAttributes.read(mail, name).orElse("");
    }
}
