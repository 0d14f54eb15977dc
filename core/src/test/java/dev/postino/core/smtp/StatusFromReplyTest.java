package dev.postino.core.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusFromReplyTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "550 5.1.1 <bob@example.com>: Recipient address rejected | 5.1.1",
        "550-5.7.26 Unauthenticated email is not accepted | 5.7.26",
        "452 4.2.2 Mailbox full | 4.2.2",
        "550 4.2.2 mismatched class is not trusted | 5.0.0",
        "550 no enhanced code here | 5.0.0",
        "421 Service not available, closing channel | 4.4.2",
        "552 Requested mail action aborted: exceeded storage allocation | 5.2.2",
        "556 Domain does not accept mail | 5.1.10",
        "451 Local error | 4.3.0",
        "554 5.7.1 Service unavailable; client host blocked | 5.7.1",
        "250 2.0.0 OK queued | 2.0.0",
    })
    void mapsRepliesToEnhancedCodes(String reply, String expected) {
        assertThat(EnhancedStatusCode.fromReply(reply)).map(EnhancedStatusCode::toString).contains(expected);
    }

    @Test
    void textThatIsNoReplyGivesNothing() {
        assertThat(EnhancedStatusCode.fromReply("Connection refused")).isEmpty();
        assertThat(EnhancedStatusCode.fromReply(null)).isEmpty();
        assertThat(EnhancedStatusCode.fromReply("")).isEmpty();
    }

    @Test
    void parsesOnlyValidCodes() {
        assertThat(EnhancedStatusCode.parse(" 5.7.26 ")).isEqualTo(new EnhancedStatusCode(5, 7, 26));
        assertThatThrownBy(() -> EnhancedStatusCode.parse("3.1.1")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'3.1.1' is not an enhanced status code");
        assertThatThrownBy(() -> EnhancedStatusCode.parse("5.1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EnhancedStatusCode.parse("5.1.1000")).isInstanceOf(IllegalArgumentException.class);
    }
}
