package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import javax.mail.BodyPart;
import javax.mail.Multipart;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.EnhancedStatusCode;

class SuppressionNoticeTest {

    private static final Instant BOUNCED = Instant.parse("2026-11-20T08:30:00Z");
    private static final Instant UNTIL = Instant.parse("2027-02-18T08:30:00Z");
    private static final byte[] ORIGINAL = "From: alice@postino.test\r\nSubject: hello\r\nMessage-ID: <m1@postino.test>\r\n\r\nHi.\r\n"
        .getBytes(StandardCharsets.US_ASCII);

    private static String plainText(Notification notification) throws Exception {
        MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(notification.message()));
        Multipart report = (Multipart) message.getContent();
        BodyPart human = report.getBodyPart(0);
        return (String) ((Multipart) human.getContent()).getBodyPart(0).getContent();
    }

    private static Notification compose(String language, SuppressionNotice notice) {
        NotificationTexts texts = NotificationTexts.builtIn();
        NotificationComposer composer = new NotificationComposer(NotificationSettings.defaults("mx.postino.test"), texts,
            Clock.fixed(Instant.parse("2026-12-02T10:00:00Z"), ZoneOffset.UTC), () -> "n1");
        DeliveryOutcome outcome = new DeliveryOutcome("bob@example.com", null, DeliveryAction.FAILED, new EnhancedStatusCode(5, 1, 1),
            null, null, null, null, null, "recipient on the suppression list", null, null, null);
        return composer.compose(ORIGINAL, new OriginalEnvelope("alice@postino.test", null, null, null, false), List.of(outcome),
            List.of(language), Map.of("bob@example.com", notice));
    }

    @ParameterizedTest
    @ValueSource(strings = {"en", "it", "de", "fr", "es", "pt"})
    void everyLanguageSaysWhenWhyAndUntilWhen(String language) throws Exception {
        NotificationTexts texts = NotificationTexts.builtIn();
        SuppressionNotice notice = new SuppressionNotice("bob@example.com", "bounce", "userunknown", BOUNCED, Optional.of(UNTIL));

        String text = plainText(compose(language, notice));

        assertThat(text).contains(texts.formatDate(language, BOUNCED.atZone(ZoneOffset.UTC)))
            .contains(texts.formatDate(language, UNTIL.atZone(ZoneOffset.UTC)))
            .contains(texts.text(language, "suppressed.reason.userunknown"))
            .contains(texts.text(language, "cause.suppressed.headline"))
            .contains(texts.text(language, "cause.suppressed.advice"))
            .doesNotContain(texts.text(language, "cause.nouser.text"));
    }

    @Test
    void manualEntriesWithoutEndAndOtherReasonsReadTheirOwnWay() throws Exception {
        NotificationTexts texts = NotificationTexts.builtIn();
        String manual = plainText(compose("en", new SuppressionNotice("bob@example.com", "manual", "asked by the owner", BOUNCED, Optional.empty())));
        assertThat(manual).contains("An administrator put this address").contains(texts.text("en", "suppressed.until.none"));

        String soft = plainText(compose("en", new SuppressionNotice("bob@example.com", "bounce", "systemerror", BOUNCED, Optional.of(UNTIL))));
        assertThat(soft).contains("delivery failed repeatedly (systemerror)");
    }

    @Test
    void jsonRoundTripAndHostileInput() {
        SuppressionNotice notice = new SuppressionNotice("Bob@Example.com", "complaint", "feedback", BOUNCED, Optional.empty());
        assertThat(SuppressionNotice.byRecipient(SuppressionNotice.toJson(List.of(notice)))).containsEntry("bob@example.com", notice);
        assertThat(SuppressionNotice.byRecipient("{not json")).isEmpty();
        assertThat(SuppressionNotice.byRecipient("[{\"recipient\":\"a@b\",\"since\":\"yesterday\"}]")).isEmpty();
    }
}
