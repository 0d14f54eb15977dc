package dev.postino.core.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.PublishedPolicy;
import dev.postino.core.dmarc.report.testing.ReportXml;
import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of an {@code rua} URI as a DNS TXT record gives it (ISO-8859-1). Seeds:
 * {@code ReportDestinationFuzzTestInputs/destination/}. Nothing throws; a parsed destination has a mailbox whose
 * domain part is its lowercase host, a non-negative size limit, and memory stays linear.
 */
class ReportDestinationFuzzTest {

    @FuzzTest
    void destination(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        LinearAllocation.check(input.length, "ReportDestination.parse", () -> ReportDestination.parse(text));
        Optional<ReportDestination> parsed = ReportDestination.parse(text);
        parsed.ifPresent(destination -> {
            assertThat(destination.address()).endsWith("@" + destination.address().substring(destination.address().lastIndexOf('@') + 1));
            assertThat(destination.address().substring(destination.address().lastIndexOf('@') + 1)
                .toLowerCase(java.util.Locale.ROOT).replaceAll("\\.$", "")).isEqualTo(destination.host());
            assertThat(destination.host()).matches("[a-z0-9_.-]+");
            destination.maxBytes().ifPresent(max -> assertThat(max).isNotNegative());
            assertThat(destination.accepts(0)).isTrue();
        });
    }
}
