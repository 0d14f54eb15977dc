package dev.postino.core.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Asynchronous DNS lookups on dnsjava, with its own resolvers, retries, cache and limits.
 *
 * <p>It never reads or changes dnsjava's global state beyond reading the system resolver list when
 * none is configured: no {@code Lookup} default resolver, cache or search path is used, because James
 * sets and uses those for itself. Each lookup goes through a {@link DnsBudget}.
 *
 * <p>Per query ({@link DnsExchange}): UDP first (with EDNS(0) unless disabled), TCP again when the answer comes
 * back truncated; a timeout or network error moves to the next server, up to {@code retries} more rounds over
 * the list; SERVFAIL or REFUSED moves to the next server not yet asked. No answer within the budget's time is
 * a temporary failure. Names are asked as absolute names: no search list applies.
 *
 * <p>Non-blocking: one thread ({@link DnsLoop}) multiplexes every query's socket and deadline, so a query
 * that never gets an answer holds a socket and a timer entry, not a thread, and cannot delay another. What
 * one evaluation, one zone and the client as a whole may have in flight is bounded ({@link DnsLimits},
 * {@link InFlightLimiter}), and a zone that stops answering is not asked for a while (backoff). The futures
 * complete on a small pool of their own, so that the callers' continuations (parsing a record, the next
 * step of an SPF check) never run on the loop thread; they must not block.
 */
public final class DnsClient implements AutoCloseable {

    /** A query unanswered this long (or for the whole query timeout, if shorter) counts against its zone. */
    private static final Duration ZONE_SILENCE = Duration.ofSeconds(1);

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final DnsConfig config;
    private final List<InetSocketAddress> servers;
    private final DnsCache cache;
    private final DnsLoop loop;
    private final InFlightLimiter limiter;
    private final ThreadPoolExecutor completions;
    private final long zoneSilenceNanos;
    private final String threadNamePrefix;
    private final AtomicInteger networkQueries = new AtomicInteger();
    private final AtomicLong refusedLookups = new AtomicLong();
    /** Lookups between their start on the loop and their end; loop thread only. */
    private final Set<Lookup<?>> active = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Set on the loop thread when it stops: lookups still arriving fail at once. */
    private boolean closing;

