package dev.postino.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SmtpReplyTest {

    @Test
    void parsesCodeEnhancedCodeAndText() {
        SmtpReply reply = SmtpReply.parse("451 4.7.1 Greylisted, please try again\r\n");

        assertThat(reply.code()).isEqualTo(451);
        assertThat(reply.enhancedCode()).isEqualTo(new EnhancedStatusCode(4, 7, 1));
        assertThat(reply.text()).isEqualTo("Greylisted, please try again");
        assertThat(reply.isTransient()).isTrue();
        assertThat(reply.isPermanent()).isFalse();
        assertThat(reply).hasToString("451 4.7.1 Greylisted, please try again");
    }

    @Test
    void enhancedCodeIsOptional() {
        SmtpReply reply = SmtpReply.parse("452 Mailbox full");

        assertThat(reply.enhancedCode()).isNull();
        assertThat(reply.text()).isEqualTo("Mailbox full");
        assertThat(reply.statusOrUndefined()).hasToString("4.0.0");
    }

    @Test
    void bareCodeAndContinuationLineParse() {
        assertThat(SmtpReply.parse("421")).isEqualTo(new SmtpReply(421, null, ""));
        assertThat(SmtpReply.parse("550-5.1.1 No such user")).isEqualTo(
            new SmtpReply(550, new EnhancedStatusCode(5, 1, 1), "No such user"));
    }

    @Test
    void enhancedCodeOfAnotherClassIsText() {
        // RFC 3463: the enhanced code's class must agree with the basic code; a 4.x.x after 550 is not one.
        SmtpReply reply = SmtpReply.parse("550 4.2.2 odd server");

        assertThat(reply.enhancedCode()).isNull();
        assertThat(reply.text()).isEqualTo("4.2.2 odd server");
        assertThat(reply.statusOrUndefined()).hasToString("5.0.0");
    }

    @Test
    void threeDigitSubjectAndDetailParse() {
        assertThat(SmtpReply.parse("554 5.7.515 Access denied").enhancedCode()).isEqualTo(new EnhancedStatusCode(5, 7, 515));
    }

    @Test
    void notAReplyIsRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> SmtpReply.parse("hello")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'hello' is not an SMTP reply").hasMessageContaining("451 4.7.1");
        assertThatThrownBy(() -> SmtpReply.parse("650 too big")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.parse("45 short")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.parse("4510 long")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void enhancedStatusCodeParsesAndRefuses() {
        assertThat(EnhancedStatusCode.parse("4.4.7")).isEqualTo(EnhancedStatusCode.DELIVERY_TIME_EXPIRED);
        assertThatThrownBy(() -> EnhancedStatusCode.parse("3.1.1")).hasMessageContaining("expected class.subject.detail");
        assertThatThrownBy(() -> EnhancedStatusCode.parse("4.1234.1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void phaseLabelsRoundTrip() {
        for (SmtpPhase phase : SmtpPhase.values()) {
            assertThat(SmtpPhase.parse(phase.label())).isEqualTo(phase);
        }
        assertThat(SmtpPhase.parse("END_OF_DATA")).isEqualTo(SmtpPhase.END_OF_DATA);
        assertThatThrownBy(() -> SmtpPhase.parse("quit")).hasMessageContaining("unknown SMTP phase 'quit'");
    }
}
