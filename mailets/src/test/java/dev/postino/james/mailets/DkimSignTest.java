package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.dkim.DkimAlgorithm;
import dev.postino.core.dkim.DkimOptions;
import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimSigningKey;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dkim.testing.DkimInteropVerifiers;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;

/** DkimSign: what it signs (our users' and our own mail), what it refuses to sign, and how it refuses to start. */
class DkimSignTest {

    @TempDir
    static Path conf;

    private static TestDnsServer dns;
    private static DnsClient client;
    private static final Map<String, String> RECORDS = new LinkedHashMap<>();

    private static final String MESSAGE = "From: Mario <mario@postino.test>\r\n"
        + "To: ann@remote.test\r\n"
        + "Subject: hello\r\n"
        + "Date: Sun, 22 Nov 2026 10:00:00 +0000\r\n"
        + "Message-ID: <m1@postino.test>\r\n"
        + "\r\n"
        + "Ciao Ann.\r\n";

    @BeforeAll
    static void keys() throws Exception {
        dns = TestDnsServer.start();
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
            .withQueryTimeout(Duration.ofSeconds(2)).withRetries(0).withCacheSize(0));
        for (DkimSigningKey key : List.of(
            DkimSigningKey.generate("postino.test", "ed1", DkimAlgorithm.ED25519_SHA256, 0),
            DkimSigningKey.generate("postino.test", "rsa1", DkimAlgorithm.RSA_SHA256, 2048),
            DkimSigningKey.generate("postino.test", "rsa2", DkimAlgorithm.RSA_SHA256, 2048),
            DkimSigningKey.generate("other.test", "ed1", DkimAlgorithm.ED25519_SHA256, 0))) {
            Files.writeString(conf.resolve(key.domain() + "-" + key.selector() + ".pem"), key.privateKeyPem());
            dns.addTxt(key.recordName(), key.keyRecord());
            RECORDS.put(key.recordName(), key.keyRecord());
        }
        BOTH = key("postino.test", "ed1", "ed25519-sha256") + "," + key("postino.test", "rsa1", "rsa-sha256");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(1024);
        Files.writeString(conf.resolve("weak.pem"), "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    }

    @AfterAll
    static void stop() {
        client.close();
        dns.close();
    }

    private static String key(String domain, String selector, String algorithm) {
        return domain + ":" + selector + ":" + algorithm + ":" + conf.resolve(domain + "-" + selector + ".pem");
    }

    private static String BOTH;

    private static DkimSign mailet(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("DkimSign");
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        DkimSign mailet = new DkimSign(null);
        mailet.init(config.build());
        return mailet;
    }

    private static Mail mail(String raw, String authUser, String remoteAddr) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
        FakeMail mail = FakeMail.builder().name("m").sender("mario@postino.test").recipient("ann@remote.test")
            .mimeMessage(message).remoteAddr(remoteAddr).build();
        if (authUser != null) {
            mail.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of(authUser)));
        }
        return mail;
    }

    private static byte[] bytes(Mail mail) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        mail.getMessage().writeTo(out);
        return out.toByteArray();
    }

    private static List<DkimResult> verify(byte[] message) {
        return new DkimVerifier(client, DkimOptions.defaults()).verify(message);
    }

    private static String attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(a -> (String) a.getValue().value()).orElse(null);
    }

    @Test
    void mailOfAnAuthenticatedUserGetsEd25519AndRsaSignaturesOnTopThatVerify() throws Exception {
        Mail mail = mail(MESSAGE, "mario@postino.test", "192.0.2.7");
        mailet("keys", BOTH).service(mail);

        byte[] signed = bytes(mail);
        assertThat(new String(signed, StandardCharsets.ISO_8859_1)).startsWith("DKIM-Signature: v=1; a=ed25519-sha256;");
        List<DkimResult> results = verify(signed);
        assertThat(results).extracting(DkimResult::verdict).containsExactly(DkimVerdict.PASS, DkimVerdict.PASS);
        assertThat(results).extracting(DkimResult::algorithm).containsExactly("ed25519-sha256", "rsa-sha256");
        assertThat(attribute(mail, "postino.dkim.signed"))
            .isEqualTo("postino.test:ed1:ed25519-sha256,postino.test:rsa1:rsa-sha256");
        if (DkimInteropVerifiers.dkimpyAvailable()) {
            assertThat(DkimInteropVerifiers.dkimpy(signed, RECORDS)).containsExactly(true, true);
        }
    }

    @Test
    void aMailIsSignedOnlyOnce() throws Exception {
        DkimSign mailet = mailet("keys", BOTH);
        Mail mail = mail(MESSAGE, "mario@postino.test", "192.0.2.7");
        mailet.service(mail);
        mailet.service(mail);
        assertThat(verify(bytes(mail))).hasSize(2);
    }

    @Test
    void mailSubmittedFromATrustedNetworkIsSignedAndMailFromElsewhereIsNot() throws Exception {
        DkimSign mailet = mailet("keys", BOTH);
        Mail local = mail(MESSAGE, null, "127.0.0.1");
        local.setAttribute(new Attribute(AttributeName.of("org.apache.james.SMTPIsAuthNetwork"), AttributeValue.of(true)));
        mailet.service(local);
        assertThat(verify(bytes(local))).extracting(DkimResult::verdict).containsExactly(DkimVerdict.PASS, DkimVerdict.PASS);

        Mail notification = mail(MESSAGE, null, "127.0.0.1");
        notification.setAttribute(new Attribute(AttributeName.of("postino.notification"), AttributeValue.of("LocalizedBounce")));
        mailet.service(notification);
        assertThat(verify(bytes(notification))).hasSize(2);

        // a Sieve redirect or forward James sends itself: client 127.0.0.1, not submitted, From possibly forged
        Mail redirected = mail(MESSAGE, null, "127.0.0.1");
        mailet.service(redirected);
        assertThat(verify(bytes(redirected))).isEmpty();
        assertThat(attribute(redirected, "postino.dkim.unsigned")).contains("sent by a mailet");
        Mail allowed = mail(MESSAGE, null, "127.0.0.1");
        mailet("keys", BOTH, "signMailetMail", "true").service(allowed);
        assertThat(verify(bytes(allowed))).hasSize(2);

        Mail foreign = mail(MESSAGE, null, "192.0.2.7");
        mailet.service(foreign);
        assertThat(verify(bytes(foreign))).isEmpty();
        assertThat(attribute(foreign, "postino.dkim.unsigned")).contains("neither sent by an authenticated user");
    }

    @Test
    void aMessageWithSeveralFromFieldsOrAForeignFromIsNotSigned() throws Exception {
        DkimSign mailet = mailet("keys", BOTH);
        Mail twoFroms = mail("From: mario@postino.test\r\n" + MESSAGE, "mario@postino.test", "192.0.2.7");
        mailet.service(twoFroms);
        assertThat(verify(bytes(twoFroms))).isEmpty();
        assertThat(attribute(twoFroms, "postino.dkim.unsigned")).contains("2 From fields");

        Mail foreign = mail(MESSAGE.replace("mario@postino.test", "mario@elsewhere.test"), "mario@postino.test", "192.0.2.7");
        mailet.service(foreign);
        assertThat(verify(bytes(foreign))).isEmpty();
        assertThat(attribute(foreign, "postino.dkim.unsigned")).contains("no key signs for the From domain elsewhere.test");
    }

    @Test
    void aUserOfOneDomainDoesNotGetAnotherDomainsSignature() throws Exception {
        DkimSign mailet = mailet("keys", BOTH + "," + key("other.test", "ed1", "ed25519-sha256"));
        Mail mail = mail(MESSAGE.replace("mario@postino.test", "boss@other.test"), "mario@postino.test", "192.0.2.7");
        mailet.service(mail);
        assertThat(verify(bytes(mail))).isEmpty();
        assertThat(attribute(mail, "postino.dkim.unsigned")).contains("may not sign for the From domain other.test");

        Mail allowed = mail(MESSAGE.replace("mario@postino.test", "boss@other.test"), "mario@postino.test", "192.0.2.7");
        mailet("keys", BOTH + "," + key("other.test", "ed1", "ed25519-sha256"), "matchUserDomain", "false").service(allowed);
        assertThat(verify(bytes(allowed))).extracting(DkimResult::domain).containsExactly("other.test");
    }

    @Test
    void rotationSignsWithTheActiveSelectorAndMappedDomainsSignWithTheirParent() throws Exception {
        String keys = key("postino.test", "rsa1", "rsa-sha256") + "," + key("postino.test", "rsa2", "rsa-sha256");
        Mail mail = mail(MESSAGE.replace("mario@postino.test", "mario@lists.postino.test"), "mario@postino.test", "192.0.2.7");
        mailet("keys", keys, "active", "postino.test:rsa2", "signingDomains", "*.postino.test=postino.test").service(mail);
        List<DkimResult> results = verify(bytes(mail));
        assertThat(results).extracting(DkimResult::selector).containsExactly("rsa2");
        assertThat(results).extracting(DkimResult::verdict).containsExactly(DkimVerdict.PASS);
    }

    @Test
    void anUnreadableMessageLeavesUnsignedWithoutAnException() throws Exception {
        MimeMessage broken = new MimeMessage(Session.getInstance(new Properties())) {
            @Override
            public void writeTo(java.io.OutputStream out, String[] ignore) throws java.io.IOException {
                throw new java.io.IOException("spool file gone");
            }

            @Override
            public void writeTo(java.io.OutputStream out) throws java.io.IOException {
                throw new java.io.IOException("spool file gone");
            }
        };
        broken.setHeader("Message-ID", "<m2@postino.test>");
        Mail mail = FakeMail.builder().name("broken").recipient("ann@remote.test").mimeMessage(broken)
            .remoteAddr("127.0.0.1").build();
        mail.setAttribute(new Attribute(Mail.SMTP_AUTH_USER, AttributeValue.of("mario@postino.test")));
        mailet("keys", BOTH).service(mail);
        assertThat(attribute(mail, "postino.dkim.unsigned")).contains("spool file gone");
    }

    @Test
    void badKeysRefuseTheStartWithOneLineNamingParameterValueAndExpectation() {
        assertThatThrownBy(() -> mailet()).hasMessage(
            "DkimSign: init parameter keys='' is not valid: expected at least one domain:selector:algorithm:file");
        assertThatThrownBy(() -> mailet("keys", "postino.test:s1:rsa-sha256:" + conf.resolve("missing.pem")))
            .hasMessageStartingWith("DkimSign: init parameter keys='postino.test:s1:rsa-sha256:")
            .hasMessageContaining("cannot read the key file").hasMessageNotContaining("\n");
        assertThatThrownBy(() -> mailet("keys", "postino.test:weak:rsa-sha256:" + conf.resolve("weak.pem")))
            .hasMessageContaining("init parameter keys='postino.test:weak:rsa-sha256:")
            .hasMessageContaining("an RSA key of 1024 bits: expected 2048");
        assertThatThrownBy(() -> mailet("keys", "postino.test:ed1:rsa-sha256:" + conf.resolve("postino.test-ed1.pem")))
            .hasMessageContaining("the key is for ed25519-sha256, not rsa-sha256");
        assertThatThrownBy(() -> mailet("keys", "postino.test:ed1:" + conf.resolve("postino.test-ed1.pem")))
            .hasMessageContaining("expected domain:selector:algorithm:file");
        assertThatThrownBy(() -> mailet("keys", "postino.test:ed1:rsa-sha1:" + conf.resolve("postino.test-ed1.pem")))
            .hasMessageContaining("expected rsa-sha256 or ed25519-sha256");
        assertThatThrownBy(() -> mailet("keys", key("postino.test", "rsa1", "rsa-sha256") + "," + key("postino.test", "rsa2", "rsa-sha256")))
            .hasMessageContaining("init parameter active=''").hasMessageContaining("several keys of one algorithm");
        assertThatThrownBy(() -> mailet("keys", BOTH, "active", "postino.test:nope"))
            .hasMessage("DkimSign: init parameter active='postino.test:nope' is not valid: expected domain:selector of a key given in keys");
        assertThatThrownBy(() -> mailet("keys", BOTH, "signingDomains", "a.test=b.test"))
            .hasMessageContaining("init parameter signingDomains='a.test=b.test'");
        assertThatThrownBy(() -> mailet("keys", BOTH, "headers", "subject:to"))
            .hasMessageContaining("init parameter headers='subject:to'").hasMessageContaining("must include from");
        assertThatThrownBy(() -> mailet("keys", BOTH, "keyFile", "x"))
            .hasMessageContaining("unknown init parameter 'keyFile'");
    }

    @Test
    void dkimpyAgreesOnTheRotatedRsaSignature() throws Exception {
        assumeTrue(DkimInteropVerifiers.dkimpyAvailable(), "dkimpy (python3-dkim) is not installed");
        Mail mail = mail(MESSAGE, "mario@postino.test", "192.0.2.7");
        mailet("keys", key("postino.test", "rsa1", "rsa-sha256") + "," + key("postino.test", "rsa2", "rsa-sha256"),
            "active", "postino.test:rsa1", "expiration", "7d").service(mail);
        assertThat(DkimInteropVerifiers.dkimpy(bytes(mail), RECORDS)).containsExactly(true);
    }
}
