package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.delivery.AttemptOutcome.Result;
import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.delivery.testing.MxPeers;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;

/** STARTTLS against a server whose self-signed certificate names mx.example.test (made with the JDK's keytool). */
class SmtpTlsTest {

    private static final char[] PASSWORD = "changeit".toCharArray();
    private static SSLContext serverTls;
    private static SSLContext trustingClient;

    @TempDir
    static Path keys;

    private TestDnsServer dnsServer;
    private DnsClient dns;
    private LocalSmtpServer smtp;
    private MxPeers peers;

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path store = keys.resolve("server.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
            "-alias", "mx", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-dname", "CN=mx.example.test",
            "-ext", "SAN=dns:mx.example.test").redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD);
        }
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keyStore, PASSWORD);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        trusted.setCertificateEntry("mx", keyStore.getCertificate("mx"));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trusted);
        trustingClient = SSLContext.getInstance("TLS");
        trustingClient.init(null, trustManagers.getTrustManagers(), null);
    }

    @BeforeEach
    void start() throws Exception {
        peers = MxPeers.start();
        dnsServer = peers.dnsServer;
        dns = peers.dns;
        smtp = peers.smtp;
        dnsServer.add("other.test. 300 IN MX 10 mx.other.test.").add("mx.other.test. 300 IN A 127.0.0.1");
        smtp.tls = serverTls;
    }

    @AfterEach
    void stop() throws Exception {
        peers.close();
    }

    private AttemptOutcome deliver(String domain, DeliveryOptions options) {
        SmtpDelivery delivery = new SmtpDelivery(dns, options.withPort(smtp.port())
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(10))), Clock.systemUTC(), new Random(1));
        return delivery.deliver(domain, OutboundMessage.of("a@postino.test", List.of("b@" + domain), "Subject: t\r\n\r\nt\r\n"))
            .outcomes().get(0);
    }

    @Test
    void opportunisticTlsIsUsedWhenOfferedWhateverTheCertificate() {
        AttemptOutcome outcome = deliver("other.test", DeliveryOptions.defaults("postino.test"));

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.tlsSessions).hasValue(1);
        assertThat(smtp.commands).containsSubsequence("EHLO postino.test", "STARTTLS", "EHLO postino.test", "MAIL FROM:<a@postino.test> SIZE=17");
    }

    @Test
    void requiredTlsWithAVerifiedCertificateDelivers() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withVerifiedTls(trustingClient)
            .withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = deliver("example.test", options);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.tlsSessions).hasValue(1);
    }

    @Test
    void requiredTlsRefusesACertificateForAnotherName() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withVerifiedTls(trustingClient)
            .withRequireTls(List.of(new DomainPattern("other.test")));

        AttemptOutcome outcome = deliver("other.test", options);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.5"));
        assertThat(outcome.text()).startsWith("TLS with mx.other.test failed: certificate does not name mx.other.test");
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void requiredTlsRefusesAnUntrustedCertificate() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = deliver("example.test", options);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.5"));
        assertThat(outcome.text()).startsWith("TLS with mx.example.test failed: certificate not trusted");
        assertThat(smtp.commands).containsExactly("EHLO postino.test", "STARTTLS");
        assertThat(smtp.data).isEmpty();
    }

    @Test
    void aBrokenOpportunisticHandshakeFallsBackToTheClear() {
        smtp.breakTls = true;

        AttemptOutcome outcome = deliver("example.test", DeliveryOptions.defaults("postino.test"));

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).containsSubsequence("STARTTLS", "EHLO postino.test", "MAIL FROM:<a@postino.test> SIZE=17");
        assertThat(smtp.commands).filteredOn(c -> c.equals("STARTTLS")).hasSize(1);
    }

    @Test
    void aSmarthostGetsAuthOnlyAfterTlsVerifiedAgainstItsName() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withVerifiedTls(trustingClient)
            .withSmarthost(Smarthost.parse("mx.example.test:" + smtp.port()).withCredentials("user", "secret", false));

        AttemptOutcome outcome = deliver("other.test", options);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).containsSubsequence("STARTTLS", "EHLO postino.test", "AUTH PLAIN AHVzZXIAc2VjcmV0",
            "MAIL FROM:<a@postino.test>");
    }

    @Test
    void aSmarthostWhoseCertificateIsNotTrustedNeverGetsThePassword() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        DeliveryOptions options = DeliveryOptions.defaults("postino.test")
            .withSmarthost(Smarthost.parse("mx.example.test:" + smtp.port()).withCredentials("user", "secret", false));

        AttemptOutcome outcome = deliver("other.test", options);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(outcome.status()).isEqualTo(EnhancedStatusCode.parse("4.7.5"));
        assertThat(outcome.text()).contains("certificate not trusted");
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("AUTH") || c.startsWith("MAIL"));
    }

    @Test
    void aSmarthostCertificateForAnotherNameNeverGetsThePassword() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        // The certificate names mx.example.test; the smarthost is reached as 127.0.0.1.
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withVerifiedTls(trustingClient)
            .withSmarthost(Smarthost.parse("127.0.0.1:" + smtp.port()).withCredentials("user", "secret", false));

        AttemptOutcome outcome = deliver("other.test", options);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.text()).contains("certificate does not name 127.0.0.1");
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("AUTH") || c.startsWith("MAIL"));
    }

    @Test
    void aLabSmarthostMayOptOutOfVerificationButNotOfTls() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        Smarthost lab = Smarthost.parse("127.0.0.1:" + smtp.port()).withCredentials("user", "secret", false).withTlsVerify(false);

        AttemptOutcome outcome = deliver("other.test", DeliveryOptions.defaults("postino.test").withSmarthost(lab));

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.tlsSessions).hasValue(1);
        assertThat(smtp.commands).containsSubsequence("STARTTLS", "EHLO postino.test", "AUTH PLAIN AHVzZXIAc2VjcmV0");

        smtp.tls = null;
        smtp.commands.clear();
        AttemptOutcome clear = deliver("other.test", DeliveryOptions.defaults("postino.test").withSmarthost(lab));

        assertThat(clear.result()).isEqualTo(Result.TEMPORARY);
        assertThat(clear.status()).isEqualTo(EnhancedStatusCode.parse("4.7.4"));
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("AUTH") || c.startsWith("MAIL"));
    }

    @Test
    void theRequirementFollowsTheDomainAndTheSmarthostsCredentials() {
        Smarthost plain = Smarthost.parse("relay.test:587");
        Smarthost withAuth = plain.withCredentials("u", "p", false);

        assertThat(TlsRequirement.of(false, null)).isEqualTo(TlsRequirement.OPPORTUNISTIC);
        assertThat(TlsRequirement.of(true, null)).isEqualTo(TlsRequirement.VERIFIED);
        assertThat(TlsRequirement.of(false, plain)).isEqualTo(TlsRequirement.OPPORTUNISTIC);
        assertThat(TlsRequirement.of(false, withAuth)).isEqualTo(TlsRequirement.VERIFIED);
        assertThat(TlsRequirement.of(false, withAuth.withTlsVerify(false))).isEqualTo(TlsRequirement.ENCRYPTED);
        assertThat(TlsRequirement.of(false, plain.withCredentials("u", "p", true))).isEqualTo(TlsRequirement.OPPORTUNISTIC);
        assertThat(TlsRequirement.of(true, withAuth.withTlsVerify(false))).isEqualTo(TlsRequirement.VERIFIED);
    }
}
