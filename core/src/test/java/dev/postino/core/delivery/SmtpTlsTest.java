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
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.FailureClass;

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
        dnsServer = TestDnsServer.start();
        dnsServer.add("example.test. 300 IN MX 10 mx.example.test.").add("mx.example.test. 300 IN A 127.0.0.1")
            .add("other.test. 300 IN MX 10 mx.other.test.").add("mx.other.test. 300 IN A 127.0.0.1");
        dns = DnsClient.create(DnsConfig.defaults().withServers(List.of(dnsServer.address()))
            .withQueryTimeout(Duration.ofSeconds(2)).withRetries(0));
        smtp = LocalSmtpServer.start();
        smtp.tls = serverTls;
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
        dns.close();
        dnsServer.close();
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
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("MAIL"));
    }

    @Test
    void requiredTlsRefusesAnUntrustedCertificate() {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withRequireTls(List.of(new DomainPattern("example.test")));

        AttemptOutcome outcome = deliver("example.test", options);

        assertThat(outcome.result()).isEqualTo(Result.TEMPORARY);
        assertThat(outcome.failureClass()).isEqualTo(FailureClass.TLS);
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
    void aSmarthostGetsAuthOnlyAfterTls() {
        smtp.extensions = List.of("AUTH PLAIN LOGIN");
        DeliveryOptions options = DeliveryOptions.defaults("postino.test")
            .withSmarthost(Smarthost.parse("127.0.0.1:" + smtp.port()).withCredentials("user", "secret", false));

        AttemptOutcome outcome = deliver("example.test", options);

        assertThat(outcome.result()).as(outcome.toString()).isEqualTo(Result.DELIVERED);
        assertThat(smtp.commands).containsSubsequence("STARTTLS", "EHLO postino.test", "AUTH PLAIN AHVzZXIAc2VjcmV0",
            "MAIL FROM:<a@postino.test>");
    }
}
