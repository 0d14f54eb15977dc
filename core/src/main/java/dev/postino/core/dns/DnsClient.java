package dev.postino.core.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

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

/**
 * Asynchronous DNS lookups on dnsjava, with its own resolvers, retries and cache.
 *
 * <p>It never reads or changes dnsjava's global state beyond reading the system resolver list when
 * none is configured: no {@code Lookup} default resolver, cache or search path is used, because James
 * sets and uses those for itself. Each lookup goes through a {@link DnsBudget}.
 *
 * <p>Per query ({@link DnsExchange}, on this client's own bounded thread pool rather than dnsjava's shared NIO
 * selector): UDP first (with EDNS(0) unless disabled), TCP again when the answer comes back truncated;
 * a timeout or network error moves to the next server, up to {@code retries} more rounds over the list;
 * SERVFAIL or REFUSED moves to the next server not yet asked. No answer within the budget's time is a
 * temporary failure. Names are asked as absolute names: no search list applies.
 */
public final class DnsClient implements AutoCloseable {

    /** Concurrent exchanges in flight; more wait in line (within their own time budgets). */
    private static final int MAX_THREADS = 64;

    private final DnsConfig config;
    private final List<InetSocketAddress> servers;
    private final DnsCache cache;
    private final ExecutorService executor;
    private final AtomicInteger networkQueries = new AtomicInteger();

    private DnsClient(DnsConfig config, Clock clock) {
        this.config = config;
        this.servers = List.copyOf(config.servers().isEmpty() ? systemServers() : config.servers());
        this.cache = new DnsCache(config.cacheSize(), config.maxCacheTtl(), clock);
        AtomicInteger threadCount = new AtomicInteger();
        // Each exchange blocks one thread until its answer or timeout: enough threads for a busy server's
        // concurrent checks, bounded, idle ones let go.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(MAX_THREADS, MAX_THREADS, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), runnable -> {
                Thread thread = new Thread(runnable, "postino-dns-" + threadCount.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        pool.allowCoreThreadTimeOut(true);
        this.executor = pool;
    }

    public static DnsClient create(DnsConfig config) {
        return new DnsClient(config, Clock.systemUTC());
    }

    /** For tests of TTL handling: the cache reads time from {@code clock}. */
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
        Record question = Record.newRecord(qname, type.code(), DClass.IN);
        return send(question, budget, 0, 0, new ArrayList<>())
            .thenApply(response -> {
                DnsResult<T> result = interpret(response, question, type);
                cache.put(key, type.code(), result);
                return result;
            })
            .exceptionally(failure -> DnsResult.temporaryFailure(describe(failure, question)));
    }

    /** One attempt; on failure the next server or round, until the budget's time or the attempts run out. */
    private CompletableFuture<Message> send(Record question, DnsBudget budget, int attempt, int serverIndex,
                                            List<String> failures) {
        Duration remaining = budget.remainingTime();
        if (remaining.isZero()) {
            failures.add("time budget of " + budget.maxTime().toMillis() + " ms exhausted");
            return CompletableFuture.failedFuture(new DnsFailure(String.join("; ", failures)));
        }
        Duration timeout = remaining.compareTo(config.queryTimeout()) < 0 ? remaining : config.queryTimeout();
        InetSocketAddress server = servers.get(serverIndex % servers.size());
        networkQueries.incrementAndGet();
        long deadline = System.nanoTime() + timeout.toNanos();
        return CompletableFuture.supplyAsync(() -> {
                try {
                    return DnsExchange.exchange(server, Message.newQuery(question), config.ednsPayloadSize(), deadline);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, executor)
            // a safety net: the exchange itself ends at the deadline
            .orTimeout(timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(500), TimeUnit.NANOSECONDS)
            .handle((response, error) -> {
                String problem = null;
                boolean tryOthersOnly = false;
                if (error != null) {
                    problem = describe(error, question) + " from " + address(server);
                } else {
                    int rcode = response.getRcode();
                    if (rcode == Rcode.SERVFAIL || rcode == Rcode.REFUSED || (rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN)) {
                        problem = Rcode.string(rcode) + " from " + address(server);
                        tryOthersOnly = true;
                    }
                }
                if (problem == null) {
                    return CompletableFuture.completedFuture(response);
                }
                failures.add(problem);
                int nextAttempt = attempt + 1;
                int maxAttempts = tryOthersOnly ? servers.size() : servers.size() * (config.retries() + 1);
                if (nextAttempt >= maxAttempts) {
                    return CompletableFuture.<Message>failedFuture(new DnsFailure(String.join("; ", failures)));
                }
                return send(question, budget, nextAttempt, serverIndex + 1, failures);
            })
            .thenCompose(next -> next);
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

    private static String describe(Throwable failure, Record question) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
            && cause.getCause() != null) {
            cause = cause.getCause();
        }
        String what = question.getName() + " " + org.xbill.DNS.Type.string(question.getType());
        if (cause instanceof DnsFailure) {
            return what + ": " + cause.getMessage();
        }
        if (cause instanceof TimeoutException || cause instanceof java.net.SocketTimeoutException) {
            return "timeout";
        }
        if (cause instanceof IOException) {
            return "network error (" + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()) + ")";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")");
    }

    private static String address(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }

    /** Drops every cached answer. */
    public void clearCache() {
        cache.clear();
    }

    int cachedAnswers() {
        return cache.size();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** A failure whose message is already the full human reason. */
    private static final class DnsFailure extends RuntimeException {
        DnsFailure(String message) {
            super(message, null, false, false);
        }
    }
}
