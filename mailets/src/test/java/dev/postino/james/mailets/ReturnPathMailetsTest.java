package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.bounce.SentMessages;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;
import dev.postino.core.suppression.SuppressionCheck;
import dev.postino.core.suppression.SuppressionList;
import dev.postino.james.attributes.ReturnPathAttributes;
import dev.postino.james.matchers.BounceVerdictIs;
import dev.postino.james.matchers.IsBounce;
import dev.postino.james.matchers.RecipientIsSuppressed;

/**
 * The return path's mailets and matchers together, without James, on a real embedded store: what is sent is
 * recorded, a bounce about it suppresses the address, the next mail to it is answered with a notice, and a bounce
 * about anything else is forged; a store that stops answering never throws out of a mailet or matcher.
 */
class ReturnPathMailetsTest {

    @TempDir
    Path directory;

    private PostinoStore store;
    private final FakeMailContext context = FakeMailContext.builder().postmaster(address("postmaster@postino.test")).build();

    @BeforeEach
    void open() {
        store = PostinoStore.open(StoreBackends.embedded(directory).config());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static MailAddress address(String text) {
        try {
            return new MailAddress(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static MimeMessage message(String text) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String dsn(String recipient, String originalId) {
        return "From: MAILER-DAEMON@mx.remote.test\r\nTo: alice@postino.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n"
            + "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
            + "--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.remote.test\r\n\r\n"
            + "Final-Recipient: rfc822; " + recipient + "\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            + "Diagnostic-Code: smtp; 550 5.1.1 <" + recipient + ">: Recipient address rejected: User unknown\r\n"
            + "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: alice@postino.test\r\nTo: " + recipient + "\r\n"
            + "Subject: hello\r\nMessage-ID: " + originalId + "\r\n\r\n--b1--\r\n";
    }

    private Mail outgoing(String name, String id, String... recipients) throws Exception {
        return FakeMail.builder().name(name).sender("alice@postino.test").recipients(recipients)
            .mimeMessage(message("From: alice@postino.test\r\nSubject: hello\r\nMessage-ID: " + id + "\r\nContent-Language: de\r\n\r\nHi.\r\n"))
            .build();
    }

    private BounceClassifier classifier() throws Exception {
        BounceClassifier classifier = new BounceClassifier(store, Clock.systemUTC());
        classifier.init(FakeMailetConfig.builder().mailetName("BounceClassifier").mailetContext(context).build());
        return classifier;
    }

    private static String attribute(Mail mail, org.apache.mailet.AttributeName name) {
        return ReturnPathAttributes.read(mail, name).orElse("");
    }

    @Test
    void sentThenBouncedThenSuppressedThenAnsweredInTheSendersLanguage() throws Exception {
        RecordSentMessage record = new RecordSentMessage(store, Clock.systemUTC());
        record.init(FakeMailetConfig.builder().mailetName("RecordSentMessage").mailetContext(context).build());
        record.service(outgoing("out1", "<m1@postino.test>", "gone@remote.test"));

        BounceClassifier classifier = classifier();
        Mail bounce = FakeMail.builder().name("in1").recipient("alice@postino.test").mimeMessage(message(dsn("gone@remote.test", "<m1@postino.test>"))).build();
        classifier.service(bounce);

        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_VERDICT)).isEqualTo("genuine");
        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_KIND)).isEqualTo("dsn");
        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_REASON)).isEqualTo("userunknown");
        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_SUPPRESSED)).isEqualTo("gone@remote.test");
        IsBounce isBounce = new IsBounce();
        isBounce.init(FakeMatcherConfig.builder().matcherName("IsBounce").condition("lists@postino.test").mailetContext(context).build());
        assertThat(isBounce.match(bounce)).isEmpty();

        SuppressionCheck check = new SuppressionCheck(classifier.list(), Duration.ofSeconds(30), 1000);
        RecipientIsSuppressed matcher = new RecipientIsSuppressed(check);
        matcher.init(FakeMatcherConfig.builder().matcherName("RecipientIsSuppressed").mailetContext(context).build());
        Mail next = outgoing("out2", "<m2@postino.test>", "gone@remote.test", "fine@remote.test");
        assertThat(matcher.match(next)).containsExactly(address("gone@remote.test"));

        Mail answered = outgoing("out3", "<m3@postino.test>", "gone@remote.test");
        SentMessages sent = new SentMessages(store, Duration.ofDays(30), Clock.systemUTC());
        SuppressedRecipientNotice notice = new SuppressedRecipientNotice(check, sent);
        notice.init(FakeMailetConfig.builder().mailetName("SuppressedRecipientNotice").mailetContext(context).build());
        notice.service(answered);
        assertThat(answered.getState()).isEqualTo("bounces");

        LocalizedBounce bounces = new LocalizedBounce();
        bounces.init(FakeMailetConfig.builder().mailetName("LocalizedBounce").mailetContext(context).build());
        bounces.service(answered);
        assertThat(context.getSentMails()).hasSize(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        context.getSentMails().get(0).getMsg().writeTo(written);
        String text = written.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("Status: 5.1.1").contains("Content-Language: de");
        javax.mail.Multipart report = (javax.mail.Multipart) context.getSentMails().get(0).getMsg().getContent();
        String human = (String) ((javax.mail.Multipart) report.getBodyPart(0).getContent()).getBodyPart(0).getContent();
        assertThat(human).contains("Sperrliste").contains("das Postfach existiert nicht");

        // the notice comes back to alice: genuine (it refers to her mail), and not a new bounce for the list
        Mail returned = FakeMail.builder().name("in5").recipient("alice@postino.test").mimeMessage(context.getSentMails().get(0).getMsg()).build();
        classifier.service(returned);
        assertThat(attribute(returned, ReturnPathAttributes.BOUNCE_VERDICT)).isEqualTo("genuine");
        assertThat(returned.getAttribute(ReturnPathAttributes.BOUNCE_SUPPRESSED)).isEmpty();
        assertThat(classifier.list().find("gone@remote.test").orElseThrow().bounces()).isEqualTo(1);
    }

    @Test
    void aBounceAboutMailNeverSentIsForgedAndSuppressesNothing() throws Exception {
        BounceClassifier classifier = classifier();
        Mail bounce = FakeMail.builder().name("in2").recipient("alice@postino.test").mimeMessage(message(dsn("victim@remote.test", "<spam@elsewhere>"))).build();
        classifier.service(bounce);

        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_VERDICT)).isEqualTo("forged");
        assertThat(bounce.getAttribute(ReturnPathAttributes.BOUNCE_SUPPRESSED)).isEmpty();
        assertThat(new SuppressionList(store, Clock.systemUTC()).find("victim@remote.test")).isEmpty();
        BounceVerdictIs forged = new BounceVerdictIs();
        forged.init(FakeMatcherConfig.builder().matcherName("BounceVerdictIs").condition("forged").mailetContext(context).build());
        assertThat(forged.match(bounce)).containsExactly(address("alice@postino.test"));
    }

    @Test
    void ordinaryMailAndGarbageAreNotBouncesAndADeadStoreThrowsNothing() throws Exception {
        BounceClassifier classifier = classifier();
        Mail ordinary = FakeMail.builder().name("in3").recipient("alice@postino.test")
            .mimeMessage(message("From: bob@example.com\r\nSubject: lunch?\r\n\r\nAt noon.\r\n")).build();
        classifier.service(ordinary);
        assertThat(attribute(ordinary, ReturnPathAttributes.BOUNCE_KIND)).isEqualTo("none");
        assertThat(attribute(ordinary, ReturnPathAttributes.BOUNCE_VERDICT)).isEqualTo("none");

        SuppressionCheck check = new SuppressionCheck(new SuppressionList(store, Clock.systemUTC()), Duration.ofSeconds(30), 1000);
        RecipientIsSuppressed matcher = new RecipientIsSuppressed(check);
        matcher.init(FakeMatcherConfig.builder().matcherName("RecipientIsSuppressed").mailetContext(context).build());
        store.close();

        Mail bounce = FakeMail.builder().name("in4").recipient("alice@postino.test").mimeMessage(message(dsn("x@remote.test", "<m9@postino.test>"))).build();
        classifier.service(bounce);
        assertThat(attribute(bounce, ReturnPathAttributes.BOUNCE_VERDICT)).isEqualTo("unknown");
        assertThat(matcher.match(outgoing("out4", "<m4@postino.test>", "x@remote.test"))).isEmpty();
    }
}
