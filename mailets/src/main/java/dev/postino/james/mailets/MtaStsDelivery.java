package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.delivery.TransportSecurity;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.mtasts.InMemoryStsPolicyCache;
import dev.postino.core.mtasts.MtaStsSecurity;
import dev.postino.core.mtasts.StoredStsPolicyCache;
import dev.postino.core.mtasts.StsPolicyCache;
import dev.postino.core.mtasts.StsPolicyFetcher;
import dev.postino.core.mtasts.StsPolicyLookup;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.tlsrpt.InMemoryTlsReportStore;
import dev.postino.core.tlsrpt.StoredTlsReportStore;
import dev.postino.core.tlsrpt.TlsReportStore;
import dev.postino.james.store.JamesStores;

/**
 * {@link PolicyRemoteDelivery}'s MTA-STS and TLS-RPT parts, put together from its parameters: the policy fetcher,
 * lookup and cache, the {@link MtaStsSecurity} delivery consults, and the daily {@link TlsReportSender}. Policies and
 * counts live in Postino's store unless {@code mtaStsCache=memory}.
 */
final class MtaStsDelivery implements AutoCloseable {

    /** Test-only: how far ahead of the delivery clock the report sender's clock runs (ISO-8601, e.g. {@code P1D}). */
    static final String REPORT_CLOCK_OFFSET = "postino.tlsrpt.clockOffset";

    private static final Logger LOGGER = LoggerFactory.getLogger(MtaStsDelivery.class);

    private final PostinoStore store;
    private final TransportSecurity security;
    private final TlsReportSender reports;
    private final Duration reportInterval;

    private MtaStsDelivery(PostinoStore store, TransportSecurity security, TlsReportSender reports, Duration reportInterval) {
        this.store = store;
        this.security = security;
        this.reports = reports;
        this.reportInterval = reportInterval;
    }

    static MtaStsDelivery start(MtaStsParameters parameters, DnsClient dns, Duration dnsBudget, FileSystem fileSystem,
                                MailetContext context, String heloName, Clock clock) throws MessagingException {
        PostinoStore store = parameters.useStore() ? JamesStores.acquire(fileSystem) : null;
        StsPolicyCache cache = store == null ? new InMemoryStsPolicyCache(100_000) : new StoredStsPolicyCache(store);
        TlsReportStore counts = !parameters.reports() ? null
            : store == null ? new InMemoryTlsReportStore() : new StoredTlsReportStore(store);
        StsPolicyFetcher fetcher = new StsPolicyFetcher(new StsPolicyFetcher.Options(
            parameters.fetchTimeout().compareTo(Duration.ofSeconds(10)) < 0 ? parameters.fetchTimeout() : Duration.ofSeconds(10),
            parameters.fetchTimeout(), parameters.trustStore(), parameters.proxy()));
        StsPolicyLookup.TxtLookup txt = StsPolicyLookup.TxtLookup.of(dns, dnsBudget);
        StsPolicyLookup lookup = new StsPolicyLookup(txt, fetcher, cache, clock);
        TransportSecurity security = new MtaStsSecurity(lookup, parameters.settings(), counts, clock,
            (domain, problem) -> LOGGER.warn("MTA-STS of {}: {}", domain, problem));
        TlsReportSender sender = counts == null ? null : new TlsReportSender(counts, txt, context, fetcher.client(),
            parameters, heloName, new OffsetPropertyClock(clock, REPORT_CLOCK_OFFSET));
        return new MtaStsDelivery(store, security, sender, parameters.reportInterval());
    }

    TransportSecurity security() {
        return security;
    }

    /** Looks for due reports now and every {@code tlsRptInterval} on {@code threads}. */
    void scheduleReports(DequeueWorkers.Threads threads) {
        if (reports != null) {
            threads.every(reportInterval, reports::sendDue);
        }
    }

    @Override
    public void close() {
        if (store != null) {
            JamesStores.release(store);
        }
    }

}
