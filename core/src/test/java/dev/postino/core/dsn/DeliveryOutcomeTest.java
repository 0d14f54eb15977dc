package dev.postino.core.dsn;

import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeliveryOutcomeTest {

    private static final DeliveryOutcome FULL = new DeliveryOutcome("bob@example.com", "rfc822;Bob@Example.com",
        DeliveryAction.DELAYED, EnhancedStatusCode.parse("4.2.2"), "mx.example.com",
        "452 4.2.2 \"full\"\r\n452 4.2.2 \\ try later\u0001", Instant.parse("2026-11-22T10:00:00Z"),
        Instant.parse("2026-11-27T10:00:00Z"));

    @Test
    void roundTripsThroughJson() {
        List<DeliveryOutcome> outcomes = List.of(FULL, DeliveryOutcome.failed("carol@example.org", null));

        String json = DeliveryOutcome.toJson(outcomes);

        assertThat(json).startsWith("[{\"recipient\":\"bob@example.com\",\"original_recipient\":\"rfc822;Bob@Example.com\","
            + "\"action\":\"delayed\",\"status\":\"4.2.2\",\"remote_mta\":\"mx.example.com\",")
            .contains("\\r\\n").contains("\\u0001")
            .endsWith("{\"recipient\":\"carol@example.org\",\"action\":\"failed\"}]");
        assertThat(DeliveryOutcome.fromJson(json)).isEqualTo(outcomes);
    }

    @Test
    void whatHappenedWithoutAReplyRoundTripsAfterTheEarlierKeys() {
        DeliveryOutcome refused = new DeliveryOutcome("bob@example.com", null, DeliveryAction.FAILED,
            EnhancedStatusCode.parse("4.4.7"), null, null, Instant.parse("2026-11-22T10:00:00Z"), null,
            "mx.example.com [192.0.2.1]:25", "connection refused by mx.example.com [192.0.2.1]:25", FailureClass.REFUSED,
            SmtpPhase.CONNECT, null);
        DeliveryOutcome tooBig = DeliveryOutcome.failed("carol@example.org", EnhancedStatusCode.parse("5.3.4"))
            .withAttempt("mx.example.org [192.0.2.2]", "message of 20000 octets is over the limit", null, null, 10240L);

        String json = DeliveryOutcome.toJson(List.of(refused, tooBig));

        assertThat(json).startsWith("[{\"recipient\":\"bob@example.com\",\"action\":\"failed\",\"status\":\"4.4.7\","
            + "\"last_attempt\":\"2026-11-22T10:00:00Z\",\"remote_host\":\"mx.example.com [192.0.2.1]:25\","
            + "\"diagnostic\":\"connection refused by mx.example.com [192.0.2.1]:25\",\"failure\":\"refused\",\"phase\":\"connect\"}")
            .endsWith("\"size_limit\":10240}]");
        assertThat(DeliveryOutcome.fromJson(json)).containsExactly(refused, tooBig);
    }

    @Test
    void readsWhatEarlierVersionsWroteAndWhatLaterOnesMayAdd() {
        List<DeliveryOutcome> read = DeliveryOutcome.fromJson("[{\"recipient\":\"a@b\",\"action\":\"failed\",\"status\":\"4.4.7\"},"
            + "{\"recipient\":\"c@d\",\"action\":\"delayed\",\"failure\":\"quantum\",\"phase\":\"bdat\",\"size_limit\":\"5000\"}]");

        assertThat(read.get(0)).isEqualTo(DeliveryOutcome.failed("a@b", EnhancedStatusCode.parse("4.4.7")));
        assertThat(read.get(1).failure()).isNull();
        assertThat(read.get(1).phase()).isNull();
        assertThat(read.get(1).sizeLimit()).isEqualTo(5000L);
        assertThatThrownBy(() -> DeliveryOutcome.fromJson("[{\"recipient\":\"a@b\",\"action\":\"failed\",\"size_limit\":-1}]"))
            .hasMessageContaining("size_limit");
    }

    @Test
    void ignoresUnknownKeysAndAcceptsEscapes() {
        List<DeliveryOutcome> read = DeliveryOutcome.fromJson(
            " [ {\"recipient\": \"b\\u00f6b@example.com\", \"action\": \"FAILED\", \"attempts\": [1, 2.5e1, true, null], \"x\": {}} ] ");

        assertThat(read).containsExactly(new DeliveryOutcome("böb@example.com", null, DeliveryAction.FAILED, null, null, null, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "null", "{}", "[1]", "[{\"action\":\"failed\"}]", "[{\"recipient\":\"a@b\",\"action\":\"bounced\"}]",
        "[{\"recipient\":\"a@b\",\"action\":\"failed\",\"status\":\"550\"}]",
        "[{\"recipient\":\"a@b\",\"action\":\"failed\",\"last_attempt\":\"yesterday\"}]",
        "[{\"recipient\":7,\"action\":\"failed\"}]", "[{\"recipient\":\"a@b\"", "[{\"recipient\":\"a\\x\"}]",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", "[] trailing"})
    void badInputIsAClearIllegalArgument(String json) {
        assertThatThrownBy(() -> DeliveryOutcome.fromJson(json)).isInstanceOf(IllegalArgumentException.class)
            .satisfies(e -> assertThat(e.getMessage()).matches("(malformed JSON|delivery outcomes).*"));
    }

    @Test
    void nullIsRefusedToo() {
        assertThatThrownBy(() -> DeliveryOutcome.fromJson(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
