package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.james.queue.api.MailQueueName;
import org.apache.james.queue.api.ManageableMailQueue;
import org.apache.james.queue.api.RawMailQueueItemDecoratorFactory;
import org.apache.james.queue.memory.MemoryMailQueueFactory;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;

import reactor.core.publisher.Flux;

import dev.postino.core.delivery.RecipientState;
import dev.postino.core.delivery.testing.LocalSmtpServer;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;
import dev.postino.core.retry.FailureClass;

class PolicyRemoteDeliveryTest {

    /** A queue that only records what goes in; the tests play the workers by calling {@code deliver}. */
    private static final class RecordingQueue implements MailQueue, MailQueueFactory<RecordingQueue> {
        record Queued(Mail mail, Duration delay) {
        }

        final List<Queued> queued = new CopyOnWriteArrayList<>();

        @Override
        public MailQueueName getName() {
            return MailQueueName.of("test");
        }

        @Override
        public void enQueue(Mail mail, Duration delay) {
            queued.add(new Queued(mail, delay));
        }

        @Override
        public void enQueue(Mail mail) {
            enQueue(mail, Duration.ZERO);
        }

        @Override
        public Publisher<Void> enqueueReactive(Mail mail) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Publisher<MailQueueItem> deQueue() {
            return subscriber -> subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    // nothing is ever handed out
                }

