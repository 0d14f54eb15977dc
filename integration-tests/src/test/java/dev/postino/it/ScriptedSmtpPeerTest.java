package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class ScriptedSmtpPeerTest {

    private static final byte[] MESSAGE = "Subject: t\r\n\r\n.dot\r\nbody\r\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void answersEachRecipientAndDataPerAttempt() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start()) {
            peer.onRcpt("full@remote.test", "452 4.2.2 Mailbox full", "250 2.1.5 ok now")
                .onRcpt("gone@remote.test", "550 5.1.1 No such user")
                .onData("451 4.3.0 try later", "250 2.0.0 queued as X");

            for (int attempt = 1; attempt <= 2; attempt++) {
                try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", peer.port())) {
                    assertThat(smtp.command("EHLO client.test").lines()).contains("DSN", "PIPELINING");
                    assertThat(smtp.command("MAIL FROM:<s@sender.test> RET=HDRS ENVID=abc").code()).isEqualTo(250);
                    SmtpSession.Reply full = smtp.command("RCPT TO:<full@remote.test> NOTIFY=FAILURE");
                    SmtpSession.Reply gone = smtp.command("RCPT TO:<gone@remote.test>");
                    SmtpSession.Reply ok = smtp.command("RCPT TO:<ok@remote.test>");
                    SmtpSession.Reply end = smtp.data(MESSAGE);
                    if (attempt == 1) {
                        assertThat(full.toString()).isEqualTo("452 4.2.2 Mailbox full");
                        assertThat(end.toString()).isEqualTo("451 4.3.0 try later");
                    } else {
                        assertThat(full.code()).isEqualTo(250);
                        assertThat(end.toString()).isEqualTo("250 2.0.0 queued as X");
                    }
                    assertThat(gone.toString()).isEqualTo("550 5.1.1 No such user");
                    assertThat(ok.code()).isEqualTo(250);
                }
            }

            List<ScriptedSmtpPeer.Delivery> deliveries = peer.awaitDeliveries(1, Duration.ofSeconds(5));
            assertThat(deliveries).hasSize(1);
            ScriptedSmtpPeer.Delivery delivery = deliveries.get(0);
            assertThat(delivery.recipients()).containsExactly("full@remote.test", "ok@remote.test");
            assertThat(delivery.mailParameters()).isEqualTo("RET=HDRS ENVID=abc");
            assertThat(delivery.rcptParameters()).containsEntry("full@remote.test", "NOTIFY=FAILURE");
            assertThat(delivery.contentAsString()).isEqualTo("Subject: t\r\n\r\n.dot\r\nbody\r\n");
            assertThat(peer.rcptAttempts("FULL@remote.test")).isEqualTo(2);
            assertThat(peer.dataAttempts()).isEqualTo(2);
        }
    }

    @Test
    void aScriptedStartTlsReplyOffersStartTlsAndNeverStartsIt() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start().startTlsReply("250 2.0.0 carry on");
             SmtpSession smtp = SmtpSession.connect("127.0.0.1", peer.port())) {
            assertThat(smtp.command("EHLO client.test").lines()).contains("STARTTLS");
            assertThat(smtp.command("STARTTLS").toString()).isEqualTo("250 2.0.0 carry on");
            assertThat(smtp.command("NOOP").code()).isEqualTo(250);
        }
    }

    @Test
    void aRefusingGreetingEndsTheSession() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start().greeting("554 5.3.2 not accepting mail");
             SmtpSession smtp = SmtpSession.connect("127.0.0.1", peer.port())) {
            assertThat(smtp.greeting().toString()).isEqualTo("554 5.3.2 not accepting mail");
        }
    }

    @Test
    void keepsTheOctetsOfDataAsTheyCameBesideTheContentAsALenientServerReadsIt() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start();
             SmtpSession smtp = SmtpSession.connect("127.0.0.1", peer.port())) {
            smtp.command("EHLO client.test");
            smtp.command("MAIL FROM:<s@sender.test>");
            smtp.command("RCPT TO:<r@remote.test>");
            byte[] wire = "Subject: t\r\n\r\na\rb\nc\r\n..dot\r\n".getBytes(StandardCharsets.US_ASCII);
            assertThat(smtp.dataAsIs(concat(wire, ".\r\n".getBytes(StandardCharsets.US_ASCII))).code()).isEqualTo(250);

            ScriptedSmtpPeer.Delivery delivery = peer.awaitDeliveries(1, Duration.ofSeconds(5)).get(0);

            assertThat(delivery.wire()).isEqualTo(wire);
            assertThat(delivery.contentAsString()).isEqualTo("Subject: t\r\n\r\na\r\nb\r\nc\r\n.dot\r\n");
        }
    }

    @Test
    void refusesWhatIsOverTheSizeItAnnounces() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start().ehloExtensions(List.of("SIZE 100"));
             SmtpSession smtp = SmtpSession.connect("127.0.0.1", peer.port())) {
            smtp.command("EHLO client.test");
            assertThat(smtp.command("MAIL FROM:<s@sender.test> SIZE=101").toString()).startsWith("552 5.3.4");
            assertThat(smtp.command("MAIL FROM:<s@sender.test> SIZE=100").code()).isEqualTo(250);
            smtp.command("RCPT TO:<r@remote.test>");
            assertThat(smtp.data(("Subject: t\r\n\r\n" + "x".repeat(100) + "\r\n").getBytes(StandardCharsets.US_ASCII))
                .toString()).startsWith("552 5.3.4");
            assertThat(peer.deliveries()).isEmpty();
        }
    }

    @Test
    void aDrippedReplyNeverEndsAndTheClientHangingUpIsRecorded() throws Exception {
        try (ScriptedSmtpPeer peer = ScriptedSmtpPeer.start().onRcpt("slow@remote.test", ScriptedSmtpPeer.DRIP)
            .dripInterval(Duration.ofMillis(1))) {
            try (Socket client = new Socket("127.0.0.1", peer.port())) {
                client.setSoTimeout(10_000);
                client.getOutputStream().write("EHLO c.test\r\nMAIL FROM:<s@sender.test>\r\nRCPT TO:<slow@remote.test>\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
                // Read until the drip has begun (the first octets of its endless reply), then hang up.
                StringBuilder received = new StringBuilder();
                InputStream in = client.getInputStream();
                while (!received.toString().contains("sender ok\r\n250-st")) {
                    int b = in.read();
                    assertThat(b).as("received " + received).isNotNegative();
                    received.append((char) b);
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (peer.events().stream().noneMatch(e -> e.kind() == ScriptedSmtpPeer.Event.Kind.CLIENT_CLOSED)
                && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertThat(peer.events()).extracting(ScriptedSmtpPeer.Event::kind).containsExactly(
                ScriptedSmtpPeer.Event.Kind.CONNECTED, ScriptedSmtpPeer.Event.Kind.COMMAND,
                ScriptedSmtpPeer.Event.Kind.COMMAND, ScriptedSmtpPeer.Event.Kind.COMMAND,
                ScriptedSmtpPeer.Event.Kind.DRIP_STARTED, ScriptedSmtpPeer.Event.Kind.CLIENT_CLOSED);
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }
}
