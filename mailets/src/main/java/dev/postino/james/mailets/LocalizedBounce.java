package dev.postino.james.mailets;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.Notification;
import dev.postino.core.dsn.NotificationComposer;
import dev.postino.core.dsn.NotificationLanguage;
import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.dsn.NotificationSettings;
import dev.postino.core.dsn.NotificationTexts;
import dev.postino.core.dsn.OriginalEnvelope;
import dev.postino.core.dsn.OriginalMessage;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.dsn.ReturnContent;
import dev.postino.core.dsn.SuppressionNotice;

/**
 * Sends the sender a localized delivery status notification (RFC 3464) about the mail's recipients, in
 * place of James's {@code DSNBounce}: in the sender's language, saying in plain words what happened, why,
 * whether it is retried and what to do, with the machine-readable report and the original (RFC 3461 RET).
 * It is sent with the null reverse-path.
 *
 * <p>What happened to each recipient comes from the String attribute {@value DeliveryOutcome#ATTRIBUTE}
 * (the JSON of {@link DeliveryOutcome#toJson}), every outcome in it, also for recipients no longer on the
 * mail (so that remote delivery can report successes and failures together); recipients it does not cover fall back to James
 * {@code RemoteDelivery}'s {@code delivery-error}, {@code delivery-error-code} and
 * {@code is-delivery-permanent-error} attributes, then to the mail's error message. Who hears of what is the
 * {@link NotificationPolicy}'s, the one {@code PolicyRemoteDelivery} asks too: NOTIFY per recipient ({@code NEVER}
 * gets nothing; without NOTIFY, failures and the delays remote delivery made, which its {@code warnWithoutNotify}
 * decides), the ORCPT the sender gave.
 *
 * <p>No notification is ever sent for a mail with a null or MAILER-DAEMON sender, for an automatic message
 * (a {@code multipart/report} or {@code Auto-Submitted} other than {@code no}), nor, by default, when the
 * authentication step left an SPF or DMARC {@code fail} on it (backscatter to a forged sender). Such mail
 * gets the attribute {@code postino.bounce.unsent} (the reason), is logged, and goes to {@code unsentProcessor}.
 *
 * <p>Init parameters (all optional):
 * <ul>
 *   <li>{@code reportingMta}: this server's host name, for {@code Reporting-MTA} and {@code MAILER-DAEMON@}
 *       (default: the postmaster's domain)</li>
 *   <li>{@code defaultLanguage}: {@code en} (the default), {@code it}, {@code de}, {@code fr}, {@code es}, {@code pt}, or e.g. {@code it,en} for bilingual notifications</li>
 *   <li>{@code senderLanguages}: {@code ADDRESS-OR-DOMAIN=LANG[,LANG];...}, e.g. {@code example.it=it;bob@example.com=en}</li>
 *   <li>{@code tldLanguages}: {@code TLD=LANG;...}, added to the built-in map (e.g. {@code it sm va → it}, {@code de at → de}, {@code br pt → pt})</li>
 *   <li>{@code templates}: a folder whose {@code texts_LANG.properties}, {@code notification.txt.mustache} and
 *       {@code notification.html.mustache} override the built-in ones file by file (checked at init)</li>
 *   <li>{@code maxReturnedSize}: the largest original returned whole, in octets (default 262144)</li>
 *   <li>{@code defaultReturn}: {@code full} (default) or {@code hdrs}, when the sender gave no RET</li>
 *   <li>{@code defaultStatus}: the status of a failure nothing else explains (default {@code 5.0.0}; e.g.
 *       {@code 5.1.1} in a processor for unknown local users)</li>
 *   <li>{@code notifyDelays}: deprecated; {@code true} is accepted with a warning (it is what happens now),
 *       {@code false} refuses the start naming {@code PolicyRemoteDelivery}'s {@code warnWithoutNotify}, the one
 *       setting for delay warnings</li>
 *   <li>{@code backscatterGuard}: send nothing when an attribute of {@code backscatterAttributes} matches
 *       (default {@code true})</li>
 *   <li>{@code backscatterAttributes}: {@code NAME=VALUE[,NAME=VALUE...]} (default
 *       {@code postino.spf.result=fail,postino.dmarc.result=fail})</li>
 *   <li>{@code unsentProcessor}: where mail goes when no notification may be sent (default: it is ghosted)</li>
 *   <li>{@code passThrough}: keep processing the mail after notifying (default {@code false}: it is ghosted)</li>
 *   <li>{@code deliveryLogFormat}: {@code keyvalue} (default) or {@code json}: the line each notification sent or
 *       withheld gets in the delivery log ({@link DeliveryLog}, logger {@code postino.delivery})</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.LocalizedBounce">
 *     <defaultLanguage>it,en</defaultLanguage>
 * </mailet>}</pre>
 */
