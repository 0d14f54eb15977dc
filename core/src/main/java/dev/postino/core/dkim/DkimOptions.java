package dev.postino.core.dkim;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link DkimVerifier} judges signatures. Immutable; start from {@link #defaults()} and change with the
 * {@code with...} methods.
 *
 * @param maxSignatures   how many DKIM-Signature fields (top first) are verified; the rest get {@code neutral}.
 *                        Default 5: bounds the DNS and RSA work a message can cause.
 * @param minRsaKeyBits   RSA keys shorter than this give {@code permerror}. Default 1024 (RFC 8301 §3.2).
 * @param rsaSha1         what an a=rsa-sha1 signature gets. Default {@link RsaSha1Policy#FAIL} (RFC 8301 §3.1).
 * @param bodyLength      what a signature whose l= leaves content unsigned gets. Default
 *                        {@link BodyLengthPolicy#REPORT}: verified on the l= octets, flagged in the result.
 * @param acceptBareLf    a bare LF line end counts as CRLF, in headers and body. Default true: messages stored
 *                        on disk or handed over by local tools often lost their CRs, and the signer hashed CRLF.
 * @param clockSkew       tolerance for x= (expiry) and t= (signing time in the future). Default 5 minutes.
 * @param clock           the time x= and t= are compared with. Default the system clock, UTC.
 * @param dnsTimeout      total time all key lookups of one message may take. Default 15 seconds.
 * @param maxHeaderBytes  the header section is held in memory up to this size; a larger one gives
 *                        {@code permerror} for every signature. Default 1 MiB.
 */
public record DkimOptions(int maxSignatures, int minRsaKeyBits, RsaSha1Policy rsaSha1, BodyLengthPolicy bodyLength,
                          boolean acceptBareLf, Duration clockSkew, Clock clock, Duration dnsTimeout,
                          int maxHeaderBytes) {

    /** What to do with rsa-sha1 signatures, which RFC 8301 forbids verifiers to accept. */
    public enum RsaSha1Policy {
        /** Verdict {@code fail} without a key lookup. */
        FAIL,
        /** Verdict {@code permerror} without a key lookup. */
        PERMERROR,
        /** Verdict {@code policy} without a key lookup. */
        POLICY,
        /** Verify them like rsa-sha256 (legacy mail only). */
        VERIFY
    }

    /** What to do with a valid signature whose l= tag leaves part of the body unsigned. */
    public enum BodyLengthPolicy {
        /** Keep the verdict, set {@link DkimResult#unsignedContent()}. */
        REPORT,
        /** Verdict {@code policy}: valid, but refused locally (RFC 8601's word for it). */
        POLICY,
        /** Verdict {@code fail}. */
        FAIL
    }

    public static final int DEFAULT_MAX_SIGNATURES = 5;
    public static final int DEFAULT_MIN_RSA_KEY_BITS = 1024;
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(5);
    public static final Duration DEFAULT_DNS_TIMEOUT = Duration.ofSeconds(15);
    public static final int DEFAULT_MAX_HEADER_BYTES = dev.postino.core.mime.HeaderSectionReader.DEFAULT_MAX_BYTES;

    public DkimOptions {
        Objects.requireNonNull(rsaSha1, "rsaSha1");
        Objects.requireNonNull(bodyLength, "bodyLength");
        Objects.requireNonNull(clockSkew, "clockSkew");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(dnsTimeout, "dnsTimeout");
        if (maxSignatures < 0) {
            throw new IllegalArgumentException("maxSignatures must be >= 0, was " + maxSignatures);
        }
        if (minRsaKeyBits < 0) {
            throw new IllegalArgumentException("minRsaKeyBits must be >= 0, was " + minRsaKeyBits);
        }
        if (clockSkew.isNegative()) {
            throw new IllegalArgumentException("clockSkew must be >= 0, was " + clockSkew);
        }
        if (dnsTimeout.isNegative() || dnsTimeout.isZero()) {
            throw new IllegalArgumentException("dnsTimeout must be positive, was " + dnsTimeout);
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("maxHeaderBytes must be >= 1024, was " + maxHeaderBytes);
        }
    }

    /** The defaults described on each parameter. */
    public static DkimOptions defaults() {
        return new DkimOptions(DEFAULT_MAX_SIGNATURES, DEFAULT_MIN_RSA_KEY_BITS, RsaSha1Policy.FAIL,
            BodyLengthPolicy.REPORT, true, DEFAULT_CLOCK_SKEW, Clock.systemUTC(), DEFAULT_DNS_TIMEOUT,
            DEFAULT_MAX_HEADER_BYTES);
    }

    public DkimOptions withMaxSignatures(int value) {
        return new DkimOptions(value, minRsaKeyBits, rsaSha1, bodyLength, acceptBareLf, clockSkew, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withMinRsaKeyBits(int value) {
        return new DkimOptions(maxSignatures, value, rsaSha1, bodyLength, acceptBareLf, clockSkew, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withRsaSha1(RsaSha1Policy value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, value, bodyLength, acceptBareLf, clockSkew, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withBodyLength(BodyLengthPolicy value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, value, acceptBareLf, clockSkew, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withAcceptBareLf(boolean value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, bodyLength, value, clockSkew, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withClockSkew(Duration value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, bodyLength, acceptBareLf, value, clock, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withClock(Clock value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, bodyLength, acceptBareLf, clockSkew, value, dnsTimeout, maxHeaderBytes);
    }

    public DkimOptions withDnsTimeout(Duration value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, bodyLength, acceptBareLf, clockSkew, clock, value, maxHeaderBytes);
    }

    public DkimOptions withMaxHeaderBytes(int value) {
        return new DkimOptions(maxSignatures, minRsaKeyBits, rsaSha1, bodyLength, acceptBareLf, clockSkew, clock, dnsTimeout, value);
    }
}
