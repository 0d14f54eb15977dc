package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.bounce.BounceRate;
import dev.postino.core.bounce.BounceRateThresholds;
import dev.postino.core.bounce.BounceRates;
import dev.postino.core.bounce.BounceReader;
import dev.postino.core.bounce.BounceReport;
import dev.postino.core.bounce.BounceVerdict;
import dev.postino.core.bounce.BouncedRecipient;
import dev.postino.core.bounce.SentMessages;
import dev.postino.core.json.Json;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.suppression.BounceEvent;
import dev.postino.core.suppression.SuppressionEntry;
import dev.postino.core.suppression.SuppressionList;
import dev.postino.core.suppression.SuppressionPolicy;
import dev.postino.james.attributes.ReturnPathAttributes;
import dev.postino.james.store.JamesStores;

/**
 * Reads mail arriving for local users as a report about earlier mail (an RFC 3464 bounce, an MTA's own bounce text, an
 * ARF complaint, an auto-reply), tells whether it refers to a message our users sent (else it is {@code forged}), and
 * for genuine bounces and complaints: records each recipient's bounce, updates the suppression list (a hard bounce or
 * a complaint suppresses at once, soft bounces after {@code softLimit} within {@code softWindow}) and checks the
 * sender's and its domain's bounce rates (a {@code WARN} line in the log and the James metric
 * {@code postino_bounce_rate_warning} or {@code postino_bounce_rate_critical} when one passes a threshold). It leaves the verdict in the
 * attributes of {@link ReturnPathAttributes} for {@code IsBounce} and {@code BounceVerdictIs}, and never drops,
 * delays or changes the mail itself; with the store down the verdict is {@code unknown} and the mail goes on.
 *
 * <p>The bounce's recipient (our user) is taken as the sender of the bounced message. Only the first 2 MiB of a
 * message are read. A mail already classified is not read again.
 *
 * <p>Init parameters (all optional):
 * <ul>
 *   <li>{@code softLimit} (default {@code 5}), {@code softWindow} ({@code 7d}): soft bounces that suppress</li>
 *   <li>{@code expiry} ({@code 90d}): how long an entry suppresses</li>
 *   <li>{@code sentRetention} ({@code 30d}): how old a record of sent mail may be to make a bounce genuine (keep it
 *       equal to {@code RecordSentMessage}'s)</li>
 *   <li>{@code trustedVerdicts} ({@code genuine}): the verdicts whose bounces are recorded; add {@code unreferenced}
 *       to also count bounces that return nothing of the original (anyone can forge those)</li>
 *   <li>{@code rateWindow} ({@code 7d}), {@code rateMinVolume} ({@code 200} recipients), {@code rateWarn}
 *       ({@code 5%}), {@code rateCritical} ({@code 10%}), {@code complaintWarn} ({@code 0.1%}),
 *       {@code complaintCritical} ({@code 0.5%}): bounce-rate thresholds</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.BounceClassifier"/>}</pre>
 */
