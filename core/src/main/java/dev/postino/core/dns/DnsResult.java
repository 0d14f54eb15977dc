package dev.postino.core.dns;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The answer to one DNS lookup. Temporary failures (timeout, SERVFAIL) and permanent negative
 * answers (NXDOMAIN, NODATA) stay distinct because SPF, DKIM and DMARC map them to different results.
 *
 * @param <T> the record value type (see {@link DnsRecordType})
 */
public final class DnsResult<T> {

    /** What kind of answer this is. */
    public enum Kind {
        /** At least one record of the asked type. */
        RECORDS,
        /** The name does not exist (RCODE 3). */
        NXDOMAIN,
        /** The name exists but has no record of the asked type. */
        NODATA,
        /** No usable answer: timeout, SERVFAIL, REFUSED, network error, time budget exhausted. */
        TEMPORARY_FAILURE,
        /** The per-evaluation query budget was already spent; nothing was asked. */
        QUERY_LIMIT,
        /** The name is not a valid domain name (label over 63 octets, empty label, over 255 octets). */
        INVALID_NAME
    }

    private final Kind kind;
    private final List<T> values;
    private final Duration ttl;
    private final String reason;

    private DnsResult(Kind kind, List<T> values, Duration ttl, String reason) {
        this.kind = kind;
        this.values = List.copyOf(values);
        this.ttl = ttl;
        this.reason = reason;
    }

    public static <T> DnsResult<T> records(List<T> values, Duration ttl) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a RECORDS result needs at least one value");
        }
        return new DnsResult<>(Kind.RECORDS, values, ttl, "");
    }

    public static <T> DnsResult<T> nxdomain(Duration ttl) {
        return new DnsResult<>(Kind.NXDOMAIN, List.of(), ttl, "no such domain");
    }

    public static <T> DnsResult<T> nodata(Duration ttl) {
        return new DnsResult<>(Kind.NODATA, List.of(), ttl, "no record of that type");
    }

    public static <T> DnsResult<T> temporaryFailure(String reason) {
        return new DnsResult<>(Kind.TEMPORARY_FAILURE, List.of(), Duration.ZERO, reason);
    }

    public static <T> DnsResult<T> queryLimit(String reason) {
        return new DnsResult<>(Kind.QUERY_LIMIT, List.of(), Duration.ZERO, reason);
    }

    public static <T> DnsResult<T> invalidName(String reason) {
        return new DnsResult<>(Kind.INVALID_NAME, List.of(), Duration.ZERO, reason);
    }

    public Kind kind() {
        return kind;
    }

    /** The records; empty unless {@link #kind()} is {@link Kind#RECORDS}. */
    public List<T> values() {
        return values;
    }

    /** How long the answer may be cached (positive or negative TTL); zero for failures. */
    public Duration ttl() {
        return ttl;
    }

    /** A short human reason; empty for {@link Kind#RECORDS}. */
    public String reason() {
        return reason;
    }

    public boolean hasRecords() {
        return kind == Kind.RECORDS;
    }

    /** NXDOMAIN or NODATA: the DNS answered, and there is nothing. */
    public boolean isEmptyAnswer() {
        return kind == Kind.NXDOMAIN || kind == Kind.NODATA;
    }

    public boolean isTemporaryFailure() {
        return kind == Kind.TEMPORARY_FAILURE;
    }

    /** The same outcome for another value type, for results that carry no values. */
    @SuppressWarnings("unchecked")
    public <U> DnsResult<U> withoutValues() {
        if (kind == Kind.RECORDS) {
            throw new IllegalStateException("a RECORDS result carries values");
        }
        return (DnsResult<U>) this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DnsResult<?> other && kind == other.kind && values.equals(other.values)
            && ttl.equals(other.ttl) && reason.equals(other.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, values, ttl, reason);
    }

    @Override
    public String toString() {
        return kind == Kind.RECORDS ? "RECORDS" + values + " ttl=" + ttl.toSeconds() + "s" : kind + " (" + reason + ")";
    }
}
