package dev.postino.james.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.james.protocols.smtp.hook.HookReturnCode;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

class DmarcRejectHookTest {

    private TestDnsServer dns;
    private DmarcRejectHook hook;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("pass.test", "v=spf1 ip4:192.0.2.1 -all")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.shop.test", "v=DMARC1; p=quarantine");
        dns.inject("_dmarc.slow.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        hook = new DmarcRejectHook();
    }

    @AfterEach
    void stop() {
        hook.destroy();
        dns.close();
    }

    private void init(String... parameters) throws Exception {
        hook.init(configuration(dns, parameters));
    }

    /** The hook's configuration as smtpserver.xml gives it, asking {@code dns}, plus name/value {@code parameters}. */
    static BaseHierarchicalConfiguration configuration(TestDnsServer dns, String... parameters) {
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("[@class]", DmarcRejectHook.class.getName());
        configuration.addProperty("dnsServers", dns.hostPort());
        configuration.addProperty("dnsQueryTimeout", "1s");
        configuration.addProperty("authservId", "mx.postino.test");
        for (int i = 0; i < parameters.length; i += 2) {
            configuration.addProperty(parameters[i], parameters[i + 1]);
        }
        return configuration;
    }

    /** An SMTP session from 192.0.2.1 that said EHLO mx.pass.test and did not authenticate. */
    static SMTPSession session() {
        return (SMTPSession) Proxy.newProxyInstance(DmarcRejectHookTest.class.getClassLoader(),
            new Class<?>[] {SMTPSession.class}, (proxy, method, args) -> switch (method.getName()) {
                case "getRemoteAddress" -> new InetSocketAddress("192.0.2.1", 40000);
                case "getAttachment" -> args[0] == SMTPSession.CURRENT_HELO_NAME ? Optional.of("mx.pass.test") : Optional.empty();
                case "getUsername" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    static Mail mail(String from) throws Exception {
        // the hook runs before James copies the client address onto the mail: it is still the default
        return FakeMail.builder().name("m").sender(new MailAddress("bob@pass.test")).recipient("alice@postino.test")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().addHeader("From", from).setSubject("s").setText("b"))
            .build();
    }

    @Test
    void rejectPolicyFailureIsRefusedWith55726() throws Exception {
        init();
        Mail mail = mail("service@bank.test");

        HookResult result = hook.onMessage(session(), mail);

        assertThat(result.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).startsWith("5.7.26 DMARC policy of bank.test is to reject");
    }

    @Test
    void rejectStatusCanBe571() throws Exception {
        init("rejectStatus", "5.7.1");

        assertThat(hook.onMessage(session(), mail("service@bank.test")).getSmtpDescription()).startsWith("5.7.1 ");
    }

    @Test
    void temperrorIsATemporaryRefusalUnlessTurnedOff() throws Exception {
        init();
        HookResult result = hook.onMessage(session(), mail("news@slow.test"));
        assertThat(result.getResult()).isEqualTo(HookReturnCode.denySoft());
        assertThat(result.getSmtpRetCode()).isEqualTo("451");
        assertThat(result.getSmtpDescription()).startsWith("4.7.0 ");

        hook.destroy();
        hook = new DmarcRejectHook();
        init("deferOnTemperror", "false");
        assertThat(hook.onMessage(session(), mail("news@slow.test"))).isEqualTo(HookResult.DECLINED);
    }

    @Test
    void quarantineIsAcceptedWithTheVerdictsLeftForTheMailets() throws Exception {
        init();
        Mail mail = mail("news@shop.test");

        assertThat(hook.onMessage(session(), mail)).isEqualTo(HookResult.DECLINED);
        assertThat(mail.getAttribute(AttributeName.of("postino.dmarc.disposition")).orElseThrow().getValue().value())
            .isEqualTo("quarantine");
        assertThat(mail.getMessage().getHeader("Authentication-Results")[0]).contains("dmarc=fail");
    }

    /** A mail held as James holds one received over SMTP: a wrapper over the octets as they came. */
    private static Mail raw(String message) throws Exception {
        MimeMessageWrapper wrapper = new MimeMessageWrapper(MimeMessageInputStreamSource.create("raw",
            new ByteArrayInputStream(message.getBytes(StandardCharsets.ISO_8859_1))));
        return FakeMail.builder().name("m").sender(new MailAddress("bob@pass.test")).recipient("alice@postino.test")
            .mimeMessage(wrapper).build();
    }

    private static String attribute(Mail mail, String name) {
        return (String) mail.getAttribute(AttributeName.of(name)).orElseThrow().getValue().value();
    }

    @Test
    void aBareCrInTheHeaderSectionIsRefusedWith560WhateverDmarcSays() throws Exception {
        dns.addTxt("_dmarc.pass.test", "v=DMARC1; p=quarantine");
        init();
        String honest = "From: Bob <bob@pass.test>\r\nSubject: s\r\n\r\nbody\r\n";
        String smuggled = "From: Bob <bob@pass.test>\r\nSubject: s\r\n\r\r\nFrom: other@elsewhere.test\r\n\r\nbody\r\n";

        assertThat(hook.onMessage(session(), raw(honest))).isEqualTo(HookResult.DECLINED);
        HookResult refused = hook.onMessage(session(), raw(smuggled));

        assertThat(refused.getResult()).isEqualTo(HookReturnCode.deny());
        assertThat(refused.getSmtpRetCode()).isEqualTo("550");
        assertThat(refused.getSmtpDescription()).startsWith("5.6.0 ").contains("bare CR");
        assertThat(hook.onMessage(session(), raw("From: Bob <bob@pass.test>\r\nX-Note: a\rb\r\n\r\nbody\r\n"))
            .getSmtpDescription()).startsWith("5.6.0 ");
        assertThat(hook.onMessage(session(), raw("From: Bob <bob@pass.test>\nSubject: s\r\n\r\nbody\r\n")))
            .as("mixed line ends are accepted").isEqualTo(HookResult.DECLINED);
    }

    @Test
    void withTheRefusalOffABareCrStillNeverPassesDmarc() throws Exception {
        dns.addTxt("_dmarc.pass.test", "v=DMARC1; p=quarantine");
        init("refuseBareCr", "false");
        Mail honest = raw("From: Bob <bob@pass.test>\r\nSubject: s\r\n\r\nbody\r\n");
        Mail malformed = raw("From: Bob <bob@pass.test>\r\nX-Note: a\rb\r\n\r\nbody\r\n");

        assertThat(hook.onMessage(session(), honest)).isEqualTo(HookResult.DECLINED);
        assertThat(hook.onMessage(session(), malformed)).isEqualTo(HookResult.DECLINED);

        assertThat(attribute(honest, "postino.dmarc.result")).isEqualTo("pass");
        assertThat(attribute(malformed, "postino.dmarc.result")).isEqualTo("fail");
        assertThat(attribute(malformed, "postino.dmarc.disposition")).isEqualTo("quarantine");
        assertThat(attribute(malformed, "postino.dmarc.reason")).startsWith("bare CR in the header section");
    }

    @Test
    void anAmbiguousFromShowingARejectDomainIsRefusedEvenIfAnotherDomainPasses() throws Exception {
        init();
        // SPF passes for pass.test; a reader is also shown bank.test (p=reject)
        HookResult result = hook.onMessage(session(), mail("\"CEO\" <ceo@bank.test> <bob@pass.test>"));

        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).startsWith("5.7.26 DMARC policy of bank.test");
    }

    @Test
    void aFromWithoutAUsableDomainIsRefusedUnlessConfiguredOtherwise() throws Exception {
        init();
        HookResult result = hook.onMessage(session(), mail("undisclosed-recipients:;"));
        assertThat(result.getSmtpRetCode()).isEqualTo("550");
        assertThat(result.getSmtpDescription()).startsWith("5.7.26 DMARC: the From field cannot be authenticated");

        hook.destroy();
        hook = new DmarcRejectHook();
        init("unusableFromDisposition", "quarantine");
        Mail mail = mail("undisclosed-recipients:;");
        assertThat(hook.onMessage(session(), mail)).isEqualTo(HookResult.DECLINED);
        assertThat(mail.getAttribute(AttributeName.of("postino.dmarc.disposition")).orElseThrow().getValue().value())
            .isEqualTo("quarantine");
    }

    @Test
    void refusesBadParameters() {
        assertThatThrownBy(() -> init("unusableFromDisposition", "drop"))
            .hasMessageContaining("unusableFromDisposition='drop' is not valid");
        assertThatThrownBy(() -> init("rejectStatus", "5.7.0")).hasMessageContaining("rejectStatus='5.7.0' is not valid");
        assertThatThrownBy(() -> init("rejectstatus", "5.7.1")).hasMessageContaining("unknown init parameter 'rejectstatus'");
        assertThatThrownBy(() -> init("refuseBareCr", "maybe")).hasMessageContaining("refuseBareCr='maybe' is not valid");
    }
}
