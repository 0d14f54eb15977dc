package dev.postino.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.CommandLineOptionException;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;
import dev.postino.core.suppression.SuppressionCheck;
import dev.postino.core.suppression.SuppressionList;

/**
 * What the suppression check adds per recipient: {@link SuppressionCheck#lookup} on the embedded store holding 100,000
 * entries, with the cache warm (every address looked up once before measuring), half the lookups for suppressed
 * addresses and half for others; beside it the same lookup straight from the store ({@link SuppressionList#find}), the
 * cost of a cold cache. James has no suppression list to compare with. Sample-time mode: JMH prints p50, p99, p99.9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SuppressionCheckBenchmark {

    static final int ENTRIES = 100_000;

    private Path directory;
    private PostinoStore store;
    private SuppressionList list;
    private SuppressionCheck check;
    private String[] addresses;
    private int next;

    @Setup(Level.Trial)
    public void fill() throws IOException {
        directory = Files.createTempDirectory("postino-suppression-bench");
        store = PostinoStore.open(StoreConfig.embedded(directory));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        store.transaction(c -> {
            try (PreparedStatement insert = c.prepareStatement("INSERT INTO suppression (address, reason, status, hard, diagnostic,"
                + " source, bounces, first_at, last_at, expires_at) VALUES (?, 'userunknown', '5.1.1', TRUE, '550 5.1.1 no such user',"
                + " 'bounce', 1, ?, ?, ?)")) {
                for (int i = 0; i < ENTRIES; i++) {
                    insert.setString(1, "user" + i + "@bounced.example");
                    insert.setObject(2, now.atOffset(ZoneOffset.UTC));
                    insert.setObject(3, now.atOffset(ZoneOffset.UTC));
                    insert.setObject(4, now.plus(90, ChronoUnit.DAYS).atOffset(ZoneOffset.UTC));
                    insert.addBatch();
                    if (i % 1000 == 999) {
                        insert.executeBatch();
                    }
                }
                insert.executeBatch();
            }
            return null;
        });
        list = new SuppressionList(store, Clock.systemUTC());
        check = new SuppressionCheck(list, SuppressionCheck.DEFAULT_REFRESH, SuppressionCheck.DEFAULT_MAX_ADDRESSES);
        addresses = new String[2 * ENTRIES];
        for (int i = 0; i < ENTRIES; i++) {
            addresses[2 * i] = "user" + i + "@bounced.example";
            addresses[2 * i + 1] = "user" + i + "@fine.example";
        }
        int suppressed = 0;
        for (String address : addresses) {
            suppressed += check.lookup(address).isPresent() ? 1 : 0;
        }
        if (suppressed != ENTRIES) {
            throw new IllegalStateException("expected " + ENTRIES + " suppressed, found " + suppressed);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        store.close();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private String nextAddress() {
        // a fixed stride over all addresses: every lookup a different one, suppressed and not in turn
        next = (next + 7919) % addresses.length;
        return addresses[next];
    }

    @Benchmark
    public boolean warmCache() {
        return check.lookup(nextAddress()).isPresent();
    }

    @Benchmark
    public boolean storeOnly() {
        return list.find(nextAddress()).isPresent();
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        new Runner(new CommandLineOptions(args.length == 0 ? new String[] {SuppressionCheckBenchmark.class.getSimpleName()} : args)).run();
    }
}
