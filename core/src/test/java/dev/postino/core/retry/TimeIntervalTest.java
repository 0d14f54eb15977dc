package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class TimeIntervalTest {

    @Test
    void parsesEachUnitAndCombinations() {
        assertThat(TimeInterval.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(TimeInterval.parse("15m")).isEqualTo(Duration.ofMinutes(15));
        assertThat(TimeInterval.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(TimeInterval.parse("4d")).isEqualTo(Duration.ofDays(4));
        assertThat(TimeInterval.parse("1w")).isEqualTo(Duration.ofDays(7));
        assertThat(TimeInterval.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(TimeInterval.parse("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(TimeInterval.parse("2D4H5M")).isEqualTo(Duration.ofDays(2).plusHours(4).plusMinutes(5));
    }

    @Test
    void refusesBareNumbersUnknownUnitsAndSpaces() {
        for (String bad : new String[] {"15", "", "h", "1h 30m", "1y", "-1h", "1.5h"}) {
            assertThatThrownBy(() -> TimeInterval.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected numbers with units s, m, h, d or w");
        }
    }

    @Test
    void refusesAbsurdlyLongTimesInsteadOfOverflowing() {
        assertThatThrownBy(() -> TimeInterval.parse("3651d")).hasMessageContaining("too long: at most 3650d");
        assertThatThrownBy(() -> TimeInterval.parse("99999999999999999999s")).hasMessageContaining("too long");
    }

    @Test
    void formatsLargestUnitsFirst() {
        assertThat(TimeInterval.format(Duration.ofSeconds(27_337))).isEqualTo("7h35m37s");
        assertThat(TimeInterval.format(Duration.ofDays(4).plusHours(6))).isEqualTo("4d6h");
        assertThat(TimeInterval.format(Duration.ZERO)).isEqualTo("0s");
    }
}
