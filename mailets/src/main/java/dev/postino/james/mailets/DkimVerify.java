package dev.postino.james.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import javax.mail.MessagingException;

import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Verifies every DKIM-Signature of the mail (RFC 6376, ed25519-sha256 per RFC 8463, RFC 8301's rules) on the
 * message as received, streamed (never held twice), and leaves the verdicts on the mail for the DMARC step
 * and for matchers such as {@code HasDkimPass} and {@code DkimResultIs}. It never rejects or drops mail.
 * Put it before any mailet that changes the message, so that it sees the bytes that were signed. A mail that
 * already carries {@code postino.dkim.signatures} (left by the SMTP-time {@code DmarcRejectHook}) is not
 * verified again.
 *
 * <p>Attributes written (String values):
 * <ul>
 *   <li>{@code postino.dkim.result}: {@code none} (no signature), {@code pass} (at least one signature
 *       verified), else the worst verdict among the signatures: {@code fail}, {@code permerror},
 *       {@code temperror}, {@code policy}, {@code neutral}, in that order</li>
 *   <li>{@code postino.dkim.pass.domains}: the d= of each verified signature that covers the whole body,
 *       comma-separated, lower case (empty when none)</li>
 *   <li>{@code postino.dkim.signatures}: a JSON array, one object per DKIM-Signature in header order, with
 *       {@code result}, {@code domain}, {@code selector}, {@code algorithm}, {@code identity} (i=),
 *       {@code header_b}, {@code reason}, {@code testing} and {@code unsigned_content} (true when l= left part of
 *       the body unsigned); absent when the message could not be read ({@code postino.dkim.result} is then
 *       {@code temperror}, and the authentication step verifies again)</li>
 * </ul>
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code maxSignatures}: signatures verified per mail; the rest are {@code neutral} (default {@code 5})</li>
 *   <li>{@code minRsaKeyBits}: smaller RSA keys are {@code permerror} (default {@code 1024})</li>
 *   <li>{@code rsaSha1}: what an rsa-sha1 signature gets, {@code fail} (RFC 8301, default), {@code permerror},
 *       {@code policy}, or {@code verify} for legacy senders</li>
 *   <li>{@code bodyLength}: signatures with l=: {@code report} (verify the signed part and say so, default),
 *       {@code policy} or {@code fail}</li>
 *   <li>{@code acceptBareLf}: read bare LF line ends as CRLF (default {@code true})</li>
 *   <li>{@code clockSkew}: tolerance for t= in the future and x= in the past (default {@code 5m})</li>
 *   <li>{@code timeBudget}: the most the key lookups of one mail may take (default {@code 15s}); past it:
 *       {@code temperror}</li>
 *   <li>{@code dnsServers}, {@code dnsQueryTimeout}, {@code dnsRetries}, {@code dnsCacheSize}: the DNS client</li>
 *   <li>{@code dnsMaxInFlight}, {@code dnsMaxInFlightPerZone}, {@code dnsMaxWaitingPerZone},
 *       {@code dnsMaxInFlightPerCheck}, {@code dnsZoneTimeouts}, {@code dnsZoneTimeoutWindow}, {@code dnsZoneBackoff},
 *       {@code dnsZoneMaxBackoff}: the DNS client's limits (defaults: {@link MailetParameters#dnsConfig()}; the README)</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.DkimVerify"/>}</pre>
 */
public class DkimVerify extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(DkimVerify.class);

    private DnsClient dns;
    private DkimVerifier verifier;

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), MailetParameters.withDns(
            "maxSignatures", "minRsaKeyBits", "rsaSha1", "bodyLength", "acceptBareLf", "clockSkew", "timeBudget"));
        DkimOptions options = DkimOptions.defaults()
            .withMaxSignatures(parameters.integer("maxSignatures", DkimOptions.DEFAULT_MAX_SIGNATURES, 1, 50))
            .withMinRsaKeyBits(parameters.integer("minRsaKeyBits", DkimOptions.DEFAULT_MIN_RSA_KEY_BITS, 512, 16384))
            .withRsaSha1(choice(parameters, "rsaSha1", DkimOptions.RsaSha1Policy.class, DkimOptions.RsaSha1Policy.FAIL))
            .withBodyLength(choice(parameters, "bodyLength", DkimOptions.BodyLengthPolicy.class,
                DkimOptions.BodyLengthPolicy.REPORT))
            .withAcceptBareLf(parameters.bool("acceptBareLf", true))
            .withClockSkew(parameters.duration("clockSkew", DkimOptions.DEFAULT_CLOCK_SKEW))
            .withDnsTimeout(parameters.duration("timeBudget", DkimOptions.DEFAULT_DNS_TIMEOUT));
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        verifier = new DkimVerifier(dns, options);
    }

    private static <E extends Enum<E>> E choice(MailetParameters parameters, String name, Class<E> type, E defaultValue)
        throws MessagingException {
        String value = parameters.string(name, null);
        if (value == null) {
            return defaultValue;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(value)) {
                return constant;
            }
        }
        List<String> words = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            words.add(constant.name().toLowerCase(Locale.ROOT));
        }
        throw parameters.invalid(name, value, "one of " + String.join(", ", words));
    }

    @Override
    public void service(Mail mail) {
        if (mail.getAttribute(AuthenticationAttributes.DKIM_SIGNATURES).isPresent()) {
            return; // an earlier step (the SMTP-time DmarcRejectHook) already verified this mail
        }
        List<DkimResult> results;
        try (InputStream message = new MimeMessageInputStream(mail.getMessage())) {
            results = verifier.verify(message);
        } catch (IOException | MessagingException | RuntimeException unreadable) {
            // Never lose a mail over a check: an unreadable message is a temporary error.
            LOGGER.warn("DKIM verification of {} failed", mail.getName(), unreadable);
            AuthenticationAttributes.writeDkimFailure(mail, DkimVerdict.TEMPERROR);
            return;
        }
        AuthenticationAttributes.writeDkim(mail, results);
    }

    @Override
    public void destroy() {
        if (dns != null) {
            SharedDnsClients.release(dns);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino DKIM verification (RFC 6376, RFC 8463, RFC 8301)";
    }
}