public class LocalizedBounce extends GenericMailet {

    public static final AttributeName OUTCOMES = AttributeName.of(DeliveryOutcome.ATTRIBUTE);
    public static final AttributeName UNSENT = AttributeName.of("postino.bounce.unsent");
    /** Recipients not sent to because they are on the suppression list (written by {@code SuppressedRecipientNotice}). */
    static final AttributeName SUPPRESSION_NOTICES = AttributeName.of(SuppressionNotice.ATTRIBUTE);
    /** James RemoteDelivery's attributes (its {@code Bouncer}), read when our outcomes are absent. */
    static final AttributeName DELIVERY_ERROR = AttributeName.of("delivery-error");
    static final AttributeName DELIVERY_ERROR_CODE = AttributeName.of("delivery-error-code");
    static final AttributeName IS_PERMANENT = AttributeName.of("is-delivery-permanent-error");

    private static final Logger LOGGER = LoggerFactory.getLogger(LocalizedBounce.class);
    /** Made once: a javax.mail Session reads its provider files from the class path each time one is made. */
    private static final Session SESSION = Session.getInstance(new Properties());
    private static final Set<String> PARAMETERS = Set.of("reportingMta", "defaultLanguage", "senderLanguages", "tldLanguages",
        "templates", "maxReturnedSize", "defaultReturn", "defaultStatus", "notifyDelays", "backscatterGuard",
        "backscatterAttributes", "unsentProcessor", "passThrough", DeliveryLog.FORMAT_PARAMETER);

    private NotificationSettings settings;
    private NotificationTexts texts;
    private boolean reportingMtaFromPostmaster;
    private volatile NotificationComposer composer;
    private NotificationLanguage languages;
    private NotificationPolicy policy;
    private String unsentProcessor;
    private boolean passThrough;
    private final PostinoMetrics metrics;
    private DeliveryLog log;

    public LocalizedBounce() {
        this(PostinoMetrics.NONE);
    }

    @Inject
    public LocalizedBounce(MetricFactory metricFactory) {
        this(new PostinoMetrics(metricFactory, null, null));
    }

