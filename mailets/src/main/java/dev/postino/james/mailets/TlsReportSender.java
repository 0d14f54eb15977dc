package dev.postino.james.mailets;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

import javax.activation.DataHandler;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.util.ByteArrayDataSource;

import org.apache.james.core.MailAddress;
import org.apache.mailet.MailetContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dmarc.report.AggregateReportRun;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.mtasts.StsPolicyLookup;
import dev.postino.core.tlsrpt.TlsReport;
import dev.postino.core.tlsrpt.TlsReportStore;
import dev.postino.core.tlsrpt.TlsRptRecord;

/**
 * Sends the daily TLS reports (RFC 8460 section 5): for each (UTC day, policy domain) with counted sessions, once
 * the day ended {@link AggregateReportRun#SETTLE} ago (a node whose clock runs behind still counts into it), claims
 * it in the {@link TlsReportStore} ledger (so that it goes once, across restarts and cluster nodes), reads the
 * domain's {@code _smtp._tls} record, and sends the gzipped JSON report to each {@code rua}: a {@code mailto:} as a
 * {@code multipart/report; report-type="tlsrpt"} mail handed to a James processor, an {@code https:} as a POST with
 * {@code application/tlsrpt+gzip}. A domain without a record is claimed and skipped; a report that reached no
 * destination is given back and tried again (see {@code giveBack}). Never throws.
 */
final class TlsReportSender {

    private static final Logger LOGGER = LoggerFactory.getLogger(TlsReportSender.class);
    private static final int MAX_PER_RUN = 200;
    /** Counts older than this many days are dropped: their reports went long ago. */
    static final int KEEP_DAYS = 31;

    private final TlsReportStore store;
    private final StsPolicyLookup.TxtLookup dns;
    private final MailetContext mailetContext;
    private final HttpClient http;
    private final MtaStsParameters parameters;
    private final String submitter;
    private final Clock clock;

