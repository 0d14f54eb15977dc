package dev.postino.core.spf;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.postino.core.dns.DnsClient;

/**
 * Evaluates SPF (RFC 7208) for one identity: fetches and parses the sender domain's record and evaluates it
 * with asynchronous lookups through a {@link DnsClient}, within RFC 7208's limits. Thread-safe; one instance
 * serves every check. Never throws for anything the sender controls: malformed records, names and macros give
 * {@code permerror} or {@code none} with a reason, DNS trouble gives {@code temperror}.
 */
public final class SpfEvaluator {

    private final DnsClient dns;
    private final SpfOptions options;
    private final SpfRecordCache parsedRecords = new SpfRecordCache(1_000);

    public SpfEvaluator(DnsClient dns, SpfOptions options) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.options = Objects.requireNonNull(options, "options");
    }

    public SpfEvaluator(DnsClient dns) {
        this(dns, SpfOptions.defaults());
    }

    /** Checks the request; the future always completes normally, within the options' time limit. */
    public CompletableFuture<SpfResult> evaluate(SpfRequest request) {
        return new SpfEvaluation(dns, options, parsedRecords, request).run();
    }

    /** {@link #evaluate} and wait for the result. */
    public SpfResult evaluateBlocking(SpfRequest request) {
        return evaluate(request).join();
    }

    public SpfOptions options() {
        return options;
    }
}
