package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.commons.configuration2.BaseHierarchicalConfiguration;
import org.apache.james.core.MailAddress;
import org.apache.james.protocols.smtp.SMTPSession;
import org.apache.james.protocols.smtp.hook.HookResult;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.Mailet;
import org.apache.mailet.Matcher;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.james.attributes.AuthenticationAttributes;
import dev.postino.james.matchers.DkimResultIs;
import dev.postino.james.matchers.DmarcDispositionIs;
import dev.postino.james.matchers.DmarcResultIs;
import dev.postino.james.matchers.HasDkimPass;
import dev.postino.james.matchers.IprevResultIs;
import dev.postino.james.matchers.SpfResultIs;
import dev.postino.james.smtp.DmarcRejectHook;

/**
 * The attribute contract end to end, without James: the matchers select by what the mailets and the SMTP-time hook
 * wrote, each verdict is written once (a later step reads it and does not evaluate again), and DKIM's header.i
 * survives from DkimVerify through the attributes into the Authentication-Results field.
 */
class AttributeContractTest {

    private static final String CLIENT = "192.0.2.1";

    private TestDnsServer dns;
    private byte[] signed;
    private final java.util.List<Mailet> mailets = new java.util.ArrayList<>();
    private DmarcRejectHook hook;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        try (InputStream keys = resource("dkim/rfc8463/dns.txt")) {
            for (String line : new String(keys.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.contains("\t")) {
                    dns.addTxt(line.substring(0, line.indexOf('\t')), line.substring(line.indexOf('\t') + 1).trim());
                }
            }
        }
        try (InputStream message = resource("dkim/rfc8463/message.crlf.eml")) {
            signed = message.readAllBytes();
        }
        dns.addTxt("pass.test", "v=spf1 ip4:" + CLIENT + " -all")
            .addTxt("_dmarc.football.example.com", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=quarantine")
            .add("1.2.0.192.in-addr.arpa. 300 IN PTR mx.pass.test.")
            .add("mx.pass.test. 300 IN A " + CLIENT);
    }

    @AfterEach
    void stop() {
        mailets.forEach(Mailet::destroy);
        if (hook != null) {
            hook.destroy();
        }
        dns.close();
    }

    private static InputStream resource(String name) {
        InputStream in = AttributeContractTest.class.getClassLoader().getResourceAsStream(name);
        assertThat(in).as(name).isNotNull();
        return in;
    }