    TlsReportSender(TlsReportStore store, StsPolicyLookup.TxtLookup dns, MailetContext mailetContext, HttpClient http,
                    MtaStsParameters parameters, String submitter, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.dns = Objects.requireNonNull(dns, "dns");
        this.mailetContext = Objects.requireNonNull(mailetContext, "mailetContext");
        this.http = Objects.requireNonNull(http, "http");
        this.parameters = Objects.requireNonNull(parameters, "parameters");
        this.submitter = Objects.requireNonNull(submitter, "submitter");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Sends every report due now; returns how many (day, domain) reports it claimed. */
    int sendDue() {
        int claimed = 0;
        try {
            LocalDate today = LocalDate.ofInstant(clock.instant().minus(AggregateReportRun.SETTLE), ZoneOffset.UTC);
            for (TlsReportStore.DayDomain due : store.unreported(today, MAX_PER_RUN)) {
                if (!store.claim(due.day(), due.domain())) {
                    continue; // another node has it
                }
                claimed++;
                send(due);
            }
            store.forgetBefore(today.minusDays(KEEP_DAYS));
        } catch (RuntimeException e) {
            LOGGER.warn("TLS reports: cannot look for due reports: {}", e.toString());
        }
        return claimed;
    }

    private void send(TlsReportStore.DayDomain due) {
        boolean tryAgain = false; // reached no destination, for a reason that may pass
        try {
            DnsResult<String> txt = dns.txt("_smtp._tls." + due.domain());
            if (txt.isTemporaryFailure()) {
                LOGGER.warn("TLS report of {} for {}: the _smtp._tls lookup failed for now", due.domain(), due.day());
                tryAgain = true;
                return;
            }
            Optional<TlsRptRecord> record = txt.hasRecords() ? TlsRptRecord.select(txt.values()) : Optional.empty();
            if (record.isEmpty()) {
                LOGGER.debug("TLS report of {} for {}: no _smtp._tls record, not sent", due.domain(), due.day());
                return;
            }
            TlsReport report = new TlsReport(parameters.organization(), "mailto:" + parameters.contact(), submitter,
                due.day(), due.domain(), store.counts(due.day(), due.domain()));
            byte[] gzipped = report.gzipped();
            int delivered = 0;
            for (URI uri : record.get().rua()) {
                try {
                    if (uri.getScheme().equalsIgnoreCase("mailto")) {
                        mail(report, gzipped, TlsRptRecord.mailbox(uri));
                    } else {
                        post(uri, gzipped);
                    }
                    delivered++;
                    LOGGER.info("TLS report {} sent to {}", report.reportId(), uri);
                } catch (IOException | MessagingException | RuntimeException e) {
                    LOGGER.warn("TLS report {} not sent to {}: {}", report.reportId(), uri, e.toString());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    tryAgain = delivered == 0;
                    return;
                }
            }
            // a report some destination has is not sent again: the others would get it twice
            tryAgain = delivered == 0;
        } catch (RuntimeException e) {
            LOGGER.warn("TLS report of {} for {} not sent: {}", due.domain(), due.day(), e.toString());
            tryAgain = true;
        } finally {
            if (tryAgain) {
                giveBack(due);
            }
        }
    }

    /**
     * A report that reached no destination is claimed again by a later look, for up to a day after the day's end
     * (RFC 8460 section 5.4: redelivery SHOULD be tried for up to 24 hours); after that it stays claimed, unsent.
     */
    private void giveBack(TlsReportStore.DayDomain due) {
        if (!clock.instant().isBefore(due.day().plusDays(2).atStartOfDay(ZoneOffset.UTC).toInstant())) {
            LOGGER.warn("TLS report of {} for {}: no destination took it within a day; given up", due.domain(), due.day());
            return;
        }
        try {
            store.release(due.day(), due.domain());
            LOGGER.info("TLS report of {} for {}: tried again at the next look", due.domain(), due.day());
        } catch (RuntimeException e) {
            LOGGER.warn("TLS report of {} for {}: cannot give the claim back ({}); not sent", due.domain(), due.day(), e.toString());
        }
    }

    private void mail(TlsReport report, byte[] gzipped, String to) throws MessagingException {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()));
        message.setFrom(parameters.contact());
        message.setRecipients(javax.mail.Message.RecipientType.TO, to);
        message.setSubject("Report Domain: " + report.domain() + " Submitter: " + submitter + " Report-ID: <"
            + report.reportId() + ">");
        message.setHeader("TLS-Report-Domain", report.domain());
        message.setHeader("TLS-Report-Submitter", submitter);
        message.setSentDate(java.util.Date.from(clock.instant()));
        MimeBodyPart text = new MimeBodyPart();
        text.setText("This is an aggregate TLS report from " + submitter + " for " + report.domain() + ", "
            + report.day() + " (UTC).\n", "UTF-8");
        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(gzipped, "application/tlsrpt+gzip")));
        attachment.setFileName(report.fileName());
        attachment.setHeader("Content-Type", "application/tlsrpt+gzip; name=\"" + report.fileName() + "\"");
        MimeMultipart multipart = new MimeMultipart("report; report-type=\"tlsrpt\"");
        multipart.addBodyPart(text);
        multipart.addBodyPart(attachment);
        message.setContent(multipart);
        message.saveChanges();
        // marked as Postino's own mail, so that DkimSign in the report processor signs it
        mailetContext.sendMail(NotificationMail.of("TlsReportSender",
            org.apache.james.core.MaybeSender.of(new MailAddress(parameters.contact())), new MailAddress(to), message),
            parameters.reportProcessor());
    }

    private void post(URI uri, byte[] gzipped) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/tlsrpt+gzip").POST(HttpRequest.BodyPublishers.ofByteArray(gzipped)).build();
        HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("HTTP status " + response.statusCode());
        }
    }
}
