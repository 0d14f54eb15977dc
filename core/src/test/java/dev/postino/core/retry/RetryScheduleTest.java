package dev.postino.core.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Random;
import java.util.function.LongUnaryOperator;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    private static final RandomGenerator UNUSED = new RandomGenerator() {
        @Override
        public long nextLong() {
            throw new AssertionError("F and G must not draw random numbers");
        }
    };

    /** Always draws the lowest value of the range. */
    private static final RandomGenerator LOWEST = drawing(bound -> 0);

    /** Always draws the highest value of the range. */
    private static final RandomGenerator HIGHEST = drawing(bound -> bound - 1);

    /** A generator whose bounded draws are {@code draw(bound)}. */
    private static RandomGenerator drawing(LongUnaryOperator draw) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new AssertionError("only bounded draws are expected");
            }

            @Override
            public long nextLong(long bound) {
                return draw.applyAsLong(bound);
            }
        };
    }

    @Test
    void parsesEveryAlgorithm() {
        RetrySchedule schedule = RetrySchedule.parse("F,2h,15m; G,16h,1h,1.5; H , 4d , 6h , 2 ;");

        assertThat(schedule.segments()).containsExactly(
            new RetrySegment(RetrySegment.Algorithm.F, Duration.ofHours(2), Duration.ofMinutes(15), BigDecimal.ONE),
            new RetrySegment(RetrySegment.Algorithm.G, Duration.ofHours(16), Duration.ofHours(1), new BigDecimal("1.5")),
            new RetrySegment(RetrySegment.Algorithm.H, Duration.ofDays(4), Duration.ofHours(6), new BigDecimal("2")));
        assertThat(schedule.finalCutoff()).isEqualTo(Duration.ofDays(4));
        assertThat(schedule).hasToString("F,2h,15m; G,16h,1h,1.5; H,4d,6h,2");
    }

    @Test
    void lowerCaseLettersAndCombinedUnitsParse() {
        assertThat(RetrySchedule.parse("f,1h30m,10m").segments().get(0).cutoff()).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void blankScheduleHasNoSegmentsAndNoCutoff() {
        RetrySchedule none = RetrySchedule.parse("  ");

        assertThat(none.segments()).isEmpty();
        assertThat(none.finalCutoff()).isZero();
        assertThat(none.segmentAt(Duration.ZERO)).isEmpty();
    }

    @Test
    void malformedSegmentsNameTheTextAndTheExpectedForm() {
        assertThatThrownBy(() -> RetrySchedule.parse("F,2h")).hasMessage("'F,2h': expected F,cutoff,interval");
        assertThatThrownBy(() -> RetrySchedule.parse("G,16h,1h")).hasMessage("'G,16h,1h': expected G,cutoff,start,multiplier");
        assertThatThrownBy(() -> RetrySchedule.parse("H,16h,1h,2,3")).hasMessage("'H,16h,1h,2,3': expected H,cutoff,start,multiplier");
        assertThatThrownBy(() -> RetrySchedule.parse("X,2h,15m")).hasMessageStartingWith("'X,2h,15m': unknown algorithm 'X': expected F,cutoff,interval");
        assertThatThrownBy(() -> RetrySchedule.parse("F,2h,15")).hasMessageStartingWith("'F,2h,15': '15' is not a time");
        assertThatThrownBy(() -> RetrySchedule.parse("G,16h,1h,x")).hasMessage("'G,16h,1h,x': 'x' is not a multiplier: expected a number such as 1.5");
        assertThatThrownBy(() -> RetrySchedule.parse("F,2h,15m;;F,4d,6h")).hasMessageStartingWith("empty parameter set between ';'");
    }

    @Test
    void schedulesThatCannotAdvanceOrNeverApplyAreRefused() {
        assertThatThrownBy(() -> RetrySchedule.parse("F,2h,0s")).hasMessage("'F,2h,0s': the interval must be at least 1s");
        assertThatThrownBy(() -> RetrySchedule.parse("G,2h,0m,2")).hasMessage("'G,2h,0m,2': the interval must be at least 1s");
        assertThatThrownBy(() -> RetrySchedule.parse("F,0s,1m")).hasMessage("'F,0s,1m': the cutoff must be more than 0s");
        assertThatThrownBy(() -> RetrySchedule.parse("G,2h,1m,0.5")).hasMessage("'G,2h,1m,0.5': the multiplier must be from 1 to 100, such as 1.5");
        assertThatThrownBy(() -> RetrySchedule.parse("G,2h,1m,101")).hasMessageContaining("from 1 to 100");
        assertThatThrownBy(() -> RetrySchedule.parse("F,4d,6h; F,2h,15m"))
            .hasMessage("'F,2h,15m': cutoff 2h is not later than the cutoff 4d before it, so it would never apply: expected cutoffs in increasing order");
    }

    @Test
    void segmentInForceIncludesItsExactCutoff() {
        RetrySchedule schedule = RetrySchedule.parse("F,2h,15m; F,4d,6h");

        assertThat(schedule.segmentAt(Duration.ofHours(2))).contains(schedule.segments().get(0));
        assertThat(schedule.segmentAt(Duration.ofHours(2).plusSeconds(1))).contains(schedule.segments().get(1));
        assertThat(schedule.segmentAt(Duration.ofDays(4))).contains(schedule.segments().get(1));
        assertThat(schedule.segmentAt(Duration.ofDays(4).plusSeconds(1))).isEmpty();
    }

    @Test
    void fixedIntervalIgnoresThePreviousOne() {
        RetrySegment f = RetrySegment.parse("F,2h,15m");

        assertThat(f.nextInterval(Duration.ZERO, UNUSED)).isEqualTo(Duration.ofMinutes(15));
        assertThat(f.nextInterval(Duration.ofHours(5), UNUSED)).isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void geometricIntervalStartsAtStartThenMultipliesInWholeSeconds() {
        RetrySegment g = RetrySegment.parse("G,16h,1h,1.5");

        // Shorter than start (say 15m from an F segment before): restart at start.
        assertThat(g.nextInterval(Duration.ofMinutes(15), UNUSED)).isEqualTo(Duration.ofHours(1));
        // 3600s x 1.5 = 5400s
        assertThat(g.nextInterval(Duration.ofHours(1), UNUSED)).isEqualTo(Duration.ofSeconds(5400));
        // 18225s x 1.5 = 27337.5s, the half second dropped
        assertThat(g.nextInterval(Duration.ofSeconds(18_225), UNUSED)).isEqualTo(Duration.ofSeconds(27_337));
        // 1.2 is not exact in binary; 3600s x 1.2 must still be 4320s, not 4319s.
        assertThat(RetrySegment.parse("G,1d,1h,1.2").nextInterval(Duration.ofHours(1), UNUSED)).isEqualTo(Duration.ofSeconds(4320));
    }

    @Test
    void randomizedIntervalLiesBetweenStartAndThePreviousTimesTheMultiplier() {
        RetrySegment h = RetrySegment.parse("H,1d,1h,2");

        // Previous 2h: maximum 2h x 2 = 4h, minimum the start, 1h.
        assertThat(h.nextInterval(Duration.ofHours(2), LOWEST)).isEqualTo(Duration.ofHours(1));
        assertThat(h.nextInterval(Duration.ofHours(2), HIGHEST)).isEqualTo(Duration.ofHours(4));
        // After the first failure there is no range yet: the start.
        assertThat(h.nextInterval(Duration.ZERO, HIGHEST)).isEqualTo(Duration.ofHours(1));
        Random seeded = new Random(42);
        for (int i = 0; i < 1000; i++) {
            assertThat(h.nextInterval(Duration.ofHours(2), seeded)).isBetween(Duration.ofHours(1), Duration.ofHours(4));
        }
    }

    @Test
    void randomizedIntervalIsReproducibleWithTheSameSeed() {
        RetrySegment h = RetrySegment.parse("H,1d,10m,3");

        Duration first = h.nextInterval(Duration.ofHours(1), new Random(7));
        assertThat(h.nextInterval(Duration.ofHours(1), new Random(7))).isEqualTo(first);
    }
}
