package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;

import javax.mail.BodyPart;
import javax.mail.Multipart;
import javax.mail.Session;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeUtility;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.delivery.testing.MxPeers;
import dev.postino.core.delivery.testing.SelfSignedTls;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.dsn.NotificationComposer;
import dev.postino.core.dsn.NotificationSettings;
import dev.postino.core.dsn.NotificationTexts;
import dev.postino.core.dsn.OriginalEnvelope;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.retry.RetryDecision;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.retry.RetryState;

/**
 * Every kind of failure, from a real attempt (a closed port, a silent host, a DNS server answering SERVFAIL, an
 * untrusted certificate, scripted SMTP replies) through the notice the delivery makes of it and the outcomes' JSON
 * to the notification, read back with javax.mail, in Italian and in English: the human text names the cause and
 * what to do (a delay warning never asks for the message to be sent again), and the technical part carries the host
 * and the diagnostic.
 */
class FailureNotificationsTest {

    private static final Instant T0 = Instant.parse("2026-03-02T08:00:00Z");
    private static final String ORIGINAL = "From: mario@postino.test\r\nTo: bob@example.test\r\nSubject: preventivo\r\n"
        + "Message-ID: <p1@postino.test>\r\n\r\nCiao Bob,\r\necco il preventivo.\r\n";
    /** What delay warnings must never say: they would invite a duplicate of a message still being retried. */
    private static final List<String> RESEND = List.of("send the message again", "Try again later", "invia di nuovo",
        "Riprova");

    @TempDir
    static Path keys;
    private static SSLContext serverTls;

    private TestDnsServer dnsServer;
    private DnsClient dns;
    private LocalSmtpServer smtp;
    private MxPeers peers;

    @BeforeAll
    static void makeCertificate() throws Exception {
        serverTls = SelfSignedTls.serverFor("mx.example.test", keys);
    }

    @BeforeEach
    void start() throws Exception {
        peers = MxPeers.start();
        dnsServer = peers.dnsServer;
        dns = peers.dns;
        smtp = peers.smtp;
    }

    @AfterEach
    void stop() throws Exception {
        peers.close();
    }

    private AttemptOutcome attempt(int port, Duration timeout, List<DomainPattern> requireTls, String content) {
        DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(port)
            .withTimeouts(SmtpTimeouts.all(timeout)).withRequireTls(requireTls);
        SmtpDelivery delivery = new SmtpDelivery(dns, options, Clock.fixed(T0, ZoneOffset.UTC), new Random(7));
        return delivery.deliver("example.test", OutboundMessage.of("mario@postino.test", List.of("bob@example.test"), content))
            .outcomes().get(0);
    }

