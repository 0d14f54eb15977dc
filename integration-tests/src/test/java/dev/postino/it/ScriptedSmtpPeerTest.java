package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

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
}
