package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.postino.core.retry.FailureClass;
import dev.postino.core.retry.RetryState;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/** The text forms of outcomes, notices and states survive a round trip, whatever the remote text holds. */
class DeliveryRecordsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final AttemptOutcome REFUSED = AttemptOutcome.ofReply("bob@example.com",
        SmtpReply.parse("550 5.1.1 <bob@example.com>; no such user = gone 100% é"), "mx.example.com [192.0.2.1]",
        SmtpPhase.RCPT, T0);

    @Test
    void outcomeRoundTrip() {
        String line = REFUSED.toString();

        assertThat(line).startsWith("recipient=bob@example.com;result=permanent;class=reply;code=550;enhanced=5.1.1;text=")
            .doesNotContain("\n");
        assertThat(AttemptOutcome.parse(line)).isEqualTo(REFUSED);
    }

    @Test
    void outcomeWithoutReplyRoundTrip() {
        AttemptOutcome nullMx = AttemptOutcome.permanent("x@nomail.test", EnhancedStatusCode.parse("5.1.10"), "null MX",
            "", SmtpPhase.CONNECT, T0);
        AttemptOutcome refused = AttemptOutcome.temporary("x@down.test", FailureClass.REFUSED, "connection\r\nrefused",
            "mx [127.0.0.1]", SmtpPhase.CONNECT, T0);

        AttemptOutcome tooBig = AttemptOutcome.tooBig("x@small.test", 20_000, 10_240, "mx [127.0.0.1]", SmtpPhase.MAIL, T0);

        assertThat(AttemptOutcome.parse(nullMx.toString())).isEqualTo(nullMx);
        assertThat(AttemptOutcome.parse(refused.toString())).isEqualTo(refused);
        assertThat(AttemptOutcome.parse(tooBig.toString())).isEqualTo(tooBig);
        assertThat(tooBig.toString()).contains(";size-limit=10240");
        assertThat(tooBig.status()).hasToString("5.3.4");
        assertThat(nullMx.diagnostic()).isEqualTo("null MX");
        assertThat(refused.asFailure().failureClass()).isEqualTo(FailureClass.REFUSED);
    }

    @ParameterizedTest
    @CsvSource({"refused, connect, 4.4.1", "timeout, connect, 4.4.1", "timeout, greeting, 4.4.1", "timeout, rcpt, 4.4.2",
        "timeout, end-of-data, 4.4.2", "lost_connection, data, 4.4.2", "dns, connect, 4.4.3", "tls, starttls, 4.7.5"})
    void aFailureWithoutAReplyHasTheStatusOfItsKind(String kind, String phase, String status) {
        AttemptOutcome outcome = AttemptOutcome.temporary("x@down.test", FailureClass.valueOf(kind.toUpperCase(java.util.Locale.ROOT)),
            "what happened", "mx [127.0.0.1]", SmtpPhase.parse(phase), T0);

        assertThat(outcome.status()).hasToString(status);
    }

    @Test
    void noticesBecomeTheNotificationOutcomes() {
        RecipientNotice refused = new RecipientNotice(RecipientNotice.Action.FAILED, EnhancedStatusCode.parse("4.4.7"), null,
            AttemptOutcome.temporary("x@down.test", FailureClass.REFUSED, "connection refused", "mx [127.0.0.1]",
                SmtpPhase.CONNECT, T0));
        RecipientNotice full = new RecipientNotice(RecipientNotice.Action.DELAYED, EnhancedStatusCode.parse("4.2.2"),
            T0.plusSeconds(3600), AttemptOutcome.ofReply("c@example.com", SmtpReply.parse("452 4.2.2 full"),
                "mx.example.com [192.0.2.1]:25", SmtpPhase.RCPT, T0));

        List<dev.postino.core.dsn.DeliveryOutcome> outcomes = List.of(refused.forNotification(null),
            full.forNotification("rfc822;c@example.com"));
        List<dev.postino.core.dsn.DeliveryOutcome> read = dev.postino.core.dsn.DeliveryOutcome.fromJson(
            dev.postino.core.dsn.DeliveryOutcome.toJson(outcomes));

        assertThat(read).isEqualTo(outcomes);
        assertThat(read.get(0).action().word()).isEqualTo("failed");
        assertThat(read.get(0).status().toString()).isEqualTo("4.4.7");
        assertThat(read.get(0).remoteMta()).as("no server answered").isNull();
        assertThat(read.get(0).remoteReply()).isNull();
        assertThat(read.get(0).remoteHost()).isEqualTo("mx [127.0.0.1]");
        assertThat(read.get(0).diagnostic()).isEqualTo("connection refused");
        assertThat(read.get(0).failure()).isEqualTo(FailureClass.REFUSED);
        assertThat(read.get(0).phase()).isEqualTo(SmtpPhase.CONNECT);
        assertThat(read.get(1).diagnostic()).as("the reply is the diagnostic").isNull();
        assertThat(read.get(1).phase()).isEqualTo(SmtpPhase.RCPT);
        assertThat(read.get(1).action().word()).isEqualTo("delayed");
        assertThat(read.get(1).originalRecipient()).isEqualTo("rfc822;c@example.com");
        assertThat(read.get(1).remoteMta()).isEqualTo("mx.example.com");
        assertThat(read.get(1).remoteReply()).isEqualTo("452 4.2.2 full");
        assertThat(read.get(1).willRetryUntil()).isEqualTo(T0.plusSeconds(3600));
        assertThat(read.get(1).lastAttempt()).isEqualTo(T0);
    }

    @Test
    void statesRoundTrip() {
        RecipientState fresh = RecipientState.arrived("a@example.com", T0);
        RecipientState retried = new RecipientState("b@example.com",
            new RetryState(T0, T0.plusSeconds(5), T0.plusSeconds(65), Duration.ofMinutes(15), 2, 1), T0.plusSeconds(965),
            REFUSED.forRecipient("b@example.com"));

        String text = RecipientState.formatAll(List.of(fresh, retried));

        assertThat(RecipientState.parseAll(text)).containsExactly(fresh, retried);
    }

    @Test
    void aBrokenLineIsRefusedWithItsText() {
        assertThatThrownBy(() -> RecipientState.parseAll("recipient=x;arrival=yesterday"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("recipient=x;arrival=yesterday");
        assertThatThrownBy(() -> AttemptOutcome.parse("recipient=x;text=%G1")).isInstanceOf(IllegalArgumentException.class);
    }
}
