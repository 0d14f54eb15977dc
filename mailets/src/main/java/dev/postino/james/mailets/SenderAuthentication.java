package dev.postino.james.mailets;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.authresults.AuthenticationResultsField;
import dev.postino.core.authresults.MessageAuthenticator;
import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcEvaluationSink;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcOptions;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.json.JsonText;
import dev.postino.core.net.IpLiteral;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfOptions;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;

/**
 * What {@link AuthenticationCheck} and the SMTP-time {@code dev.postino.james.smtp.DmarcRejectHook} share: one
 * configured SPF + DKIM + DMARC evaluation of a James {@link Mail}, its attributes and its Authentication-Results
 * field. See {@link AuthenticationCheck} for the attributes and parameters. Thread-safe.
 */
public final class SenderAuthentication implements AutoCloseable {

    /** The init parameters it reads, besides the dns* ones. */
    public static final java.util.Set<String> PARAMETERS = java.util.Set.of(
        "authservId", "addHeader", "dmarcMode", TrustedSources.PARAMETER, "timeBudget", "unusableFromDisposition");

    public static final AttributeName DMARC_RESULT = AttributeName.of("postino.dmarc.result");
    public static final AttributeName DMARC_POLICY = AttributeName.of("postino.dmarc.policy");
    public static final AttributeName DMARC_DISPOSITION = AttributeName.of("postino.dmarc.disposition");
    public static final AttributeName DMARC_DOMAIN = AttributeName.of("postino.dmarc.domain");
    public static final AttributeName DMARC_HEADER_FROM = AttributeName.of("postino.dmarc.header.from");
    public static final AttributeName DMARC_REASON = AttributeName.of("postino.dmarc.reason");
    static final AttributeName DKIM_SIGNATURES = DkimVerify.SIGNATURES;

    /** Worst first: the aggregate DKIM verdict when no signature passed (as DkimVerify writes it). */

    private static final Logger LOGGER = LoggerFactory.getLogger(SenderAuthentication.class);

    private final DnsClient dns;
    private final SpfEvaluator spf;
    private final MessageAuthenticator authenticator;
    private final TrustedSources trusted;
    private final String authservId;
    private final boolean addHeader;
    private final DmarcEvaluationSink sink = new LoggingDmarcEvaluationSink();

    /** Reads the parameters {@link #PARAMETERS} names (plus the dns* ones) and starts a DNS client. */
    public SenderAuthentication(MailetParameters parameters) throws MessagingException {
        authservId = parameters.string("authservId", LocalHostName.get());
        if (authservId.isBlank()) {
            throw parameters.invalid("authservId", authservId, "a host name");
        }
        addHeader = parameters.bool("addHeader", true);
        String mode = parameters.string("dmarcMode", "rfc9989");
        DmarcOptions.Mode dmarcMode = switch (mode.toLowerCase(Locale.ROOT)) {
            case "rfc9989" -> DmarcOptions.Mode.RFC9989;
            case "rfc7489" -> DmarcOptions.Mode.RFC7489;
            default -> throw parameters.invalid("dmarcMode", mode, "rfc9989 or rfc7489");
        };
        String unusableFrom = parameters.string("unusableFromDisposition", "reject");
        DmarcPolicy unusableFromDisposition = DmarcPolicy.parse(unusableFrom)
            .orElseThrow(() -> parameters.invalid("unusableFromDisposition", unusableFrom, "none, quarantine or reject"));
        trusted = TrustedSources.read(parameters);
        Duration timeBudget = parameters.duration("timeBudget", Duration.ofSeconds(20));
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        spf = new SpfEvaluator(dns, SpfOptions.defaults().withTimeLimit(timeBudget).withReceiver(authservId));
        authenticator = new MessageAuthenticator(spf,
            new DkimVerifier(dns, DkimOptions.defaults().withDnsTimeout(timeBudget)),
            new DmarcEvaluator(dns, DmarcOptions.defaults().withMode(dmarcMode).withTimeLimit(timeBudget)
                .withUnusableFromDisposition(unusableFromDisposition)));
    }

