package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.it.ScriptedSmtpPeer.Event;

/**
 * PolicyRemoteDelivery as conf-samples/mailetcontainer.xml wires it, in a real James relaying for its authorized
 * network to a scripted peer (found through the test DNS server, announcing {@code SIZE 20000}), when things go wrong:
 * a peer that drips its reply one octet at a time, a spool that refuses the failure notice after a transaction that
 * delivered some recipients ({@link SpoolFaults}), and what goes on the wire for a message that is not fit for SMTP
 * as it came in (a bare CR, a 1,500-octet line) or is over the peer's SIZE. Small deadlines (connect 2 s,
 * reply 3 s, session 30 s) and a 2-second retry schedule keep every test short; one James for all.
 */
class RemoteDeliveryFaultsIT {

    private static final MailRepositoryUrl BOUNCES = MailRepositoryUrl.from("memory://var/mail/fault-bounces/");
    private static final AttributeName OUTCOMES = AttributeName.of("postino.delivery.outcomes");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration RETRY_INTERVAL = Duration.ofSeconds(2);
    private static final int PEER_SIZE_LIMIT = 20_000;
    private static final String RULES = """
        # a retry every 2 seconds, so that a mail retried (or re-sent by mistake) shows within the test
        *            *      F,1m,2s
        """;

