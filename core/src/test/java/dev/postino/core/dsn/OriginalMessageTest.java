package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OriginalMessageTest {

    private static OriginalMessage parse(String text) {
        return OriginalMessage.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void unfoldsHeadersAndNormalisesLineEnds() {
        OriginalMessage message = parse("Subject: =?UTF-8?Q?caff=C3=A8?=\n =?UTF-8?B?IGJyZXZl?=\rTo: a@b\r\n\nbody\nline\n");

        assertThat(message.subject()).isEqualTo("caffè breve");
        assertThat(message.header("to")).isEqualTo("a@b");
        assertThat(new String(message.bytes(), StandardCharsets.UTF_8)).isEqualTo(
            "Subject: =?UTF-8?Q?caff=C3=A8?=\r\n =?UTF-8?B?IGJyZXZl?=\r\nTo: a@b\r\n\r\nbody\r\nline\r\n");
        assertThat(new String(message.headerBytes(), StandardCharsets.UTF_8)).endsWith("To: a@b\r\n");
    }

    @Test
    void theTopmostReceivedGivesTheArrivalDate() {
        OriginalMessage message = parse("Received: from a by mx.postino.test with ESMTP id 1;\n"
            + "\tSun, 22 Nov 2026 10:00:00 +0100 (CET)\nReceived: from b; Sat, 21 Nov 2026 10:00:00 +0000\n\nx\n");

        assertThat(message.receivedDate()).isEqualTo(Instant.parse("2026-11-22T09:00:00Z"));
        assertThat(parse("Received: from a\n\nx").receivedDate()).isNull();
        assertThat(parse("Received: from a; yesterday\n\nx").receivedDate()).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Content-Type: multipart/report; report-type=delivery-status; boundary=x | true",
        "Auto-Submitted: auto-replied                                           | true",
        "Auto-Submitted: auto-generated; owner-email=a@b                         | true",
        "Auto-Submitted: no                                                     | false",
        "Auto-Submitted: No (comment)                                           | false",
        "Content-Type: text/plain                                               | false",
    })
    void recognisesAutomaticMessages(String header, boolean automatic) {
        assertThat(parse(header + "\n\nx\n").isAutomatic()).isEqualTo(automatic);
    }
}
