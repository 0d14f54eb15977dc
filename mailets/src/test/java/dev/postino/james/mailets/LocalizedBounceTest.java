package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.DsnParameters.Notify;
import org.apache.mailet.DsnParameters.RecipientDsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.dsn.DeliveryAction;
import dev.postino.core.dsn.DeliveryOutcome;

class LocalizedBounceTest {

    private static final String ORIGINAL = "Received: from client by mx.postino.test; Sun, 22 Nov 2026 10:00:00 +0100\r\n"
        + "From: Mario <mario@example.it>\r\nTo: bob@remote.example\r\nSubject: Preventivo\r\n"
        + "Message-ID: <orig-1@example.it>\r\n\r\nCiao Bob.\r\n";

    private final FakeMailContext context = FakeMailContext.builder()
        .postmaster(address("postmaster@postino.test")).build();
    private final LocalizedBounce mailet = new LocalizedBounce();

    private static MailAddress address(String text) {
        try {
            return new MailAddress(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private void init(String... parameters) throws MessagingException {
        FakeMailetConfig.Builder config = FakeMailetConfig.builder().mailetName("LocalizedBounce").mailetContext(context);
        for (int i = 0; i < parameters.length; i += 2) {
            config.setProperty(parameters[i], parameters[i + 1]);
        }
        mailet.init(config.build());
    }

    private static FakeMail.Builder mail(String sender, String original, String... recipients) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()),
            new ByteArrayInputStream(original.getBytes(StandardCharsets.UTF_8)));
        FakeMail.Builder builder = FakeMail.builder().name("m1").mimeMessage(message).recipients(recipients);
        return sender == null ? builder : builder.sender(sender);
    }

    private static String raw(MimeMessage message) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        message.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private String onlySent() throws Exception {
        assertThat(context.getSentMails()).hasSize(1);
        FakeMailContext.SentMail sent = context.getSentMails().get(0);
        assertThat(sent.getSender()).isNull();
        // marked as Postino's own, so the sample routes it to the relay processor, where DkimSign signs it
        assertThat(sent.getAttributes().get(AttributeName.of("postino.notification")).getValue().value())
            .isEqualTo("LocalizedBounce");
        return raw(sent.getMsg());
    }

