package dev.postino.james.attributes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.iprev.IprevResult;
import dev.postino.core.json.Json;
import dev.postino.core.spf.SpfVerdict;

/**
 * The one contract between Postino's authentication steps and the matchers that route by their verdicts: the name
 * of every mail attribute that {@code DmarcRejectHook}, {@code AuthenticationCheck}, {@code SpfCheck},
 * {@code DkimVerify} and {@code IprevCheck} write, the values each can hold, and how they are read back. Every
 * value is a String (so it survives any James mail queue); the README's "Mail attributes" table lists them.
 *
 * <p>Each verdict has one writer: the first step that evaluates it. A later step that finds the verdict present
 * reads it through this class instead of evaluating again.
 */
public final class AuthenticationAttributes {

    /** What a step writes when it did not evaluate: trusted network or authenticated sender. */
    public static final String SKIPPED = "skipped";
    /** What a step writes when there was nothing to evaluate (no signature, no usable client address). */
    public static final String NONE = "none";

    /** The MAIL FROM verdict: {@link #SPF_RESULTS}. */
    public static final AttributeName SPF_RESULT = AttributeName.of("postino.spf.result");
    /** The domain whose SPF policy was checked. */
    public static final AttributeName SPF_DOMAIN = AttributeName.of("postino.spf.domain");
    /** For {@code fail}: the domain's explanation; else empty. */
    public static final AttributeName SPF_EXPLANATION = AttributeName.of("postino.spf.explanation");
    /** A short human reason (the deciding term, the failure, why it was skipped). */
    public static final AttributeName SPF_REASON = AttributeName.of("postino.spf.reason");
    /** The HELO identity's verdict, same words as {@link #SPF_RESULT}. */
    public static final AttributeName SPF_HELO_RESULT = AttributeName.of("postino.spf.helo.result");
    /**
     * The Received-SPF field value (RFC 7208 §9.1) rendered by the step that evaluated SPF, for {@code SpfCheck} to
     * write once the forged fields are gone: the SMTP-time hook runs before the mailets that strip them.
     */
    public static final AttributeName SPF_RECEIVED = AttributeName.of("postino.spf.received");
    public static final List<String> SPF_RESULTS = words(Stream.of(SpfVerdict.values()).map(SpfVerdict::keyword), SKIPPED);

    /** The aggregate DKIM verdict: {@link #DKIM_RESULTS}. */
    public static final AttributeName DKIM_RESULT = AttributeName.of("postino.dkim.result");
    /** The d= of each verified signature that covers the whole body, comma-separated, lower case. */
    public static final AttributeName DKIM_PASS_DOMAINS = AttributeName.of("postino.dkim.pass.domains");
    /** One JSON object per DKIM-Signature, in header order (see {@link #writeDkim}). */
    public static final AttributeName DKIM_SIGNATURES = AttributeName.of("postino.dkim.signatures");
    public static final List<String> DKIM_RESULTS = words(Stream.of(NONE),
        Stream.of(DkimVerdict.values()).map(DkimVerdict::word).toArray(String[]::new));

    /** The DMARC result: {@link #DMARC_RESULTS}. */
    public static final AttributeName DMARC_RESULT = AttributeName.of("postino.dmarc.result");
    /** The policy that applies: {@link #DMARC_POLICIES}. */
    public static final AttributeName DMARC_POLICY = AttributeName.of("postino.dmarc.policy");
    /** What to do: {@link #DMARC_POLICIES} ({@code none} unless the result is {@code fail}; lowered by t=y). */
    public static final AttributeName DMARC_DISPOSITION = AttributeName.of("postino.dmarc.disposition");
    /** The domain whose record applied (empty without one). */
    public static final AttributeName DMARC_DOMAIN = AttributeName.of("postino.dmarc.domain");
    /** The Author Domain evaluated. */
    public static final AttributeName DMARC_HEADER_FROM = AttributeName.of("postino.dmarc.header.from");
    /** A short human reason. */
    public static final AttributeName DMARC_REASON = AttributeName.of("postino.dmarc.reason");
    public static final List<String> DMARC_RESULTS = words(Stream.of(DmarcVerdict.values()).map(DmarcVerdict::keyword), SKIPPED);
    public static final List<String> DMARC_POLICIES = words(Stream.of(DmarcPolicy.values()).map(DmarcPolicy::keyword));

    /** The iprev verdict (RFC 8601 §3): {@link #IPREV_RESULTS}. */
    public static final AttributeName IPREV_RESULT = AttributeName.of("postino.iprev.result");
    /** The confirmed host name on {@code pass}; else the first PTR name, or empty. */
    public static final AttributeName IPREV_HOSTNAME = AttributeName.of("postino.iprev.hostname");
    /** A short human reason. */
    public static final AttributeName IPREV_REASON = AttributeName.of("postino.iprev.reason");
    public static final List<String> IPREV_RESULTS = words(Stream.of(IprevResult.Verdict.values()).map(IprevResult.Verdict::word), NONE);

    /** Worst first: the aggregate DKIM verdict when no signature passed. */
    private static final List<DkimVerdict> SEVERITY = List.of(DkimVerdict.FAIL, DkimVerdict.PERMERROR,
        DkimVerdict.TEMPERROR, DkimVerdict.POLICY, DkimVerdict.NEUTRAL);

    private AuthenticationAttributes() {
    }

    private static List<String> words(Stream<String> words, String... more) {
        return Stream.concat(words, Stream.of(more)).toList();
    }