                @Override
                public void cancel() {
                }
            });
        }

        @Override
        public void close() {
        }

        @Override
        public Optional<RecordingQueue> getQueue(MailQueueName name, PrefetchCount count) {
            return Optional.of(this);
        }

        @Override
        public RecordingQueue createQueue(MailQueueName name, PrefetchCount count) {
            return this;
        }

        @Override
        public Set<MailQueueName> listCreatedMailQueues() {
            return Set.of(getName());
        }
    }

    private static final class MovableClock extends Clock {
        volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @TempDir
    Path conf;

    private TestDnsServer dns;
    private FileSystem fileSystem;
    private RecordingQueue queue;
    private MovableClock clock;
    private FakeMailContext context;
    /** The context the mailet is given: {@link #context} unless a test stands in front of it. */
    private MailetContext mailetContext;
    private PolicyRemoteDelivery mailet;
    private int closedPort;

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
        dns.add("example.test. 300 IN MX 10 mx.example.test.").add("mx.example.test. 300 IN A 127.0.0.1");
        queue = new RecordingQueue();
        clock = new MovableClock();
        context = FakeMailContext.defaultContext();
        mailetContext = context;
        fileSystem = new FileSystem() {
            @Override
            public InputStream getResource(String url) {
                throw new UnsupportedOperationException();
            }

            @Override
            public File getFile(String url) {
                return conf.resolve(url.substring(FileSystem.FILE_PROTOCOL_AND_CONF.length())).toFile();
            }

            @Override
            public File getBasedir() {
                return conf.toFile();
            }
        };
        mailet = new PolicyRemoteDelivery(queue, fileSystem, clock);
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        mailet.destroy();
        dns.close();
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("PolicyRemoteDelivery").mailetContext(mailetContext)
            .setProperty("dnsServers", dns.hostPort()).setProperty("dnsQueryTimeout", "2s").setProperty("dnsRetries", "0")
            .setProperty("port", Integer.toString(closedPort)).setProperty("connectTimeout", "2s")
            .setProperty("heloName", "postino.test")
            .setProperty("deferral", "queue"); // these queues are test doubles: no probe enqueue into them
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static Mail mail(String... recipients) throws Exception {
        return FakeMail.builder().name("m").sender("alice@postino.test").recipients(recipients)
            .mimeMessage(new javax.mail.internet.MimeMessage(javax.mail.Session.getInstance(new java.util.Properties()),
                new java.io.ByteArrayInputStream("Subject: hi\r\n\r\nhello\r\n".getBytes())))
            .build();
    }

    private static String attribute(Mail mail, AttributeName name) {
        return mail.getAttribute(name).map(Attribute::getValue).map(v -> (String) v.value()).orElse(null);
    }

    private static String attribute(FakeMailContext.SentMail sent, AttributeName name) {
        Attribute attribute = sent.getAttributes().get(name);
        return attribute == null ? null : (String) attribute.getValue().value();
    }

    @Test
    void serviceQueuesTheWholeMailWithEveryRecipientsStateAndGhostsIt() throws Exception {
        init();
        Mail mail = mail("a@example.test", "b@example.test", "c@other.test");

        mailet.service(mail);

        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
        assertThat(queue.queued).hasSize(1);
        assertThat(queue.queued.get(0).mail().getRecipients()).extracting(Object::toString)
            .containsExactly("a@example.test", "b@example.test", "c@other.test");
        assertThat(RecipientState.parseAll(attribute(queue.queued.get(0).mail(), PolicyRemoteDelivery.STATE)))
            .extracting(RecipientState::recipient).containsExactly("a@example.test", "b@example.test", "c@other.test");
    }

    @Test
    void recipientsAtTwoDomainsFailingInOneAttemptGetOneNotice() throws Exception {
        dns.add("nomail.test. 300 IN MX 0 .");
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.onRcpt("gone@example.test", "550 5.1.1 no such user");
            init("port", Integer.toString(smtp.port()));
            Mail mail = mail("gone@example.test", "ok@example.test", "bob@nomail.test");

            mailet.deliver(mail);

            assertThat(smtp.data).hasSize(1);
            assertThat(queue.queued).isEmpty();
            assertThat(context.getSentMails()).hasSize(1);
            FakeMailContext.SentMail bounce = context.getSentMails().get(0);
            assertThat(bounce.getRecipients()).extracting(Object::toString).containsExactly("gone@example.test", "bob@nomail.test");
            List<DeliveryOutcome> outcomes = DeliveryOutcome.fromJson(attribute(bounce, PolicyRemoteDelivery.OUTCOMES));
            assertThat(outcomes).extracting(o -> o.finalRecipient() + " " + o.status())
                .containsExactly("gone@example.test 5.1.1", "bob@nomail.test 5.1.10");
            assertThat(outcomes.get(1).diagnostic()).contains("null MX");
        }
    }

    @Test
    void aTemporaryFailureIsRequeuedWithThePolicysDelayAndItsState() throws Exception {
        Files.writeString(conf.resolve("rules.conf"), "* refused F,1h,10m\n");
        init("retryRules", "rules.conf");
        Mail mail = mail("bob@example.test");

        mailet.deliver(mail);

        assertThat(queue.queued).hasSize(1);
        assertThat(queue.queued.get(0).delay()).isEqualTo(Duration.ofMinutes(10));
        RecipientState state = RecipientState.parseAll(attribute(mail, PolicyRemoteDelivery.STATE)).get(0);
        assertThat(state.retry().failures()).isEqualTo(1);
        assertThat(state.nextAttempt()).isEqualTo(clock.now.plus(Duration.ofMinutes(10)));
        assertThat(state.lastOutcome().failureClass()).isEqualTo(FailureClass.REFUSED);
        assertThat(context.getSentMails()).isEmpty();
    }

    @Test
    void pastTheCutoffItGivesUpWith447AndTheLastFailure() throws Exception {
        Files.writeString(conf.resolve("rules.conf"), "* * F,20m,10m\n");
        init("retryRules", "rules.conf", "delayWarnings", "none");
        Mail mail = mail("bob@example.test");
        for (int attempt = 0; attempt < 3; attempt++) {
            mailet.deliver(mail);
            clock.now = clock.now.plus(Duration.ofMinutes(10));
        }
        assertThat(context.getSentMails()).isEmpty();

        mailet.deliver(mail);

        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail bounce = context.getSentMails().get(0);
        assertThat(bounce.getState()).isEqualTo("bounces");
        DeliveryOutcome notice = outcome(bounce);
        assertThat(notice.action()).isEqualTo(DeliveryAction.FAILED);
        assertThat(notice.status().toString()).isEqualTo("4.4.7");
        assertThat(notice.remoteReply()).isNull(); // refused: no server answered
        assertThat(notice.remoteMta()).isNull();
        assertThat(notice.remoteHost()).isEqualTo("mx.example.test [127.0.0.1]:" + closedPort);
        assertThat(notice.diagnostic()).isEqualTo("connection refused by mx.example.test [127.0.0.1]:" + closedPort);
        assertThat(notice.failure()).isEqualTo(FailureClass.REFUSED);
        assertThat(queue.queued).hasSize(3);
    }

    @Test
    void theFinalNoticeAfterRepeatedFullMailboxesKeepsTheReply() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.onRcpt("full@example.test", "452 4.2.2 Mailbox full");
            Files.writeString(conf.resolve("rules.conf"), "* * F,20m,10m\n");
            init("retryRules", "rules.conf", "delayWarnings", "none", "port", Integer.toString(smtp.port()));
            Mail mail = mail("full@example.test");
            for (int attempt = 0; attempt < 3; attempt++) {
                mailet.deliver(mail);
                clock.now = clock.now.plus(Duration.ofMinutes(10));
            }

            mailet.deliver(mail);

            DeliveryOutcome notice = outcome(context.getSentMails().get(0));
            assertThat(notice.status().toString()).isEqualTo("4.4.7");
            assertThat(notice.remoteReply()).isEqualTo("452 4.2.2 Mailbox full");
            assertThat(notice.phase()).isEqualTo(dev.postino.core.smtp.SmtpPhase.RCPT);
            assertThat(notice.remoteMta()).isEqualTo("mx.example.test");
        }
    }

    @Test
    void aDelayWarningGoesToTheBounceProcessorWhenAnAgeIsReached() throws Exception {
        init("delayWarnings", "5m", "bounceProcessor", "notices");
        Mail mail = mail("bob@example.test");
        mailet.deliver(mail);
        clock.now = clock.now.plus(Duration.ofMinutes(15));

        mailet.deliver(mail);

        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail warning = context.getSentMails().get(0);
        assertThat(warning.getState()).isEqualTo("notices");
        assertThat(attribute(warning, PolicyRemoteDelivery.WARNING)).isEqualTo("true");
        DeliveryOutcome notice = outcome(warning);
        assertThat(notice.action()).isEqualTo(DeliveryAction.DELAYED);
        assertThat(notice.willRetryUntil()).isNotNull();
        // no reply: the status says what kind of failure it was, never a bare 4.0.0
        assertThat(notice.status().toString()).isEqualTo("4.4.1");
        assertThat(notice.diagnostic()).startsWith("connection refused by mx.example.test [127.0.0.1]:");
        assertThat(queue.queued).hasSize(2);
    }

    @Test
    void aNullMxBouncesAtOnceWith5110() throws Exception {
        dns.add("nomail.test. 300 IN MX 0 .");
        init();
        Mail mail = mail("bob@nomail.test");

        mailet.deliver(mail);

        assertThat(queue.queued).isEmpty();
        DeliveryOutcome notice = outcome(context.getSentMails().get(0));
        assertThat(notice.status().toString()).isEqualTo("5.1.10");
        assertThat(context.getSentMails().get(0).getRecipients()).extracting(Object::toString).containsExactly("bob@nomail.test");
    }

    @Test
    void dnsDownKeepsTheMailQueued() throws Exception {
        dns.inject("example.test", "MX", TestDnsServer.Fault.SERVFAIL);
        init();
        Mail mail = mail("bob@example.test");

        mailet.deliver(mail);

        assertThat(queue.queued).hasSize(1);
        assertThat(RecipientState.parseAll(attribute(mail, PolicyRemoteDelivery.STATE)).get(0).lastOutcome().failureClass())
            .isEqualTo(FailureClass.DNS);
        assertThat(context.getSentMails()).isEmpty();
    }

    @Test
    void aRecipientNotYetDueWaitsForItsTime() throws Exception {
        init();
        Mail mail = mail("bob@example.test");
        mailet.deliver(mail);
        queue.queued.clear();

        mailet.deliver(mail);

        assertThat(queue.queued).hasSize(1);
        assertThat(queue.queued.get(0).delay()).isEqualTo(Duration.ofMinutes(15));
        assertThat(RecipientState.parseAll(attribute(mail, PolicyRemoteDelivery.STATE)).get(0).retry().failures()).isEqualTo(1);
    }

    @Test
    void aBadRuleRefusesToStartNamingTheLine() throws Exception {
        Files.writeString(conf.resolve("rules.conf"), "# comment\n* rcpt_4xx F,2h\n");

        assertThatThrownBy(() -> init("retryRules", "rules.conf")).isInstanceOf(MessagingException.class)
            .hasMessage("PolicyRemoteDelivery: init parameter retryRules='rules.conf' is not valid: line 2: 'F,2h': expected"
                + " F,cutoff,interval in \"* rcpt_4xx F,2h\"");
    }

    @Test
    void rulesMayBeGivenInline() throws Exception {
        init("retryRulesText", "\n  example.test refused F,1h,3m\n  * * F,1h,20m\n");
        Mail mail = mail("bob@example.test");

        mailet.deliver(mail);

        assertThat(queue.queued.get(0).delay()).isEqualTo(Duration.ofMinutes(3));
        assertThatThrownBy(() -> init("retryRulesText", "* bogus F,1h,1m")).hasMessageContaining("line 1: unknown error 'bogus'");
    }

    @Test
    void aMissingRulesFileRefusesToStart() {
        assertThatThrownBy(() -> init("retryRules", "nowhere.conf")).isInstanceOf(MessagingException.class)
            .hasMessageStartingWith("PolicyRemoteDelivery: init parameter retryRules='nowhere.conf' is not valid: cannot read");
    }

    @Test
    void unknownParametersAndBadValuesRefuseToStart() {
        assertThatThrownBy(() -> init("retries", "3")).hasMessageContaining("unknown init parameter 'retries'");
        assertThatThrownBy(() -> init("smarthost", "relay.example.com:99999"))
            .hasMessageContaining("init parameter smarthost='relay.example.com:99999' is not valid");
        assertThatThrownBy(() -> init("delayWarnings", "4")).hasMessageContaining("init parameter delayWarnings='4' is not valid");
        assertThatThrownBy(() -> init("sessionTimeout", "0s")).hasMessageContaining("init parameter sessionTimeout='0s' is not valid");
        assertThatThrownBy(() -> init("minDataRate", "0")).hasMessageContaining("init parameter minDataRate='0' is not valid");
        assertThatThrownBy(() -> init("smarthost", "relay.example.com:587", "smarthostTlsVerify", "false"))
            .hasMessage("PolicyRemoteDelivery: init parameter smarthostTlsVerify='false' is not valid: it is about smarthost"
                + " AUTH: set smarthostUser and smarthostPassword too, or remove it");
        assertThatThrownBy(() -> init("smarthost", "relay.example.com:587", "smarthostUser", "u", "smarthostPassword", "p",
            "smarthostTlsVerify", "maybe")).hasMessageContaining("init parameter smarthostTlsVerify='maybe' is not valid");
    }

    @Test
    void badMtaStsParametersRefuseToStartInOneLine() {
        assertThatThrownBy(() -> init("mtaSts", "strict")).hasMessage("PolicyRemoteDelivery: init parameter mtaSts='strict' "
            + "is not valid: 'strict' is not enforce, testing or off");
        assertThatThrownBy(() -> init("mtaStsOverrides", "example.com=enforce, legacy.example"))
            .hasMessage("PolicyRemoteDelivery: init parameter mtaStsOverrides='example.com=enforce, legacy.example' is not "
                + "valid: 'legacy.example' is not domain=enforce|testing|off");
        assertThatThrownBy(() -> init("mtaStsProxy", "proxy.example")).hasMessage("PolicyRemoteDelivery: init parameter "
            + "mtaStsProxy='proxy.example' is not valid: expected host:port");
        assertThatThrownBy(() -> init("mtaStsCache", "disk")).hasMessage("PolicyRemoteDelivery: init parameter "
            + "mtaStsCache='disk' is not valid: expected store or memory");
        assertThatThrownBy(() -> init("tlsTrustStore", "missing.p12"))
            .hasMessageStartingWith("PolicyRemoteDelivery: init parameter tlsTrustStore='missing.p12' is not valid: cannot read"
                + " it as a PKCS12 trust store");
        assertThatThrownBy(() -> init("tlsRptInterval", "soon")).hasMessageContaining("init parameter tlsRptInterval='soon' is not valid");
    }

    private static void notify(Mail mail, String recipient, DsnParameters.Notify... events) throws Exception {
        mail.setDsnParameters(DsnParameters.builder().addRcptParameter(new MailAddress(recipient),
            DsnParameters.RecipientDsnParameters.of(java.util.EnumSet.copyOf(List.of(events)))).build().orElseThrow());
    }

    @Test
    void repliesDecidePerRecipient() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.onRcpt("gone@example.test", "550 5.1.1 no such user").onRcpt("full@example.test", "452 4.2.2 full");
            init("port", Integer.toString(smtp.port()));
            Mail mail = mail("gone@example.test", "ok@example.test", "full@example.test");

            mailet.deliver(mail);

            assertThat(smtp.data).hasSize(1);
            assertThat(mail.getRecipients()).extracting(Object::toString).containsExactly("full@example.test");
            assertThat(queue.queued).hasSize(1);
            FakeMailContext.SentMail bounce = context.getSentMails().get(0);
            assertThat(bounce.getRecipients()).extracting(Object::toString).containsExactly("gone@example.test");
            assertThat(attribute(bounce, PolicyRemoteDelivery.NOTICE)).isEqualTo("failed");
            DeliveryOutcome notice = outcome(bounce);
            assertThat(notice.remoteReply()).isEqualTo("550 5.1.1 no such user");
            assertThat(notice.remoteMta()).isNotNull().doesNotContain("[");
        }
    }

    @Test
    void aSpooledMessageIsStreamedAsJamesWritesItAndMadeFitForSmtp() throws Exception {
        // As James's spool holds it: a MimeMessageWrapper over a source, with a bare CR in a header field and in the
        // body, and a body line of 1500 octets without a blank.
        String stored = "Subject: a\rBcc: hidden@example.test\r\nX-Id: 1\r\n\r\n.dot\rmore\r\n" + "Q".repeat(1500) + "\r\n";
        MimeMessageInputStreamSource source = MimeMessageInputStreamSource.create("spooled",
            new java.io.ByteArrayInputStream(stored.getBytes(StandardCharsets.US_ASCII)));
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            init("port", Integer.toString(smtp.port()));
            Mail mail = FakeMail.builder().name("m").sender("alice@postino.test").recipients("bob@example.test")
                .mimeMessage(new MimeMessageWrapper(source)).build();
            // What every mailet before delivery saw: javax.mail reads the header's bare CR as a line end.
            assertThat(mail.getMessage().getHeader("Bcc")).containsExactly("hidden@example.test");

            mailet.deliver(mail);

            assertThat(smtp.rawData).hasSize(1);
            // The header section as James writes it (so as the mailets saw it); in the body the bare CR is a space.
            assertThat(new String(smtp.rawData.get(0), StandardCharsets.US_ASCII)).isEqualTo(
                "Subject: a\r\nBcc: hidden@example.test\r\nX-Id: 1\r\n\r\n..dot more\r\n" + "Q".repeat(998) + "\r\n "
                    + "Q".repeat(502) + "\r\n");
            assertThat(smtp.commands).contains("MAIL FROM:<alice@postino.test> SIZE=" + (stored.length() + 1 + 3));
            assertThat(mail.getRecipients()).isEmpty();
        } finally {
            source.dispose();
        }
    }

    @Test
    void notifySuccessWithoutDsnAtTheNextHopGetsARelayedNotice() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.extensions = List.of("8BITMIME");
            init("port", Integer.toString(smtp.port()));
            Mail mail = mail("bob@example.test");
            notify(mail, "bob@example.test", DsnParameters.Notify.SUCCESS);

            mailet.deliver(mail);

            assertThat(queue.queued).isEmpty();
            FakeMailContext.SentMail notice = context.getSentMails().get(0);
            assertThat(attribute(notice, PolicyRemoteDelivery.NOTICE)).isEqualTo("relayed");
            assertThat(outcome(notice).action()).isEqualTo(DeliveryAction.RELAYED);
        }
    }

    @Test
    void notifySuccessWithDsnAtTheNextHopIsLeftToIt() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            init("port", Integer.toString(smtp.port()));
            Mail mail = mail("bob@example.test");
            notify(mail, "bob@example.test", DsnParameters.Notify.SUCCESS);

            mailet.deliver(mail);

            assertThat(context.getSentMails()).isEmpty();
            assertThat(smtp.commands).anyMatch(c -> c.startsWith("RCPT TO:<bob@example.test> NOTIFY=SUCCESS"));
        }
    }

    @Test
    void notifyWithoutDelayGetsNoDelayWarning() throws Exception {
        init("delayWarnings", "5m");
        Mail mail = mail("bob@example.test");
        notify(mail, "bob@example.test", DsnParameters.Notify.FAILURE);
        mailet.deliver(mail);
        clock.now = clock.now.plus(Duration.ofMinutes(15));

        mailet.deliver(mail);

        assertThat(context.getSentMails()).isEmpty();
        assertThat(queue.queued).hasSize(2);
    }

    private static MailQueue.MailQueueItem item(Mail mail, List<MailQueue.MailQueueItem.CompletionStatus> completions) {
        return new MailQueue.MailQueueItem() {
            @Override
            public Mail getMail() {
                return mail;
            }

            @Override
            public void done(CompletionStatus status) {
                completions.add(status);
            }
        };
    }

    @Test
    void anUnreadableMessageIsTriedLaterThenHandedToTheErrorProcessor() throws Exception {
        init();
        javax.mail.internet.MimeMessage broken = new javax.mail.internet.MimeMessage(
            javax.mail.Session.getInstance(new java.util.Properties())) {
            @Override
            public void writeTo(java.io.OutputStream out) throws MessagingException {
                throw new MessagingException("broken store");
            }
        };
        Mail mail = FakeMail.builder().name("m").sender("alice@postino.test").recipients("bob@example.test")
            .mimeMessage(broken).build();
        mailet.service(mail);
        Mail queued = queue.queued.get(0).mail();
        List<MailQueue.MailQueueItem.CompletionStatus> completions = new java.util.ArrayList<>();

        mailet.process(item(queued, completions));

        assertThat(queue.queued).hasSize(2);
        assertThat(queue.queued.get(1).delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(context.getSentMails()).isEmpty();

        clock.now = clock.now.plus(Duration.ofDays(6));
        mailet.process(item(queued, completions));

        assertThat(queue.queued).hasSize(2);
        assertThat(context.getSentMails()).extracting(FakeMailContext.SentMail::getState).containsExactly(Mail.ERROR);
        assertThat(completions).containsOnly(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
    }

    /** Plays the queue's part: processes the mail, then whatever was queued again, until nothing is left. */
    private void processUntilTheQueueIsEmpty(Mail mail) {
        List<MailQueue.MailQueueItem.CompletionStatus> completions = new java.util.ArrayList<>();
        mailet.process(item(mail, completions));
        for (int round = 0; !queue.queued.isEmpty() && round < 20; round++) {
            Mail again = queue.queued.remove(0).mail();
            clock.now = clock.now.plus(Duration.ofHours(1));
            mailet.process(item(again, completions));
        }
        assertThat(completions).containsOnly(MailQueue.MailQueueItem.CompletionStatus.SUCCESS);
    }

    /** {@link #context}, but {@code sendMail(mail, state)} throws its first {@code failures} times. */
    private MailetContext failingHandOff(int failures) {
        java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(failures);
        return (MailetContext) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {MailetContext.class}, (proxy, method, args) -> {
                if (method.getName().equals("sendMail") && args != null && args.length == 2
                    && args[1] instanceof String && left.getAndDecrement() > 0) {
                    throw new MessagingException("spool unavailable");
                }
                try {
                    return method.invoke(context, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    }

    private static long rcpts(LocalSmtpServer smtp, String recipient) {
        return smtp.commands.stream().filter(c -> c.startsWith("RCPT TO:<" + recipient + ">")).count();
    }

    @Test
    void aNoticeHandOffThatFailsOnceIsTriedAgainAndNobodyGetsTheMessageTwice() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.onRcpt("gone@example.test", "550 5.1.1 no such user").onRcpt("full@example.test", "452 4.2.2 full");
            mailetContext = failingHandOff(1);
            init("port", Integer.toString(smtp.port()), "retryRulesText", "* * F,2h,1h");
            Mail mail = mail("ok@example.test", "gone@example.test", "full@example.test");

            mailet.process(item(mail, new java.util.ArrayList<>()));

            assertThat(queue.queued).hasSize(1);
            assertThat(queue.queued.get(0).mail().getRecipients()).extracting(Object::toString)
                .containsExactly("full@example.test");
            assertThat(context.getSentMails()).hasSize(1);
            assertThat(context.getSentMails().get(0).getRecipients()).extracting(Object::toString)
                .containsExactly("gone@example.test");
            assertThat(rcpts(smtp, "ok@example.test")).isEqualTo(1);
        }
    }

    @Test
    void aNoticeHandOffThatAlwaysFailsLosesTheNoticeButNeverDeliversTwice() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.onRcpt("gone@example.test", "550 5.1.1 no such user").onRcpt("full@example.test", "452 4.2.2 full");
            mailetContext = failingHandOff(Integer.MAX_VALUE);
            init("port", Integer.toString(smtp.port()), "retryRulesText", "* * F,2h,1h", "delayWarnings", "none");

            processUntilTheQueueIsEmpty(mail("ok@example.test", "gone@example.test", "full@example.test"));

            assertThat(rcpts(smtp, "ok@example.test")).isEqualTo(1);
            assertThat(rcpts(smtp, "gone@example.test")).isEqualTo(1);
            assertThat(smtp.data).hasSize(1);
            assertThat(context.getSentMails()).isEmpty();
        }
    }

    @Test
    void aFailedRelayedNoticeDoesNotSendTheMessageAgain() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            smtp.extensions = List.of("8BITMIME");
            mailetContext = failingHandOff(Integer.MAX_VALUE);
            init("port", Integer.toString(smtp.port()));
            Mail mail = mail("bob@example.test");
            notify(mail, "bob@example.test", DsnParameters.Notify.SUCCESS);

            processUntilTheQueueIsEmpty(mail);

            assertThat(rcpts(smtp, "bob@example.test")).isEqualTo(1);
            assertThat(smtp.data).hasSize(1);
        }
    }

    /** A mailet on James's own memory queue, its workers running; returns the factory. */
    private MemoryMailQueueFactory initOnMemoryQueue(java.util.function.UnaryOperator<MailQueue> wrap, String... parameters)
        throws Exception {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        MailQueueFactory<MailQueue> factory = new MailQueueFactory<>() {
            @Override
            public Optional<MailQueue> getQueue(MailQueueName name, PrefetchCount count) {
                return memory.getQueue(name, count).map(wrap);
            }

            @Override
            public MailQueue createQueue(MailQueueName name, PrefetchCount count) {
                return wrap.apply(memory.createQueue(name, count));
            }

            @Override
            public Set<MailQueueName> listCreatedMailQueues() {
                return memory.listCreatedMailQueues();
            }
        };
        mailet.destroy();
        mailet = new PolicyRemoteDelivery(factory, fileSystem, Clock.systemUTC());
        init(parameters);
        return memory;
    }

    private static void awaitMessages(LocalSmtpServer smtp, int count) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (smtp.data.size() < count && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(smtp.data).as("messages the remote server received; it saw " + smtp.commands).hasSize(count);
    }

    @Test
    void theWorkersSurviveADequeueStreamThatEndsAfterEveryMail() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            // Each subscription ends after one mail, as a queue whose stream completes would.
            initOnMemoryQueue(real -> (MailQueue) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {MailQueue.class}, (proxy, method, args) -> {
                    if (method.getName().equals("deQueue")) {
                        return Flux.from(real.deQueue()).take(1);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                }), "port", Integer.toString(smtp.port()), "deliveryThreads", "2");

            for (int i = 0; i < 3; i++) {
                mailet.service(mail("bob" + i + "@example.test"));
            }

            awaitMessages(smtp, 3);
        }
    }

    @Test
    void browsingTheMemoryQueueTheWayWebAdminDoesDoesNotStopDelivery() throws Exception {
        try (LocalSmtpServer smtp = LocalSmtpServer.start()) {
            MemoryMailQueueFactory memory = initOnMemoryQueue(q -> q, "port", Integer.toString(smtp.port()));
            mailet.service(mail("before@example.test"));
            awaitMessages(smtp, 1);

            // James 3.8.1's GET /mailQueues/{name}/mails: one getQueue, then close twice.
            for (int browse = 0; browse < 5; browse++) {
                ManageableMailQueue browsed = memory.getQueue(MailQueueName.of("postino-outgoing")).orElseThrow();
                try (browsed) {
                    browsed.browse().forEachRemaining(item -> { });
                }
                browsed.close();
            }
            for (int i = 0; i < 3; i++) {
                mailet.service(mail("after" + i + "@example.test"));
            }

            awaitMessages(smtp, 4);
        }
    }

    @Test
    void theReserveOfReferencesIsToppedUp() throws Exception {
        MemoryMailQueueFactory memory = new MemoryMailQueueFactory(new RawMailQueueItemDecoratorFactory());
        MailQueueName name = MailQueueName.of("watched");
        MailQueue watched = memory.createQueue(name);
        MemoryQueueReferences references = MemoryQueueReferences.of(watched, () -> memory.createQueue(name)).orElseThrow();

        assertThat(references.topUp()).isEqualTo(MemoryQueueReferences.RESERVE - 1);
        memory.getQueue(name).orElseThrow().close();
        watched.close();

        assertThat(references.count()).isEqualTo(MemoryQueueReferences.RESERVE - 1);
        assertThat(references.topUp()).isEqualTo(1);
        assertThat(references.topUp()).isZero();
        assertThat(MemoryQueueReferences.of(queue, () -> { })).isEmpty();
    }

    /** The one outcome a notice mail carries, read as LocalizedBounce reads it. */
    private static DeliveryOutcome outcome(FakeMailContext.SentMail notice) {
        List<DeliveryOutcome> outcomes = DeliveryOutcome.fromJson(attribute(notice, PolicyRemoteDelivery.OUTCOMES));
        assertThat(outcomes).hasSize(1);
        return outcomes.get(0);
    }

}
