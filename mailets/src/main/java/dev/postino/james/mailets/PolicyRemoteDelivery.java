package dev.postino.james.mailets;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.delivery.DeliveryOptions;
import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.Backoff;
import dev.postino.core.delivery.MessageContent;
import dev.postino.core.delivery.OutboundMessage;
import dev.postino.core.delivery.RecipientNotice;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.delivery.Smarthost;
import dev.postino.core.delivery.SmtpDelivery;
import dev.postino.core.delivery.SmtpTimeouts;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.retry.DelayWarnings;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.RetryDecision;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRuleSyntaxException;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.retry.TimeInterval;
import dev.postino.core.smtp.Xtext;

/**
 * Remote delivery with retry policies, in place of James's {@code RemoteDelivery} in the transport processor. Like
 * it, it never blocks the spooler: {@code service} splits the mail by recipient domain, puts each part into its own
 * outgoing James mail queue and ghosts the original. Delivery workers (at most {@code deliveryThreads} deliveries at
 * once) take mails from that queue and deliver them through the MX hosts (or the smarthost) with Postino's SMTP
 * client. Then, per recipient:
 * <ul>
 *   <li>delivered: removed from the mail; when its DSN NOTIFY asks for SUCCESS and the next hop does not offer
 *       DSN (so cannot take the request over), a {@code relayed} notice goes to {@code bounceProcessor};</li>
 *   <li>permanent failure (5xx, null MX, ...): at once to {@code bounceProcessor}, with the outcome;</li>
 *   <li>temporary failure: the retry policy decides. Retry: the mail goes back into the queue with the policy's
 *       delay (a delayed enqueue), its state kept in {@code postino.delivery.state}, and a copy goes to
 *       {@code bounceProcessor} as a delay warning when one is due; give up: to {@code bounceProcessor} with status
 *       {@code 4.4.7} and the last remote reply (never a generic "too many retries").</li>
 * </ul>
 * Failures go to {@code bounceProcessor} whatever the recipient's NOTIFY says (NEVER included): whether to tell the
 * sender is the notification's decision; only delay warnings and relayed notices are filtered here. The attempt's
 * outcome is applied to the mail first (delivered and failed recipients removed, the state written, the rest queued
 * again); only then are the notices handed over, each tried up to 3 times on its own, so that a failing hand-off can
 * never send a delivered recipient the message again (it costs at most that notice, logged as an error). A mail that
 * cannot be handled at all (an unreadable message, a failing store) is tried again every 5 minutes within its queue
 * lifetime, then handed to James's error processor.
 * The workers outlive the queue's dequeue stream: when it ends or fails they subscribe again after 100 ms, doubling
 * up to 10 s while it keeps ending, with one log line each time, until the mailet is destroyed. With James's memory
 * queue they also hold references to it in reserve (see {@link MemoryQueueReferences}): James 3.8.1's WebAdmin
 * releases one reference it never took on every browse of the queue, and the queue dropped its mails at zero.
 * The mail queue must honour delays: James's memory, ActiveMQ and Pulsar queues do. James's RabbitMQ queue ignores
 * the delay, so a deferred mail is tried again as soon as a worker is free; the policy then finds each recipient not
 * yet due and puts the mail back, which keeps the schedule but busy-loops the queue.
 *
 * <p>Attributes (String values, so that they survive any mail queue):
 * <ul>
 *   <li>{@code postino.delivery.state} on queued mails: one line per recipient (see {@link RecipientState#toString()}):
 *       arrival, first failure, last attempt, failures, warnings sent, next attempt, last outcome.</li>
 *   <li>{@code postino.delivery.outcomes} on the mails sent to {@code bounceProcessor}: the JSON array that
 *       {@code LocalizedBounce} reads ({@link DeliveryOutcome#toJson}), one object per recipient
 *       to notify: {@code recipient}, {@code original_recipient} (ORCPT), {@code action} ({@code failed},
 *       {@code delayed} or {@code relayed}), {@code status}, {@code remote_mta} and {@code reply} (the last remote
 *       reply, when a server answered), {@code last_attempt}, {@code retry_until} (delayed only). Those mails'
 *       recipients are exactly the recipients to notify about, their sender is the original sender, and their error
 *       message is the last remote reply (what James's {@code DSNBounce} shows).</li>
 *   <li>{@code postino.delivery.notice} on those mails: {@code failed}, {@code delayed} or {@code relayed} (the
 *       action of every line of the outcomes).</li>
 *   <li>{@code postino.delivery.warning} = {@code true} on delay warnings, absent otherwise.</li>
 * </ul>
 *
 * <p>Init parameters (all optional):
 * <ul>
 *   <li>{@code retryRules}: a file of retry rules in Exim's syntax (see {@code conf-samples/retry-rules.conf}),
 *       relative to James's conf folder unless absolute; default: Exim's default rule only. A rule error refuses
 *       the start, naming the line.</li>
 *   <li>{@code retryRulesText}: the rules themselves, one per line, instead of {@code retryRules}</li>
 *   <li>{@code delayWarnings}: ages at which the sender hears of a delay (default {@code 4h, 24h}; {@code none}: never)</li>
 *   <li>{@code warnWithoutNotify}: whether recipients without a DSN NOTIFY get delay warnings (default {@code true};
 *       with NOTIFY, only those whose NOTIFY includes DELAY do)</li>
 *   <li>{@code maxQueueLifetime} ({@code 5d}) and {@code nullSenderLifetime} ({@code 2d}), in the rules' time syntax</li>
 *   <li>{@code bounceProcessor}: where failures, delay warnings and relayed notices go (default {@code bounces})</li>
 *   <li>{@code outgoingQueue}: the James mail queue of this mailet (default {@code postino-outgoing})</li>
 *   <li>{@code deliveryThreads}: concurrent deliveries (default {@code 8})</li>
 *   <li>{@code port}: the MX hosts' SMTP port (default {@code 25})</li>
 *   <li>{@code smarthost}: {@code host:port} that takes all mail instead of the MX hosts (default none), with
 *       {@code smarthostUser} and {@code smarthostPassword} for AUTH PLAIN/LOGIN, which is only sent after STARTTLS
 *       answered 220 and the smarthost's certificate was verified (the JVM's trust store, the name in
 *       {@code smarthost}); for lab set-ups, {@code smarthostTlsVerify=false} (default {@code true}) accepts any
 *       certificate but still requires TLS, and {@code smarthostAuthWithoutTls=true} (default {@code false}) also
 *       allows AUTH in the clear; both need {@code smarthostUser}</li>
 *   <li>{@code requireTls}: recipient domains ({@code example.com}, {@code *.example.com}) that must be reached over
 *       TLS verified against the MX host's name (the JVM's trust store); STARTTLS must answer 220, else nothing is
 *       sent and the recipient waits with a {@code 4.7.4} or {@code 4.7.5} temporary failure naming the reason;
 *       elsewhere STARTTLS is opportunistic (default: none)</li>
 *   <li>{@code heloName}: the name in EHLO (default: the local host name)</li>
 *   <li>{@code connectTimeout} ({@code 30s}), {@code commandTimeout} ({@code 5m}), {@code dataTimeout}
 *       ({@code 3m}), {@code endOfDataTimeout} ({@code 10m}): deadlines for a whole reply (or a 64 KiB block of the
 *       message), however slowly the server sends it</li>
 *   <li>{@code sessionTimeout} ({@code 10m}) and {@code minDataRate} (octets per second, {@code 10240}): one SMTP
 *       session ends by {@code sessionTimeout} plus the message's size at {@code minDataRate}</li>
 *   <li>{@code maxHosts}: MX addresses tried per attempt (default {@code 5})</li>
 *   <li>{@code dnsServers}, {@code dnsQueryTimeout}, {@code dnsRetries}, {@code dnsCacheSize}: the DNS client (delivery's
 *       own, apart from the checks', so that lookups a sender provokes there never hold delivery up)</li>
 *   <li>{@code dnsMaxInFlight}, {@code dnsMaxInFlightPerZone}, {@code dnsMaxWaitingPerZone},
 *       {@code dnsMaxInFlightPerCheck}, {@code dnsZoneTimeouts}, {@code dnsZoneTimeoutWindow}, {@code dnsZoneBackoff},
 *       {@code dnsZoneMaxBackoff}: the DNS client's limits (defaults: {@link MailetParameters#dnsConfig()}; the README)</li>
 * </ul>
 *
 * <pre>{@code <mailet match="SMTPAuthSuccessful" class="dev.postino.james.mailets.PolicyRemoteDelivery">
 *     <retryRules>retry-rules.conf</retryRules>
 * </mailet>}</pre>
 */