    private DnsClient(DnsConfig config, Clock clock) {
        this.config = config;
        this.servers = List.copyOf(config.servers().isEmpty() ? systemServers() : config.servers());
        this.cache = new DnsCache(config.cacheSize(), config.maxCacheTtl(), clock);
        this.zoneSilenceNanos = Math.min(config.queryTimeout().toNanos(), ZONE_SILENCE.toNanos());
        this.threadNamePrefix = "postino-dns-" + CLIENTS.incrementAndGet() + "-";
        AtomicInteger threadCount = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        // completing a future runs its callers' next steps: CPU work, bounded threads, idle ones let go
        this.completions = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            runnable -> {
                Thread thread = new Thread(runnable, threadNamePrefix + "callback-" + threadCount.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        completions.allowCoreThreadTimeOut(true);
        this.loop = new DnsLoop(threadNamePrefix + "loop", this::failActiveLookups);
        this.limiter = new InFlightLimiter(config.limits(), clock, loop);
        loop.execute(limiter::start);
    }

    public static DnsClient create(DnsConfig config) {
        return new DnsClient(config, Clock.systemUTC());
    }

    /** For tests of TTL handling and zone backoff: the cache and the backoff read time from {@code clock}. */
    public static DnsClient create(DnsConfig config, Clock clock) {
        return new DnsClient(config, clock);
    }

    private static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> servers = ResolverConfig.getCurrentConfig().servers();
        if (servers.isEmpty()) {
            return List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53));
        }
        return servers;
    }

    public DnsConfig config() {
        return config;
    }

    /** The resolvers actually asked (the configured ones, or the system's). */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** How many queries went to the network so far (cache hits excluded); for tests and metrics. */
    public int networkQueries() {
        return networkQueries.get();
    }

    /**
     * How many lookups failed without (further) queries because of a limit or a zone's backoff; for tests and
     * metrics.
     */
    public long refusedLookups() {
        return refusedLookups.get();
    }

    public CompletableFuture<DnsResult<String>> txt(String name, DnsBudget budget) {
        return lookup(name, DnsRecordType.TXT, budget);
    }

    public CompletableFuture<DnsResult<InetAddress>> a(String name, DnsBudget budget) {
        return lookup(name, DnsRecordType.A, budget);
    }

    public CompletableFuture<DnsResult<InetAddress>> aaaa(String name, DnsBudget budget) {
        return lookup(name, DnsRecordType.AAAA, budget);
    }

    public CompletableFuture<DnsResult<MxRecord>> mx(String name, DnsBudget budget) {
        return lookup(name, DnsRecordType.MX, budget);
    }

    /** The PTR records of an address (its in-addr.arpa or ip6.arpa name). */
    public CompletableFuture<DnsResult<String>> ptr(InetAddress address, DnsBudget budget) {
        return lookup(ReverseMap.fromAddress(address).toString(), DnsRecordType.PTR, budget);
    }

    /**
     * Looks up {@code name} (absolute, with or without the final dot) for records of {@code type}.
     * The future always completes normally: every failure is a {@link DnsResult} kind.
     */
    public <T> CompletableFuture<DnsResult<T>> lookup(String name, DnsRecordType<T> type, DnsBudget budget) {
        Name qname;
        try {
            qname = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return CompletableFuture.completedFuture(
                DnsResult.invalidName("'" + name + "' is not a valid domain name: " + e.getMessage()));
        }
        if (!budget.tryAcquireQuery()) {
            return CompletableFuture.completedFuture(DnsResult.queryLimit(
                "DNS query limit of " + budget.maxQueries() + " reached before " + type + " " + name));
        }
        String key = qname.toString().toLowerCase(Locale.ROOT);
        DnsResult<T> cached = cache.get(key, type.code());
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        Lookup<T> lookup = new Lookup<>(Record.newRecord(qname, type.code(), DClass.IN), type, key, budget,
            ZoneKey.of(qname));
        if (!loop.execute(lookup::start)) {
            return CompletableFuture.completedFuture(DnsResult.temporaryFailure(lookup.what() + ": DNS client closed"));
        }
        return lookup.future;
    }

    /** One lookup: waits for its slots, then tries the servers until an answer, a limit or its time. Loop thread. */
    private final class Lookup<T> extends InFlightLimiter.Ticket implements DnsExchange.Listener {
        final Record question;
        final DnsRecordType<T> type;
        final String cacheKey;
        final DnsBudget budget;
        final CompletableFuture<DnsResult<T>> future = new CompletableFuture<>();
        final List<String> failures = new ArrayList<>();
        int attempt;
        int serverIndex;
        long attemptTimeoutNanos;
        InetSocketAddress server;
        DnsLoop.Timer waitTimer;
        DnsExchange exchange;
        boolean finished;

        Lookup(Record question, DnsRecordType<T> type, String cacheKey, DnsBudget budget, String zone) {
            super(budget, zone);
            this.question = question;
            this.type = type;
            this.cacheKey = cacheKey;
            this.budget = budget;
        }

        String what() {
            return question.getName() + " " + Type.string(question.getType());
        }

        void start() {
            guarded(() -> {
                if (closing) {
                    fail("DNS client closed");
                    return;
                }
                active.add(this);
                if (budget.isExpired()) {
                    fail(timeBudgetExhausted());
                    return;
                }
                waitTimer = loop.schedule(budget.deadlineNanos(), this::waitedTooLong);
                limiter.request(this);
            });
        }

        @Override
        void admitted() {
            guarded(() -> {
                if (!finished) {
                    waitTimer.cancel();
                    send();
                }
            });
        }

        @Override
        void refused(String reason) {
            guarded(() -> {
                if (!finished) {
                    refusedLookups.incrementAndGet();
                    fail(reason);
                }
            });
        }

        private void waitedTooLong() {
            guarded(() -> {
                if (!finished) {
                    fail(timeBudgetExhausted() + " waiting for a query slot (zone " + zone() + ")");
                }
            });
        }

        private void send() {
            Duration remaining = budget.remainingTime();
            if (remaining.isZero()) {
                fail(timeBudgetExhausted());
                return;
            }
            Duration timeout = remaining.compareTo(config.queryTimeout()) < 0 ? remaining : config.queryTimeout();
            server = servers.get(serverIndex % servers.size());
            attemptTimeoutNanos = timeout.toNanos();
            networkQueries.incrementAndGet();
            exchange = DnsExchange.start(loop, server, Message.newQuery(question), config.ednsPayloadSize(),
                System.nanoTime() + attemptTimeoutNanos, this);
        }

        @Override
        public void answered(Message response) {
            guarded(() -> {
                exchange = null;
                int rcode = response.getRcode();
                if (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN) {
                    // SERVFAIL, REFUSED and the rest: another server may do better, the same one will not
                    failures.add(Rcode.string(rcode) + " from " + DnsExchange.address(server));
                    next(true);
                    return;
                }
                limiter.answered(zone());
                DnsResult<T> result = interpret(response, question, type);
                cache.put(cacheKey, type.code(), result);
                finish(result);
            });
        }

        @Override
        public void failed(boolean timeout, String problem) {
            guarded(() -> {
                exchange = null;
                failures.add(problem + " from " + DnsExchange.address(server));
                // a wait cut short by the evaluation's time says little about the zone
                if (timeout && attemptTimeoutNanos >= zoneSilenceNanos) {
                    limiter.timedOut(zone());
                }
                next(false);
            });
        }

        /** The next server or round, unless the attempts, the zone's patience or the time ran out. */
        private void next(boolean otherServersOnly) {
            int nextAttempt = attempt + 1;
            int maxAttempts = otherServersOnly ? servers.size() : servers.size() * (config.retries() + 1);
            if (nextAttempt >= maxAttempts) {
                fail(null);
                return;
            }
            String backoff = limiter.backoffRefusal(zone());
            if (backoff != null) {
                refusedLookups.incrementAndGet();
                fail(backoff);
                return;
            }
            attempt = nextAttempt;
            serverIndex++;
            send();
        }

        private String timeBudgetExhausted() {
            return "time budget of " + budget.maxTime().toMillis() + " ms exhausted";
        }

        /** Ends with a temporary failure: every problem met, then {@code last} (if any). */
        private void fail(String last) {
            if (last != null) {
                failures.add(last);
            }
            finish(DnsResult.temporaryFailure(what() + ": " + String.join("; ", failures)));
        }

        private void finish(DnsResult<T> result) {
            if (finished) {
                return;
            }
            finished = true;
            active.remove(this);
            if (waitTimer != null) {
                waitTimer.cancel();
            }
            if (exchange != null) {
                exchange.abandon();
                exchange = null;
            }
            limiter.abandon(this);
            complete(future, result);
        }

        /** A bug here must still complete the lookup, or its caller would wait for ever. */
        private void guarded(Runnable step) {
            try {
                step.run();
            } catch (RuntimeException bug) {
                failures.add("internal error (" + bug + ")");
                DnsResult<T> failure = DnsResult.temporaryFailure(what() + ": " + String.join("; ", failures));
                try {
                    finish(failure);
                } catch (RuntimeException again) {
                    // the future below still completes
                }
                complete(future, failure); // no effect when finish() completed it first
            }
        }
    }

    /** Completes on the callback pool, so that the callers' continuations never run on the loop thread. */
    private <T> void complete(CompletableFuture<DnsResult<T>> future, DnsResult<T> result) {
        try {
            completions.execute(() -> future.complete(result));
        } catch (RejectedExecutionException closed) {
            future.complete(result);
        }
    }

    private void failActiveLookups() {
        closing = true;
        for (Lookup<?> lookup : List.copyOf(active)) {
            lookup.fail("DNS client closed");
        }
    }

    private static <T> DnsResult<T> interpret(Message response, Record question, DnsRecordType<T> type) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return DnsResult.nxdomain(negativeTtl(response));
        }
        List<T> values = new ArrayList<>();
        long minTtl = Long.MAX_VALUE;
        for (Record record : response.getSection(Section.ANSWER)) {
            if (record.getType() == type.code() && record.getDClass() == DClass.IN) {
                values.add(type.decode(record));
                minTtl = Math.min(minTtl, record.getTTL());
            }
        }
        if (values.isEmpty()) {
            return DnsResult.nodata(negativeTtl(response));
        }
        return DnsResult.records(values, Duration.ofSeconds(minTtl));
    }

    /** RFC 2308 §5: the SOA's own TTL or its MINIMUM, whichever is lower; no SOA, no negative caching. */
    private static Duration negativeTtl(Message response) {
        for (Record record : response.getSection(Section.AUTHORITY)) {
            if (record instanceof SOARecord soa) {
                return Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum()));
            }
        }
        return Duration.ZERO;
    }

    /** Drops every cached answer. */
    public void clearCache() {
        cache.clear();
    }

    int cachedAnswers() {
        return cache.size();
    }

    /** Runs {@code question} on the loop thread and waits for it: a consistent view of the limiter, for tests. */
    private <R> R onLoop(Supplier<R> question) {
        CompletableFuture<R> answer = new CompletableFuture<>();
        if (!loop.execute(() -> answer.complete(question.get()))) {
            throw new IllegalStateException("DNS client closed");
        }
        return answer.join();
    }

    /** One zone's queries in flight and waiting, and whether it is backing off; for tests. */
    InFlightLimiter.ZoneLoad zoneLoad(String zone) {
        return onLoop(() -> limiter.zoneLoad(zone));
    }

    /** One evaluation's lookups holding a slot and waiting for one; for tests. */
    InFlightLimiter.EvaluationLoad evaluationLoad(DnsBudget budget) {
        return onLoop(() -> limiter.evaluationLoad(budget));
    }

    /** Every thread of this client has a name that starts with this; for tests. */
    String threadNamePrefix() {
        return threadNamePrefix;
    }

    /** The most threads this client ever runs: its loop and its callback pool; for tests. */
    int maxThreads() {
        return 1 + completions.getMaximumPoolSize();
    }

    /** The zone a name counts against (see {@link ZoneKey}); for tests. */
    static String zoneOf(String name) throws TextParseException {
        return ZoneKey.of(Name.fromString(name.endsWith(".") ? name : name + "."));
    }

    /** Stops the loop: lookups still under way end as temporary failures ("DNS client closed"). */
    @Override
    public void close() {
        loop.close();
        completions.shutdown();
    }
}
