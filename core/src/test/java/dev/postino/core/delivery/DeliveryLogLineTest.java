package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.log.LogLine;
import dev.postino.core.retry.DelayWarnings;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/** The delivery log's lines from a round's values: each recipient's status, DSN, relay, delays and retry. */
class DeliveryLogLineTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String HOST = "mx.example.test [192.0.2.1]";

    private static RetryPolicy policy() {
        try {
            return RetryPolicy.of(RetryRules.parse("* * F,1h,10m")).withDelayWarnings(DelayWarnings.parse("none"));
        } catch (dev.postino.core.retry.RetryRuleSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    private final DeliveryRound round = new DeliveryRound(policy(), NotificationPolicy.defaults());

    private static AttemptOutcome reply(String recipient, String reply, Instant at) {
        return AttemptOutcome.ofReply(recipient, SmtpReply.parse(reply), HOST, SmtpPhase.RCPT, at);
    }

    @Test
    void oneLinePerRecipientWithTheRoundsDecision() {
        Instant now = T0.plusSeconds(60);
        DeliveryRound.Pending pending = new DeliveryRound.Pending("alice@postino.test",
            DeliveryRound.statesOf(List.of("ok@example.test", "later@example.test", "gone@example.test"), List.of(), T0),
            Map.of("ok@example.test", new RecipientDsn(Set.of(), OriginalRecipient.rfc822("Orig@example.test"))));
        AttemptTrace trace = new AttemptTrace("mx.example.test[192.0.2.1]:25", AttemptTrace.Tls.VERIFIED, "TLSv1.3",
            "TLS_AES_128_GCM_SHA256", now, now.plusMillis(400), now.plusMillis(1250));
        Map<String, SmtpDelivery.DomainAttempt> attempts = Map.of("example.test", new SmtpDelivery.DomainAttempt(List.of(
            reply("ok@example.test", "250 2.1.5 ok", now), reply("later@example.test", "451 4.7.1 greylisted", now),
            reply("gone@example.test", "550 5.1.1 no such user", now)), true, trace));
        DeliveryRound.Result result = round.decide(pending, attempts, now);

        List<DeliveryLogLine> lines = DeliveryLogLine.ofRound("Mail1", pending, attempts, result, T0.minusSeconds(2), now);

        assertThat(lines).extracting(DeliveryLogLine::to, l -> l.status().label(), l -> l.dsn().toString())
            .containsExactly(org.assertj.core.groups.Tuple.tuple("ok@example.test", "sent", "2.1.5"),
                org.assertj.core.groups.Tuple.tuple("later@example.test", "deferred", "4.7.1"),
                org.assertj.core.groups.Tuple.tuple("gone@example.test", "bounced", "5.1.1"));
        Map<String, String> deferred = LogLine.parse(lines.get(1).format(LogLine.Format.KEYVALUE));
        assertThat(deferred).containsEntry("id", "Mail1").containsEntry("from", "alice@postino.test")
            .containsEntry("relay", "mx.example.test[192.0.2.1]:25").containsEntry("tls", "verified")
            .containsEntry("tls_protocol", "TLSv1.3").containsEntry("tls_cipher", "TLS_AES_128_GCM_SHA256")
            .containsEntry("remark", "451 4.7.1 greylisted").containsEntry("attempt", "1")
            .containsEntry("next", result.remaining().get(0).nextAttempt().toString())
            .containsEntry("delays", "2/60/0.4/0.85").containsEntry("delay", "63.25");
        assertThat(LogLine.parse(lines.get(0).format(LogLine.Format.KEYVALUE))).containsEntry("orig_to", "Orig@example.test")
            .doesNotContainKey("next");
        assertThat(lines.get(2).dsnClass()).isEqualTo("5.1");
    }

    @Test
    void givingUpIsExpiredWithTheStatusOfTheNotice() {
        Instant late = T0.plus(Duration.ofHours(2));
        RecipientState tried = new RecipientState("slow@example.test",
            new dev.postino.core.retry.RetryState(T0, T0.plusSeconds(60), T0.plus(Duration.ofMinutes(50)),
                Duration.ofMinutes(10), 6, 0), late, null);
        DeliveryRound.Pending pending = new DeliveryRound.Pending("", List.of(tried), Map.of());
        AttemptOutcome refused = AttemptOutcome.temporary("slow@example.test", FailureClass.REFUSED,
            "connection refused by " + HOST, HOST, SmtpPhase.CONNECT, late);
        Map<String, SmtpDelivery.DomainAttempt> attempts = new LinkedHashMap<>();
        attempts.put("example.test", new SmtpDelivery.DomainAttempt(List.of(refused), false));
        DeliveryRound.Result result = round.decide(pending, attempts, late);

        DeliveryLogLine line = DeliveryLogLine.ofRound("Mail2", pending, attempts, result, null, late).get(0);

        assertThat(line.status()).isEqualTo(DeliveryLogLine.Status.EXPIRED);
        assertThat(line.dsn().toString()).isEqualTo("4.4.7");
        assertThat(line.attempt()).isEqualTo(7);
        assertThat(line.next()).isNull();
        // no trace: the relay from the outcome's host, no TLS, the attempt takes no time
        Map<String, String> fields = LogLine.parse(line.format(LogLine.Format.KEYVALUE));
        assertThat(fields).containsEntry("from", "").containsEntry("relay", "mx.example.test[192.0.2.1]:25")
            .containsEntry("tls", "none").containsEntry("delays", "0/7200/0/0").containsEntry("delay", "7200")
            .containsEntry("remark", "connection refused by " + HOST).doesNotContainKey("tls_protocol");
    }

    @Test
    void delaysAlwaysAddUpAndNeverGoNegative() {
        AttemptTrace trace = new AttemptTrace(null, null, null, null, T0.plusMillis(1234), T0.plusMillis(1000),
            T0.plusMillis(5678));
        DeliveryDelays delays = DeliveryDelays.of(T0.plusSeconds(9), T0, trace, T0);

        assertThat(List.of(delays.beforeQueue(), delays.inQueue(), delays.setup(), delays.transmission()))
            .allMatch(d -> !d.isNegative());
        assertThat(delays.total()).isEqualTo(delays.beforeQueue().plus(delays.inQueue()).plus(delays.setup())
            .plus(delays.transmission()));
        assertThat(DeliveryDelays.seconds(Duration.ofMillis(1005))).isEqualTo("1.01");
        assertThat(DeliveryDelays.seconds(Duration.ofMillis(4))).isEqualTo("0");
        assertThat(DeliveryDelays.seconds(Duration.ofHours(1))).isEqualTo("3600");
    }

    @Test
    void theNotificationLineSaysWhyItWasWithheld() {
        Map<String, String> fields = LogLine.parse(DeliveryLogLine.notification("Mail3", "failed", "", 2, false,
            "null sender").keyValue());

        assertThat(fields).containsEntry("notice", "failed").containsEntry("sender", "").containsEntry("recipients", "2")
            .containsEntry("result", "withheld").containsEntry("remark", "null sender");
    }
}
