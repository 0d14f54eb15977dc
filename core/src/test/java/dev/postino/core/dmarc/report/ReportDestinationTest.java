package dev.postino.core.dmarc.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class ReportDestinationTest {

    @Test
    void aMailtoUriWithItsSizeLimit() {
        ReportDestination d = ReportDestination.parse("mailto:DMARC@Reports.Example.COM!10m").orElseThrow();

        assertThat(d.address()).isEqualTo("DMARC@Reports.Example.COM");
        assertThat(d.host()).isEqualTo("reports.example.com");
        assertThat(d.maxBytes()).hasValue(10L << 20);
        assertThat(d.accepts(10L << 20)).isTrue();
        assertThat(d.accepts((10L << 20) + 1)).isFalse();
        assertThat(ReportDestination.parse("mailto:a@b.example!500").orElseThrow().maxBytes()).hasValue(500);
        assertThat(ReportDestination.parse("mailto:a@b.example!2k").orElseThrow().maxBytes()).hasValue(2048);
        assertThat(ReportDestination.parse("mailto:a@b.example").orElseThrow().maxBytes()).isEmpty();
    }

    /** A hostile record's limit that overflows a long (12 digits and t) is larger than any report: it saturates. */
    @Test
    void aSizeBeyondALongSaturates() {
        ReportDestination d = ReportDestination.parse("mailto:a@b.example!999999999999t").orElseThrow();
        assertThat(d.maxBytes()).hasValue(Long.MAX_VALUE);
        assertThat(d.accepts(0)).isTrue();
        assertThat(ReportDestination.parse("mailto:a@b.example!8388607t").orElseThrow().maxBytes())
            .hasValue(8388607L << 40); // the largest that fits
        assertThat(ReportDestination.parse("mailto:a@b.example!8388608t").orElseThrow().maxBytes())
            .hasValue(Long.MAX_VALUE);
    }

    @Test
    void percentEncodedMailboxesAreDecoded() {
        assertThat(ReportDestination.parse("mailto:a%21b@example.com").orElseThrow().address()).isEqualTo("a!b@example.com");
    }

    @Test
    void whatCannotBeSentToIsNotADestination() {
        assertThat(ReportDestination.parse("https://example.com/dmarc")).isEmpty();
        assertThat(ReportDestination.parse("mailto:nobody")).isEmpty();
        assertThat(ReportDestination.parse("mailto:a@b.example!10x")).isEmpty();
        assertThat(ReportDestination.parse("mailto:a@b.example!")).isEmpty();
        assertThat(ReportDestination.parse("mailto:a%2@b.example")).isEmpty();
        assertThat(ReportDestination.parse("mailto:a@exa mple.com")).isEmpty();
        assertThat(ReportDestination.parse("mailto:a@b.example!" + "9".repeat(30))).isEmpty();
    }

    @Test
    void base64SizeCountsLineEnds() {
        assertThat(ReportDestination.base64Size(0)).isZero();
        assertThat(ReportDestination.base64Size(3)).isEqualTo(4 + 2);
        assertThat(ReportDestination.base64Size(57)).isEqualTo(76 + 2);
        assertThat(ReportDestination.base64Size(58)).isEqualTo(80 + 4);
    }

    @Test
    void reportingPeriodsStartAtUtcMidnightAndDivideTheDay() {
        ReportingPeriod sixHours = new ReportingPeriod(Duration.ofHours(6));
        Instant now = Instant.parse("2026-11-24T13:10:00Z");

        assertThat(sixHours.beginOf(now)).isEqualTo(Instant.parse("2026-11-24T12:00:00Z"));
        assertThat(sixHours.completedBefore(now, Duration.ofHours(13))).containsExactly(
            Instant.parse("2026-11-24T00:00:00Z"), Instant.parse("2026-11-24T06:00:00Z"));
        assertThat(ReportingPeriod.daily().completedBefore(now, Duration.ofDays(3))).containsExactly(
            Instant.parse("2026-11-21T00:00:00Z"), Instant.parse("2026-11-22T00:00:00Z"), Instant.parse("2026-11-23T00:00:00Z"));
        assertThatThrownBy(() -> new ReportingPeriod(Duration.ofHours(5))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ReportingPeriod(Duration.ofMinutes(30))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void xmlKeepsWhatXmlCanHold() {
        assertThat(AggregateReport.xmlChars("a\u0001b\u0000c\uFFFEd\uD800")).isEqualTo("abcd");
        assertThat(AggregateReport.xmlChars("é😀\t")).isEqualTo("é😀\t");
    }
}
