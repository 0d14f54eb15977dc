package dev.postino.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.dmarc.report.AggregateReportRun;
import dev.postino.core.dmarc.report.DestinationVerifier;
import dev.postino.core.dmarc.report.Evaluation;
import dev.postino.core.dmarc.report.JdbcDmarcReportStore;
import dev.postino.core.dmarc.report.ReportRow;
import dev.postino.core.dmarc.report.ReporterIdentity;
import dev.postino.core.dmarc.report.ReportingPeriod;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreConfig;

/**
 * A day of DMARC aggregate reporting at volume, in the embedded store: 1,000,000 evaluations over 1,000 policy
 * domains (50 sources each, passing and failing) are stored, then one report run builds and "sends" every report
 * (XML, gzip) to a transport that only counts. Prints the time of each phase, the CPU time of the thread that did
 * it, and the peak heap. Not JMH: one pass of a minute-scale job is what is asked about. Run on one core with a
 * small heap to see the bound:
 * {@code taskset -c 0 java -Xmx256m -cp benchmarks/target/postino-benchmarks.jar dev.postino.benchmarks.DmarcReportBenchmark}
 * (arguments: evaluations, domains).
 */
public final class DmarcReportBenchmark {

    private DmarcReportBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int evaluations = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int domains = args.length > 1 ? Integer.parseInt(args[1]) : 1_000;
        Instant day = Instant.parse("2026-11-23T00:00:00Z");
        Path directory = Files.createTempDirectory("postino-dmarc-bench");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (TestDnsServer dnsServer = TestDnsServer.start();
             DnsClient dns = DnsClient.create(DnsConfig.defaults().withServers(List.of(dnsServer.address())));
             PostinoStore store = PostinoStore.open(StoreConfig.embedded(directory))) {
            JdbcDmarcReportStore reports = new JdbcDmarcReportStore(store);
            List<PublishedPolicy> policies = new ArrayList<>(domains);
            for (int d = 0; d < domains; d++) {
                String domain = String.format("d%04d.example", d);
                policies.add(new PublishedPolicy(domain, d % 3 == 0 ? DmarcPolicy.REJECT : DmarcPolicy.NONE,
                    Optional.empty(), Optional.empty(), false, false, false, "0", "treewalk",
                    List.of("mailto:rua@" + domain, "mailto:dmarc@reports." + domain + "!10m")));
            }

            com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long process0 = os.getProcessCpuTime();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            List<Evaluation> batch = new ArrayList<>(10_000);
            for (int i = 0; i < evaluations; i++) {
                batch.add(evaluation(i, evaluations, day, policies));
                if (batch.size() == 10_000) {
                    reports.addAll(batch);
                    batch.clear();
                }
            }
            reports.addAll(batch);
            long storeNanos = System.nanoTime() - t0;
            long storeCpu = threads.getCurrentThreadCpuTime() - cpu0;
            long storeProcess = os.getProcessCpuTime() - process0;

            AtomicLong sent = new AtomicLong();
            AtomicLong octets = new AtomicLong();
            AtomicLong rows = new AtomicLong();
            AggregateReportRun run = new AggregateReportRun(reports, new DestinationVerifier(dns, Duration.ofSeconds(2)),
                (report, gzip, destination) -> {
                    sent.incrementAndGet();
                    octets.addAndGet(gzip.length);
                    rows.addAndGet(report.rows().size());
                },
                ReporterIdentity.of("Benchmark", "dmarc@reporter.example"), ReportingPeriod.daily(), Duration.ofDays(1),
                Clock.fixed(day.plus(Duration.ofHours(24).plusMinutes(10)), ZoneOffset.UTC));
            resetPeaks();
            long cpu1 = threads.getCurrentThreadCpuTime();
            long process1 = os.getProcessCpuTime();
            long t1 = System.nanoTime();
            List<AggregateReportRun.Delivery> deliveries = run.run();
            long reportNanos = System.nanoTime() - t1;
            long reportCpu = threads.getCurrentThreadCpuTime() - cpu1;
            long reportProcess = os.getProcessCpuTime() - process1;

            System.out.printf("evaluations %,d over %,d domains%n", evaluations, domains);
            System.out.printf("store:  %.1f s wall, %.1f s CPU in the thread, %.1f s CPU in the process (%,.0f evaluations/s)%n",
                storeNanos / 1e9, storeCpu / 1e9, storeProcess / 1e9, evaluations / (storeNanos / 1e9));
            System.out.printf("report: %.1f s wall, %.1f s CPU in the thread, %.1f s CPU in the process: %,d reports sent (%,d deliveries), %,d rows per destination"
                + " in total, %,d gzip octets%n", reportNanos / 1e9, reportCpu / 1e9, reportProcess / 1e9, sent.get(), deliveries.size(),
                rows.get(), octets.get());
            System.out.printf("heap: peak in use during the report run %,d MB, %,d MB live after the last collection (max heap %,d MB)%n",
                peakHeap() >> 20, liveAfterLastCollection() >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("processors visible: %d%n", Runtime.getRuntime().availableProcessors());
        } finally {
            deleteTree(directory);
        }
    }

    /** Evaluation {@code i}: its domain by {@code i % domains}, one of 50 sources, one in 7 failing DMARC. */
    private static Evaluation evaluation(int i, int total, Instant day, List<PublishedPolicy> policies) {
        PublishedPolicy policy = policies.get(i % policies.size());
        int source = (i / policies.size()) % 50;
        boolean fails = i % 7 == 0;
        String domain = policy.domain();
        String ip = "198.51." + (source / 10) + "." + (i % policies.size() % 250);
        ReportRow row = new ReportRow(ip, domain, fails ? "spoof.example" : domain, "receiver.example",
            fails ? policy.policy().keyword() : policy.policy() == DmarcPolicy.NONE ? "none" : "pass", !fails, !fails, "", "",
            List.of(new ReportRow.DkimAuth(domain, "s" + (source % 3), fails ? "fail" : "pass")),
            new ReportRow.SpfAuth(fails ? "spoof.example" : domain, "mfrom", fails ? "fail" : "pass"), 1);
        Instant time = day.plusMillis((long) ((double) i / total * 86_400_000L));
        return new Evaluation(time, policy, row);
    }

    private static void resetPeaks() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    /** The heap found live after the last collection, over the pools. */
    private static long liveAfterLastCollection() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null) {
                peak += pool.getCollectionUsage().getUsed();
            }
        }
        return peak;
    }

    private static void deleteTree(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