    /**
     * Authenticates the mail unless an earlier step already did ({@code postino.dmarc.result} is present): removes
     * forged Authentication-Results fields, writes the attributes and adds our field. Never throws for anything the
     * sender controls; DNS trouble or an unreadable message gives {@code temperror}.
     *
     * @return the DMARC result written, or empty when the mail was skipped or already authenticated
     */
    public Optional<DmarcResult> authenticate(Mail mail) throws MessagingException {
        return authenticate(mail, IpLiteral.tryParse(mail.getRemoteAddr()));
    }

    /**
     * {@link #authenticate(Mail)} for a mail whose client address is known apart from it (an SMTP hook runs
     * before James sets the mail's remote address).
     */
    public Optional<DmarcResult> authenticate(Mail mail, Optional<InetAddress> client) throws MessagingException {
        if (mail.getAttribute(DMARC_RESULT).isPresent()) {
            return Optional.empty();
        }
        removeForgedFields(mail.getMessage());
        Optional<String> skip = trusted.skipReason(mail, client);
        if (skip.isPresent() || client.isEmpty()) {
            writeDmarc(mail, "skipped", "none", "none", "", "", skip.orElse("no usable client address"));
            mail.getMessage().saveChanges();
            return Optional.empty();
        }
        String helo = helo(mail);
        String mailFrom = mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("");
        SpfResult knownSpf = knownSpf(mail, client.get(), mailFrom, helo);
        List<DkimResult> knownDkim = knownDkim(mail);
        MessageAuthenticator.Outcome outcome;
        try {
            CompletableFuture<String> heloCheck = knownSpf != null || helo.isEmpty()
                ? CompletableFuture.completedFuture("none")
                : spf.evaluate(SpfRequest.helo(client.get(), helo)).thenApply(r -> r.verdict().keyword());
            MimeMessage message = mail.getMessage();
            String[] from = message.getHeader("From");
            List<String> fromFields = from == null ? List.of() : Arrays.stream(from).map(SenderAuthentication::utf8).toList();
            outcome = authenticator.authenticate(client.get(), mailFrom, helo, fromFields,
                knownSpf, knownDkim, () -> openMessage(message));
            if (knownSpf == null) {
                writeSpf(mail, outcome.spf(), heloCheck.join());
            }
        } catch (IOException | MessagingException | RuntimeException unexpected) {
            // Never lose a mail over a check: an unreadable message or an internal error is a temporary error.
            LOGGER.warn("authentication of {} from {} failed", mail.getName(), mail.getRemoteAddr(), unexpected);
            DmarcResult failed = new DmarcResult(DmarcVerdict.TEMPERROR, "", "", DmarcPolicy.NONE, DmarcPolicy.NONE,
                false, false, "", "internal error: " + unexpected.getClass().getSimpleName());
            writeDmarc(mail, "temperror", "none", "none", "", "", failed.reason());
            mail.getMessage().saveChanges();
            return Optional.of(failed);
        }
        if (knownDkim == null) {
            DkimVerify.writeAttributes(mail, outcome.dkim());
        }
        DmarcResult dmarc = outcome.dmarc();
        sink.accept(new DmarcEvaluationRecord(Instant.now(), IpLiteral.format(client.get()), outcome.spf(),
            outcome.dkim(), dmarc));
        writeDmarc(mail, dmarc.verdict().keyword(), dmarc.policy().keyword(), dmarc.disposition().keyword(),
            dmarc.policyDomain(), dmarc.headerFrom(), dmarc.reason());
        if (addHeader) {
            AuthenticationResultsField field = outcome.field(authservId);
            iprev(mail).ifPresent(result -> field.iprev(result, IpLiteral.format(client.get()),
                attribute(mail, "postino.iprev.hostname").orElse("")));
            mail.getMessage().addHeader(AuthenticationResultsField.NAME, field.foldedValue());
        }
        mail.getMessage().saveChanges();
        return Optional.of(dmarc);
    }

    /**
     * javax.mail reads header octets as ISO-8859-1; an SMTPUTF8 From (RFC 6532) holds UTF-8, and reading its
     * domain as Latin-1 would evaluate some other domain. Octets that are valid UTF-8 are read as UTF-8.
     */
    static String utf8(String latin1) {
        if (latin1.chars().allMatch(c -> c < 0x80) || latin1.chars().anyMatch(c -> c > 0xff)) {
            return latin1;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
        } catch (CharacterCodingException notUtf8) {
            return latin1;
        }
    }

