package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import javax.mail.BodyPart;
import javax.mail.Multipart;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * The return path end to end, in a real James booted from conf-samples: alice's mail to an address that does not
 * exist comes back as a Postfix-style bounce (written here, as another MTA writes it), is read and checked against
 * what alice sent, and suppresses the address; her next mail to it is answered at once by a notice in her language;
 * WebAdmin lists the entry and deletes it, and the mail after that is delivered. A bounce about a message never
 * sent is quarantined, and a mailing list's bounces go to their repository. Run once per store backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReturnPathScenario {

    private static final MailRepositoryUrl FORGED = MailRepositoryUrl.from("memory://var/mail/forged-bounces/");
    private static final MailRepositoryUrl LIST_BOUNCES = MailRepositoryUrl.from("memory://var/mail/list-bounces/");
    private static final Duration WAIT = Duration.ofSeconds(60);

    private TestDnsServer dns;
    private ScriptedSmtpPeer peer;
    private JamesMemoryServer james;
    private ImapMailbox inbox;
    private int webAdminPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** {@code conf/postino.properties} for this backend; null for none (the embedded default). */
    abstract String storeProperties();

    @BeforeAll
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("remote.test. 300 IN MX 10 mx.remote.test.").add("mx.remote.test. 300 IN A 127.0.0.1");
        peer = ScriptedSmtpPeer.start("mx.remote.test");
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            webAdminPort = free.getLocalPort();
        }
        JamesMemoryServer.Builder builder = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .editFile("mailetcontainer.xml", xml -> xml.replace("<retryRules>retry-rules.conf</retryRules>",
                "<retryRules>retry-rules.conf</retryRules><port>" + peer.port() + "</port><connectTimeout>2s</connectTimeout>"))
            .editFile("webadmin.properties", properties -> properties.replaceAll("(?m)^enabled=.*$", "enabled=true")
                .replaceAll("(?m)^port=.*$", "port=" + webAdminPort));
        String properties = storeProperties();
        if (properties != null) {
            builder.replaceFile("postino.properties", properties);
        }
        james = builder.start();
        james.addUser("alice@postino.test", "alice-secret");
        james.addUser("lists@postino.test", "lists-secret");
        inbox = new ImapMailbox(james.imapPort(), "alice@postino.test", "alice-secret");
    }

    @AfterAll
    void stop() throws Exception {
        if (james != null) {
            james.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void aBounceSuppressesTheNextMailIsAnsweredWebAdminRemovesItThenItIsDelivered() throws Exception {
        String recipient = "gone@remote.test";
        String firstId = "<" + UUID.randomUUID() + "@postino.test>";
        send("alice@postino.test", recipient, firstId, "first try", "en");
        ScriptedSmtpPeer.Delivery first = awaitDelivery(recipient);

        // the next hop refused it; the relay that accepted it sends alice a Postfix bounce
        sendBounce("alice@postino.test", postfixBounce("alice@postino.test", recipient, headerOf(first.contentAsString())));
        inbox.awaitContaining("Subject: Undelivered Mail Returned to Sender", WAIT);
        String entry = awaitEntry(recipient);
        assertThat(entry).contains("\"address\":\"gone@remote.test\"").contains("\"reason\":\"userunknown\"")
            .contains("\"status\":\"5.1.1\"").contains("\"hard\":true").contains("\"source\":\"bounce\"")
            .contains("User unknown in virtual mailbox table");

        long deliveries = peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).count();
        String secondId = "<" + UUID.randomUUID() + "@postino.test>";
        send("alice@postino.test", recipient, secondId, "secondo tentativo", "it");
        String notice = inbox.awaitContaining("In-Reply-To: " + secondId, WAIT);
        String text = plainText(notice);
        assertThat(text).contains("lista di soppressione").contains("la casella non esiste").contains(recipient)
            .contains("amministratore");
        assertThat(notice).contains("Status: 5.1.1").contains("Action: failed");
        assertThat(peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).count())
            .as("nothing sent to a suppressed address").isEqualTo(deliveries);

        HttpResponse<String> list = http("GET", "/postino/suppressions?limit=10");
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).contains("\"address\":\"gone@remote.test\"").contains("\"source\":\"bounce\"");
        assertThat(http("DELETE", "/postino/suppressions/" + recipient).statusCode()).isEqualTo(204);
        assertThat(http("GET", "/postino/suppressions/" + recipient).statusCode()).isEqualTo(404);
        assertThat(http("DELETE", "/postino/suppressions/" + recipient).statusCode()).isEqualTo(404);
        assertThat(http("GET", "/postino/suppressions").body()).doesNotContain("gone@remote.test");

        send("alice@postino.test", recipient, "<" + UUID.randomUUID() + "@postino.test>", "third try", "en");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).count() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(peer.deliveries().stream().filter(d -> d.recipients().contains(recipient))).hasSize(2);

        HttpResponse<String> rates = http("GET", "/postino/bounce-rates");
        assertThat(rates.statusCode()).isEqualTo(200);
        assertThat(rates.body()).contains("\"scope\":\"sender\",\"name\":\"alice@postino.test\"").contains("\"hard\":1")
            .contains("\"level\":\"low-volume\"");
    }

    @Test
    void aBounceAboutAMessageNeverSentIsQuarantinedAndSuppressesNothing() throws Exception {
        String headers = "From: alice@postino.test\r\nTo: victim@remote.test\r\nSubject: cheap watches\r\n"
            + "Message-ID: <never-sent-" + UUID.randomUUID() + "@postino.test>\r\n";
        sendBounce("alice@postino.test", postfixBounce("alice@postino.test", "victim@remote.test", headers)
            .replace("Subject: Undelivered Mail Returned to Sender", "Subject: Forged failure notice"));

        assertThat(james.awaitRepositoryCount(FORGED, 1)).isEqualTo(1);
        assertThat(fetchAll()).noneMatch(m -> new String(m, StandardCharsets.UTF_8).contains("Forged failure notice"));
        assertThat(http("GET", "/postino/suppressions/victim@remote.test").statusCode()).isEqualTo(404);
    }

    @Test
    void aMailingListsBouncesGoToTheirRepository() throws Exception {
        String recipient = "member@remote.test";
        String id = "<" + UUID.randomUUID() + "@postino.test>";
        send("lists@postino.test", recipient, id, "list post", "en");
        ScriptedSmtpPeer.Delivery post = awaitDelivery(recipient);

        sendBounce("lists@postino.test", postfixBounce("lists@postino.test", recipient, headerOf(post.contentAsString())));

        assertThat(james.awaitRepositoryCount(LIST_BOUNCES, 1)).isEqualTo(1);
        assertThat(awaitEntry(recipient)).contains("\"reason\":\"userunknown\"");
    }

    /** The INBOX; a fetch the busy machine lets time out is tried again, three times at most. */
    private List<byte[]> fetchAll() throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return inbox.fetchAll();
            } catch (javax.mail.MessagingException | java.io.IOException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private ScriptedSmtpPeer.Delivery awaitDelivery(String recipient) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (ScriptedSmtpPeer.Delivery d : peer.deliveries()) {
                if (d.recipients().contains(recipient)) {
                    return d;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new AssertionError("no delivery to " + recipient);
    }

    private String awaitEntry(String address) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> response;
        do {
            response = http("GET", "/postino/suppressions/" + address);
            if (response.statusCode() == 200) {
                return response.body();
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(address + " not suppressed: " + response.statusCode() + " " + response.body());
    }

    private HttpResponse<String> http(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webAdminPort + path))
            .timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private void send(String from, String to, String messageId, String subject, String language) throws Exception {
        byte[] message = ("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: " + messageId
            + "\r\nContent-Language: " + language + "\r\nDate: Wed, 2 Dec 2026 12:00:00 +0000\r\n\r\nHello.\r\n")
            .getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<" + from + ">").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + to + ">").code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    private void sendBounce(String to, String bounce) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO mx.remote.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<>").code()).isEqualTo(250);
            assertThat(smtp.command("RCPT TO:<" + to + ">").code()).isEqualTo(250);
            assertThat(smtp.data(bounce.getBytes(StandardCharsets.UTF_8)).code()).isEqualTo(250);
        }
    }

    private static String headerOf(String message) {
        int end = message.indexOf("\r\n\r\n");
        return end < 0 ? message : message.substring(0, end + 2);
    }

    /** A bounce as Postfix writes one when the next hop refused a recipient at RCPT. */
    private static String postfixBounce(String sender, String recipient, String originalHeader) {
        String boundary = "3F1A2B4C5D.1764676800/mx.remote.test";
        return "From: MAILER-DAEMON@mx.remote.test (Mail Delivery System)\r\n"
            + "To: " + sender + "\r\n"
            + "Subject: Undelivered Mail Returned to Sender\r\n"
            + "Date: Wed,  2 Dec 2026 12:00:05 +0000 (UTC)\r\n"
            + "Message-Id: <20261202120005.3F1A2B4C5D@mx.remote.test>\r\n"
            + "Auto-Submitted: auto-replied\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n"
            + "Content-Transfer-Encoding: 8bit\r\n"
            + "\r\n"
            + "This is a MIME-encapsulated message.\r\n"
            + "\r\n--" + boundary + "\r\n"
            + "Content-Description: Notification\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n"
            + "This is the mail system at host mx.remote.test.\r\n\r\n"
            + "I'm sorry to have to inform you that your message could not\r\n"
            + "be delivered to one or more recipients. It's attached below.\r\n\r\n"
            + "For further assistance, please send mail to postmaster.\r\n\r\n"
            + "                   The mail system\r\n\r\n"
            + "<" + recipient + ">: host mailstore.remote.test[192.0.2.25] said: 550 5.1.1\r\n"
            + "    <" + recipient + ">: Recipient address rejected: User unknown in virtual\r\n"
            + "    mailbox table (in reply to RCPT TO command)\r\n"
            + "\r\n--" + boundary + "\r\n"
            + "Content-Description: Delivery report\r\n"
            + "Content-Type: message/delivery-status\r\n"
            + "\r\n"
            + "Reporting-MTA: dns; mx.remote.test\r\n"
            + "X-Postfix-Queue-ID: 3F1A2B4C5D\r\n"
            + "X-Postfix-Sender: rfc822; " + sender + "\r\n"
            + "Arrival-Date: Wed,  2 Dec 2026 12:00:01 +0000 (UTC)\r\n"
            + "\r\n"
            + "Final-Recipient: rfc822; " + recipient + "\r\n"
            + "Original-Recipient: rfc822;" + recipient + "\r\n"
            + "Action: failed\r\n"
            + "Status: 5.1.1\r\n"
            + "Remote-MTA: dns; mailstore.remote.test\r\n"
            + "Diagnostic-Code: smtp; 550 5.1.1 <" + recipient + ">: Recipient address rejected:\r\n"
            + "    User unknown in virtual mailbox table\r\n"
            + "\r\n--" + boundary + "\r\n"
            + "Content-Description: Undelivered Message Headers\r\n"
            + "Content-Type: text/rfc822-headers\r\n"
            + "\r\n"
            + originalHeader
            + "\r\n--" + boundary + "--\r\n";
    }

    /** The notification's plain-text part, decoded. */
    private static String plainText(String message) throws Exception {
        MimeMessage mime = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
        Multipart report = (Multipart) mime.getContent();
        BodyPart human = report.getBodyPart(0);
        return (String) ((Multipart) human.getContent()).getBodyPart(0).getContent();
    }

}
