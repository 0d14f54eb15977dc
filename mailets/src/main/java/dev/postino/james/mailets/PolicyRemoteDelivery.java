package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.metrics.api.MetricFactory;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.codahale.metrics.MetricRegistry;

import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.Backoff;
import dev.postino.core.delivery.DeliveryRound;
import dev.postino.core.delivery.OutboundMessage;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.delivery.SmtpDelivery;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * Remote delivery with retry policies, in place of James's {@code RemoteDelivery}: {@code service} puts the mail, whole,
 * into its own James mail queue and ghosts it. Workers take mails from the queue; each round of a mail attempts its due
 * domains concurrently (MX hosts or the smarthost) and the {@link DeliveryRound} decides per recipient and makes the
 * notices, one per action for the round. The outcome is applied to the mail first (delivered and failed recipients
 * removed, the state written, the mail queued again with the delay), then each notice is handed to
 * {@code bounceProcessor}, tried 3 times on its own, so that a failing hand-off never sends a delivered recipient the
 * message again. A mail that fails as a whole is tried again every 5 minutes within its queue lifetime, then goes to
 * James's error processor. The workers outlive the queue's dequeue stream ({@link DequeueWorkers}, {@link
 * MemoryQueueReferences}). Where the queue cannot delay (James's RabbitMQ queue), a mail due later waits in the deferral
 * store instead and is queued again when due ({@link Deferral}; one log line at start names the mode).
 *
 * <p>Attributes: {@code postino.delivery.state} on queued mails; {@code postino.delivery.outcomes}, {@code .notice} and
 * {@code .warning} on notice mails, whose recipients are the recipients to tell about ({@link DeliveryAttributes}).
 *
 * <p>Init parameters (all optional):
 * <ul>
 *   <li>{@code retryRules}: a file of Exim-style retry rules, relative to James's conf folder (default: Exim's default
 *       rule); or {@code retryRulesText}, the rules inline. A rule error refuses the start, naming the line.</li>
 *   <li>{@code delayWarnings}: ages at which the sender hears of a delay (default {@code 4h, 24h}; {@code none})</li>
 *   <li>{@code warnWithoutNotify}: whether recipients without DSN NOTIFY get delay warnings (default {@code true});
 *       with NOTIFY, those asking for DELAY do. The one setting for delay warnings: {@code LocalizedBounce} reports
 *       the delays made here.</li>
 *   <li>{@code maxQueueLifetime} ({@code 5d}), {@code nullSenderLifetime} ({@code 2d})</li>
 *   <li>{@code bounceProcessor} ({@code bounces}), {@code outgoingQueue} ({@code postino-outgoing}),
 *       {@code deliveryThreads} (concurrent SMTP sessions, {@code 8}), {@code port} ({@code 25}), {@code maxHosts}
 *       (MX addresses tried per attempt, {@code 5}), {@code heloName} (the local host name)</li>
 *   <li>{@code smarthost} ({@code host:port}, none) with {@code smarthostUser} and {@code smarthostPassword}: AUTH only
 *       after STARTTLS answered 220 and the certificate was verified for the name in {@code smarthost}; lab set-ups:
 *       {@code smarthostTlsVerify=false} (any certificate, TLS still required), {@code smarthostAuthWithoutTls=true}</li>
 *   <li>{@code requireTls}: domains ({@code example.com}, {@code *.example.com}) reached only over TLS verified for the
 *       MX host; else a {@code 4.7.4}/{@code 4.7.5} temporary failure (default: none, STARTTLS opportunistic)</li>
 *   <li>{@code connectTimeout} ({@code 30s}), {@code commandTimeout} ({@code 5m}), {@code dataTimeout} ({@code 3m}),
 *       {@code endOfDataTimeout} ({@code 10m}): deadlines for a whole reply; {@code sessionTimeout} ({@code 10m}) plus
 *       the size at {@code minDataRate} ({@code 10240} octets/s) ends a session</li>
 *   <li>{@code dnsServers}, {@code dnsQueryTimeout}, {@code dnsRetries}, {@code dnsCacheSize} and the DNS limits
 *       ({@link MailetParameters#dnsConfig()}): delivery's own DNS client</li>
 *   <li>{@code deliveryLogFormat}: {@code keyvalue} (default) or {@code json}: the lines of the delivery log
 *       ({@link DeliveryLog}, logger {@code postino.delivery})</li>
 *   <li>MTA-STS (RFC 8461, {@link MtaStsDelivery}): {@code mtaSts} ({@code enforce}: honour what each domain
 *       publishes, enforcing an {@code enforce} policy; {@code testing}: never enforce, only report; {@code off}: no
 *       lookups); {@code mtaStsOverrides}, per domain, first match wins: {@code domain=level} items separated by
 *       commas, e.g. {@code legacy.example=testing, *.lab.example=off} (default none); {@code mtaStsFetchTimeout}
 *       ({@code 30s}, the whole policy fetch); {@code mtaStsProxy} ({@code host:port} of an HTTP proxy for policy
 *       fetches and report uploads, default none); {@code mtaStsCache} ({@code store}: Postino's store, shared by a
 *       cluster; {@code memory}); {@code tlsTrustStore} (a PKCS12 file, relative to the conf folder, trusted for
 *       verified SMTP TLS, policy hosts and report uploads; default the JVM's) with {@code tlsTrustStorePassword}
 *       ({@code changeit}). {@code requireTls} stays a local override: such a domain always needs verified TLS.</li>
 *   <li>TLS reporting (RFC 8460): {@code tlsRpt} ({@code true}: count sessions per policy domain and send each
 *       day's report to the domain's {@code _smtp._tls} {@code rua} once); {@code tlsRptOrganization} (the HELO
 *       name); {@code tlsRptContact} (the reports' sender and {@code contact-info}, {@code postmaster@} the HELO
 *       name); {@code tlsRptInterval} ({@code 1h}, how often due reports are looked for); {@code tlsRptProcessor}
 *       ({@code relay}, where report mails go)</li>
 *   <li>{@code deferral}: {@code auto} (default: the deferral store when the queue ignores delays), {@code queue}
 *       (re-enqueue with the delay) or {@code store} (always the deferral store, e.g. one node run as a cluster is);
 *       with the store: {@code deferralPoll} (how often each node releases due mail, {@code 1s}), {@code deferralBatch}
 *       (mails claimed at once, {@code 20}), {@code deferralLease} (how long a claim holds before another node may take
 *       it, {@code 2m}), {@code deferralProbeWait} (how long the probe of an unknown queue waits, {@code 2s}); the
 *       store is {@code conf/postino.properties}'s</li>
 * </ul>
 */
public class PolicyRemoteDelivery extends GenericMailet {

    public static final AttributeName STATE = DeliveryAttributes.STATE;
    public static final AttributeName OUTCOMES = DeliveryAttributes.OUTCOMES;
    public static final AttributeName WARNING = DeliveryAttributes.WARNING;
    public static final AttributeName NOTICE = DeliveryAttributes.NOTICE;

    private static final Logger LOGGER = LoggerFactory.getLogger(PolicyRemoteDelivery.class);
    private static final int HANDOFF_ATTEMPTS = 3;
    /** The status of a failure notice an administrator asked for ("bounce now"): 5.0.0, other or undefined. */
    private static final EnhancedStatusCode ADMINISTRATOR_BOUNCE = new EnhancedStatusCode(5, 0, 0);
    private static final Backoff HANDOFF_BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    private final MailQueueFactory<?> queueFactory;
    private final FileSystem fileSystem;
    private final Clock clock;
    private DnsClient dns;
    private MtaStsDelivery mtaSts;
    private SmtpDelivery delivery;
    private DeliveryRound round;
    private MailQueue queue;
    private String bounceProcessor;
    private DequeueWorkers.Threads threads;
    private DequeueWorkers<MailQueue.MailQueueItem> dequeue;
    private Deferral deferral;
    private GaugeRegistry gauges;

    private final PostinoMetrics metrics;
    private DeliveryLog log;

    @Inject
    public PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem, MetricFactory metricFactory,
                                GaugeRegistry gauges, MetricRegistry registry) {
        this(queueFactory, fileSystem, Clock.systemUTC(), new PostinoMetrics(metricFactory, gauges, registry));
    }

    public PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem) {
        this(queueFactory, fileSystem, Clock.systemUTC());
    }

    PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem, Clock clock) {
        this(queueFactory, fileSystem, clock, PostinoMetrics.NONE);
    }

    PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem, Clock clock, PostinoMetrics metrics) {
        this.queueFactory = queueFactory;
        this.fileSystem = fileSystem;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** James's gauges, for the deferral store's ({@link DeferralMetrics}); without them, none. */
    @Inject
    public void setGaugeRegistry(GaugeRegistry gauges) {
        this.gauges = gauges;
    }

    @Override
    public void init() throws MessagingException {
        RemoteDeliveryParameters parameters = RemoteDeliveryParameters.read(getMailetConfig(), fileSystem);
        round = new DeliveryRound(parameters.retryPolicy(), parameters.notificationPolicy());
        bounceProcessor = parameters.bounceProcessor();
        dns = SharedDnsClients.acquire(parameters.dns(), SharedDnsClients.Purpose.DELIVERY);
        mtaSts = MtaStsDelivery.start(parameters.mtaSts(), dns, parameters.options().dnsTimeBudget(), fileSystem,
            getMailetContext(), parameters.options().heloName(), clock);
        delivery = new SmtpDelivery(dns, parameters.options(), clock, new Random(), mtaSts.security());
        MailQueueName name = MailQueueName.of(parameters.outgoingQueue());
        queue = queueFactory.createQueue(name);
        log = new DeliveryLog(DeliveryLog.format(getMailetConfig()), metrics);
        log.watch(queue, clock);
        deferral = Deferral.start(getMailetConfig(), queueFactory, queue, fileSystem, gauges, clock);
        threads = new DequeueWorkers.Threads("postino-delivery", parameters.threads());
        MemoryQueueReferences.of(queue, () -> queueFactory.createQueue(name))
            .ifPresent(references -> threads.every(Duration.ofSeconds(1), references::topUp));
        // One mail in hand per worker; a mail's other domains go to idle workers, or its own runs them in turn.
        dequeue = new DequeueWorkers<>(name.asString(), queue::deQueue, this::process, parameters.threads(), threads.workers,
            threads::later, Backoff.DEFAULT);
        dequeue.start();
        mtaSts.scheduleReports(threads);
    }

    /** Queues the mail whole, with every recipient's state: the spooler is done with it at once. */
    @Override
    public void service(Mail mail) throws MessagingException {
        Instant arrival = clock.instant();
        DeliveryAttributes.setStates(mail, mail.getRecipients().stream().map(r -> RecipientState.arrived(r.asString(), arrival)).toList());
        DeliveryLog.received(mail, arrival);
        queue.enQueue(mail);
        mail.setState(Mail.GHOST);
    }

    void process(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        boolean handled = true;
        try {
            deliver(mail);
        } catch (Exception | LinkageError e) {
            LOGGER.error("Delivery of {} failed unexpectedly", mail.getName(), e);
            handled = setAside(mail, e);
        }
        try {
            // Never lose a mail: when it could not even be set aside, the queue keeps it and retries.
            item.done(handled ? MailQueue.MailQueueItem.CompletionStatus.SUCCESS : MailQueue.MailQueueItem.CompletionStatus.RETRY);
        } catch (Exception e) {
            LOGGER.error("Cannot complete {} in the queue", mail.getName(), e);
        } finally {
            LifecycleUtil.dispose(mail); // the queue's own copy: a file-backed queue would leave temporary files
        }
    }

    /** A mail that failed as a whole: tried again within its lifetime, then James's error processor; false if neither. */
    private boolean setAside(Mail mail, Throwable error) {
        try {
            Optional<Duration> retry = round.afterError(DeliveryAttributes.states(mail), sender(mail), clock.instant());
            LOGGER.warn("{} {}: {}", mail.getName(), retry.map(d -> "is tried again in " + d).orElse("goes to the error processor"), error.toString());
            if (retry.isPresent()) {
                deferral.later(mail, retry.get());
            } else {
                mail.setErrorMessage("remote delivery failed unexpectedly: " + error);
                getMailetContext().sendMail(mail, Mail.ERROR);
            }
            return true;
        } catch (Exception e) {
            LOGGER.error("Cannot set {} aside; the queue retries it", mail.getName(), e);
            return false;
        }
    }

    /** One round for {@code mail}: its due domains attempted, the outcome applied, then the notices handed over. */
    void deliver(Mail mail) throws MessagingException {
        Instant now = clock.instant();
        List<String> recipients = mail.getRecipients().stream().map(MailAddress::asString).toList();
        DeliveryRound.Pending pending = new DeliveryRound.Pending(sender(mail),
            DeliveryRound.statesOf(recipients, DeliveryAttributes.states(mail), now), DsnMapping.recipients(mail));
        Optional<String> giveUp = DeferredMailCodec.takeGiveUp(mail); // an administrator's "bounce now"
        Map<String, List<String>> due = giveUp.isPresent() ? Map.of() : round.due(pending, now);
        Map<String, SmtpDelivery.DomainAttempt> attempts = Map.of();
        if (!due.isEmpty()) {
            // Scanned once, in this thread (James saves pending header changes on the first write); each domain then
            // streams its own copy of it from James's source.
            OutboundMessage message = outbound(mail, pending.outbound(due.values().stream().flatMap(List::stream).toList()));
            MailMessageContent.scan(mail, message.content());
            DeliveryRound.Attempts made = DeliveryRound.attemptAll(due, (domain, at) -> log.timed(() -> delivery.deliver(domain,
                message.withRecipients(pending.outbound(at)))), threads.workers);
            made.errors().forEach((domain, e) -> LOGGER.error("Delivery of {} to {} failed unexpectedly; tried again in {}",
                mail.getName(), domain, DeliveryRound.ERROR_DELAY, e));
            if (made.done().isEmpty()) { // nothing attempted at all: a problem of the mail's, set aside by process()
                throw new MessagingException("no domain of " + mail.getName() + " could be attempted: " + made.errors());
            }
            attempts = made.done();
        }
        DeliveryRound.Result result = giveUp.isPresent() ? round.giveUp(pending, ADMINISTRATOR_BOUNCE, giveUp.get(), now)
            : round.decide(pending, attempts, now);
        log.round(mail, pending, attempts, result, now);
        result.delivered().forEach(o -> LOGGER.info("{} to {} delivered: {} by {}", mail.getName(), o.recipient(), o.diagnostic(), o.remoteHost()));
        // a deferral says why in the log at once, not only in a later notice (MTA-STS and TLS reasons among others)
        attempts.values().forEach(a -> a.outcomes().stream().filter(o -> o.result() == AttemptOutcome.Result.TEMPORARY)
            .forEach(o -> LOGGER.info("{} to {} deferred: {} by {}", mail.getName(), o.recipient(), o.diagnostic(), o.remoteHost())));
        result.problems().forEach(problem -> LOGGER.error("{}: {}", mail.getName(), problem));
        // The outcome is the mail's before anyone hears of it: whatever a hand-off does, delivered recipients are gone.
        mail.setRecipients(result.remaining().stream().map(s -> address(s.recipient())).toList());
        DeliveryAttributes.setStates(mail, result.remaining());
        try {
            if (result.requeueAfter().isPresent()) {
                deferral.later(mail, result.requeueAfter().get());
            }
        } finally {
            result.notices().forEach(notice -> handOff(mail, notice)); // also when queuing failed: process() sets the rest aside
        }
    }

    private static String sender(Mail mail) {
        return mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("");
    }

    /** Hands one notice over, tried {@value #HANDOFF_ATTEMPTS} times; never throws. */
    private void handOff(Mail mail, DeliveryRound.Notice notice) {
        HANDOFF_BACKOFF.tryTimes(HANDOFF_ATTEMPTS, () -> send(mail, notice), (attempt, e) -> LOGGER.warn(
            "{}: handing the {} notice to {} failed ({}); trying again", mail.getName(), notice.action().label(), bounceProcessor, e.toString()))
            // Lost rather than retried with the mail, which would send its delivered recipients the message again.
            .ifPresent(e -> LOGGER.error("{}: the {} notice for {} was not handed to {}; the sender will not hear of it: {}",
                mail.getName(), notice.action().label(), notice.recipients(), bounceProcessor, e.toString()));
    }

    /** A copy of the mail for the notice's recipients, with the notice's attributes, to the bounce processor. */
    private void send(Mail mail, DeliveryRound.Notice notice) throws MessagingException {
        Mail copy = mail.duplicate();
        try {
            // Names must differ within the spool and the queue; the original's is kept as a prefix for the logs.
            copy.setName(mail.getName().substring(0, Math.min(60, mail.getName().length())) + "-" + UUID.randomUUID().toString().substring(0, 8));
            copy.setRecipients(notice.recipients().stream().map(PolicyRemoteDelivery::address).toList());
            DeliveryAttributes.setNotice(copy, notice);
            LOGGER.info("{}: {} notice for {}", mail.getName(), notice.action().label(), notice.summary().replace('\n', ';'));
            getMailetContext().sendMail(copy, bounceProcessor);
        } finally {
            LifecycleUtil.dispose(copy); // the spool keeps its own copy
        }
    }

    /** The message for {@code recipients}, with the envelope and DSN parameters the sender gave, streamed from James. */
    private OutboundMessage outbound(Mail mail, List<OutboundMessage.Recipient> recipients) {
        return new OutboundMessage(sender(mail), recipients, DsnMapping.envelopeId(mail).orElse(null),
            DsnMapping.ret(mail).map(Enum::name).orElse(null), MailMessageContent.of(mail));
    }

    private static MailAddress address(String text) {
        try {
            return new MailAddress(text);
        } catch (javax.mail.internet.AddressException e) {
            throw new IllegalArgumentException("not an address: " + text, e);
        }
    }

    @Override
    public void destroy() {
        Optional.ofNullable(dequeue).ifPresent(DequeueWorkers::stop);
        Optional.ofNullable(threads).ifPresent(DequeueWorkers.Threads::close);
        Optional.ofNullable(deferral).ifPresent(Deferral::close);
        Optional.ofNullable(dns).ifPresent(SharedDnsClients::release);
        Optional.ofNullable(mtaSts).ifPresent(MtaStsDelivery::close);
    }

    @Override
    public String getMailetInfo() {
        return "Postino remote delivery with retry policies";
    }
}
