package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.AddressException;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dmarc.report.AggregateReportRun;
import dev.postino.core.dmarc.report.DestinationVerifier;
import dev.postino.core.dmarc.report.DmarcReportStore;
import dev.postino.core.dmarc.report.JdbcDmarcReportStore;
import dev.postino.core.dmarc.report.ReporterIdentity;
import dev.postino.core.dmarc.report.ReportingPeriod;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.SharedDnsClients;
import dev.postino.core.store.PostinoStore;
import dev.postino.james.store.JamesStores;

/**
 * DMARC aggregate reports (RFC 9990) for the domains whose mail this server checks. While it is configured, every
 * DMARC evaluation of {@code AuthenticationCheck} or {@code DmarcRejectHook} whose policy record asks for reports
 * ({@code rua=}) is kept in Postino's store; a background thread then sends, after each reporting period (a UTC
 * day by default), one report per policy domain to each of its {@code mailto:} destinations, through the
 * MailetContext (the report mail enters the root processor from {@code reportingAddress}).
 *
 * <p>A destination outside the policy domain's Organizational Domain gets reports only when its host publishes
 * {@code <policy-domain>._report._dmarc.<host>} TXT {@code v=DMARC1} (which may name another mailbox on that host);
 * a size limit ({@code mailto:a@b!10m}) is compared with the gzip once base64-encoded. Each sending is claimed in
 * the store's ledger first, so a report goes once per (domain, destination, period), across restarts and across
 * nodes sharing a PostgreSQL store; one that fails is tried again at the next check. Periods that ended more than
 * {@code lookback} ago are given up, and their evaluations deleted.
 *
 * <p>The mailet does nothing to the mails it is given: place it anywhere (e.g. first in the root processor with
 * {@code match="All"}); it is there for its thread.
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code reportingAddress} (required): the reports' From and the report's {@code email}</li>
 *   <li>{@code orgName} (required): the report's {@code org_name}</li>
 *   <li>{@code submitter}: the receiver domain in the Subject and file name (default: {@code reportingAddress}'s
 *       domain)</li>
 *   <li>{@code extraContactInfo}: the report's {@code extra_contact_info} (default: none)</li>
 *   <li>{@code period}: how long one report covers, whole hours dividing 24 (default {@code 1d}); periods start
 *       at UTC midnight</li>
 *   <li>{@code checkInterval}: how often to look for periods to report (default {@code 15m}); reports go at the
 *       first check after their period ends</li>
 *   <li>{@code lookback}: how long an unsent period is still tried (default {@code 3d})</li>
 *   <li>{@code send}: {@code false} keeps evaluations without sending, for a node that only receives (default
 *       {@code true})</li>
 *   <li>{@code dnsServers} and the other dns* parameters: the DNS client that verifies external destinations</li>
 * </ul>
 * The store is the one {@code conf/postino.properties} configures (the embedded one by default).
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.DmarcAggregateReports">
 *   <reportingAddress>dmarc-reports@example.com</reportingAddress>
 *   <orgName>Example Mail</orgName>
 * </mailet>}</pre>
 */
