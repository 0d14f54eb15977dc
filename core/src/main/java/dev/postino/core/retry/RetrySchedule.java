package dev.postino.core.retry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The third field of a retry rule: parameter sets separated by {@code ;}, such as
 * {@code F,2h,15m; G,16h,1h,1.5; F,4d,6h}. Each set's cutoff is counted from the recipient's first temporary
 * failure; after a failure the first set whose cutoff has not passed computes the next attempt. Once the last
 * cutoff has passed, the next failure gives up (Exim's "retry timeout exceeded"). An empty schedule means no
 * retries: the first temporary failure gives up, as a rule without parameters does in Exim.
 */
public record RetrySchedule(List<RetrySegment> segments) {

    public RetrySchedule {
        segments = List.copyOf(segments);
        for (int i = 1; i < segments.size(); i++) {
            Duration before = segments.get(i - 1).cutoff();
            Duration cutoff = segments.get(i).cutoff();
            if (cutoff.compareTo(before) <= 0) {
                throw new IllegalArgumentException("'" + segments.get(i) + "': cutoff " + TimeInterval.format(cutoff)
                    + " is not later than the cutoff " + TimeInterval.format(before) + " before it, so it would never apply:"
                    + " expected cutoffs in increasing order");
            }
        }
    }

    /**
     * Parses {@code F,2h,15m; G,16h,1h,1.5; F,4d,6h}; a trailing {@code ;} is allowed, and blank text is the
     * empty schedule.
     *
     * @throws IllegalArgumentException whose message names the offending parameter set and what was expected
     */
    public static RetrySchedule parse(String text) {
        List<RetrySegment> segments = new ArrayList<>();
        String[] parts = text.split(";", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].strip();
            if (part.isEmpty()) {
                if (i == parts.length - 1) {
                    continue;
                }
                throw new IllegalArgumentException("empty parameter set between ';': expected F,cutoff,interval,"
                    + " G,cutoff,start,multiplier or H,cutoff,start,multiplier");
            }
            segments.add(RetrySegment.parse(part));
        }
        return new RetrySchedule(segments);
    }

    /** The segment in force {@code sinceFirstFailure} after the first failure, or empty once the last cutoff has passed. */
    public Optional<RetrySegment> segmentAt(Duration sinceFirstFailure) {
        // A cutoff reached exactly still applies: Exim gives up only once the time since the first failure exceeds it.
        return segments.stream().filter(s -> sinceFirstFailure.compareTo(s.cutoff()) <= 0).findFirst();
    }

    /** The last cutoff: retries stop after this much time since the first failure ({@link Duration#ZERO} without segments). */
    public Duration finalCutoff() {
        return segments.isEmpty() ? Duration.ZERO : segments.get(segments.size() - 1).cutoff();
    }

    @Override
    public String toString() {
        return segments.stream().map(RetrySegment::toString).collect(Collectors.joining("; "));
    }
}
