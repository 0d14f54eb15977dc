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
 * @param timeLimit          the whole check's time; past it the result is temperror (§4.6.4: at least 20 s)
 * @param receiver           this host's name, for {@code %{r}} in explanations and Received-SPF
 * @param defaultExplanation explanation macro text used for {@code fail} when the record gives none
 * @param clock              the time of {@code %{t}}
 */
public record SpfOptions(int maxDnsTerms, int maxVoidLookups, int maxNamesPerLookup, int maxDnsQueries,
                         Duration timeLimit, String receiver, String defaultExplanation, Clock clock) {

    public static final String DEFAULT_EXPLANATION = "%{o} does not designate %{c} as a permitted sender";

    public SpfOptions {
        if (maxDnsTerms < 0 || maxVoidLookups < 0 || maxNamesPerLookup < 0 || maxDnsQueries < 0) {
            throw new IllegalArgumentException("limits must be >= 0");
        }
        if (timeLimit.isNegative() || timeLimit.isZero()) {
            throw new IllegalArgumentException("timeLimit must be positive, was " + timeLimit);
        }
        Objects.requireNonNull(receiver, "receiver");
        Objects.requireNonNull(defaultExplanation, "defaultExplanation");
        Objects.requireNonNull(clock, "clock");
    }

    /** RFC 7208's limits (10 terms, 2 void lookups, 10 names), 150 queries, 20 s, receiver "unknown". */
    public static SpfOptions defaults() {
        return new SpfOptions(10, 2, 10, 150, Duration.ofSeconds(20), "unknown", DEFAULT_EXPLANATION, Clock.systemUTC());
    }

    public SpfOptions withTimeLimit(Duration limit) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, limit, receiver,
            defaultExplanation, clock);
    }

    public SpfOptions withReceiver(String name) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, timeLimit, name,
            defaultExplanation, clock);
    }

    public SpfOptions withDefaultExplanation(String text) {
        return new SpfOptions(maxDnsTerms, maxVoidLookups, maxNamesPerLookup, maxDnsQueries, timeLimit, receiver,
            text, clock);
    }

    public SpfOptions withVoidLookupLimit(int limit) {
        return new SpfOptions(maxDnsTerms, limit, maxNamesPerLookup, maxDnsQueries, timeLimit, receiver,
            defaultExplanation, clock);
    }
}