    /** The String value of {@code name}, or empty when it is absent or not a String. */
    public static Optional<String> read(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(Attribute::getValue).map(AttributeValue::value)
            .filter(String.class::isInstance).map(String.class::cast);
    }

    public static void write(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }

    /** The MAIL FROM verdict an earlier step computed, or empty when none did (absent, skipped or unknown). */
    public static Optional<SpfVerdict> spfVerdict(Mail mail) {
        return read(mail, SPF_RESULT).flatMap(word -> Stream.of(SpfVerdict.values())
            .filter(v -> v.keyword().equals(word)).findFirst());
    }

    /** The iprev verdict an earlier step computed (a word of {@link IprevResult.Verdict}), or empty. */
    public static Optional<IprevResult> iprev(Mail mail) {
        return read(mail, IPREV_RESULT).flatMap(word -> Stream.of(IprevResult.Verdict.values())
            .filter(v -> v.word().equals(word)).findFirst())
            .map(verdict -> new IprevResult(verdict, read(mail, IPREV_HOSTNAME).orElse(""),
                read(mail, IPREV_REASON).orElse("")));
    }

    /** The {@code postino.iprev.*} attributes; a null result is {@code none} (no usable client address). */
    public static void writeIprev(Mail mail, IprevResult result, String reasonWithoutResult) {
        write(mail, IPREV_RESULT, result == null ? NONE : result.verdict().word());
        write(mail, IPREV_HOSTNAME, result == null ? "" : result.hostname());
        write(mail, IPREV_REASON, result == null ? reasonWithoutResult : result.reason());
    }

    /**
     * The {@code postino.dkim.*} attributes for these verdicts: {@link #DKIM_RESULT}, {@link #DKIM_PASS_DOMAINS} and
     * {@link #DKIM_SIGNATURES}, whose objects hold {@code result}, {@code domain}, {@code selector},
     * {@code algorithm}, {@code identity} (i=, for header.i), {@code header_b}, {@code reason}, {@code testing} and
     * {@code unsigned_content}: everything {@link #readDkim} needs to give the same results back.
     */
    public static void writeDkim(Mail mail, List<DkimResult> results) {
        List<String> passDomains = new ArrayList<>();
        List<Object> signatures = new ArrayList<>();
        for (DkimResult result : results) {
            if (result.verdict() == DkimVerdict.PASS && !result.unsignedContent() && !passDomains.contains(result.domain())) {
                passDomains.add(result.domain());
            }
            Map<String, Object> signature = new LinkedHashMap<>();
            signature.put("result", result.verdict().word());
            signature.put("domain", result.domain());
            signature.put("selector", result.selector());
            signature.put("algorithm", result.algorithm());
            signature.put("identity", result.identity());
            signature.put("header_b", result.headerB());
            signature.put("reason", result.reason());
            signature.put("testing", result.testing());
            signature.put("unsigned_content", result.unsignedContent());
            signatures.add(signature);
        }
        write(mail, DKIM_RESULT, dkimAggregate(results));
        write(mail, DKIM_PASS_DOMAINS, String.join(",", passDomains));
        write(mail, DKIM_SIGNATURES, Json.write(signatures));
    }

    /**
     * A DKIM step that could not verify (an unreadable message): the aggregate verdict only, and no
     * {@link #DKIM_SIGNATURES}, so that a later step verifies again rather than read "no signature".
     */
    public static void writeDkimFailure(Mail mail, DkimVerdict verdict) {
        write(mail, DKIM_RESULT, verdict.word());
        write(mail, DKIM_PASS_DOMAINS, "");
    }

    /** The verdicts {@link #writeDkim} left, or empty when none are present or they cannot be read. */
    public static Optional<List<DkimResult>> readDkim(Mail mail) {
        Optional<String> json = read(mail, DKIM_SIGNATURES);
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            List<DkimResult> results = new ArrayList<>();
            for (Object item : (List<?>) Json.read(json.get())) {
                Map<?, ?> signature = (Map<?, ?>) item;
                results.add(new DkimResult(DkimVerdict.valueOf(text(signature, "result").toUpperCase(Locale.ROOT)),
                    text(signature, "domain"), text(signature, "selector"), text(signature, "algorithm"),
                    text(signature, "identity"), text(signature, "header_b"), text(signature, "reason"),
                    Boolean.TRUE.equals(signature.get("unsigned_content")), Boolean.TRUE.equals(signature.get("testing"))));
            }
            return Optional.of(results);
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    /** {@code none} without a signature, {@code pass} when one verified, else the worst verdict. */
    public static String dkimAggregate(List<DkimResult> results) {
        if (results.isEmpty()) {
            return NONE;
        }
        if (results.stream().anyMatch(r -> r.verdict() == DkimVerdict.PASS)) {
            return DkimVerdict.PASS.word();
        }
        for (DkimVerdict verdict : SEVERITY) {
            if (results.stream().anyMatch(r -> r.verdict() == verdict)) {
                return verdict.word();
            }
        }
        return DkimVerdict.NEUTRAL.word();
    }

    /** The d= of the verified whole-body signatures ({@link #DKIM_PASS_DOMAINS}), lower case; empty when none. */
    public static List<String> dkimPassDomains(Mail mail) {
        return read(mail, DKIM_PASS_DOMAINS).stream().flatMap(list -> Stream.of(list.split(",")))
            .map(d -> d.trim().toLowerCase(Locale.ROOT)).filter(d -> !d.isEmpty()).toList();
    }

    private static String text(Map<?, ?> object, String key) {
        Object value = object.get(key);
        return value instanceof String s ? s : "";
    }
}
