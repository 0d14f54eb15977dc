package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

class PatternsTest {

    private static DeliveryFailure reply(SmtpPhase phase, String reply) {
        return DeliveryFailure.reply(phase, SmtpReply.parse(reply));
    }

    private static DeliveryFailure rcpt(String reply) {
        return reply(SmtpPhase.RCPT, reply);
    }

    private static DeliveryFailure without(FailureClass failureClass, SmtpPhase phase) {
        return DeliveryFailure.withoutReply(phase, failureClass);
    }

    private static boolean matches(String errorPattern, DeliveryFailure failure) {
        return ErrorPattern.parse(errorPattern).matches(failure);
    }

    @Test
    void domainPatterns() {
        assertThat(new DomainPattern("*").matches("anything.example")).isTrue();

        DomainPattern exact = new DomainPattern("Example.COM");
        assertThat(exact.matches("example.com")).isTrue();
        assertThat(exact.matches("EXAMPLE.com.")).isTrue();
        assertThat(exact.matches("mx.example.com")).isFalse();
        assertThat(exact.matches("notexample.com")).isFalse();

        DomainPattern sub = new DomainPattern("*.example.com");
        assertThat(sub.matches("mx.example.com")).isTrue();
        assertThat(sub.matches("a.b.Example.com")).isTrue();
        assertThat(sub.matches("example.com")).isFalse();
        assertThat(sub.matches("badexample.com")).isFalse();
    }

