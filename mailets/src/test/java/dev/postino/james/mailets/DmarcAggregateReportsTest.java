package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import javax.mail.MessagingException;
import javax.mail.Multipart;
import javax.mail.Part;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeUtility;

import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import dev.postino.core.dmarc.report.AggregateReportRun;
import dev.postino.core.dmarc.report.ReportingPeriod;
import dev.postino.core.dmarc.report.testing.ReportXml;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

/**
 * AuthenticationCheck evaluates mail against a loopback DNS server; DmarcAggregateReports keeps the evaluations in
 * an embedded store and sends the day's report as a mail through the MailetContext.
 */
class DmarcAggregateReportsTest {

    @TempDir
    Path directory;

    private TestDnsServer dns;
    private StoreBackends.TestStore backend;
    private PostinoStore store;
    private AuthenticationCheck check;
    private DmarcAggregateReports reports;
    private FakeMailContext context;
    private final Instant tomorrow = ReportingPeriod.daily().beginOf(Instant.now()).plus(Duration.ofDays(1))
        .plus(Duration.ofMinutes(30));

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:192.0.2.1 -all")
            .addTxt("_dmarc.pass.test", "v=DMARC1; p=reject; rua=mailto:dmarc@pass.test")
            .addTxt("_dmarc.norua.test", "v=DMARC1; p=reject");
        backend = StoreBackends.embedded(directory);
        store = PostinoStore.open(backend.config());
        context = FakeMailContext.defaultContext();
        check = new AuthenticationCheck();
        check.init(FakeMailetConfig.builder().mailetName("AuthenticationCheck").mailetContext(context)
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "1s")
            .setProperty("authservId", "mx.postino.test").setProperty("trustedNetworks", "none").build());
    }

    @AfterEach
    void stop() {
        if (reports != null) {
            reports.destroy();
        }
        check.destroy();
        store.close();
        backend.close();
        dns.close();
    }

    private void initReports(String... parameters) throws MessagingException {
        reports = new DmarcAggregateReports(store, Clock.fixed(tomorrow, ZoneOffset.UTC));
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("DmarcAggregateReports")
            .mailetContext(context).setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "1s")
            .setProperty("reportingAddress", "dmarc-reports@mx.postino.test").setProperty("orgName", "Postino Test");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        reports.init(config.build());
    }

    private void receive(String ip, String sender, String from) throws Exception {
        Mail mail = FakeMail.builder().name("m").remoteAddr(ip).remoteHost("client.test")
            .sender(new MailAddress(sender)).recipient("alice@postino.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().setSubject("hello").setText("body").addHeader("From", from))
            .attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of("mx.sender.test"))).build();
        check.service(mail);
    }

    private void receiveTheDay() throws Exception {
        for (int i = 0; i < 3; i++) {
            receive("192.0.2.1", "bob@pass.test", "bob@pass.test");
        }
        for (int i = 0; i < 2; i++) {
            receive("198.51.100.9", "eve@pass.test", "eve@pass.test");
        }
        receive("192.0.2.1", "bob@norua.test", "bob@norua.test");
    }

    @Test
    void theDaysReportIsSentOnceAsAMailWithTheGzipAttached() throws Exception {
        initReports("send", "false");
        receiveTheDay();

        List<AggregateReportRun.Delivery> first = reports.runOnce();
        List<AggregateReportRun.Delivery> second = reports.runOnce();

        assertThat(first).extracting(AggregateReportRun.Delivery::policyDomain, AggregateReportRun.Delivery::status)
            .containsExactly(tuple("pass.test", AggregateReportRun.Status.SENT));
        assertThat(second).extracting(AggregateReportRun.Delivery::status)
            .containsExactly(AggregateReportRun.Status.ALREADY_SENT);
        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail sent = context.getSentMails().get(0);
        assertThat(sent.getSender().asString()).isEqualTo("dmarc-reports@mx.postino.test");
        assertThat(sent.getRecipients()).containsExactly(new MailAddress("dmarc@pass.test"));

        MimeMessage message = sent.getMsg();
        String subject = MimeUtility.unfold(message.getHeader("Subject", null));
        assertThat(subject).matches("Report Domain: pass\\.test Submitter: mx\\.postino\\.test Report-ID: <[^>]+>");
        Part attachment = attachment(message);
        assertThat(attachment.getContentType()).startsWith("application/gzip");
        Instant begin = tomorrow.minus(Duration.ofMinutes(30)).minus(Duration.ofDays(1));
        assertThat(attachment.getFileName()).isEqualTo("mx.postino.test!pass.test!" + begin.getEpochSecond() + "!"
            + (begin.getEpochSecond() + 86_399) + ".xml.gz");
        byte[] xml = ReportXml.gunzip(attachment.getInputStream().readAllBytes());
        ReportXml.validate(xml);
        Document document = ReportXml.parse(xml);
        assertThat(document.getDocumentElement().getNamespaceURI()).isEqualTo(ReportXml.NAMESPACE);
        assertThat(subject).endsWith("<" + ReportXml.text(document, "report_id") + ">");
        assertThat(ReportXml.rows(document)).extracting(ReportXml.Row::sourceIp, ReportXml.Row::disposition,
            ReportXml.Row::spf, ReportXml.Row::envelopeTo, ReportXml.Row::count).containsExactlyInAnyOrder(
            tuple("192.0.2.1", "pass", "pass", "postino.test", 3L),
            tuple("198.51.100.9", "reject", "fail", "postino.test", 2L));
    }

    @Test
    void theSchedulerSendsWithoutBeingAsked() throws Exception {
        initReports("checkInterval", "1s");
        receiveTheDay();

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (context.getSentMails().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }

        assertThat(context.getSentMails()).extracting(m -> m.getRecipients().iterator().next().asString())
            .containsExactly("dmarc@pass.test");
    }

    @Test
    void aBadReportingAddressRefusesToStartNamingIt() {
        assertThatThrownBy(() -> initReports("reportingAddress", "not an address"))
            .isInstanceOf(MessagingException.class)
            .hasMessageContaining("reportingAddress").hasMessageContaining("not an address");
        assertThatThrownBy(() -> initReports("period", "5h")).hasMessageContaining("period");
    }

    private static Part attachment(MimeMessage message) throws Exception {
        Multipart multipart = (Multipart) message.getContent();
        for (int i = 0; i < multipart.getCount(); i++) {
            if (Part.ATTACHMENT.equalsIgnoreCase(multipart.getBodyPart(i).getDisposition())) {
                return multipart.getBodyPart(i);
            }
        }
        throw new AssertionError("no attachment");
    }
}
