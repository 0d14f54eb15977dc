package dev.postino.james.smtp;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

import javax.mail.MessagingException;

import javax.inject.Inject;

import org.apache.commons.configuration2.Configuration;
import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.protocols.api.ProtocolSession;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.smtpserver.JamesMessageHook;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.log.LogLine;
import dev.postino.core.net.IpLiteral;
import dev.postino.james.mailets.AuthenticationCheck;
import dev.postino.james.mailets.AuthenticationLog;
import dev.postino.james.mailets.PostinoMetrics;
import dev.postino.james.mailets.MailetParameters;
import dev.postino.james.mailets.SenderAuthentication;

/**
 * DMARC enforcement during the SMTP session: at the end of DATA it runs the same evaluation as
 * {@code AuthenticationCheck} and refuses a mail whose sender domain asks for {@code reject} with
 * {@code 550 5.7.26} (RFC 7372), so that it is never accepted and nobody has to bounce it; so is a mail whose
 * From is not exactly one mailbox when the strictest policy of its domains is {@code reject}, or when it names
 * no usable domain ({@code unusableFromDisposition}, default {@code reject}). When DMARC is
 * undecided because DNS failed ({@code temperror}) it answers {@code 451 4.7.0}, so the sending server retries.
 * Everything else is accepted with the verdicts and the Authentication-Results field on the mail, and
 * {@code AuthenticationCheck} does not evaluate it again.
 *
 * <p>Before that, it refuses with {@code 550 5.6.0} any message whose header section holds a bare CR (a CR not
 * followed by LF), whatever its DMARC result: RFC 5322 §2.2 forbids it, and readers disagree on where such a
 * line ends (javax.mail and the mail clients end it there, DKIM does not), which is how a forged From is put on
 * top of a validly signed message ({@code CR CR LF} smuggling). X.6.0 because the message's content is refused,
 * not the SMTP exchange (RFC 3463 §3.7). Turned off, such a message is still never DMARC {@code pass}.
 *
 * <p>In {@code smtpserver.xml}: {@code <handler class="dev.postino.james.smtp.DmarcRejectHook"/>} inside
 * {@code <handlerchain>}. Parameters (child elements), besides {@code AuthenticationCheck}'s ({@code authservId},
 * {@code addHeader}, {@code dmarcMode}, {@code trustedNetworks}, {@code timeBudget}, {@code unusableFromDisposition},
 * {@code dns*}):
 * <ul>
 *   <li>{@code rejectStatus}: the enhanced status code of the refusal, {@code 5.7.26} (default) or {@code 5.7.1}</li>
 *   <li>{@code deferOnTemperror}: answer {@code 451 4.7.0} when DMARC is {@code temperror} (default {@code true})</li>
 *   <li>{@code refuseBareCr}: answer {@code 550 5.6.0} to a message whose header section holds a bare CR
 *       (default {@code true})</li>
 *   <li>{@code authLogFormat}: {@code keyvalue} (default) or {@code json}: the line each refused mail gets in the
 *       authentication log (logger {@code postino.auth}; accepted mail gets its line from {@code AuthenticationCheck})</li>
 * </ul>
 */
public class DmarcRejectHook implements JamesMessageHook {

    private static final Logger LOGGER = LoggerFactory.getLogger(DmarcRejectHook.class);
    private static final String NAME = DmarcRejectHook.class.getName();

    private SenderAuthentication authentication;
    private String rejectStatus;
    private boolean deferOnTemperror;
    private boolean refuseBareCr;
    private final PostinoMetrics metrics;
    private AuthenticationLog log;

    public DmarcRejectHook() {
        this(PostinoMetrics.NONE);
    }

    @Inject
    public DmarcRejectHook(MetricFactory metricFactory) {
        this(new PostinoMetrics(metricFactory, null, null));
    }

