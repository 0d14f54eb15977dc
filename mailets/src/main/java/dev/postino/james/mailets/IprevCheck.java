package dev.postino.james.mailets;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.iprev.IprevEvaluator;
import dev.postino.core.iprev.IprevResult;
import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Checks that the SMTP client's address has a reverse name that maps back to it (forward-confirmed
 * reverse DNS, the "iprev" method of RFC 8601 §3; Postfix's {@code reject_unknown_client_hostname}), and
 * leaves the verdict on the mail for matchers such as {@code IprevResultIs}. A mail that already carries
 * {@code postino.iprev.result} (left by the SMTP-time {@code DmarcRejectHook}, or by {@code AuthenticationCheck}
 * earlier in the chain, which check iprev for their Authentication-Results field) is not checked again.
 *
 * <p>Attributes written (String values):
 * <ul>
 *   <li>{@code postino.iprev.result}: {@code pass}, {@code fail}, {@code temperror}, {@code permerror}, or
 *       {@code none} when the mail has no usable remote address (e.g. it was created locally)</li>
 *   <li>{@code postino.iprev.hostname}: the confirmed name on {@code pass}; else the first PTR name, or empty</li>
 *   <li>{@code postino.iprev.reason}: a short human reason</li>
 * </ul>
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code timeBudget}: the most time the DNS lookups of one mail may take (default {@code 10s});
 *       past it the result is {@code temperror}</li>
 *   <li>{@code dnsServers}: resolvers as {@code HOST:PORT[,HOST:PORT...]} IP addresses (default: the system's)</li>
 *   <li>{@code dnsQueryTimeout} (default {@code 5s}), {@code dnsRetries} (default {@code 1}),
 *       {@code dnsCacheSize} (default {@code 10000})</li>
 *   <li>{@code dnsMaxInFlight}, {@code dnsMaxInFlightPerZone}, {@code dnsMaxWaitingPerZone},
 *       {@code dnsMaxInFlightPerCheck}, {@code dnsZoneTimeouts}, {@code dnsZoneTimeoutWindow}, {@code dnsZoneBackoff},
 *       {@code dnsZoneMaxBackoff}: the DNS client's limits (defaults: {@link MailetParameters#dnsConfig()}; the README)</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.IprevCheck"/>}</pre>
 */
public class IprevCheck extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(IprevCheck.class);

    private DnsClient dns;
    private IprevEvaluator evaluator;

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), MailetParameters.withDns("timeBudget"));
        Duration timeBudget = parameters.duration("timeBudget", Duration.ofSeconds(10));
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        evaluator = new IprevEvaluator(dns, timeBudget);
    }

    @Override
    public void service(Mail mail) {
        if (mail.getAttribute(AuthenticationAttributes.IPREV_RESULT).isPresent()) {
            return; // an earlier step (the SMTP-time DmarcRejectHook) already checked this client
        }
        AuthenticationAttributes.writeIprev(mail, evaluate(mail.getRemoteAddr()), "no remote address");
    }

    private IprevResult evaluate(String remoteAddress) {
        Optional<InetAddress> client = IpLiteral.tryParse(remoteAddress);
        if (client.isEmpty()) {
            return null;
        }
        try {
            return evaluator.evaluate(client.get()).join();
        } catch (RuntimeException unexpected) {
            // Never lose a mail over a check: report it as a temporary error.
            LOGGER.warn("iprev check of {} failed", remoteAddress, unexpected);
            return new IprevResult(IprevResult.Verdict.TEMPERROR, "", "internal error: " + unexpected);
        }
    }

    @Override
    public void destroy() {
        if (dns != null) {
            SharedDnsClients.release(dns);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino iprev (forward-confirmed reverse DNS) check";
    }
}