    @Test
    void malformedDomainPatterns() {
        assertThatThrownBy(() -> new DomainPattern("user@example.com"))
            .hasMessage("'user@example.com' is not a domain pattern: rules match the recipient's domain, not a whole address:"
                + " expected *, a domain such as example.com, or *.example.com for its subdomains");
        assertThatThrownBy(() -> new DomainPattern("*example.com")).hasMessageStartingWith("'*example.com' is not a domain pattern: expected");
        assertThatThrownBy(() -> new DomainPattern("^.*\\.example$")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DomainPattern("a..b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void starMatchesEveryFailure() {
        ErrorPattern any = ErrorPattern.parse("*");

        assertThat(any.matches(rcpt("451 4.7.1 later"))).isTrue();
        assertThat(any.matches(without(FailureClass.TIMEOUT, SmtpPhase.CONNECT))).isTrue();
    }

    @Test
    void commandPatternsMatchTheirPhaseAndCode() {
        ErrorPattern rcpt4xx = ErrorPattern.parse("rcpt_4xx");
        assertThat(rcpt4xx.matches(rcpt("451 later"))).isTrue();
        assertThat(rcpt4xx.matches(rcpt("452 4.2.2 full"))).isTrue();
        assertThat(rcpt4xx.matches(reply(SmtpPhase.MAIL, "451 later"))).isFalse();
        assertThat(rcpt4xx.matches(rcpt("550 5.1.1 unknown"))).isFalse();
        assertThat(rcpt4xx.matches(without(FailureClass.TIMEOUT, SmtpPhase.RCPT))).isFalse();

        ErrorPattern rcpt45x = ErrorPattern.parse("RCPT_45x");
        assertThat(rcpt45x.matches(rcpt("452 full"))).isTrue();
        assertThat(rcpt45x.matches(rcpt("421 closing"))).isFalse();

        ErrorPattern rcpt452 = ErrorPattern.parse("rcpt_452");
        assertThat(rcpt452.matches(rcpt("452 full"))).isTrue();
        assertThat(rcpt452.matches(rcpt("451 later"))).isFalse();

        ErrorPattern mail = ErrorPattern.parse("mail_4xx");
        assertThat(mail.matches(reply(SmtpPhase.MAIL, "421 4.3.2 shutting down"))).isTrue();
        assertThat(mail.matches(rcpt("421 4.3.2 shutting down"))).isFalse();

        ErrorPattern data = ErrorPattern.parse("data_4xx");
        assertThat(data.matches(reply(SmtpPhase.DATA, "451 local error"))).isTrue();
        assertThat(data.matches(reply(SmtpPhase.END_OF_DATA, "451 4.7.1 content later"))).isTrue();
        assertThat(data.matches(rcpt("451 later"))).isFalse();
    }

    @Test
    void quotaIsMailboxFullAndNotOther452s() {
        ErrorPattern quota = ErrorPattern.parse("quota");

        assertThat(quota.matches(rcpt("452 4.2.2 Mailbox full"))).isTrue();
        assertThat(quota.matches(reply(SmtpPhase.END_OF_DATA, "451 4.2.2 over quota"))).isTrue();
        assertThat(quota.matches(rcpt("452 Mailbox full"))).isTrue();
        assertThat(quota.matches(rcpt("452 4.5.3 Too many recipients"))).isFalse();
        assertThat(quota.matches(rcpt("451 4.7.1 Greylisted"))).isFalse();
        assertThat(quota.matches(rcpt("552 5.2.2 Mailbox full"))).isFalse();
        assertThat(quota.matches(without(FailureClass.TIMEOUT, SmtpPhase.RCPT))).isFalse();
    }

    @Test
    void failureClassPatternsMatchOnlyTheirClass() {
        DeliveryFailure timeout = without(FailureClass.TIMEOUT, SmtpPhase.DATA);
        DeliveryFailure connectTimeout = without(FailureClass.TIMEOUT, SmtpPhase.CONNECT);
        DeliveryFailure refused = without(FailureClass.REFUSED, SmtpPhase.CONNECT);
        DeliveryFailure lost = without(FailureClass.LOST_CONNECTION, SmtpPhase.END_OF_DATA);
        DeliveryFailure dns = without(FailureClass.DNS, SmtpPhase.CONNECT);
        DeliveryFailure tls = without(FailureClass.TLS, SmtpPhase.STARTTLS);
        DeliveryFailure greylisted = rcpt("451 4.7.1 later");

        assertThat(matches("timeout", timeout)).isTrue();
        assertThat(matches("timeout", connectTimeout)).isTrue();
        assertThat(matches("timeout", refused)).isFalse();
        assertThat(matches("timeout_connect", connectTimeout)).isTrue();
        assertThat(matches("timeout_connect", timeout)).isFalse();
        assertThat(matches("refused", refused)).isTrue();
        assertThat(matches("refused", lost)).isFalse();
        assertThat(matches("lost_connection", lost)).isTrue();
        assertThat(matches("lost_connection", timeout)).isFalse();
        assertThat(matches("dns", dns)).isTrue();
        assertThat(matches("lookup", dns)).isTrue();
        assertThat(matches("dns", refused)).isFalse();
        assertThat(matches("tls", tls)).isTrue();
        assertThat(matches("tls_required", reply(SmtpPhase.STARTTLS, "454 4.7.0 TLS not available"))).isTrue();
        assertThat(matches("tls", greylisted)).isFalse();
        assertThat(matches("tls", dns)).isFalse();
        for (String name : new String[] {"timeout", "refused", "lost_connection", "dns", "tls"}) {
            assertThat(ErrorPattern.parse(name).matches(greylisted)).as(name).isFalse();
        }
    }

    @Test
    void enhancedCodePatterns() {
        assertThat(matches("4.7.*", rcpt("451 4.7.1 Greylisted"))).isTrue();
        assertThat(matches("4.7.*", reply(SmtpPhase.END_OF_DATA, "450 4.7.26 unauthenticated"))).isTrue();
        assertThat(matches("4.7.*", rcpt("452 4.2.2 full"))).isFalse();
        assertThat(matches("4.7.*", rcpt("451 Greylisted"))).isFalse();
        assertThat(matches("4.7.1", rcpt("451 4.7.1 Greylisted"))).isTrue();
        assertThat(matches("4.7.1", rcpt("451 4.7.10 other"))).isFalse();
        assertThat(matches("4.*.*", rcpt("421 4.4.2 timeout"))).isTrue();
        assertThat(matches("4.*.*", without(FailureClass.TIMEOUT, SmtpPhase.RCPT))).isFalse();
    }

    @Test
    void malformedErrorPatternsNameTheTokenAndTheExpectedNames() {
        assertThatThrownBy(() -> ErrorPattern.parse("greylist")).hasMessage("unknown error 'greylist': " + ErrorPattern.EXPECTED);
        assertThatThrownBy(() -> ErrorPattern.parse("rcpt_4x2"))
            .hasMessage("unknown error 'rcpt_4x2': only the last digits may be x, as in rcpt_4xx or rcpt_45x");
        assertThatThrownBy(() -> ErrorPattern.parse("rcpt_5xx"))
            .hasMessage("unknown error 'rcpt_5xx': retry rules are for temporary (4xx) failures; a 5xx reply fails at once");
        assertThatThrownBy(() -> ErrorPattern.parse("5.1.*")).hasMessageContaining("retry rules are for temporary (4xx) failures");
        assertThatThrownBy(() -> ErrorPattern.parse("4.*.1")).hasMessage("unknown error '4.*.1': a * subject needs a * detail, as in 4.*.*");
        assertThatThrownBy(() -> ErrorPattern.parse("rcpt_4xxx")).hasMessageStartingWith("unknown error 'rcpt_4xxx': expected *");
        assertThatThrownBy(() -> ErrorPattern.parse("refused_MX")).hasMessageStartingWith("unknown error 'refused_MX': expected *");
    }
}