    @Test
    void readsOurOutcomesAndSendsWithTheNullSender() throws Exception {
        init("reportingMta", "mx.postino.test");
        String outcomes = DeliveryOutcome.toJson(List.of(new DeliveryOutcome("bob@remote.example", null, DeliveryAction.FAILED,
            EnhancedStatusCode.parse("5.1.1"), "mx.remote.example", "550 5.1.1 no such user", Instant.parse("2026-11-22T09:05:00Z"), null)));
        Mail mail = mail("mario@example.it", ORIGINAL, "bob@remote.example")
            .attribute(new Attribute(LocalizedBounce.OUTCOMES, AttributeValue.of(outcomes))).build();

        mailet.service(mail);

        String sent = onlySent();
        assertThat(context.getSentMails().get(0).getRecipients()).containsExactly(address("mario@example.it"));
        assertThat(sent).contains("From: \"Sistema di consegna della posta\" <MAILER-DAEMON@mx.postino.test>",
            "Status: 5.1.1", "Remote-MTA: dns; mx.remote.example", "Diagnostic-Code: smtp; 550 5.1.1 no such user",
            "Arrival-Date: Sun, 22 Nov 2026");
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void fallsBackToJamesRemoteDeliveryAttributes() throws Exception {
        init("defaultLanguage", "en");
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example", "carol@remote.example")
            .attribute(new Attribute(LocalizedBounce.DELIVERY_ERROR, AttributeValue.of("5.2.2 Mailbox full")))
            .attribute(new Attribute(LocalizedBounce.DELIVERY_ERROR_CODE, AttributeValue.of(552)))
            .attribute(new Attribute(LocalizedBounce.IS_PERMANENT, AttributeValue.of(true))).build();

        mailet.service(mail);

        String sent = onlySent();
        assertThat(sent).contains("MAILER-DAEMON@postino.test", "Final-Recipient: rfc822; bob@remote.example",
            "Final-Recipient: rfc822; carol@remote.example", "Status: 5.2.2", "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full",
            "Content-Language: en");
    }

    @Test
    void aTemporaryErrorThatRanOutOfRetriesIsDeliveryTimeExpired() throws Exception {
        init("defaultLanguage", "en");
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example")
            .attribute(new Attribute(LocalizedBounce.DELIVERY_ERROR, AttributeValue.of("Connection timed out")))
            .attribute(new Attribute(LocalizedBounce.IS_PERMANENT, AttributeValue.of(false))).build();

        mailet.service(mail);

        assertThat(onlySent()).contains("Action: failed", "Status: 4.4.7", "Diagnostic-Code: x-postino; Connection timed out");
    }

    @Test
    void aBareBasicCodeLeavesTheStatusToTheConfiguredDefault() throws Exception {
        init("defaultStatus", "5.1.1");
        Mail mail = mail("ann@example.com", ORIGINAL, "nobody@postino.test")
            .errorMessage("550 - Requested action not taken: no such user here").build();

        mailet.service(mail);

        assertThat(onlySent()).contains("Status: 5.1.1", "Diagnostic-Code: smtp; 550 - Requested action not taken: no such user here");
    }

    @Test
    void notifyNeverGetsNothingAndOrcptIsReported() throws Exception {
        init("defaultStatus", "5.1.1");
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example", "carol@remote.example").build();
        mail.setDsnParameters(DsnParameters.builder()
            .envId(DsnParameters.EnvId.of("ENV-7"))
            .ret(DsnParameters.Ret.HDRS)
            .addRcptParameter(address("bob@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.NEVER)))
            .addRcptParameter(address("carol@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.FAILURE), address("carol@old.example")))
            .build().orElseThrow());

        mailet.service(mail);

        String sent = onlySent();
        assertThat(sent).contains("Original-Envelope-Id: ENV-7", "Final-Recipient: rfc822; carol@remote.example",
            "Original-Recipient: rfc822; carol@old.example", "Status: 5.1.1", "Content-Type: text/rfc822-headers")
            .doesNotContain("bob@remote.example\r\nAction").doesNotContain("Ciao Bob.");
    }

    @Test
    void successesAreReportedOnlyWhenAskedForAndDelaysUnlessNotifyLeavesThemOut() throws Exception {
        Instant until = Instant.parse("2026-11-27T09:00:00Z");
        String outcomes = DeliveryOutcome.toJson(List.of(
            new DeliveryOutcome("ann@remote.example", null, DeliveryAction.DELAYED, EnhancedStatusCode.parse("4.2.2"), null, null, null, until),
            new DeliveryOutcome("bob@remote.example", null, DeliveryAction.DELAYED, EnhancedStatusCode.parse("4.4.1"), null, null, null, until),
            new DeliveryOutcome("cid@remote.example", null, DeliveryAction.DELIVERED, null, "mx.remote.example", "250 2.0.0 ok", null, null),
            new DeliveryOutcome("dan@remote.example", null, DeliveryAction.DELIVERED, null, null, null, null, null),
            new DeliveryOutcome("eve@remote.example", null, DeliveryAction.DELAYED, EnhancedStatusCode.parse("4.4.1"), null, null, null, until)));
        init("defaultLanguage", "en");
        Mail mail = mail("ann@example.com", ORIGINAL, "ann@remote.example", "bob@remote.example", "cid@remote.example",
            "dan@remote.example", "eve@remote.example")
            .attribute(new Attribute(LocalizedBounce.OUTCOMES, AttributeValue.of(outcomes))).build();
        mail.setDsnParameters(DsnParameters.builder()
            .addRcptParameter(address("bob@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.DELAY, Notify.FAILURE)))
            .addRcptParameter(address("cid@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.SUCCESS)))
            .addRcptParameter(address("eve@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.FAILURE)))
            .build().orElseThrow());

        mailet.service(mail);

        // ann gave no NOTIFY: remote delivery made her delay under warnWithoutNotify, so it is reported
        String sent = onlySent();
        assertThat(sent).contains("Final-Recipient: rfc822; ann@remote.example", "Final-Recipient: rfc822; bob@remote.example",
                "Will-Retry-Until: Fri, 27 Nov 2026", "Final-Recipient: rfc822; cid@remote.example", "Action: delivered",
                "Subject: Delivery delayed: Preventivo")
            .doesNotContain("rfc822; dan@remote.example").doesNotContain("rfc822; eve@remote.example");
    }

    @Test
    void theOldNotifyDelaysIsAcceptedWhenTrueAndRefusedWhenFalseNamingItsReplacement() throws Exception {
        init("notifyDelays", "true");

        assertThatThrownBy(() -> init("notifyDelays", "false")).isInstanceOf(MessagingException.class)
            .hasMessage("LocalizedBounce: init parameter notifyDelays='false' is not valid: no longer read: whether senders"
                + " without NOTIFY get delay warnings is PolicyRemoteDelivery's warnWithoutNotify; set it to false there and"
                + " remove notifyDelays");
        assertThatThrownBy(() -> init("notifyDelays", "maybe")).hasMessageContaining("notifyDelays='maybe' is not valid");
    }

    @Test
    void onlyNeverRecipientsMeansNoNotificationButTheMailIsDone() throws Exception {
        init();
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example").build();
        mail.setDsnParameters(DsnParameters.builder()
            .addRcptParameter(address("bob@remote.example"), RecipientDsnParameters.of(EnumSet.of(Notify.NEVER))).build().orElseThrow());

        mailet.service(mail);

        assertThat(context.getSentMails()).isEmpty();
        assertThat(mail.getState()).isEqualTo(Mail.GHOST);
    }

    @Test
    void neverNotifiesNullSendersDaemonsNotificationsOrForgedSenders() throws Exception {
        init("unsentProcessor", "bounces-unsent");
        List<Mail> mails = List.of(
            mail(null, ORIGINAL, "bob@remote.example").build(),
            mail("MAILER-DAEMON@example.it", ORIGINAL, "bob@remote.example").build(),
            mail("ann@example.com", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x--\r\n", "bob@remote.example").build(),
            mail("ann@example.com", "Auto-Submitted: auto-replied\r\nSubject: away\r\n\r\nI am away.\r\n", "bob@remote.example").build(),
            mail("ann@example.com", ORIGINAL, "bob@remote.example")
                .attribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("fail"))).build(),
            mail("ann@example.com", ORIGINAL, "bob@remote.example")
                .attribute(new Attribute(AttributeName.of("postino.dmarc.result"), AttributeValue.of("FAIL"))).build());

        for (Mail mail : mails) {
            mailet.service(mail);
        }

        assertThat(context.getSentMails()).isEmpty();
        assertThat(mails).extracting(Mail::getState).containsOnly("bounces-unsent");
        assertThat(mails).extracting(m -> (String) m.getAttribute(LocalizedBounce.UNSENT).orElseThrow().getValue().value())
            .containsExactly("null reverse-path", "sender is a MAILER-DAEMON",
                "the mail is itself a notification or an automatic reply", "the mail is itself a notification or an automatic reply",
                "backscatter guard: postino.spf.result=fail (the sender is likely forged)",
                "backscatter guard: postino.dmarc.result=fail (the sender is likely forged)");
    }

    @Test
    void theBackscatterGuardCanBeSwitchedOff() throws Exception {
        init("backscatterGuard", "false", "passThrough", "true");
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example")
            .attribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of("fail"))).build();

        mailet.service(mail);

        assertThat(context.getSentMails()).hasSize(1);
        assertThat(mail.getState()).isNotEqualTo(Mail.GHOST);
    }

    @Test
    void aBrokenOutcomeAttributeFallsBackInsteadOfFailing() throws Exception {
        init();
        Mail mail = mail("ann@example.com", ORIGINAL, "bob@remote.example")
            .attribute(new Attribute(LocalizedBounce.OUTCOMES, AttributeValue.of("[{\"recipient\":"))).errorMessage("550 5.7.1 refused").build();

        mailet.service(mail);

        assertThat(onlySent()).contains("Status: 5.7.1");
    }

    @Test
    void languageRulesFromTheConfiguration() throws Exception {
        init("senderLanguages", "example.com=it,en", "defaultLanguage", "en");

        mailet.service(mail("ann@sub.example.com", ORIGINAL, "bob@remote.example").build());

        assertThat(onlySent()).contains("Content-Language: it, en", "Subject: Mancata consegna: Preventivo", "The message could not be delivered");
    }

    @Test
    void badConfigurationRefusesToStartWithOneLine() {
        assertThatThrownBy(() -> init("defaultLanguage", "xx")).isInstanceOf(MessagingException.class)
            .hasMessage("LocalizedBounce: init parameter defaultLanguage='xx' is not valid: expected languages with texts: de, en, es, fr, it, pt");
        assertThatThrownBy(() -> init("defaultStatus", "4.2.2")).hasMessageContaining("defaultStatus='4.2.2' is not valid");
        assertThatThrownBy(() -> init("senderLanguages", "example.com")).hasMessageContaining("senderLanguages='example.com' is not valid");
        assertThatThrownBy(() -> init("templates", "/no/such/folder")).hasMessageContaining("templates='/no/such/folder' is not valid");
        assertThatThrownBy(() -> init("defaultReturn", "body")).hasMessageContaining("defaultReturn='body'");
        assertThatThrownBy(() -> init("attachment", "all")).hasMessageContaining("unknown init parameter 'attachment'");
    }
}