    DmarcRejectHook(PostinoMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(Configuration configuration) throws ConfigurationException {
        try {
            List<String> known = new ArrayList<>(SenderAuthentication.PARAMETERS);
            known.add("rejectStatus");
            known.add("deferOnTemperror");
            known.add("refuseBareCr");
            known.add(AuthenticationCheck.AUTH_LOG_FORMAT);
            MailetParameters parameters = MailetParameters.read(new ConfigurationAsMailetConfig(configuration),
                MailetParameters.withDns(known.toArray(String[]::new)));
            rejectStatus = parameters.string("rejectStatus", "5.7.26");
            if (!rejectStatus.equals("5.7.26") && !rejectStatus.equals("5.7.1")) {
                throw parameters.invalid("rejectStatus", rejectStatus, "5.7.26 or 5.7.1");
            }
            deferOnTemperror = parameters.bool("deferOnTemperror", true);
            refuseBareCr = parameters.bool("refuseBareCr", true);
            authentication = new SenderAuthentication(parameters);
            log = new AuthenticationLog(parameters.value(AuthenticationCheck.AUTH_LOG_FORMAT, LogLine.Format.KEYVALUE,
                LogLine.Format::parse), metrics);
        } catch (MessagingException e) {
            throw new ConfigurationException(e.getMessage(), e);
        }
    }

    @Override
    public HookResult onMessage(SMTPSession session, Mail mail) {
        HookResult result = decide(session, mail);
        if (!HookReturnCode.declined().equals(result.getResult()) && log != null) {
            String client = session.getRemoteAddress() == null || session.getRemoteAddress().getAddress() == null
                ? mail.getRemoteAddr() : IpLiteral.format(session.getRemoteAddress().getAddress());
            log.refusedAtSmtp(mail, client, result.getSmtpRetCode() + " " + result.getSmtpDescription());
        }
        return result;
    }

    private HookResult decide(SMTPSession session, Mail mail) {
        try {
            if (refuseBareCr && SenderAuthentication.readHeaderSection(mail.getMessage()).bareCr()) {
                return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("550")
                    .smtpDescription("5.6.0 Message refused: bare CR in the header section (RFC 5322 section 2.2)")
                    .build();
            }
            if (mail.getAttribute(Mail.SMTP_HELO).isEmpty()) {
                session.getAttachment(SMTPSession.CURRENT_HELO_NAME, ProtocolSession.State.Connection)
                    .ifPresent(helo -> mail.setAttribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of(helo))));
            }
            if (session.getUsername() != null && mail.getAttribute(Mail.SMTP_AUTH_USER).isEmpty()) {
                mail.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(session.getUsername().asString())));
            }
            // the hook runs before James copies the client's address onto the mail (whose default is 127.0.0.1)
            Optional<InetAddress> client = session.getRemoteAddress() != null
                ? Optional.ofNullable(session.getRemoteAddress().getAddress()) : IpLiteral.tryParse(mail.getRemoteAddr());
            Optional<DmarcResult> result = authentication.authenticate(mail, client);
            if (result.isEmpty()) {
                return HookResult.DECLINED;
            }
            DmarcResult dmarc = result.get();
            // a From that is not one mailbox never passes and carries the strictest disposition, whatever the verdict
            if (dmarc.disposition() == DmarcPolicy.REJECT) {
                String text = dmarc.verdict() == DmarcVerdict.FAIL && !dmarc.policyDomain().isEmpty()
                    ? "DMARC policy of " + dmarc.policyDomain() + " is to reject mail from " + dmarc.headerFrom()
                        + " that fails authentication"
                    : "DMARC: the From field cannot be authenticated (" + dmarc.reason() + ")";
                return HookResult.builder().hookReturnCode(HookReturnCode.deny()).smtpReturnCode("550")
                    .smtpDescription(rejectStatus + " " + oneLine(text)).build();
            }
            if (dmarc.verdict() == DmarcVerdict.TEMPERROR && deferOnTemperror) {
                return HookResult.builder().hookReturnCode(HookReturnCode.denySoft()).smtpReturnCode("451")
                    .smtpDescription("4.7.0 " + oneLine("DMARC check of " + dmarc.headerFrom()
                        + " failed temporarily, try again later")).build();
            }
            return HookResult.DECLINED;
        } catch (IOException | MessagingException | RuntimeException unexpected) {
            // an unreadable message is not a reason to refuse: the mailets decide later
            LOGGER.warn("DMARC check at end of DATA failed for {}", mail.getName(), unexpected);
            return HookResult.DECLINED;
        }
    }

    /** Printable ASCII only, no line break: the text goes into an SMTP reply line. */
    private static String oneLine(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return out.length() > 200 ? out.substring(0, 200) : out.toString();
    }

    @Override
    public void destroy() {
        if (authentication != null) {
            authentication.close();
        }
    }

    /** The hook's configuration read through the mailets' strict parameter reader. */
    private record ConfigurationAsMailetConfig(Configuration configuration) implements MailetConfig {

        @Override
        public String getInitParameter(String name) {
            return configuration.containsKey(name) ? configuration.getString(name) : null;
        }

        @Override
        public Iterator<String> getInitParameterNames() {
            List<String> names = new ArrayList<>();
            // the handler element's own attributes (its class) are not parameters
            configuration.getKeys().forEachRemaining(key -> {
                if (!key.startsWith("[@")) {
                    names.add(key);
                }
            });
            return names.iterator();
        }

        @Override
        public MailetContext getMailetContext() {
            return null;
        }

        @Override
        public String getMailetName() {
            return NAME;
        }
    }
}