    private <M extends Mailet> M mailet(M mailet, String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName(mailet.getClass().getSimpleName())
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "2s");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
        mailets.add(mailet);
        return mailet;
    }

    private static boolean matches(Matcher matcher, String condition, Mail mail) throws MessagingException {
        matcher.init(FakeMatcherConfig.builder().matcherName(matcher.getClass().getSimpleName()).condition(condition).build());
        return !matcher.match(mail).isEmpty();
    }

    private Mail mail(byte[] raw) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        FakeMail.Builder builder = FakeMail.builder().name("m").sender(new MailAddress("bob@pass.test"))
            .recipient("suzie@shopping.example.net").mimeMessage(message)
            .attribute(new Attribute(Mail.SMTP_HELO, AttributeValue.of("mx.pass.test"))).remoteAddr(CLIENT);
        return builder.build();
    }

    /** The sample chain's Postino steps, in its order. */
    private void chain(Mail mail) throws MessagingException {
        for (Mailet mailet : mailets) {
            mailet.service(mail);
        }
    }

    private void sampleChain() throws MessagingException {
        mailet(new DkimVerify(), "clockSkew", "3650d"); // the RFC 8463 example is dated 2018
        mailet(new IprevCheck());
        mailet(new SpfCheck(), "receiver", "mx.postino.test", "trustedNetworks", "none");
        mailet(new AuthenticationCheck(), "authservId", "mx.postino.test", "trustedNetworks", "none");
    }

    private static String[] fields(Mail mail, String name) throws MessagingException {
        String[] fields = mail.getMessage().getHeader(name);
        return fields == null ? new String[0] : fields;
    }

    @Test
    void theMatchersSelectByWhatTheMailetsWrote() throws Exception {
        sampleChain();
        Mail mail = mail(signed);

        chain(mail);

        assertThat(matches(new DkimResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new DkimResultIs(), "fail,none", mail)).isFalse();
        assertThat(matches(new HasDkimPass(), "FOOTBALL.example.com", mail)).isTrue();
        assertThat(matches(new SpfResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new IprevResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new DmarcResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new DmarcDispositionIs(), "none", mail)).isTrue();
    }

    @Test
    void headerISurvivesTheDkimRoundTripIntoTheField() throws Exception {
        sampleChain();
        Mail mail = mail(signed);

        chain(mail);

        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.DKIM_SIGNATURES).orElseThrow())
            .contains("\"identity\":\"@football.example.com\"");
        String field = fields(mail, "Authentication-Results")[0].replace("\r\n\t", " ");
        assertThat(field).contains("dkim=pass (signature verified) header.d=football.example.com"
            + " header.i=@football.example.com header.s=brisbane");
    }

    @Test
    void eachVerdictIsWrittenOnceAndTheFieldHasIprevSpfDkimAndDmarc() throws Exception {
        sampleChain();
        Mail mail = mail(signed);

        chain(mail);

        // the second look (AuthenticationCheck) asked DNS nothing the first ones (SpfCheck, IprevCheck) had asked
        assertThat(dns.queries("pass.test", "TXT")).isEqualTo(1);
        assertThat(dns.queries("1.2.0.192.in-addr.arpa", "PTR")).isEqualTo(1);
        assertThat(fields(mail, "Authentication-Results")).hasSize(1);
        String field = fields(mail, "Authentication-Results")[0].replace("\r\n\t", " ");
        assertThat(field).startsWith("mx.postino.test; spf=pass ")
            .contains("; dkim=pass ", "; dmarc=pass ", "; iprev=pass (mx.pass.test) policy.iprev=192.0.2.1");
        assertThat(fields(mail, "Received-SPF")).hasSize(1);
    }

    @Test
    void afterTheSmtpHookTheMailetsAddTheReceivedSpfItRenderedAndEvaluateNothingAgain() throws Exception {
        hook = new DmarcRejectHook();
        BaseHierarchicalConfiguration configuration = new BaseHierarchicalConfiguration();
        configuration.addProperty("dnsServers", dns.hostPort());
        configuration.addProperty("dnsQueryTimeout", "2s");
        configuration.addProperty("authservId", "mx.postino.test");
        configuration.addProperty("trustedNetworks", "none");
        hook.init(configuration);
        sampleChain();
        Mail mail = mail("From: Bank <service@bank.test>\r\nSubject: s\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(hook.onMessage(session(), mail)).isEqualTo(HookResult.DECLINED);
        // at SMTP time: the A-R field with every method, the Received-SPF only as an attribute
        assertThat(fields(mail, "Authentication-Results")).hasSize(1);
        assertThat(fields(mail, "Authentication-Results")[0].replace("\r\n\t", " "))
            .contains("spf=pass ", "dkim=none ", "dmarc=fail ", "iprev=pass ");
        assertThat(fields(mail, "Received-SPF")).isEmpty();
        String rendered = AuthenticationAttributes.read(mail, AuthenticationAttributes.SPF_RECEIVED).orElseThrow();
        int queries = dns.udpQueries() + dns.tcpQueries();

        chain(mail);

        assertThat(dns.udpQueries() + dns.tcpQueries()).isEqualTo(queries);
        assertThat(fields(mail, "Received-SPF")).containsExactly(rendered);
        assertThat(rendered).startsWith("pass (mx.postino.test: ");
        assertThat(fields(mail, "Authentication-Results")).hasSize(1);
        assertThat(matches(new DmarcDispositionIs(), "quarantine", mail)).isTrue();
        assertThat(matches(new IprevResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new SpfResultIs(), "pass", mail)).isTrue();
        assertThat(matches(new DkimResultIs(), "none", mail)).isTrue();
    }

    /** An SMTP session from {@link #CLIENT} that said EHLO mx.pass.test and did not authenticate. */
    private static SMTPSession session() {
        return (SMTPSession) Proxy.newProxyInstance(AttributeContractTest.class.getClassLoader(),
            new Class<?>[] {SMTPSession.class}, (proxy, method, args) -> switch (method.getName()) {
                case "getRemoteAddress" -> new InetSocketAddress(CLIENT, 40000);
                case "getAttachment" -> args[0] == SMTPSession.CURRENT_HELO_NAME ? Optional.of("mx.pass.test") : Optional.empty();
                case "getUsername" -> null;
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }
}
