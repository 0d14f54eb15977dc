package dev.postino.core.dmarc;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DmarcEvaluator} finds policies. Immutable.
 *
 * @param mode                    how the policy and the Organizational Domain are found; default
 *                                {@link Mode#RFC9989}
 * @param timeLimit               the most time the lookups of one evaluation may take; default 10 seconds; past
 *                                it: {@code temperror}
 * @param unusableFromDisposition the disposition of a message whose From gives a reader an author DMARC cannot
 *                                look up: no From field, no address, an address without a valid domain, a
 *                                value with no domain in it; default {@code reject}. Where the From also names
 *                                domains, the strictest of their policies and this one applies.
 */
public record DmarcOptions(Mode mode, Duration timeLimit, DmarcPolicy unusableFromDisposition) {

    /** Which specification finds the policy. */
    public enum Mode {
        /**
         * RFC 9989: the DNS Tree Walk (at most 8 queries); the policy is the Author Domain's record, else its
         * Organizational Domain's, else its Public Suffix Domain's; {@code psd=} and {@code np=}.
         */
        RFC9989,
        /**
         * RFC 7489: the Author Domain, then its Organizational Domain from the Public Suffix List (Guava's copy,
         * private suffixes included, as older receivers used the whole list); several records at the Author
         * Domain end discovery; {@code np=}, {@code psd=} and {@code t=} ignored ({@code pct=} too, as in RFC 9989).
         */
        RFC7489
    }

    public DmarcOptions {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(timeLimit, "timeLimit");
        Objects.requireNonNull(unusableFromDisposition, "unusableFromDisposition");
    }

    public static DmarcOptions defaults() {
        return new DmarcOptions(Mode.RFC9989, Duration.ofSeconds(10), DmarcPolicy.REJECT);
    }

    public DmarcOptions withMode(Mode value) {
        return new DmarcOptions(value, timeLimit, unusableFromDisposition);
    }

    public DmarcOptions withTimeLimit(Duration value) {
        return new DmarcOptions(mode, value, unusableFromDisposition);
    }

    public DmarcOptions withUnusableFromDisposition(DmarcPolicy value) {
        return new DmarcOptions(mode, timeLimit, value);
    }
}