    LocalizedBounce(PostinoMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), PARAMETERS);
        String reportingMta = parameters.string("reportingMta", null);
        NotificationSettings settings;
        try {
            // James sets the postmaster after init: without reportingMta, its domain is filled in at first use.
            settings = NotificationSettings.defaults(reportingMta == null ? "localhost" : reportingMta);
        } catch (IllegalArgumentException e) {
            throw parameters.invalid("reportingMta", reportingMta, "a host name");
        }
        settings = settings.withMaxReturnedSize(parameters.integer("maxReturnedSize",
            (int) NotificationSettings.DEFAULT_MAX_RETURNED_SIZE, 0, Integer.MAX_VALUE));
        String ret = parameters.string("defaultReturn", "full");
        try {
            settings = settings.withDefaultReturn(ReturnContent.fromWord(ret));
        } catch (IllegalArgumentException e) {
            throw parameters.invalid("defaultReturn", ret, "full or hdrs");
        }
        String status = parameters.string("defaultStatus", "5.0.0");
        try {
            settings = settings.withDefaultFailure(EnhancedStatusCode.parse(status));
        } catch (IllegalArgumentException e) {
            throw parameters.invalid("defaultStatus", status, "a 5.x.x enhanced status code such as 5.1.1");
        }
        String templates = parameters.string("templates", null);
        NotificationTexts texts;
        try {
            texts = NotificationTexts.load(templates == null ? null : Path.of(templates));
        } catch (RuntimeException e) {
            throw parameters.invalid("templates", templates, "a folder of valid texts and layouts: " + e.getMessage());
        }
        this.settings = settings;
        this.texts = texts;
        this.reportingMtaFromPostmaster = reportingMta == null;
        languages = languageRules(parameters, texts);
        // One setting for delay warnings, where they are made: this mailet reports the delays it is given.
        if (parameters.string("notifyDelays", null) != null) {
            if (!parameters.bool("notifyDelays", true)) {
                throw parameters.rejected("notifyDelays", "false", "no longer read: whether senders without NOTIFY get"
                    + " delay warnings is PolicyRemoteDelivery's warnWithoutNotify; set it to false there and remove notifyDelays");
            }
            LOGGER.warn("{}: init parameter notifyDelays is deprecated and has no effect: delay warnings are decided by"
                + " PolicyRemoteDelivery's warnWithoutNotify (default true); remove it", getMailetName());
        }
        Map<String, String> backscatterAttributes = new LinkedHashMap<>();
        for (String pair : parameters.list("backscatterAttributes", List.of("postino.spf.result=fail", "postino.dmarc.result=fail"))) {
            int eq = pair.indexOf('=');
            if (eq <= 0 || eq == pair.length() - 1) {
                throw parameters.invalid("backscatterAttributes", pair, "NAME=VALUE[,NAME=VALUE...]");
            }
            backscatterAttributes.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
        policy = NotificationPolicy.defaults().withBackscatterGuard(parameters.bool("backscatterGuard", true), backscatterAttributes);
        unsentProcessor = parameters.string("unsentProcessor", null);
        passThrough = parameters.bool("passThrough", false);
        log = new DeliveryLog(DeliveryLog.format(getMailetConfig()), metrics);
    }

    private static NotificationLanguage languageRules(MailetParameters parameters, NotificationTexts texts) throws MessagingException {
        String defaults = parameters.string("defaultLanguage", "en");
        List<String> defaultLanguages = NotificationLanguage.parseList(defaults);
        if (defaultLanguages.isEmpty() || !texts.languages().containsAll(defaultLanguages)) {
            throw parameters.invalid("defaultLanguage", defaults, "languages with texts: " + String.join(", ", texts.languages()));
        }
        Map<String, List<String>> tlds = new HashMap<>(NotificationLanguage.BUILT_IN_TLDS);
        Map<String, List<String>> senders;
        String name = "senderLanguages";
        try {
            senders = NotificationLanguage.parseMap(parameters.string(name, ""));
            name = "tldLanguages";
            tlds.putAll(NotificationLanguage.parseMap(parameters.string(name, "")));
        } catch (IllegalArgumentException e) {
            throw parameters.invalid(name, parameters.string(name, ""), "KEY=LANGUAGE[,LANGUAGE];...: " + e.getMessage());
        }
        return new NotificationLanguage(senders, tlds, defaultLanguages);
    }

    @Override
    public void service(Mail mail) throws MessagingException {
        byte[] raw = bytes(mail.getMessage());
        OriginalMessage original = OriginalMessage.parse(raw);
        String unsent = policy.whyNoNotification(mail.getMaybeSender().asString(""), original.isAutomatic(),
            name -> mail.getAttribute(AttributeName.of(name)).map(a -> String.valueOf(a.getValue().value()))).orElse(null);
        boolean sent = false;
        if (unsent == null) {
            List<DeliveryOutcome> outcomes = notifiable(mail, outcomes(mail));
            Notification notification = null;
            try {
                notification = outcomes.isEmpty() ? null : compose(mail, raw, original, outcomes);
            } catch (RuntimeException e) {
                // A notification that cannot be built must not lose the mail: it is kept as an unsent one.
                LOGGER.error("cannot compose the delivery status notification for mail {}", mail.getName(), e);
                unsent = "internal error: " + e.getMessage();
            }
            if (notification != null) {
                MimeMessage message = new MimeMessage(SESSION, new ByteArrayInputStream(notification.message()));
                // The null reverse-path: a notification is never answered (RFC 5321 §4.5.5).
                getMailetContext().sendMail(NotificationMail.of("LocalizedBounce", mail.getMaybeSender().get(), message));
                sent = true;
                LOGGER.info("sent a delivery status notification ({}) for mail {} to {} about {}",
                    String.join(",", notification.languages()), mail.getName(), notification.recipient(),
                    outcomes.stream().map(o -> o.finalRecipient() + " " + o.action().word()).toList());
            }
        }
        log.notification(mail.getName(), DeliveryLog.noticeOf(mail), mail.getMaybeSender().asString(""),
            mail.getRecipients().size(), sent, sent ? null : unsent != null ? unsent : "no recipient's NOTIFY asks for it");
        if (unsent != null) {
            LOGGER.info("no delivery status notification for mail {} from {}: {}", mail.getName(), mail.getMaybeSender().asString(), unsent);
            mail.setAttribute(new Attribute(UNSENT, AttributeValue.of(unsent)));
            if (unsentProcessor != null) {
                mail.setState(unsentProcessor);
                return;
            }
        }
        if (!passThrough) {
            mail.setState(Mail.GHOST);
        }
    }

    private Notification compose(Mail mail, byte[] raw, OriginalMessage original, List<DeliveryOutcome> outcomes) {
        String sender = mail.getMaybeSender().get().asString();
        OriginalEnvelope envelope = new OriginalEnvelope(sender, DsnMapping.envelopeId(mail).orElse(null),
            DsnMapping.ret(mail).orElse(null), original.receivedDate(), false);
        Map<String, SuppressionNotice> suppressed = mail.getAttribute(SUPPRESSION_NOTICES)
            .map(a -> SuppressionNotice.byRecipient(String.valueOf(a.getValue().value()))).orElse(Map.of());
        return composer().compose(raw, envelope, outcomes, languages.choose(sender, original, texts.languages()), suppressed);
    }

    private NotificationComposer composer() {
        if (composer == null) {
            NotificationSettings actual = settings;
            MailAddress postmaster = getMailetContext().getPostmaster();
            if (reportingMtaFromPostmaster && postmaster != null) {
                actual = new NotificationSettings(postmaster.getDomain().asString(), settings.maxReturnedSize(),
                    settings.defaultReturn(), settings.defaultFailure(), settings.defaultDelay());
            }
            composer = NotificationComposer.create(actual, texts);
        }
        return composer;
    }

    /** Our outcome attribute, completed for the recipients it does not cover from James's own attributes. */
    private List<DeliveryOutcome> outcomes(Mail mail) {
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        Optional<Attribute> attribute = mail.getAttribute(OUTCOMES);
        if (attribute.isPresent()) {
            try {
                outcomes.addAll(DeliveryOutcome.fromJson(String.valueOf(attribute.get().getValue().value())));
            } catch (IllegalArgumentException e) {
                LOGGER.warn("mail {}: ignoring attribute {}: {}", mail.getName(), OUTCOMES.asString(), e.getMessage());
            }
        }
        for (MailAddress recipient : mail.getRecipients()) {
            if (outcomes.stream().noneMatch(o -> o.finalRecipient().equalsIgnoreCase(recipient.asString()))) {
                outcomes.add(fromJamesAttributes(mail, recipient));
            }
        }
        return outcomes;
    }

    private static DeliveryOutcome fromJamesAttributes(Mail mail, MailAddress recipient) {
        String reply = mail.getAttribute(DELIVERY_ERROR).map(a -> String.valueOf(a.getValue().value()))
            .orElse(mail.getErrorMessage());
        Optional<Integer> code = mail.getAttribute(DELIVERY_ERROR_CODE).map(a -> a.getValue().value())
            .filter(Integer.class::isInstance).map(Integer.class::cast);
        boolean permanent = mail.getAttribute(IS_PERMANENT).map(a -> a.getValue().value()).map(v -> !Boolean.FALSE.equals(v)).orElse(true);
        if (reply != null && code.isPresent() && !reply.trim().matches("\\d{3}([ -].*)?")) {
            reply = code.get() + " " + reply.trim();
        }
        // The composer reads the status from the reply; only a transient failure without any code needs one here.
        EnhancedStatusCode status = permanent || EnhancedStatusCode.fromReply(reply).isPresent() ? null
            : EnhancedStatusCode.DELIVERY_TIME_EXPIRED;
        return new DeliveryOutcome(recipient.asString(), null, DeliveryAction.FAILED, status, null,
            reply == null || reply.isBlank() ? null : reply.trim(), mail.getLastUpdated() == null ? null : mail.getLastUpdated().toInstant(), null);
    }

    /** The outcomes the notification policy lets the sender hear of, each with the ORCPT the sender gave. */
    private List<DeliveryOutcome> notifiable(Mail mail, List<DeliveryOutcome> outcomes) {
        Map<String, RecipientDsn> dsn = DsnMapping.recipients(mail);
        List<DeliveryOutcome> notifiable = new ArrayList<>();
        for (DeliveryOutcome outcome : outcomes) {
            RecipientDsn recipient = dsn.getOrDefault(outcome.finalRecipient(), RecipientDsn.NONE);
            if (policy.reports(outcome.action(), recipient)) {
                notifiable.add(policy.withOriginalRecipient(outcome, recipient));
            }
        }
        return notifiable;
    }

    private static byte[] bytes(MimeMessage message) throws MessagingException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            message.writeTo(out);
        } catch (IOException e) {
            throw new MessagingException("cannot read the message", e);
        }
        return out.toByteArray();
    }

    @Override
    public String getMailetInfo() {
        return "Postino localized delivery status notifications (RFC 3464)";
    }
}
