package dev.postino.james.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.commons.configuration2.ex.ConfigurationException;
import org.apache.james.core.MailAddress;
import org.apache.james.metrics.dropwizard.DropWizardMetricFactory;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.james.mailets.PostinoMetrics;

/** The hook's metrics, through James's own Dropwizard MetricFactory: what it refuses or defers, and nothing else. */
class DmarcRejectHookMetricsTest {

    private final MetricRegistry registry = new MetricRegistry();
    private TestDnsServer dns;
    private DmarcRejectHook hook;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:192.0.2.1 -all").addTxt("_dmarc.pass.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        dns.inject("_dmarc.slow.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        hook = new DmarcRejectHook(new PostinoMetrics(new DropWizardMetricFactory(registry), null, registry));
    }

    @AfterEach
    void stop() {
        hook.destroy();
        dns.close();
    }

    private void init(String... parameters) throws Exception {
        hook.init(DmarcRejectHookTest.configuration(dns, parameters));
    }

    private static SMTPSession session() {
        return DmarcRejectHookTest.session();
    }

    private static Mail mail(String from) throws Exception {
        return DmarcRejectHookTest.mail(from);
    }

    /** Refused before DMARC runs: logged, but not a DMARC disposition. */
    private static Mail bareCr() throws Exception {
        String message = "From: bob@pass.test\r\nSubject: s\rX-Injected: 1\r\n\r\nbody\r\n";
        return FakeMail.builder().name("cr").sender(new MailAddress("bob@pass.test")).recipient("alice@postino.test")
            .mimeMessage(new org.apache.james.server.core.MimeMessageWrapper(
                org.apache.james.server.core.MimeMessageInputStreamSource.create("cr",
                    new java.io.ByteArrayInputStream(message.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)))))
            .build();
    }

    private long count(String name) {
        return registry.getMeters().containsKey(name) ? registry.meter(name).getCount() : 0;
    }

    @Test
    void refusalsAndDeferralsAreCountedAcceptedMailIsLeftToTheMailets() throws Exception {
        init();

        hook.onMessage(session(), mail("service@bank.test"));
        hook.onMessage(session(), mail("news@slow.test"));
        hook.onMessage(session(), mail("bob@pass.test"));
        assertThat(hook.onMessage(session(), bareCr()).getSmtpDescription()).startsWith("5.6.0 ");

        assertThat(count("postino_dmarc_disposition_smtp_reject")).isEqualTo(1);
        assertThat(count("postino_dmarc_disposition_smtp_defer")).isEqualTo(1);
        assertThat(count("postino_auth_dmarc_fail")).isEqualTo(1);
        assertThat(count("postino_auth_dmarc_temperror")).isEqualTo(1);
        // the accepted mail is counted once, by AuthenticationCheck after acceptance
        assertThat(count("postino_auth_dmarc_pass")).isZero();
        assertThat(count("postino_auth_spf_pass")).isEqualTo(2);
    }

    @Test
    void anUnknownLogFormatRefusesTheStartNamingIt() {
        assertThatThrownBy(() -> init("authLogFormat", "xml")).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("authLogFormat").hasMessageContaining("xml");
    }
}