    private static TestDnsServer dns;
    private static ScriptedSmtpPeer peer;
    private static SpoolFaults spool;
    private static JamesMemoryServer james;

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("relay.test. 300 IN MX 10 mx.relay.test.").add("mx.relay.test. 300 IN A 127.0.0.1");
        peer = ScriptedSmtpPeer.start("mx.relay.test")
            .ehloExtensions(List.of("8BITMIME", "PIPELINING", "SIZE " + PEER_SIZE_LIMIT, "DSN", "SMTPUTF8"))
            .dripInterval(Duration.ofMillis(200));
        spool = new SpoolFaults();
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .replaceFile("faults-retry-rules.conf", RULES)
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>faults-retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"
                    + "<commandTimeout>" + COMMAND_TIMEOUT.toSeconds() + "s</commandTimeout><dataTimeout>10s</dataTimeout>"
                    + "<endOfDataTimeout>10s</endOfDataTimeout><sessionTimeout>30s</sessionTimeout>")
                // A copy of every notice for inspection; the sample's own notices processing goes on after it.
                .replace("<processor state=\"bounces\" enableJmx=\"false\">", "<processor state=\"bounces\" enableJmx=\"false\">"
                    + "<mailet match=\"All\" class=\"ToRepository\"><repositoryPath>" + BOUNCES.asString()
                    + "</repositoryPath><passThrough>true</passThrough></mailet>"))
            .overrideWith(spool.module())
            .start();
        james.addUser("alice@postino.test", "alice-secret");
    }

    @AfterAll
    static void stop() throws Exception {
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

    private static void send(String subject, String... recipients) throws Exception {
        sendAsIs(recipients, SmtpSession.dotStuff(("From: alice@postino.test\r\nSubject: " + subject
            + "\r\n\r\nHello.\r\n").getBytes(StandardCharsets.UTF_8)));
    }

    /** A transaction into James whose DATA is {@code stuffed} and then the final dot line. */
    private static void sendAsIs(String[] recipients, byte[] stuffed) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test>").code()).isEqualTo(250);
            for (String recipient : recipients) {
                assertThat(smtp.command("RCPT TO:<" + recipient + ">").code()).as(recipient).isEqualTo(250);
            }
            byte[] wire = new byte[stuffed.length + 3];
            System.arraycopy(stuffed, 0, wire, 0, stuffed.length);
            System.arraycopy(".\r\n".getBytes(StandardCharsets.US_ASCII), 0, wire, stuffed.length, 3);
            SmtpSession.Reply end = smtp.dataAsIs(wire);
            assertThat(end.code()).as(end.toString()).isEqualTo(250);
        }
    }

    private static List<ScriptedSmtpPeer.Delivery> deliveriesTo(String recipient) {
        return peer.deliveries().stream().filter(d -> d.recipients().contains(recipient)).toList();
    }

    private static ScriptedSmtpPeer.Delivery awaitDeliveryTo(String recipient) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (deliveriesTo(recipient).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(deliveriesTo(recipient)).as("deliveries to " + recipient + "; peer saw " + peer.commands()).isNotEmpty();
        return deliveriesTo(recipient).get(0);
    }

    private static List<Mail> bouncesFor(String recipient) throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        List<Mail> found = new ArrayList<>();
        for (MailKey key : repositories.listMailKeys(BOUNCES)) {
            Mail mail = repositories.getMail(BOUNCES, key);
            if (mail != null && mail.getRecipients().stream().anyMatch(r -> r.asString().equals(recipient))) {
                found.add(mail);
            }
        }
        return found;
    }

    private static Mail awaitBounce(String recipient) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        do {
            Optional<Mail> bounce = bouncesFor(recipient).stream().findFirst();
            if (bounce.isPresent()) {
                return bounce.get();
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no notice for " + recipient + " in 60s; the peer saw " + peer.commands());
    }

    private static String outcomes(Mail mail) {
        return mail.getAttribute(OUTCOMES).map(a -> (String) a.getValue().value()).orElse("");
    }

    /** A failure notice PolicyRemoteDelivery hands to the bounce processor naming {@code recipient}. */
    private static Predicate<Mail> noticeFor(String recipient) {
        return mail -> mail.getAttribute(OUTCOMES).isPresent()
            && mail.getRecipients().stream().anyMatch(r -> r.asString().equals(recipient));
    }

    private static Event first(List<Event> events, Event.Kind kind) {
        return events.stream().filter(e -> e.kind() == kind).findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " in " + events));
    }

    @Test
    void aPeerDrippingItsReplyIsCutOffAtTheReplyDeadlineAndTheMailIsRetriedAndDeliveredOnce() throws Exception {
        peer.onRcpt("slow@relay.test", ScriptedSmtpPeer.DRIP, "250 2.1.5 ok at last");

        send("slow drip", "slow@relay.test");
        awaitDeliveryTo("slow@relay.test");

        int dripSession = first(peer.events(), Event.Kind.DRIP_STARTED).session();
        List<Event> session = peer.events(dripSession);
        Event dripStarted = first(session, Event.Kind.DRIP_STARTED);
        Event closed = first(session, Event.Kind.CLIENT_CLOSED);
        List<String> commands = session.stream().filter(e -> e.kind() == Event.Kind.COMMAND).map(Event::detail).toList();
        assertThat(commands).as("the drip answers the RCPT for slow@relay.test: " + session).isNotEmpty();
        assertThat(commands.get(commands.size() - 1)).startsWith("RCPT TO:<slow@relay.test>");
        assertThat(session.indexOf(closed)).as("James hung up during the drip: " + session)
            .isGreaterThan(session.indexOf(dripStarted));
        Duration held = Duration.ofNanos(closed.nanoTime() - dripStarted.nanoTime());
        // Cut off by the 3 s reply deadline: not sooner than most of it, and well within three of it (the drip
        // alone would go on for 10 minutes; one octet every 200 ms never lets a per-read timeout expire).
        assertThat(held).isGreaterThanOrEqualTo(COMMAND_TIMEOUT.minusSeconds(1))
            .isLessThan(COMMAND_TIMEOUT.multipliedBy(3));
        // Tried again later, on a new connection, and delivered there once.
        List<Event> later = peer.events().stream().filter(e -> e.kind() == Event.Kind.CONNECTED
            && e.nanoTime() > closed.nanoTime()).toList();
        assertThat(later).isNotEmpty();
        assertThat(peer.rcptAttempts("slow@relay.test")).isEqualTo(2);
        Thread.sleep(RETRY_INTERVAL.multipliedBy(2).toMillis());
        assertThat(deliveriesTo("slow@relay.test")).hasSize(1);
        assertThat(peer.rcptAttempts("slow@relay.test")).isEqualTo(2);
    }

    @Test
    void whenTheSpoolRefusesTheFailureNoticeNoDeliveredRecipientGetsTheMessageAgain() throws Exception {
        peer.onRcpt("gone@relay.test", "550 5.1.1 <gone@relay.test>: no such user");
        peer.onRcpt("grey@relay.test", "451 4.7.1 Greylisted, try again", "250 2.1.5 ok");
        spool.refuse(noticeFor("gone@relay.test"), Integer.MAX_VALUE);
        try {
            send("notice refused", "kept@relay.test", "gone@relay.test", "grey@relay.test");

            // The greylisted recipient is retried 2 s later: by then the first attempt and its hand-off are over.
            ScriptedSmtpPeer.Delivery retried = awaitDeliveryTo("grey@relay.test");
            assertThat(spool.refusals()).as("the notice's hand-off failed").isNotEmpty()
                .allSatisfy(r -> assertThat(r.recipients()).containsExactly("gone@relay.test"))
                .allSatisfy(r -> assertThat(r.state()).isEqualTo("bounces"));
            assertThat(retried.recipients()).containsExactly("grey@relay.test");
            // Past two more retry intervals: nothing more is sent to anyone.
            Thread.sleep(RETRY_INTERVAL.multipliedBy(2).plusSeconds(1).toMillis());
            assertThat(deliveriesTo("kept@relay.test")).hasSize(1);
            assertThat(deliveriesTo("kept@relay.test").get(0).recipients()).containsExactly("kept@relay.test");
            assertThat(deliveriesTo("grey@relay.test")).hasSize(1);
            assertThat(peer.rcptAttempts("kept@relay.test")).isEqualTo(1);
            assertThat(peer.rcptAttempts("gone@relay.test")).isEqualTo(1);
            assertThat(peer.rcptAttempts("grey@relay.test")).isEqualTo(2);
            // Nor is anything waiting to be sent later (a mail set aside after the failure would wait 5 minutes).
            assertThat(spool.queuedRecipients()).allSatisfy((queue, mails) -> assertThat(mails).as(queue)
                .noneMatch(recipients -> recipients.contains("kept@relay.test") || recipients.contains("grey@relay.test")));
        } finally {
            spool.stop();
        }
    }

    @Test
    void aNoticeTheSpoolRefusesOnceIsHandedOffAgainAndTheDeliveredRecipientIsNotSentItAgain() throws Exception {
        peer.onRcpt("gone2@relay.test", "550 5.1.1 <gone2@relay.test>: no such user");
        spool.refuse(noticeFor("gone2@relay.test"), 1);
        try {
            send("notice refused once", "kept2@relay.test", "gone2@relay.test");

            Mail notice = awaitBounce("gone2@relay.test");

            assertThat(spool.refusals()).extracting(SpoolFaults.Refusal::recipients).containsExactly(List.of("gone2@relay.test"));
            assertThat(outcomes(notice)).contains("\"recipient\":\"gone2@relay.test\",\"action\":\"failed\",\"status\":\"5.1.1\"");
            assertThat(notice.getRecipients()).extracting(Object::toString).containsExactly("gone2@relay.test");
            Thread.sleep(RETRY_INTERVAL.multipliedBy(2).plusSeconds(1).toMillis());
            assertThat(bouncesFor("gone2@relay.test")).hasSize(1);
            assertThat(deliveriesTo("kept2@relay.test")).hasSize(1);
            assertThat(peer.rcptAttempts("kept2@relay.test")).isEqualTo(1);
            assertThat(peer.rcptAttempts("gone2@relay.test")).isEqualTo(1);
            assertThat(spool.queuedRecipients()).allSatisfy((queue, mails) -> assertThat(mails).as(queue)
                .noneMatch(recipients -> recipients.contains("kept2@relay.test")));
        } finally {
            spool.stop();
        }
    }

    /**
     * RFC 5321 2.3.8 and 4.5.3.1.6: CR and LF only together, lines of at most 998 octets. James 3.8.1's SMTP server
     * refuses a bare LF ({@code 500 5.0.0 line delimiter must be CRLF}) but takes a bare CR and a long line in a
     * body; what PolicyRemoteDelivery relays must keep neither, nor add a bare LF.
     */
    @Test
    void aBareCrAndA1500OctetLineReachThePeerFitForSmtp() throws Exception {
        String longLine = "B".repeat(1500);
        sendAsIs(new String[] {"fit@relay.test"}, ("From: alice@postino.test\r\nSubject: fit\r\n\r\n"
            + "before\rafter\r\n" + longLine + "\r\nend\r\n").getBytes(StandardCharsets.US_ASCII));

        byte[] wire = awaitDeliveryTo("fit@relay.test").wire();

        String text = new String(wire, StandardCharsets.ISO_8859_1);
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < wire.length; i++) {
            if (wire[i] == '\r' && (i + 1 == wire.length || wire[i + 1] != '\n')) {
                problems.add("bare CR at " + i);
            }
            if (wire[i] == '\n' && (i == 0 || wire[i - 1] != '\r')) {
                problems.add("bare LF at " + i);
            }
        }
        for (String line : text.split("\r\n", -1)) {
            if (line.length() > 998) {
                problems.add("a line of " + line.length() + " octets");
            }
        }
        // Nothing of the text is lost, and the bare CR did not start a new line (it is not a line end in SMTP).
        if (Arrays.stream(text.split("\r\n")).noneMatch(line -> line.contains("before") && line.contains("after"))) {
            problems.add("the bare CR became a line break");
        }
        assertThat(problems).as("what the peer received:\n" + text).isEmpty();
        // in the body: the header section now carries DkimSign's signatures, whose base64 has B's of its own
        assertThat(text.substring(text.indexOf("\r\n\r\n")).chars().filter(c -> c == 'B').count()).isEqualTo(1500);
        assertThat(text).contains("\r\nend\r\n");
    }

    /** RFC 5321 4.1.1.10: a client ends the session with QUIT, also when it gives up on the message before MAIL. */
    @Test
    void aMessageOverThePeersSizeIsNotSentAndTheSessionEndsWithQuit() throws Exception {
        long mark = System.nanoTime();
        sendAsIs(new String[] {"big@relay.test"}, ("From: alice@postino.test\r\nSubject: big\r\n\r\n"
            + ("x".repeat(76) + "\r\n").repeat(PEER_SIZE_LIMIT / 78 + 10)).getBytes(StandardCharsets.US_ASCII));

        Mail notice = awaitBounce("big@relay.test");

        assertThat(outcomes(notice)).contains("\"recipient\":\"big@relay.test\",\"action\":\"failed\",\"status\":\"5.3.4\"");
        assertThat(deliveriesTo("big@relay.test")).isEmpty();
        // The sessions of this test: opened after the mark, no recipient in them (the size is known from EHLO).
        List<Integer> sessions = peer.events().stream().filter(e -> e.kind() == Event.Kind.CONNECTED && e.nanoTime() > mark)
            .map(Event::session).toList();
        assertThat(sessions).isNotEmpty();
        for (int session : sessions) {
            List<String> commands = peer.events(session).stream().filter(e -> e.kind() == Event.Kind.COMMAND)
                .map(Event::detail).toList();
            assertThat(commands).as("session " + session + ": " + peer.events(session))
                .noneMatch(c -> c.startsWith("RCPT")).endsWith("QUIT");
        }
    }
}
