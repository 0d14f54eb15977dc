package dev.postino.core.spf;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Limits and local values of an {@link SpfEvaluator}; {@link #defaults()} follows RFC 7208.
 *
 * @param maxDnsTerms        mechanisms and redirects that query DNS, per check (§4.6.4: 10)
 * @param maxVoidLookups     such terms whose lookup finds nothing (NXDOMAIN or no records) (§4.6.4: 2)
 * @param maxNamesPerLookup  MX names per {@code mx}, PTR names per {@code ptr} or {@code %{p}} (§4.6.4: 10)
 * @param maxDnsQueries      every DNS query of one check together, a safety net above the term limits
 * @param maxRecordLength    the longest SPF record (its TXT strings joined) evaluated, in octets; a longer one
 *                           is a permerror before it is parsed, and a longer explanation record is not used
 * @param timeLimit          the whole check's time; past it the result is temperror (§4.6.4: at least 20 s)
 * @param receiver           this host's name, for {@code %{r}} in explanations and Received-SPF
 * @param defaultExplanation explanation macro text used for {@code fail} when the record gives none
 * @param clock              the time of {@code %{t}}
 */
public record SpfOptions(int maxDnsTerms, int maxVoidLookups, int maxNamesPerLookup, int maxDnsQueries,
                         int maxRecordLength, Duration timeLimit, String receiver, String defaultExplanation, Clock clock) {

    public static final String DEFAULT_EXPLANATION = "%{o} does not designate %{c} as a permitted sender";
    /**
     * 4,096 octets: eight times what RFC 7208 §3.4 asks publishers to stay within (an answer that fits in 512
     * octets, about 450 for the record), and well above what large senders publish (typically under 1 KB: longer
     * policies are split into includes); a record over it only makes the receiver work.
     */
    public static final int DEFAULT_MAX_RECORD_LENGTH = 4_096;

    public SpfOptions {
        if (maxDnsTerms < 0 || maxVoidLookups < 0 || maxNamesPerLookup < 0 || maxDnsQueries < 0) {
            throw new IllegalArgumentException("limits must be >= 0");
        }
        if (maxRecordLength < 6) {
            throw new IllegalArgumentException("maxRecordLength must hold at least 'v=spf1', was " + maxRecordLength);
        }
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("timeLimit must be positive, was " + timeLimit);
        }
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(defaultExplanation, "defaultExplanation");
        Objects.requireNonNull(clock, "clock");
    }

    /** RFC 7208's limits (10 terms, 2 void lookups, 10 names), 150 queries, 4,096-octet records, 20 s, receiver "unknown". */
    public static SpfOptions defaults() {
        return new SpfOptions(10, 2, 10, 150, DEFAULT_MAX_RECORD_LENGTH, Duration.ofSeconds(20), "unknown",
            DEFAULT_EXPLANATION, Clock.systemUTC());
    }

    public SpfOptions withTimeLimit(Duration limit) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, maxRecordLength, limit, receiver,
            defaultExplanation, clock);
    }

    public SpfOptions withReceiver(String name) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, maxRecordLength, timeLimit, name,
            defaultExplanation, clock);
    }

    public SpfOptions withDefaultExplanation(String text) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, maxRecordLength, timeLimit, receiver,
            text, clock);
    }

    public SpfOptions withVoidLookupLimit(int limit) {
        return new SpfOptions(maxDnsTerms, limit, maxNamesPerLookup, maxDnsQueries, maxRecordLength, timeLimit, receiver,
            defaultExplanation, clock);
    }

    public SpfOptions withMaxRecordLength(int octets) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, octets, timeLimit, receiver,
            defaultExplanation, clock);
    }
}