public class DmarcAggregateReports extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(DmarcAggregateReports.class);

    private final FileSystem fileSystem;
    private final PostinoStore givenStore;
    private final Clock clock;
    private PostinoStore store;
    private DmarcReportStore reports;
    private DnsClient dns;
    private ScheduledExecutorService scheduler;
    private AggregateReportRun run;
    private String reportingAddress;

    /** Test-only: how far ahead of the wall clock the report clock runs (ISO-8601, e.g. {@code P1D}), as for TLS-RPT. */
    static final String REPORT_CLOCK_OFFSET = "postino.dmarc.clockOffset";

    @Inject
    public DmarcAggregateReports(FileSystem fileSystem) {
        this(fileSystem, null, new OffsetPropertyClock(Clock.systemUTC(), REPORT_CLOCK_OFFSET));
    }

    /** For tests: the store given, not James's. */
    DmarcAggregateReports(PostinoStore store, Clock clock) {
        this(null, store, clock);
    }

    private DmarcAggregateReports(FileSystem fileSystem, PostinoStore store, Clock clock) {
        this.fileSystem = fileSystem;
        this.givenStore = store;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), MailetParameters.withDns(
            "reportingAddress", "orgName", "submitter", "extraContactInfo", "period", "checkInterval", "lookback", "send"));
        reportingAddress = parameters.string("reportingAddress", "");
        try {
            new InternetAddress(reportingAddress, true);
            new MailAddress(reportingAddress);
        } catch (AddressException | RuntimeException e) {
            throw parameters.invalid("reportingAddress", reportingAddress, "a mailbox such as dmarc-reports@example.com");
        }
        String orgName = parameters.string("orgName", "");
        if (orgName.isBlank()) {
            throw parameters.invalid("orgName", orgName, "the name of the reporting organization");
        }
        String submitter = parameters.string("submitter", reportingAddress.substring(reportingAddress.lastIndexOf('@') + 1));
        if (!submitter.matches("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+")) {
            throw parameters.invalid("submitter", submitter, "a domain name");
        }
        Duration length = parameters.duration("period", Duration.ofDays(1));
        ReportingPeriod period;
        try {
            period = new ReportingPeriod(length);
        } catch (IllegalArgumentException e) {
            throw parameters.invalid("period", parameters.string("period", "1d"), "whole hours dividing 24 (1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d)");
        }
        Duration checkInterval = parameters.duration("checkInterval", Duration.ofMinutes(15));
        if (checkInterval.compareTo(Duration.ofSeconds(1)) < 0) {
            throw parameters.invalid("checkInterval", parameters.string("checkInterval", ""), "at least 1s");
        }
        Duration lookback = parameters.duration("lookback", Duration.ofDays(3));
        if (lookback.compareTo(length) < 0) {
            throw parameters.invalid("lookback", parameters.string("lookback", ""), "at least one period");
        }
        boolean send = parameters.bool("send", true);
        ReporterIdentity reporter = new ReporterIdentity(orgName, reportingAddress, submitter,
            parameters.string("extraContactInfo", ""), "Postino");

        store = givenStore != null ? givenStore : JamesStores.acquire(fileSystem);
        reports = new JdbcDmarcReportStore(store);
        dns = SharedDnsClients.acquire(parameters.dnsConfig());
        run = new AggregateReportRun(reports, new DestinationVerifier(dns, Duration.ofSeconds(20)), this::sendReport,
            reporter, period, lookback, clock);
        StoreDmarcEvaluationSink.register(reports);
        if (send) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "postino-dmarc-reports");
                thread.setDaemon(true);
                return thread;
            });
            scheduler.scheduleWithFixedDelay(this::runOnce, Math.min(60, checkInterval.toSeconds()),
                checkInterval.toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** One report run now; what the scheduler does at each check. */
    List<AggregateReportRun.Delivery> runOnce() {
        try {
            List<AggregateReportRun.Delivery> deliveries = run.run();
            for (AggregateReportRun.Delivery delivery : deliveries) {
                LOGGER.info("DMARC aggregate report for {} period {} to {}: {} {}", delivery.policyDomain(),
                    delivery.periodBegin(), delivery.destination(), delivery.status(), delivery.detail());
            }
            return deliveries;
        } catch (RuntimeException e) {
            // the store or DNS may be down: the next check tries again
            LOGGER.warn("DMARC aggregate reports not sent this time: {}", e.toString());
            return List.of();
        }
    }

    private void sendReport(dev.postino.core.dmarc.report.AggregateReport report, byte[] gzip,
                            dev.postino.core.dmarc.report.ReportDestination destination) throws MessagingException {
        MimeMessage message = DmarcReportMessage.build(report, gzip, reportingAddress, destination.address(), clock.instant());
        // marked as Postino's own mail, so that the sample's transport sends it through relay, where DkimSign signs it
        getMailetContext().sendMail(NotificationMail.of("DmarcAggregateReports",
            org.apache.james.core.MaybeSender.of(new MailAddress(reportingAddress)), new MailAddress(destination.address()), message));
    }

    @Override
    public void service(Mail mail) {
        // nothing: the mailet lives for its thread and for the evaluations it records
    }

    @Override
    public void destroy() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (reports != null) {
            StoreDmarcEvaluationSink.unregister(reports);
        }
        if (dns != null) {
            SharedDnsClients.release(dns);
        }
        if (store != null && givenStore == null) {
            JamesStores.release(store);
        }
    }

    @Override
    public String getMailetInfo() {
        return "Postino DMARC aggregate reports (RFC 9990)";
    }
}