public class BounceClassifier extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(BounceClassifier.class);
    private static final Set<String> PARAMETERS = Set.of("softLimit", "softWindow", "expiry", "sentRetention", "trustedVerdicts",
        "rateWindow", "rateMinVolume", "rateWarn", "rateCritical", "complaintWarn", "complaintCritical");

    private final FileSystem fileSystem;
    private final MetricFactory metrics;
    private final Clock clock;
    private PostinoStore store;
    private boolean ownStore;
    private SuppressionPolicy policy;
    private Set<String> trusted;
    private BounceRateThresholds thresholds;
    private SuppressionList list;
    private SentMessages sent;
    private BounceRates rates;
    private final Map<String, BounceRate.Level> levels = new ConcurrentHashMap<>();

    @Inject
    public BounceClassifier(FileSystem fileSystem, MetricFactory metrics) {
        this.fileSystem = fileSystem;
        this.metrics = metrics;
        this.clock = Clock.systemUTC();
    }

    /** For tests: this store and clock, no metrics. */
    public BounceClassifier(PostinoStore store, Clock clock) {
        this.fileSystem = null;
        this.metrics = null;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), PARAMETERS);
        int softLimit = parameters.integer("softLimit", SuppressionPolicy.DEFAULT_SOFT_LIMIT, 1, 1000);
        Duration softWindow = positive(parameters, "softWindow", SuppressionPolicy.DEFAULT_SOFT_WINDOW);
        Duration expiry = positive(parameters, "expiry", SuppressionPolicy.DEFAULT_EXPIRY);
        Duration retention = positive(parameters, "sentRetention", SentMessages.DEFAULT_RETENTION);
        policy = new SuppressionPolicy(softLimit, softWindow, expiry);
        List<String> verdicts = parameters.list("trustedVerdicts", List.of(ReturnPathAttributes.GENUINE));
        for (String verdict : verdicts) {
            if (!List.of(ReturnPathAttributes.GENUINE, ReturnPathAttributes.UNREFERENCED, ReturnPathAttributes.UNKNOWN).contains(verdict)) {
                throw parameters.invalid("trustedVerdicts", String.join(",", verdicts), "genuine, unreferenced, unknown");
            }
        }
        trusted = Set.copyOf(verdicts);
        BounceRateThresholds defaults = BounceRateThresholds.defaults();
        try {
            thresholds = new BounceRateThresholds(positive(parameters, "rateWindow", defaults.window()),
                parameters.integer("rateMinVolume", (int) defaults.minVolume(), 0, Integer.MAX_VALUE),
                fraction(parameters, "rateWarn", defaults.warn()), fraction(parameters, "rateCritical", defaults.critical()),
                fraction(parameters, "complaintWarn", defaults.complaintWarn()),
                fraction(parameters, "complaintCritical", defaults.complaintCritical()));
        } catch (IllegalArgumentException e) {
            throw parameters.rejected("rateCritical", parameters.string("rateCritical", "10%"), e.getMessage());
        }
        if (store == null) {
            store = JamesStores.acquire(fileSystem);
            ownStore = true;
        }
        list = ownStore ? SuppressionList.shared(store) : new SuppressionList(store, clock);
        sent = new SentMessages(store, retention, clock);
        rates = new BounceRates(store, clock);
    }

    /** For tests: the list this mailet records into. */
    SuppressionList list() {
        return list;
    }

    private static Duration positive(MailetParameters parameters, String name, Duration defaultValue) throws MessagingException {
        Duration value = parameters.duration(name, defaultValue);
        if (value.isZero() || value.isNegative()) {
            throw parameters.invalid(name, parameters.string(name, ""), "a positive duration such as 7d");
        }
        return value;
    }

    /** {@code 5%} or {@code 0.05}. */
    static double fraction(MailetParameters parameters, String name, double defaultValue) throws MessagingException {
        String text = parameters.string(name, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            String t = text.trim();
            double value = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1).trim()) / 100 : Double.parseDouble(t);
            if (value > 0 && value <= 1) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw parameters.invalid(name, text, "a percentage such as 5% (above 0, at most 100%)");
    }

    @Override
    public void service(Mail mail) {
        if (mail.getAttribute(ReturnPathAttributes.BOUNCE_KIND).isPresent()) {
            return;
        }
        try {
            classify(mail);
        } catch (RuntimeException | MessagingException e) {
            // nothing escapes: the mail is delivered as if it were not a bounce
            LOGGER.warn("cannot classify mail {} as a bounce: {}", mail.getName(), e.toString());
            set(mail, ReturnPathAttributes.BOUNCE_KIND, "none");
            set(mail, ReturnPathAttributes.BOUNCE_DETECTED, "false");
            set(mail, ReturnPathAttributes.BOUNCE_VERDICT, ReturnPathAttributes.NONE);
            set(mail, ReturnPathAttributes.BOUNCE_NOTE, "not read: " + e.getMessage());
        }
    }

    private void classify(Mail mail) throws MessagingException {
        BounceReport report = BounceReader.read(MessageBytes.prefix(mail.getMessage(), BounceReader.Limits.DEFAULT.maxScanBytes()));
        set(mail, ReturnPathAttributes.BOUNCE_KIND, report.kind().word());
        set(mail, ReturnPathAttributes.BOUNCE_DETECTED, String.valueOf(report.bounce()));
        set(mail, ReturnPathAttributes.BOUNCE_RECIPIENTS, recipientsJson(report.recipients()));
        report.originalMessageId().ifPresent(id -> set(mail, ReturnPathAttributes.BOUNCE_ORIGINAL_MESSAGE_ID, id));
        report.note().ifPresent(note -> set(mail, ReturnPathAttributes.BOUNCE_NOTE, note));
        Optional<BouncedRecipient> first = report.recipients().stream().filter(r -> r.reason().isFailure()).findFirst()
            .or(() -> report.recipients().stream().findFirst());
        set(mail, ReturnPathAttributes.BOUNCE_REASON, first.map(r -> r.reason().word()).orElse(""));
        set(mail, ReturnPathAttributes.BOUNCE_HARD, String.valueOf(first.map(BouncedRecipient::hard).orElse(false)));
        if (!report.bounce() && !report.complaint()) {
            set(mail, ReturnPathAttributes.BOUNCE_VERDICT, ReturnPathAttributes.NONE);
            return;
        }
        String verdict;
        try {
            verdict = BounceVerdict.of(SentMessages.keysOf(report), sent::anySent).word();
        } catch (RuntimeException e) {
            LOGGER.warn("mail {}: cannot check the bounce against sent mail, verdict unknown: {}", mail.getName(), e.getMessage());
            verdict = ReturnPathAttributes.UNKNOWN;
        }
        set(mail, ReturnPathAttributes.BOUNCE_VERDICT, verdict);
        String sender = mail.getRecipients().isEmpty() ? "" : mail.getRecipients().iterator().next().asString();
        LOGGER.info("mail {} for {} is a {} {} ({}), verdict {}", mail.getName(), sender, report.kind().word(),
            report.complaint() ? "complaint" : "bounce", report.recipients().size() + " recipient(s)", verdict);
        if (trusted.contains(verdict)) {
            record(mail, report, sender);
        }
    }

    private void record(Mail mail, BounceReport report, String sender) {
        List<String> suppressed = new ArrayList<>();
        try {
            for (BouncedRecipient recipient : report.recipients()) {
                if (recipient.diagnostic().contains(SuppressedRecipientNotice.DIAGNOSTIC)) {
                    continue; // our own answer for an address already on the list: not a new bounce
                }
                Optional<BounceEvent> event = BounceEvent.of(recipient, report.complaint(), sender, clock.instant());
                if (event.isPresent()) {
                    list.record(event.get(), policy).map(SuppressionEntry::address).ifPresent(suppressed::add);
                }
            }
        } catch (RuntimeException e) {
            LOGGER.warn("mail {}: cannot record the bounce in the store: {}", mail.getName(), e.getMessage());
            set(mail, ReturnPathAttributes.BOUNCE_NOTE, "not recorded: " + e.getMessage());
            return;
        }
        if (!suppressed.isEmpty()) {
            set(mail, ReturnPathAttributes.BOUNCE_SUPPRESSED, String.join(",", suppressed));
            LOGGER.info("suppressed {} after a bounce to {}", suppressed, sender);
        }
        checkRate(BounceRate.Scope.SENDER, sender);
        int at = sender.lastIndexOf('@');
        if (at > 0) {
            checkRate(BounceRate.Scope.DOMAIN, sender.substring(at + 1));
        }
    }

    private void checkRate(BounceRate.Scope scope, String name) {
        try {
            BounceRate rate = rates.rate(scope, name, thresholds.window());
            BounceRate.Level level = thresholds.level(rate);
            BounceRate.Level before = levels.put(scope.word() + " " + name.toLowerCase(Locale.ROOT), level);
            boolean worse = level.compareTo(BounceRate.Level.WARNING) >= 0 && (before == null || level.compareTo(before) > 0);
            if (worse) {
                LOGGER.warn("bounce rate of {} {} over {}: {} ({} hard, {} soft of {} recipients), complaints {} ({}): {}",
                    scope.word(), name, thresholds.window(), percent(rate.bounceRate()), rate.hard(), rate.soft(), rate.recipients(),
                    percent(rate.complaintRate()), rate.complaints(), level.word());
                if (metrics != null) {
                    metrics.generate("postino_bounce_rate_" + level.word()).increment();
                }
            }
        } catch (RuntimeException e) {
            LOGGER.warn("cannot read the bounce rate of {} {}: {}", scope.word(), name, e.getMessage());
        }
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    private static String recipientsJson(List<BouncedRecipient> recipients) {
        List<Object> array = new ArrayList<>();
        for (BouncedRecipient r : recipients) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("address", r.address());
            object.put("action", r.action());
            object.put("status", r.status());
            object.put("reason", r.reason().word());
            object.put("hard", r.hard());
            object.put("diagnostic", r.diagnostic());
            object.put("remote_mta", r.remoteMta().orElse(null));
            array.add(object);
        }
        return Json.write(array);
    }

    private static void set(Mail mail, AttributeName name, String value) {
        mail.setAttribute(new Attribute(name, AttributeValue.of(value)));
    }

    @Override
    public void destroy() {
        if (ownStore) {
            JamesStores.release(store);
            store = null;
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino: reads inbound bounces and complaints, keeps the suppression list";
    }
}