public class PolicyRemoteDelivery extends GenericMailet {

    public static final AttributeName STATE = AttributeName.of("postino.delivery.state");
    public static final AttributeName OUTCOMES = AttributeName.of("postino.delivery.outcomes");
    public static final AttributeName WARNING = AttributeName.of("postino.delivery.warning");
    public static final AttributeName NOTICE = AttributeName.of("postino.delivery.notice");

    private static final Logger LOGGER = LoggerFactory.getLogger(PolicyRemoteDelivery.class);
    /** Recipients due within this margin go along with the attempt rather than waiting for their own. */
    private static final Duration DUE_MARGIN = Duration.ofSeconds(1);
    /** After an unexpected error the mail waits this long rather than spinning. */
    private static final Duration ERROR_DELAY = Duration.ofMinutes(5);
    /** Tries of one notice's hand-off to the bounce processor, with {@link #HANDOFF_BACKOFF} between them. */
    private static final int HANDOFF_ATTEMPTS = 3;
    private static final Backoff HANDOFF_BACKOFF = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    private final MailQueueFactory<?> queueFactory;
    private final FileSystem fileSystem;
    private final Clock clock;

    private DnsClient dns;
    private SmtpDelivery delivery;
    private RetryPolicy policy;
    private Duration maxQueueLifetime;
    private Duration nullSenderLifetime;
    private MailQueue queue;
    private String bounceProcessor;
    private boolean warnWithoutNotify;
    private ExecutorService workers;
    private ScheduledExecutorService timers;
    private DequeueWorkers<MailQueue.MailQueueItem> dequeue;

