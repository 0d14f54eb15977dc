package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeliveryStatusCodeTest {

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
        assertThat(DeliveryStatusCode.fromReply(reply)).map(DeliveryStatusCode::toString).contains(expected);
    }

    @Test
    void textThatIsNoReplyGivesNothing() {
        assertThat(DeliveryStatusCode.fromReply("Connection refused")).isEmpty();
        assertThat(DeliveryStatusCode.fromReply(null)).isEmpty();
        assertThat(DeliveryStatusCode.fromReply("")).isEmpty();
    }

    @Test
    void parsesOnlyValidCodes() {
        assertThat(DeliveryStatusCode.parse(" 5.7.26 ")).isEqualTo(new DeliveryStatusCode(5, 7, 26));
        assertThatThrownBy(() -> DeliveryStatusCode.parse("3.1.1")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("'3.1.1' is not an enhanced status code");
        assertThatThrownBy(() -> DeliveryStatusCode.parse("5.1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DeliveryStatusCode.parse("5.1.1000")).isInstanceOf(IllegalArgumentException.class);
    }
}
