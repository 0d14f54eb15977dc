package dev.postino.core.dmarc.report;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How long one aggregate report covers: a day by default, or a whole fraction of one (1, 2, 3, 4, 6, 8 or 12 hours)
 * so that periods always start at UTC day boundaries (RFC 9990 §2: reports should cover common periods).
 */
public record ReportingPeriod(Duration length) {

    private static final long DAY = Duration.ofDays(1).toSeconds();

    public ReportingPeriod {
        Objects.requireNonNull(length, "length");
        long seconds = length.toSeconds();
        if (seconds < 3600 || seconds % 3600 != 0 || DAY % seconds != 0 || length.getNano() != 0) {
            throw new IllegalArgumentException("a reporting period is a whole number of hours dividing 24, not " + length);
        }
    }

    /** One UTC day. */
    public static ReportingPeriod daily() {
        return new ReportingPeriod(Duration.ofDays(1));
    }

    /** The start of the period holding {@code time}. */
    public Instant beginOf(Instant time) {
        long seconds = length.toSeconds();
        return Instant.ofEpochSecond(Math.floorDiv(time.getEpochSecond(), seconds) * seconds);
    }

    /** The start of the UTC day {@code day}. */
    public static Instant beginOf(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /**
     * The starts of the periods that ended at or before {@code now} and after {@code now - lookback}, oldest
     * first: what a run reports on (older unsent periods were given up).
     */
    public List<Instant> completedBefore(Instant now, Duration lookback) {
        List<Instant> out = new ArrayList<>();
        Instant current = beginOf(now);
        Instant earliest = now.minus(lookback);
        for (Instant begin = current.minus(length); begin.plus(length).isAfter(earliest) && out.size() < 10_000;
             begin = begin.minus(length)) {
            out.add(0, begin);
        }
        return out;
    }
}
