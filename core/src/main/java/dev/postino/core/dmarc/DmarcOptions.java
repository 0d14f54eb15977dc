package dev.postino.core.dmarc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DmarcEvaluator} finds policies. Immutable.
 *
 * @param mode      how the policy and the Organizational Domain are found; default {@link Mode#RFC9989}
 * @param timeLimit the most time the lookups of one evaluation may take; default 10 seconds; past it:
 *                  {@code temperror}
 */
public record DmarcOptions(Mode mode, Duration timeLimit) {

    /** Which specification finds the policy. */
    public enum Mode {
        /** RFC 9989: the DNS Tree Walk (at most 8 queries), {@code psd=} and {@code np=}. */
        RFC9989,
        /**
         * RFC 7489: the Author Domain, then its Organizational Domain from the Public Suffix List (Guava's copy,
         * private suffixes included, as older receivers used the whole list); {@code np=} and {@code psd=} ignored.
         */
        RFC7489
    }

    public DmarcOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeLimit, "timeLimit");
    }

    public static DmarcOptions defaults() {
        return new DmarcOptions(Mode.RFC9989, Duration.ofSeconds(10));
    }

    public DmarcOptions withMode(Mode value) {
        return new DmarcOptions(value, timeLimit);
    }

    public DmarcOptions withTimeLimit(Duration value) {
        return new DmarcOptions(mode, value);
    }
}