    private AttemptOutcome attempt(int port) {
        return attempt(port, Duration.ofSeconds(5), List.of(), ORIGINAL);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** The warning PolicyRemoteDelivery sends while it retries. */
    private static RecipientNotice delayed(AttemptOutcome outcome) {
        return new RecipientNotice(RecipientNotice.Action.DELAYED, outcome.status(), T0.plus(Duration.ofDays(5)), outcome);
    }

    /** The failure PolicyRemoteDelivery sends when the retry policy gives up on the last of these failures. */
    private static RecipientNotice givenUp(AttemptOutcome outcome) throws Exception {
        RetryPolicy policy = RetryPolicy.of(RetryRules.parse("* * F,1h,15m"));
        RetryState retried = new RetryState(T0, T0, T0.plus(Duration.ofMinutes(45)), Duration.ofMinutes(15), 4, 1);
        RetryDecision decision = policy.afterFailure("example.test", outcome.asFailure(), retried, false, T0.plus(Duration.ofHours(2)));
        assertThat(decision).isInstanceOf(RetryDecision.GiveUp.class);
        return new RecipientNotice(RecipientNotice.Action.FAILED, ((RetryDecision.GiveUp) decision).status(), null, outcome);
    }

    private static RecipientNotice failed(AttemptOutcome outcome) {
        return new RecipientNotice(RecipientNotice.Action.FAILED, outcome.status(), null, outcome);
    }

    /** The notification, as LocalizedBounce composes it from the outcomes attribute, read by javax.mail. */
    private static Read read(RecipientNotice notice, String language, String original) throws Exception {
        String json = DeliveryOutcome.toJson(List.of(notice.forNotification(null)));
        NotificationComposer composer = new NotificationComposer(NotificationSettings.defaults("mx.postino.test"),
            NotificationTexts.builtIn(), Clock.fixed(T0, ZoneOffset.UTC), () -> "n1");
        byte[] raw = composer.compose(original.getBytes(StandardCharsets.UTF_8), OriginalEnvelope.of("mario@postino.test", T0),
            DeliveryOutcome.fromJson(json), List.of(language)).message();
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
        Multipart report = (Multipart) message.getContent();
        String text = (String) ((Multipart) report.getBodyPart(0).getContent()).getBodyPart(0).getContent();
        return new Read(text, statusBlocks(report.getBodyPart(1)).get(1));
    }

    private static Read read(RecipientNotice notice, String language) throws Exception {
        return read(notice, language, ORIGINAL);
    }

    private static List<InternetHeaders> statusBlocks(BodyPart part) throws Exception {
        List<InternetHeaders> blocks = new ArrayList<>();
        try (InputStream in = part.getInputStream()) {
            for (String block : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\r\n\r\n")) {
                if (!block.isBlank()) {
                    blocks.add(new InternetHeaders(new ByteArrayInputStream((block + "\r\n\r\n").getBytes(StandardCharsets.UTF_8))));
                }
            }
        }
        return blocks;
    }

    /** The plain-text human part and the recipient's block of the delivery-status part. */
    private record Read(String text, InternetHeaders recipient) {
        String field(String name) {
            String value = recipient.getHeader(name, null);
            return value == null ? null : MimeUtility.unfold(value);
        }

        /** The human text names the cause, explains it and says what to do; the technical rows repeat host and diagnostic. */
        Read says(String... phrases) {
            assertThat(text).contains(phrases);
            return this;
        }

        Read status(String status) {
            assertThat(field("Status")).isEqualTo(status);
            return this;
        }

        Read diagnostic(String type, String diagnostic) {
            assertThat(field("Diagnostic-Code")).isEqualTo(type + "; " + diagnostic);
            // the human part quotes it too, in the technical details
            assertThat(text.replaceAll("\r\n", "\n")).contains(diagnostic);
            return this;
        }

        /** {@code Remote-MTA} when the host took part in a session, else none; the host tried in any case. */
        Read host(String remoteMta, String remoteHost) {
            assertThat(field("Remote-MTA")).isEqualTo(remoteMta == null ? null : "dns; " + remoteMta);
            assertThat(field("X-Postino-Remote-Host")).isEqualTo(remoteHost);
            if (remoteHost != null) {
                assertThat(text).contains(remoteHost);
            }
            return this;
        }

        Read phase(String phase) {
            assertThat(field("X-Postino-Phase")).isEqualTo(phase);
            return this;
        }

        Read neverAsksToResend() {
            assertThat(text).doesNotContain(RESEND);
            return this;
        }
    }

    @Test
    void connectionRefused() throws Exception {
        int port = closedPort();
        AttemptOutcome refused = attempt(port);
        String host = "mx.example.test [127.0.0.1]:" + port;
        String diagnostic = "connection refused by " + host;
        assertThat(refused.failureClass()).isEqualTo(FailureClass.REFUSED);

        read(delayed(refused), "it").status("4.4.1").diagnostic("x-postino", diagnostic).host(null, host).phase("connect")
            .says("== Il server di posta del destinatario ha rifiutato la connessione ==", "Esito: in ritardo",
                "Per ora non devi fare nulla: la consegna viene ancora ritentata.", "Errore: " + diagnostic)
            .neverAsksToResend();
        read(delayed(refused), "en").status("4.4.1").diagnostic("x-postino", diagnostic).host(null, host)
            .says("== The recipient's mail server refused the connection ==", "Outcome: delayed",
                "There is nothing you need to do now: delivery is still being retried.")
            .neverAsksToResend();
        read(givenUp(refused), "it").status("4.4.7").diagnostic("x-postino", diagnostic).host(null, host)
            .says("== Il server di posta del destinatario ha rifiutato la connessione ==", "Esito: non consegnato",
                "ha rifiutato la connessione a ogni tentativo, finché la consegna non è stata abbandonata",
                "Avvisa il destinatario in un altro modo");
        read(givenUp(refused), "en").status("4.4.7").diagnostic("x-postino", diagnostic).host(null, host)
            .says("== The recipient's mail server refused the connection ==", "Outcome: not delivered",
                "refused the connection at every attempt, until delivery was given up", "Error: " + diagnostic);
    }

    @Test
    void noAnswerFromAnyMxHost() throws Exception {
        // The first MX refuses; the second accepts the connection and never greets.
        dnsServer.add("silent.test. 300 IN MX 10 mx1.silent.test.").add("silent.test. 300 IN MX 20 mx2.silent.test.")
            .add("mx1.silent.test. 300 IN A 127.0.0.2").add("mx2.silent.test. 300 IN A 127.0.0.1");
        try (ServerSocket silent = new ServerSocket()) {
            silent.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 5);
            int port = silent.getLocalPort();
            DeliveryOptions options = DeliveryOptions.defaults("postino.test").withPort(port)
                .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(1)));
            AttemptOutcome noAnswer = new SmtpDelivery(dns, options, Clock.fixed(T0, ZoneOffset.UTC), new Random(7))
                .deliver("silent.test", OutboundMessage.of("mario@postino.test", List.of("bob@silent.test"), ORIGINAL))
                .outcomes().get(0);
            String host = "mx2.silent.test [127.0.0.1]:" + port;
            String diagnostic = "no answer from any MX host of silent.test: connection refused by mx1.silent.test [127.0.0.2]:"
                + port + "; " + host + ": no complete reply within 1s";
            assertThat(noAnswer.failureClass()).isEqualTo(FailureClass.TIMEOUT);