    @Inject
    public PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem) {
        this(queueFactory, fileSystem, Clock.systemUTC());
    }

    PolicyRemoteDelivery(MailQueueFactory<?> queueFactory, FileSystem fileSystem, Clock clock) {
        this.queueFactory = queueFactory;
        this.fileSystem = fileSystem;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), MailetParameters.withDns("retryRules",
            "retryRulesText", "delayWarnings", "warnWithoutNotify", "maxQueueLifetime", "nullSenderLifetime", "bounceProcessor",
            "outgoingQueue", "deliveryThreads", "port", "smarthost", "smarthostUser", "smarthostPassword",
            "smarthostAuthWithoutTls", "smarthostTlsVerify", "requireTls", "heloName", "connectTimeout", "commandTimeout",
            "dataTimeout", "endOfDataTimeout", "sessionTimeout", "minDataRate", "maxHosts"));
        maxQueueLifetime = interval(parameters, "maxQueueLifetime", RetryPolicy.DEFAULT_MAX_QUEUE_LIFETIME);
        nullSenderLifetime = interval(parameters, "nullSenderLifetime", RetryPolicy.DEFAULT_NULL_SENDER_LIFETIME);
        policy = RetryPolicy.of(rules(parameters))
            .withDelayWarnings(delayWarnings(parameters))
            .withMaxQueueLifetime(maxQueueLifetime)
            .withNullSenderLifetime(nullSenderLifetime);
        warnWithoutNotify = parameters.bool("warnWithoutNotify", true);
        bounceProcessor = parameters.string("bounceProcessor", "bounces");
        DeliveryOptions options = deliveryOptions(parameters);
        int threads = parameters.integer("deliveryThreads", 8, 1, 1000);
        String queueName = parameters.string("outgoingQueue", "postino-outgoing");
        dns = SharedDnsClients.acquire(parameters.dnsConfig(), SharedDnsClients.Purpose.DELIVERY);
        delivery = new SmtpDelivery(dns, options, clock, new Random());
        MailQueueName name = MailQueueName.of(queueName);
        queue = queueFactory.createQueue(name);
        timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "postino-delivery-timer");
            thread.setDaemon(true);
            return thread;
        });
        MemoryQueueReferences.of(queue, () -> queueFactory.createQueue(name)).ifPresent(references -> {
            references.topUp();
            timers.scheduleWithFixedDelay(references::topUp, 1, 1, TimeUnit.SECONDS);
        });
        startWorkers(queueName, threads);
    }

    private RetryRules rules(MailetParameters parameters) throws MessagingException {
        String name = parameters.string("retryRules", null);
        String text = parameters.string("retryRulesText", null);
        if (text != null) {
            if (name != null) {
                throw parameters.rejected("retryRulesText", "...", "give the rules in retryRules (a file) or in retryRulesText,"
                    + " not both");
            }
            try {
                return RetryRules.parse(text);
            } catch (RetryRuleSyntaxException e) {
                throw parameters.rejected("retryRulesText", e.line(), e.getMessage());
            }
        }
        if (name == null) {
            return RetryRules.defaults();
        }
        Path file;
        try {
            file = Path.of(name).isAbsolute() ? Path.of(name) : confFile(name);
        } catch (IOException | RuntimeException e) {
            throw parameters.rejected("retryRules", name, "cannot find the file in James's conf folder: " + e.getMessage());
        }
        try {
            return RetryRules.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw parameters.rejected("retryRules", name, "cannot read " + file.toAbsolutePath() + ": " + e);
        } catch (RetryRuleSyntaxException e) {
            throw parameters.rejected("retryRules", name, e.getMessage());
        }
    }

    private Path confFile(String name) throws IOException {
        File file = fileSystem.getFile(FileSystem.FILE_PROTOCOL_AND_CONF + name);
        return file.toPath();
    }

    private static DelayWarnings delayWarnings(MailetParameters parameters) throws MessagingException {
        String text = parameters.string("delayWarnings", "4h, 24h");
        if (text.equalsIgnoreCase("none")) {
            return DelayWarnings.NONE;
        }
        try {
            return DelayWarnings.parse(text);
        } catch (IllegalArgumentException e) {
            throw parameters.rejected("delayWarnings", text, e.getMessage());
        }
    }

    private static Duration interval(MailetParameters parameters, String name, Duration defaultValue) throws MessagingException {
        String text = parameters.string(name, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            Duration value = TimeInterval.parse(text);
            if (value.isZero()) {
                throw new IllegalArgumentException("must be more than 0s");
            }
            return value;
        } catch (IllegalArgumentException e) {
            throw parameters.rejected(name, text, e.getMessage());
        }
    }

    private static DeliveryOptions deliveryOptions(MailetParameters parameters) throws MessagingException {
        SmtpTimeouts timeouts = new SmtpTimeouts(
            parameters.duration("connectTimeout", SmtpTimeouts.DEFAULTS.connect()),
            parameters.duration("commandTimeout", SmtpTimeouts.DEFAULTS.command()),
            parameters.duration("dataTimeout", SmtpTimeouts.DEFAULTS.dataBlock()),
            parameters.duration("endOfDataTimeout", SmtpTimeouts.DEFAULTS.endOfData()),
            parameters.duration("sessionTimeout", SmtpTimeouts.DEFAULT_SESSION),
            parameters.integer("minDataRate", (int) SmtpTimeouts.DEFAULT_MIN_DATA_RATE, 1, Integer.MAX_VALUE));
        List<DomainPattern> requireTls = new ArrayList<>();
        for (String domain : parameters.list("requireTls", List.of())) {
            try {
                requireTls.add(new DomainPattern(domain));
            } catch (IllegalArgumentException e) {
                throw parameters.rejected("requireTls", domain, e.getMessage());
            }
        }
        DeliveryOptions options = DeliveryOptions.defaults(parameters.string("heloName", LocalHostName.get()))
            .withPort(parameters.integer("port", 25, 1, 65535))
            .withTimeouts(timeouts)
            .withRequireTls(requireTls)
            .withMaxHosts(parameters.integer("maxHosts", 5, 1, 100));
        String relay = parameters.string("smarthost", null);
        String user = parameters.string("smarthostUser", null);
        String password = parameters.string("smarthostPassword", null);
        if (relay == null) {
            if (user != null) {
                throw parameters.rejected("smarthostUser", user, "AUTH is for a smarthost: set smarthost too");
            }
        }
        if (user == null) {
            for (String authOnly : List.of("smarthostAuthWithoutTls", "smarthostTlsVerify")) {
                if (parameters.string(authOnly, null) != null) {
                    throw parameters.rejected(authOnly, parameters.string(authOnly, null),
                        "it is about smarthost AUTH: set smarthostUser and smarthostPassword too, or remove it");
                }
            }
        }
        if (relay == null) {
            return options;
        }
        try {
            Smarthost smarthost = Smarthost.parse(relay);
            if ((user == null) != (password == null)) {
                throw parameters.rejected(user == null ? "smarthostPassword" : "smarthostUser", "...",
                    "smarthostUser and smarthostPassword go together");
            }
            if (user != null) {
                smarthost = smarthost.withCredentials(user, password, parameters.bool("smarthostAuthWithoutTls", false))
                    .withTlsVerify(parameters.bool("smarthostTlsVerify", true));
            }
            return options.withSmarthost(smarthost);
        } catch (IllegalArgumentException e) {
            throw parameters.rejected("smarthost", relay, e.getMessage());
        }
    }

    // ---- the spooler side: queue and return ----

    /** Splits the mail by recipient domain into the outgoing queue; the spooler is done with it at once. */
    @Override
    public void service(Mail mail) throws MessagingException {
        Map<String, List<MailAddress>> byDomain = mail.getRecipients().stream()
            .collect(Collectors.groupingBy(r -> r.getDomain().asString().toLowerCase(Locale.ROOT), LinkedHashMap::new,
                Collectors.toList()));
        Instant arrival = clock.instant();
        for (List<MailAddress> recipients : byDomain.values()) {
            Mail part = byDomain.size() == 1 ? mail : copy(mail, recipients);
            part.setAttribute(new Attribute(STATE, AttributeValue.of(RecipientState.formatAll(
                recipients.stream().map(r -> RecipientState.arrived(r.asString(), arrival)).toList()))));
            queue.enQueue(part);
            if (part != mail) {
                LifecycleUtil.dispose(part); // the queue keeps its own copy
            }
        }
        mail.setState(Mail.GHOST);
    }

    // ---- the worker side ----

    private void startWorkers(String queueName, int threads) {
        AtomicInteger count = new AtomicInteger();
        workers = Executors.newFixedThreadPool(threads, r -> {
            Thread thread = new Thread(r, "postino-delivery-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        // One item in hand per worker: the pool bounds the concurrent deliveries.
        dequeue = new DequeueWorkers<>(queueName, queue::deQueue, this::process, threads, workers, (task, delay) -> {
            try {
                timers.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException destroyed) {
                // destroy() came first: no more subscriptions
            }
        }, Backoff.DEFAULT);
        dequeue.start();
    }

    void process(MailQueue.MailQueueItem item) {
        Mail mail = item.getMail();
        try {
            deliver(mail);
            item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
        } catch (Exception | LinkageError e) {
            LOGGER.error("Delivery of {} failed unexpectedly", mail.getName(), e);
            try {
                setAside(mail, e);
                item.done(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
            } catch (Exception again) {
                // Never lose a mail: when even setting it aside fails, the queue keeps it and retries.
                LOGGER.error("Cannot re-queue {}; the queue retries it", mail.getName(), again);
                try {
                    item.done(MailQueue.MailQueueItem.CompletionStatus.RETRY);
                } catch (Exception ignored) {
                    // the queue keeps the mail it could not complete
                }
            }
        } finally {
            // The queue handed us its own copy (re-queued mail is copied again): free its message source, as
            // James's RemoteDelivery does, or a file-backed queue leaves temporary files behind.
            LifecycleUtil.dispose(mail);
        }
    }

    /**
     * After an unexpected error (an unreadable message, a failing store): tried again later while the mail is within
     * its queue lifetime, then handed to James's error processor, so that it is neither lost nor retried forever.
     */
    private void setAside(Mail mail, Throwable error) throws MessagingException {
        Instant now = clock.instant();
        Optional<Instant> arrival = stateText(mail).flatMap(text -> {
            try {
                return RecipientState.parseAll(text).stream().map(st -> st.retry().arrival()).min(Instant::compareTo);
            } catch (IllegalArgumentException unreadable) {
                return Optional.empty();
            }
        });
        Duration lifetime = mail.getMaybeSender().isNullSender() ? nullSenderLifetime : maxQueueLifetime;
        if (arrival.isPresent() && Duration.between(arrival.get(), now).compareTo(lifetime) <= 0) {
            LOGGER.info("{} is tried again in {}", mail.getName(), ERROR_DELAY);
            queue.enQueue(mail, ERROR_DELAY);
            return;
        }
        LOGGER.warn("{} goes to the error processor: {}", mail.getName(), error.toString());
        mail.setErrorMessage("remote delivery failed unexpectedly: " + error);
        getMailetContext().sendMail(mail, Mail.ERROR);
    }

    /**
     * One delivery attempt for the recipients of {@code mail} that are due: sends failures and warnings to the
     * bounce processor and puts the mail back in the queue for the recipients still to retry.
     */
    void deliver(Mail mail) throws MessagingException {
        Instant now = clock.instant();
        Map<String, RecipientState> states = states(mail, now);
        List<MailAddress> recipients = List.copyOf(mail.getRecipients());
        if (recipients.isEmpty()) {
            return;
        }
        String domain = recipients.get(0).getDomain().asString();
        List<MailAddress> due = recipients.stream()
            .filter(r -> !states.get(r.asString()).nextAttempt().isAfter(now.plus(DUE_MARGIN))).toList();
        // Every recipient stays queued unless its outcome says otherwise: one without an outcome is never dropped.
        Map<String, RecipientState> next = new LinkedHashMap<>();
        recipients.forEach(r -> next.put(r.asString(), states.get(r.asString())));
        List<RecipientNotice> failed = new ArrayList<>();
        List<RecipientNotice> delayed = new ArrayList<>();
        List<RecipientNotice> relayed = new ArrayList<>();
        boolean nullSender = mail.getMaybeSender().isNullSender();
        if (!due.isEmpty()) {
            OutboundMessage message = outbound(mail, due);
            SmtpDelivery.DomainAttempt attempt = delivery.deliver(domain, message);
            message.content().scanned().filter(MessageContent.Scan::altered).ifPresent(scan -> logAlterations(mail, scan));
            for (AttemptOutcome outcome : attempt.outcomes()) {
                RecipientState state = states.get(outcome.recipient());
                try {
                    switch (outcome.result()) {
                        case DELIVERED -> {
                            next.remove(outcome.recipient());
                            LOGGER.info("{} to {} delivered: {} by {}", mail.getName(), outcome.recipient(),
                                outcome.diagnostic(), outcome.remoteHost());
                            // RFC 3461 section 6.2.1: a next hop with DSN takes over NOTIFY; without, we report "relayed".
                            if (!attempt.dsnOffered()
                                && notifyIncludes(mail, outcome.recipient(), DsnParameters.Notify.SUCCESS, false)) {
                                relayed.add(new RecipientNotice(RecipientNotice.Action.RELAYED, outcome.status(), null,
                                    outcome));
                            }
                        }
                        case PERMANENT -> {
                            next.remove(outcome.recipient());
                            failed.add(new RecipientNotice(RecipientNotice.Action.FAILED, outcome.status(), null, outcome));
                        }
                        case TEMPORARY -> {
                            RetryDecision decision = policy.afterFailure(domain, outcome.asFailure(), state.retry(),
                                nullSender, now);
                            if (decision instanceof RetryDecision.Retry retry) {
                                next.put(outcome.recipient(), new RecipientState(outcome.recipient(), retry.state(),
                                    retry.nextAttempt(), outcome));
                                if (retry.warningDue()
                                    && notifyIncludes(mail, outcome.recipient(), DsnParameters.Notify.DELAY, warnWithoutNotify)) {
                                    delayed.add(new RecipientNotice(RecipientNotice.Action.DELAYED, outcome.status(),
                                        policy.willRetryUntil(retry.rule(), retry.state(), nullSender), outcome));
                                }
                            } else {
                                RetryDecision.GiveUp giveUp = (RetryDecision.GiveUp) decision;
                                next.remove(outcome.recipient());
                                failed.add(new RecipientNotice(RecipientNotice.Action.FAILED, giveUp.status(), null,
                                    outcome));
                            }
                        }
                    }
                } catch (RuntimeException e) {
                    // A delivered recipient is never tried again; any other waits rather than being decided wrongly.
                    LOGGER.error("{}: cannot decide about {} after {}", mail.getName(), outcome.recipient(), outcome, e);
                    if (outcome.result() == AttemptOutcome.Result.DELIVERED) {
                        next.remove(outcome.recipient());
                    } else {
                        next.put(outcome.recipient(), new RecipientState(outcome.recipient(), state.retry(),
                            now.plus(ERROR_DELAY), outcome));
                    }
                }
            }
        }
        // The outcome is the mail's before anyone hears of it: whatever a hand-off does, delivered recipients are gone.
        MessagingException requeueFailure = null;
        try {
            applyOutcome(mail, next, now);
        } catch (MessagingException e) {
            requeueFailure = e; // the recipients left are set aside by process(); the notices still go
        }
        handOff(mail, failed);
        handOff(mail, delayed);
        handOff(mail, relayed);
        if (requeueFailure != null) {
            throw requeueFailure;
        }
    }

    private Map<String, RecipientState> states(Mail mail, Instant now) {
        Map<String, RecipientState> states = new LinkedHashMap<>();
        Optional<String> text = stateText(mail);
        if (text.isPresent()) {
            try {
                RecipientState.parseAll(text.get()).forEach(s -> states.put(s.recipient(), s));
            } catch (IllegalArgumentException e) {
                // Unreadable state (e.g. edited by hand): start the schedule again rather than lose the mail.
                LOGGER.warn("{}: ignoring unreadable {}: {}", mail.getName(), STATE.asString(), e.getMessage());
            }
        }
        for (MailAddress recipient : mail.getRecipients()) {
            states.putIfAbsent(recipient.asString(), RecipientState.arrived(recipient.asString(), now));
        }
        return states;
    }

    private static Optional<String> stateText(Mail mail) {
        return mail.getAttribute(STATE).map(Attribute::getValue).map(AttributeValue::value)
            .filter(String.class::isInstance).map(String.class::cast);
    }

    /** The mail keeps only the recipients still to try, with their state, and goes back in the queue if any are left. */
    private void applyOutcome(Mail mail, Map<String, RecipientState> next, Instant now) throws MessagingException {
        mail.setRecipients(next.keySet().stream().map(PolicyRemoteDelivery::address).toList());
        if (next.isEmpty()) {
            mail.removeAttribute(STATE);
            return;
        }
        mail.setAttribute(new Attribute(STATE, AttributeValue.of(RecipientState.formatAll(List.copyOf(next.values())))));
        Instant earliest = next.values().stream().map(RecipientState::nextAttempt).min(Instant::compareTo).orElse(now);
        Duration delay = Duration.between(now, earliest);
        queue.enQueue(mail, delay.isNegative() ? Duration.ZERO : delay);
    }

    /** RFC 3461: with NOTIFY, only the named events are reported; without, {@code withoutNotify} decides. */
    private static boolean notifyIncludes(Mail mail, String recipient, DsnParameters.Notify event, boolean withoutNotify) {
        Optional<EnumSet<DsnParameters.Notify>> notify = recipientDsn(mail, recipient)
            .flatMap(DsnParameters.RecipientDsnParameters::getNotifyParameter);
        return notify.map(n -> n.contains(event)).orElse(withoutNotify);
    }

    private static Optional<DsnParameters.RecipientDsnParameters> recipientDsn(Mail mail, String recipient) {
        return mail.dsnParameters().map(DsnParameters::getRcptParameters).map(p -> p.get(address(recipient)));
    }

    /**
     * Hands the notice for {@code notices} to the bounce processor, trying {@link #HANDOFF_ATTEMPTS} times on its own;
     * never throws. When every try fails the notice is lost, with an error in the log: retrying the whole mail would
     * send its delivered recipients the message again.
     */
    private void handOff(Mail mail, List<RecipientNotice> notices) {
        if (notices.isEmpty()) {
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                notify(mail, notices);
                return;
            } catch (Exception | LinkageError e) {
                if (attempt >= HANDOFF_ATTEMPTS) {
                    LOGGER.error("{}: the {} notice for {} could not be handed to {} after {} attempts; the sender will"
                        + " not hear of it: {}", mail.getName(), notices.get(0).action().label(),
                        notices.stream().map(RecipientNotice::recipient).toList(), bounceProcessor, attempt, e.toString());
                    return;
                }
                LOGGER.warn("{}: handing the {} notice to {} failed ({}); trying again", mail.getName(),
                    notices.get(0).action().label(), bounceProcessor, e.toString());
                try {
                    Thread.sleep(HANDOFF_BACKOFF.delay(attempt).toMillis());
                } catch (InterruptedException stopping) {
                    Thread.currentThread().interrupt();
                    LOGGER.error("{}: the {} notice for {} was not handed over: the mailet is stopping", mail.getName(),
                        notices.get(0).action().label(), notices.stream().map(RecipientNotice::recipient).toList());
                    return;
                }
            }
        }
    }

    /** A copy of the mail for the recipients in {@code notices} (all of one action), with the notices, to the bounce processor. */
    private void notify(Mail mail, List<RecipientNotice> notices) throws MessagingException {
        RecipientNotice.Action action = notices.get(0).action();
        Mail notice = copy(mail, notices.stream().map(n -> address(n.recipient())).toList());
        notice.removeAttribute(STATE);
        List<DeliveryOutcome> outcomes = new ArrayList<>();
        for (RecipientNotice n : notices) {
            outcomes.add(n.forNotification(recipientDsn(mail, n.recipient())
                .flatMap(DsnParameters.RecipientDsnParameters::getOrcptParameter)
                .map(orcpt -> "rfc822;" + orcpt.asString()).orElse(null)));
        }
        notice.setAttribute(new Attribute(OUTCOMES, AttributeValue.of(DeliveryOutcome.toJson(outcomes))));
        notice.setAttribute(new Attribute(NOTICE, AttributeValue.of(action.label())));
        if (action == RecipientNotice.Action.DELAYED) {
            notice.setAttribute(new Attribute(WARNING, AttributeValue.of("true")));
        }
        notice.setErrorMessage(notices.stream().map(n -> n.recipient() + ": " + n.lastOutcome().diagnostic())
            .collect(Collectors.joining("\n")));
        LOGGER.info("{}: {} notice for {}", mail.getName(), action.label(),
            notices.stream().map(n -> n.recipient() + " (" + n.status() + " " + n.lastOutcome().diagnostic() + ")").toList());
        try {
            getMailetContext().sendMail(notice, bounceProcessor);
        } finally {
            LifecycleUtil.dispose(notice); // the spool keeps its own copy
        }
    }

    private static Mail copy(Mail mail, Collection<MailAddress> recipients) throws MessagingException {
        Mail copy = mail.duplicate();
        // Names must differ within the spool and the queue; keep the original's as a prefix for the logs.
        String base = mail.getName().length() > 60 ? mail.getName().substring(0, 60) : mail.getName();
        copy.setName(base + "-" + UUID.randomUUID().toString().substring(0, 8));
        copy.setRecipients(recipients);
        return copy;
    }

    /** Never silent: a signed message the wire form changed is a warning, since its signature may fail downstream. */
    private static void logAlterations(Mail mail, MessageContent.Scan scan) {
        if (scan.dkimSigned()) {
            LOGGER.warn("{}: made fit for SMTP: {}; its DKIM signature may no longer verify", mail.getName(),
                scan.alterations());
        } else {
            LOGGER.info("{}: made fit for SMTP: {}", mail.getName(), scan.alterations());
        }
    }

    private OutboundMessage outbound(Mail mail, List<MailAddress> recipients) {
        Optional<DsnParameters> dsn = mail.dsnParameters();
        List<OutboundMessage.Recipient> outbound = new ArrayList<>();
        for (MailAddress recipient : recipients) {
            Optional<DsnParameters.RecipientDsnParameters> parameters = recipientDsn(mail, recipient.asString());
            Set<String> notify = parameters.flatMap(DsnParameters.RecipientDsnParameters::getNotifyParameter)
                .map(n -> n.stream().map(Enum::name).collect(Collectors.toSet())).orElse(Set.of());
            String orcpt = parameters.flatMap(DsnParameters.RecipientDsnParameters::getOrcptParameter)
                .map(a -> "rfc822;" + a.asString()).orElse(null);
            outbound.add(new OutboundMessage.Recipient(recipient.asString(), notify, orcpt));
        }
        return new OutboundMessage(mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse(""), outbound,
            // James keeps ENVID as xtext; the client encodes it again for the wire and refuses a decoded control.
            dsn.flatMap(DsnParameters::getEnvIdParameter).map(DsnParameters.EnvId::asString).map(Xtext::decode).orElse(null),
            dsn.flatMap(DsnParameters::getRetParameter).map(Enum::name).orElse(null), MailMessageContent.of(mail));
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
        if (dequeue != null) {
            dequeue.stop();
        }
        if (timers != null) {
            timers.shutdownNow();
        }
        if (workers != null) {
            workers.shutdownNow();
            try {
                workers.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (dns != null) {
            SharedDnsClients.release(dns);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino remote delivery with retry policies";
    }
}
