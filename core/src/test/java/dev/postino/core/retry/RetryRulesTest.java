package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

class RetryRulesTest {

    private static final DeliveryFailure GREYLISTED = DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse("451 4.7.1 Greylisted"));
    private static final DeliveryFailure FULL = DeliveryFailure.reply(SmtpPhase.RCPT, SmtpReply.parse("452 4.2.2 Mailbox full"));
    private static final DeliveryFailure REFUSED = DeliveryFailure.withoutReply(SmtpPhase.CONNECT, FailureClass.REFUSED);

    @Test
    void parsesRulesSkippingCommentsAndBlankLines() throws Exception {
        RetryRules rules = RetryRules.parse("""
            # greylisting: come back soon
            *              4.7.*      F,1h,5m; F,1d,30m

            example.com    quota      F,3d,3h   # full mailboxes
            *.example.com  *          G,2d,10m,2;
            """);

        assertThat(rules.rules()).hasSize(3);
        RetryRule quota = rules.rules().get(1);
        assertThat(quota.text()).isEqualTo("example.com    quota      F,3d,3h");
        assertThat(quota.lineNumber()).isEqualTo(4);
        assertThat(quota.domain()).hasToString("example.com");
        assertThat(quota.error()).hasToString("quota");
        assertThat(quota.schedule()).hasToString("F,3d,3h");
        assertThat(rules.rules().get(2).schedule().finalCutoff()).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void firstMatchingRuleWins() throws Exception {
        RetryRules rules = RetryRules.parse("""
            example.com  quota  F,3d,3h
            example.com  *      F,1d,1h
            *            quota  F,12h,1h
            """);

        assertThat(rules.match("example.com", FULL).lineNumber()).isEqualTo(1);
        assertThat(rules.match("Example.COM", GREYLISTED).lineNumber()).isEqualTo(2);
        assertThat(rules.match("other.example", FULL).lineNumber()).isEqualTo(3);
    }

    @Test
    void defaultRuleAppliesWhenNoneMatches() throws Exception {
        RetryRules rules = RetryRules.parse("example.com quota F,3d,3h\n");

        assertThat(rules.match("other.example", REFUSED)).isSameAs(RetryRules.DEFAULT_RULE);
        assertThat(RetryRules.defaults().match("example.com", FULL)).isSameAs(RetryRules.DEFAULT_RULE);
        assertThat(RetryRules.parse("# only comments\n\n").rules()).isEmpty();
        assertThat(RetryRules.DEFAULT_RULE.text()).isEqualTo("* * F,2h,15m; G,16h,1h,1.5; F,4d,6h");
        assertThat(RetryRules.DEFAULT_RULE.schedule().segments()).hasSize(3);
    }

    @Test
    void rulesParsedFromTheSameTextAreEqual() throws Exception {
        assertThat(RetryRules.parse("* Quota F,1h,5m").rules()).isEqualTo(RetryRules.parse("* Quota F,1h,5m").rules());
        assertThat(ErrorPattern.parse("QUOTA")).isEqualTo(ErrorPattern.parse("quota")).isNotEqualTo(ErrorPattern.parse("*"));
    }

    @Test
    void ruleWithoutScheduleMeansNoRetries() throws Exception {
        RetryRules rules = RetryRules.parse("example.com quota");

        assertThat(rules.rules().get(0).schedule().segments()).isEmpty();
    }

    @Test
    void byteOrderMarkIsIgnored() throws Exception {
        assertThat(RetryRules.parse("\uFEFFexample.com * F,1h,5m\n").rules().get(0).domain()).hasToString("example.com");
    }

    @Test
    void crLfLineEndsCountLinesLikeLf() {
        assertThatThrownBy(() -> RetryRules.parse("* * F,1h,5m\r\n\r\nbad.example\r\n"))
            .isInstanceOfSatisfying(RetryRuleSyntaxException.class, e -> assertThat(e.lineNumber()).isEqualTo(3));
    }

    @Test
    void errorsNameTheLineTheTokenAndWhatWasExpected() {
        assertSyntaxError("* * F,2h,15m\nexample.com\n", 2,
            "line 2: expected PATTERN ERROR SCHEDULE, such as '* * F,2h,15m; G,16h,1h,1.5; F,4d,6h' in \"example.com\"");
        assertSyntaxError("user@example.com * F,1h,5m", 1,
            "line 1: 'user@example.com' is not a domain pattern: rules match the recipient's domain, not a whole address:"
                + " expected *, a domain such as example.com, or *.example.com for its subdomains in \"user@example.com * F,1h,5m\"");
        assertSyntaxError("\n\n* greylist F,1h,5m # try", 3,
            "line 3: unknown error 'greylist': " + ErrorPattern.EXPECTED + " in \"* greylist F,1h,5m\"");
        assertSyntaxError("* * F,2h", 1, "line 1: 'F,2h': expected F,cutoff,interval in \"* * F,2h\"");
        assertSyntaxError("* * F,2h,15m; G,16h,1h", 1, "line 1: 'G,16h,1h': expected G,cutoff,start,multiplier in \"* * F,2h,15m; G,16h,1h\"");
        assertSyntaxError("* * F,2h,0s", 1, "line 1: 'F,2h,0s': the interval must be at least 1s in \"* * F,2h,0s\"");
        assertSyntaxError("* * F,2h,15", 1, "line 1: 'F,2h,15': '15' is not a time: expected numbers with units s, m, h, d or w,"
            + " such as 15m or 1h30m in \"* * F,2h,15\"");
        assertSyntaxError("* rcpt_4xx senders=: F,1h,30m", 1,
            "line 1: 'senders=' lists are not supported: expected the schedule after the error in \"* rcpt_4xx senders=: F,1h,30m\"");
    }

    private static void assertSyntaxError(String text, int line, String message) {
        assertThatThrownBy(() -> RetryRules.parse(text)).isInstanceOfSatisfying(RetryRuleSyntaxException.class, e -> {
            assertThat(e.lineNumber()).isEqualTo(line);
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.getMessage()).doesNotContain("\n");
        });
    }
}
