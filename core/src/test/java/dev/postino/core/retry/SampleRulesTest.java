package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/** The sample rules administrators start from must parse and do what their comments say. */
class SampleRulesTest {

    private static final Path SAMPLE = Path.of("../conf-samples/retry-rules.conf");

    @Test
    void sampleRulesParseAndMatchAsCommented() throws Exception {
        RetryRules rules = RetryRules.parse(Files.readString(SAMPLE, StandardCharsets.UTF_8));

        assertThat(rules.rules()).hasSize(8);
        assertThat(rules.match("example.org", rcpt("451 4.7.1 Greylisted")).schedule()).hasToString("F,1h,5m; G,16h,30m,1.5; F,4d,6h");
        assertThat(rules.match("example.org", rcpt("452 4.2.2 Mailbox full")).schedule().finalCutoff())
            .isEqualTo(java.time.Duration.ofDays(3));
        assertThat(rules.match("gmail.com", rcpt("421 4.7.0 rate limited")).text()).startsWith("gmail.com         rcpt_4xx");
        assertThat(rules.match("gmail.com", rcpt("452 4.2.2 Mailbox full")).text()).startsWith("*                 quota");
        assertThat(rules.match("Gmail.com", DeliveryFailure.withoutReply(SmtpPhase.CONNECT, FailureClass.TIMEOUT)).text())
            .startsWith("gmail.com         *");
        assertThat(rules.match("aspmx.l.google.com", DeliveryFailure.withoutReply(SmtpPhase.CONNECT, FailureClass.REFUSED)).text())
            .startsWith("*.google.com");
        assertThat(rules.match("example.org", DeliveryFailure.withoutReply(SmtpPhase.CONNECT, FailureClass.REFUSED)).schedule())
            .hasToString("H,2d,30m,2; F,4d,8h");
        RetryRule last = rules.rules().get(rules.rules().size() - 1);
        assertThat(rules.match("example.org", DeliveryFailure.withoutReply(SmtpPhase.DATA, FailureClass.LOST_CONNECTION))).isSameAs(last);
        assertThat(last.schedule()).isEqualTo(RetryRules.DEFAULT_RULE.schedule());
    }

    private static DeliveryFailure rcpt(String reply) {
        return DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse(reply));
    }
}