            read(delayed(noAnswer), "it").status("4.4.1").diagnostic("x-postino", diagnostic).host(null, host).phase("greeting")
                .says("== Il server di posta del destinatario non risponde ==", "(in attesa del saluto iniziale)",
                    "Per ora non devi fare nulla: la consegna viene ancora ritentata.")
                .neverAsksToResend();
            read(delayed(noAnswer), "en").status("4.4.1").diagnostic("x-postino", diagnostic).host(null, host)
                .says("== The recipient's mail server is not answering ==", "(while waiting for the initial greeting)")
                .neverAsksToResend();
            read(givenUp(noAnswer), "it").status("4.4.7").diagnostic("x-postino", diagnostic).host(null, host)
                .says("== Il server di posta del destinatario non risponde ==",
                    "non ha risposto a nessun tentativo", "Non verranno effettuati altri tentativi.");
            read(givenUp(noAnswer), "en").status("4.4.7").diagnostic("x-postino", diagnostic).host(null, host)
                .says("== The recipient's mail server is not answering ==", "did not answer at any attempt",
                    "send the message again once their email works");
        }
    }

    @Test
    void dnsFailure() throws Exception {
        dnsServer.inject("mx.example.test", "A", TestDnsServer.Fault.SERVFAIL);
        dnsServer.inject("mx.example.test", "AAAA", TestDnsServer.Fault.SERVFAIL);
        AttemptOutcome dnsDown = attempt(smtp.port());
        assertThat(dnsDown.failureClass()).isEqualTo(FailureClass.DNS);
        // No host could be tried: the diagnostic names the one whose address DNS did not give.
        assertThat(dnsDown.text()).startsWith("no address for the mail hosts of example.test: mx.example.test: SERVFAIL from 127.0.0.1:");
        String diagnostic = dnsDown.text();

        read(delayed(dnsDown), "it").status("4.4.3").diagnostic("x-postino", diagnostic).host(null, null).phase(null)
            .says("== Non è stato possibile consultare il dominio del destinatario ==", "(DNS)", "Errore: no address for")
            .neverAsksToResend();
        read(delayed(dnsDown), "en").status("4.4.3").diagnostic("x-postino", diagnostic).host(null, null)
            .says("== The recipient's domain could not be looked up ==", "The domain name system (DNS)")
            .neverAsksToResend();
        read(givenUp(dnsDown), "it").status("4.4.7").diagnostic("x-postino", diagnostic)
            .says("== Non è stato possibile consultare il dominio del destinatario ==",
                "A ogni tentativo il DNS non ha dato risposta per il dominio del destinatario");
        read(givenUp(dnsDown), "en").status("4.4.7").diagnostic("x-postino", diagnostic)
            .says("== The recipient's domain could not be looked up ==", "The DNS gave no answer for the recipient's domain");
    }

    @Test
    void dnsFailureOfTheMxLookupNamesTheDomain() throws Exception {
        dnsServer.inject("example.test", "MX", TestDnsServer.Fault.SERVFAIL);
        AttemptOutcome dnsDown = attempt(smtp.port());

        read(delayed(dnsDown), "en").status("4.4.3").host(null, null)
            .diagnostic("x-postino", dnsDown.text())
            .says("== The recipient's domain could not be looked up ==", "Error: MX lookup of example.test failed: SERVFAIL from 127.0.0.1:");
    }

    @Test
    void untrustedCertificateWhereTlsIsRequired() throws Exception {
        smtp.tls = serverTls;
        AttemptOutcome tls = attempt(smtp.port(), Duration.ofSeconds(5), List.of(new DomainPattern("example.test")), ORIGINAL);
        String host = "mx.example.test [127.0.0.1]:" + smtp.port();
        assertThat(tls.failureClass()).isEqualTo(FailureClass.TLS);
        assertThat(tls.text()).startsWith("TLS with mx.example.test failed: certificate not trusted (");
        String diagnostic = tls.text();

        read(delayed(tls), "it").status("4.7.5").diagnostic("x-postino", diagnostic).host("mx.example.test", host)
            .phase("starttls")
            .says("== Nessuna connessione sicura con il server di posta del destinatario ==",
                "(durante l'attivazione di TLS (STARTTLS))", "Errore: TLS with mx.example.test failed: certificate not trusted")
            .neverAsksToResend();
        read(delayed(tls), "en").status("4.7.5").diagnostic("x-postino", diagnostic).host("mx.example.test", host)
            .says("== No secure connection to the recipient's mail server ==", "(while setting up TLS (STARTTLS))",
                "Error: TLS with mx.example.test failed: certificate not trusted")
            .neverAsksToResend();
        read(givenUp(tls), "it").status("4.4.7").diagnostic("x-postino", diagnostic).host("mx.example.test", host)
            .says("== Nessuna connessione sicura con il server di posta del destinatario ==",
                "Inoltra questo avviso all'amministratore della tua posta");
        read(givenUp(tls), "en").status("4.4.7").diagnostic("x-postino", diagnostic).host("mx.example.test", host)
            .says("== No secure connection to the recipient's mail server ==", "Forward this notification to your email administrator");
    }

    @Test
    void temporaryRefusalOfTheRecipient() throws Exception {
        smtp.onRcpt("bob@example.test", "452 4.2.2 Mailbox full, try again later");
        AttemptOutcome full = attempt(smtp.port());
        String host = "mx.example.test [127.0.0.1]:" + smtp.port();

        read(delayed(full), "it").status("4.2.2").diagnostic("smtp", "452 4.2.2 Mailbox full, try again later")
            .host("mx.example.test", host).phase("rcpt")
            .says("== La casella del destinatario è piena ==", "Esito: in ritardo",
                "Risposta del server: 452 4.2.2 Mailbox full, try again later (in risposta al comando RCPT TO)",
                "Per ora non devi fare nulla: la consegna viene ancora ritentata e riuscirà appena il destinatario avrà liberato spazio.")
            .neverAsksToResend();
        read(delayed(full), "en").status("4.2.2").diagnostic("smtp", "452 4.2.2 Mailbox full, try again later")
            .host("mx.example.test", host)
            .says("== The recipient's mailbox is full ==", "(in reply to RCPT TO command)",
                "delivery is still being retried and will succeed once the recipient makes room")
            .neverAsksToResend();
    }

    @Test
    void permanentRefusals() throws Exception {
        smtp.onRcpt("bob@example.test", "550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown");
        AttemptOutcome unknown = attempt(smtp.port());
        String host = "mx.example.test [127.0.0.1]:" + smtp.port();
        String reply = "550 5.1.1 <bob@example.test>: Recipient address rejected: User unknown";

        read(failed(unknown), "it").status("5.1.1").diagnostic("smtp", reply).host("mx.example.test", host).phase("rcpt")
            .says("== L'indirizzo non esiste ==", "Esito: non consegnato", reply + " (in risposta al comando RCPT TO)");
        read(failed(unknown), "en").status("5.1.1").diagnostic("smtp", reply).host("mx.example.test", host)
            .says("== The address does not exist ==", "Outcome: not delivered", reply + " (in reply to RCPT TO command)");

        smtp.onRcpt("bob@example.test", "250 2.1.5 ok");
        smtp.dataReply = "554 5.7.1 Message rejected as spam";
        AttemptOutcome spam = attempt(smtp.port());

        read(failed(spam), "it").status("5.7.1").diagnostic("smtp", "554 5.7.1 Message rejected as spam").phase("end-of-data")
            .says("== Il messaggio è stato rifiutato ==", "(in risposta alla fine del comando DATA)");
        read(failed(spam), "en").status("5.7.1").diagnostic("smtp", "554 5.7.1 Message rejected as spam")
            .says("== The message was refused ==", "554 5.7.1 Message rejected as spam (in reply to end of DATA command)");
    }

    @Test
    void overTheSizeTheServerAnnounced() throws Exception {
        smtp.extensions = List.of("SIZE 10240", "8BITMIME", "DSN");
        String big = ORIGINAL + "x".repeat(76).concat("\r\n").repeat(150);
        AttemptOutcome tooBig = attempt(smtp.port(), Duration.ofSeconds(5), List.of(), big);
        String host = "mx.example.test [127.0.0.1]:" + smtp.port();
        assertThat(tooBig.sizeLimit()).isEqualTo(10240);
        assertThat(smtp.commands).noneMatch(c -> c.startsWith("MAIL"));

        read(failed(tooBig), "it", big).status("5.3.4").host("mx.example.test", host).phase(null)
            .diagnostic("x-postino", "message of " + big.length() + " octets is over the limit of 10240 octets the server"
                + " announced (SIZE 10240)")
            .says("== Il messaggio è troppo grande ==",
                "Il messaggio, allegati compresi, occupa 12 KB e supera il limite di 10 KB accettato dal server di posta del destinatario.");
        read(failed(tooBig), "en", big).status("5.3.4").host("mx.example.test", host)
            .diagnostic("x-postino", "message of " + big.length() + " octets is over the limit of 10240 octets the server"
                + " announced (SIZE 10240)")
            .says("== The message is too large ==",
                "The message, with its attachments, is 12 KB: more than the 10 KB that the recipient's mail server accepts.");
    }

    @Test
    void expiredAfterRepeatedTemporaryRefusals() throws Exception {
        smtp.onRcpt("bob@example.test", "452 4.2.2 Mailbox full");
        AttemptOutcome full = attempt(smtp.port());
        String host = "mx.example.test [127.0.0.1]:" + smtp.port();

        // A full mailbox stays a full mailbox: status 4.4.7, the last reply as the diagnostic, its explanation kept.
        read(givenUp(full), "it").status("4.4.7").diagnostic("smtp", "452 4.2.2 Mailbox full").host("mx.example.test", host)
            .phase("rcpt")
            .says("== La casella del destinatario è piena ==", "Esito: non consegnato",
                "La casella del destinatario è rimasta piena a ogni tentativo, finché la consegna non è stata abbandonata.",
                "Non verranno effettuati altri tentativi.");
        Read english = read(givenUp(full), "en").status("4.4.7").diagnostic("smtp", "452 4.2.2 Mailbox full")
            .host("mx.example.test", host)
            .says("== The recipient's mailbox is full ==",
                "The recipient's mailbox stayed full at every attempt, until delivery was given up.",
                "let the recipient know some other way that their mailbox is full");
        assertThat(english.text()).doesNotContain("Check that the address is right");
    }
}