    private static java.io.InputStream openMessage(MimeMessage message) throws IOException {
        try {
            return new MimeMessageInputStream(message);
        } catch (MessagingException e) {
            throw new IOException(e);
        }
    }

    /** RFC 8601 §5: fields claiming our authserv-id did not come from us; the others stay, in their order. */
    private void removeForgedFields(MimeMessage message) throws MessagingException {
        String[] fields = message.getHeader(AuthenticationResultsField.NAME);
        if (fields == null || Arrays.stream(fields).noneMatch(f -> AuthenticationResultsField.claims(f, authservId))) {
            return;
        }
        message.removeHeader(AuthenticationResultsField.NAME);
        for (String field : fields) {
            if (!AuthenticationResultsField.claims(field, authservId)) {
                message.addHeader(AuthenticationResultsField.NAME, field);
            }
        }
    }

    /** SpfCheck's verdict when it ran (and did not skip), else null. */
    private static SpfResult knownSpf(Mail mail, InetAddress client, String mailFrom, String helo) {
        Optional<String> result = attribute(mail, "postino.spf.result");
        if (result.isEmpty()) {
            return null;
        }
        SpfVerdict verdict;
        try {
            verdict = SpfVerdict.valueOf(result.get().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException skippedOrUnknown) {
            return null;
        }
        return new SpfResult(SpfRequest.mailFrom(client, mailFrom, helo), verdict,
            attribute(mail, "postino.spf.explanation").orElse(""), attribute(mail, "postino.spf.domain").orElse(""), 0,
            "", attribute(mail, "postino.spf.reason").orElse(""));
    }

    /** DkimVerify's verdicts when it ran, else null. */
    private static List<DkimResult> knownDkim(Mail mail) {
        Optional<String> json = attribute(mail, DKIM_SIGNATURES.asString());
        if (json.isEmpty()) {
            return null;
        }
        try {
            List<DkimResult> results = new ArrayList<>();
            for (Object item : (List<?>) JsonText.parse(json.get())) {
                Map<?, ?> signature = (Map<?, ?>) item;
                results.add(new DkimResult(DkimVerdict.valueOf(text(signature, "result").toUpperCase(Locale.ROOT)),
                    text(signature, "domain"), text(signature, "selector"), text(signature, "algorithm"), "",
                    text(signature, "header_b"), text(signature, "reason"),
                    Boolean.TRUE.equals(signature.get("unsigned_content")), Boolean.TRUE.equals(signature.get("testing"))));
            }
            return results;
        } catch (RuntimeException unreadable) {
            return null;
        }
    }

    private static String text(Map<?, ?> object, String key) {
        Object value = object.get(key);
        return value instanceof String s ? s : "";
    }

    private static Optional<String> iprev(Mail mail) {
        return attribute(mail, "postino.iprev.result").filter(r -> r.matches("pass|fail|temperror|permerror"));
    }

    private static Optional<String> attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(Attribute::getValue).map(AttributeValue::value)
            .filter(String.class::isInstance).map(String.class::cast);
    }

    /** The HELO/EHLO name James recorded, else the client's host name as James saw it. */
    private static String helo(Mail mail) {
        return attribute(mail, Mail.SMTP_HELO.asString())
            .orElse(mail.getRemoteHost() == null ? "" : mail.getRemoteHost());
    }

    private static void writeSpf(Mail mail, SpfResult result, String heloVerdict) {
        set(mail, SpfCheck.RESULT, result.verdict().keyword());
        set(mail, SpfCheck.DOMAIN, result.domain());
        set(mail, SpfCheck.EXPLANATION, result.explanation());
        set(mail, SpfCheck.REASON, result.reason());
        set(mail, SpfCheck.HELO_RESULT, heloVerdict);
    }

    private static void writeDmarc(Mail mail, String result, String policy, String disposition, String domain,
                                   String headerFrom, String reason) {
        set(mail, DMARC_RESULT, result);
        set(mail, DMARC_POLICY, policy);
        set(mail, DMARC_DISPOSITION, disposition);
        set(mail, DMARC_DOMAIN, domain);
        set(mail, DMARC_HEADER_FROM, headerFrom);
        set(mail, DMARC_REASON, reason);
    }

    private static void set(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }

    @Override
    public void close() {
        SharedDnsClients.release(dns);
    }
}
