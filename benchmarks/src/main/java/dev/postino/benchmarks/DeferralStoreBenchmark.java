package dev.postino.benchmarks;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import dev.postino.core.deferral.DeferralStore;
import dev.postino.core.deferral.DeferredMail;
import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.retry.RetryState;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

/**
 * The deferral store's throughput on both backends, with a backlog of {@code backlog} mails parked for later
 * (what a greylisting or down destination leaves waiting): {@code park} parks one mail (a 4 KB message, two
 * recipients, the state remote delivery keeps) due in an hour; {@code release} claims a batch of 100 due mails and
 * deletes each after its (here instant) enqueue, per mail. There is no James counterpart to compare with: James's
 * RabbitMQ queue cannot delay at all. PostgreSQL is the machine's (127.0.0.1:5432, a fresh database per trial).
 * Run: {@code java -cp benchmarks/target/postino-benchmarks.jar org.openjdk.jmh.Main DeferralStoreBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class DeferralStoreBenchmark {

    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final int BATCH = 100;

    @Param({"EMBEDDED", "POSTGRESQL"})
    public StoreBackends.Kind kind;

    @Param({"10000", "100000"})
    public int backlog;

    private Path directory;
    private StoreBackends.TestStore backend;
    private PostinoStore store;
    private DeferralStore deferred;
    private final AtomicLong names = new AtomicLong();
    private byte[] message;

    @Setup(Level.Trial)
    public void open() throws Exception {
        directory = Files.createTempDirectory("postino-deferral-bench");
        backend = StoreBackends.of(kind, directory);
        store = PostinoStore.open(backend.config());
        deferred = new DeferralStore(store, "bench");
        message = new byte[4096];
        Arrays.fill(message, (byte) 'x');
        for (int i = 0; i < backlog; i++) {
            deferred.park(mail("backlog-" + i, T0.plus(Duration.ofDays(1))), T0);
        }
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        store.close();
        backend.close();
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** A batch of due mails for the next {@code release} (not timed). */
    @Setup(Level.Invocation)
    public void dueBatch(org.openjdk.jmh.infra.BenchmarkParams params) {
        if (params.getBenchmark().endsWith("release")) {
            for (int i = 0; i < BATCH; i++) {
                deferred.park(mail("due-" + names.incrementAndGet(), T0), T0);
            }
        }
    }

    private DeferredMail mail(String name, Instant due) {
        List<RecipientState> states = List.of("bob@grey.example", "carol@grey.example").stream().map(r ->
            new RecipientState(r, new RetryState(T0, T0, T0, Duration.ofMinutes(5), 1, 0), due,
                AttemptOutcome.ofReply(r, SmtpReply.parse("451 4.7.1 Greylisted, try again in 5 minutes"),
                    "mx.grey.example [192.0.2.25]", SmtpPhase.RCPT, T0))).toList();
        return new DeferredMail(name, "alice@example.org", states, due,
            ("{\"name\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8), message, false);
    }

    @Benchmark
    public void park() {
        deferred.park(mail("parked-" + names.incrementAndGet(), T0.plus(Duration.ofHours(1))), T0);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int release() {
        List<DeferralStore.Claim> claims = deferred.claimDue(T0.plusSeconds(1), Duration.ofMinutes(2), BATCH);
        for (DeferralStore.Claim claim : claims) {
            deferred.get(claim.name()); // the bytes, as the scheduler reads them to enqueue
            deferred.released(claim.name(), claim.token());
        }
        return claims.size();
    }
}
