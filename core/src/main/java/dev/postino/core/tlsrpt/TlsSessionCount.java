package dev.postino.core.tlsrpt;

import java.time.LocalDate;
import java.util.Objects;

/**
 * How many TLS sessions of one kind a day had (UTC).
 *
 * @param failure     the result type of failed sessions, or null for successful ones
 * @param receivingMx the MX host name (failures only; empty when none was tried or for successes)
 * @param receivingIp the MX address (failures only; may be empty)
 */
public record TlsSessionCount(LocalDate day, TlsPolicyKey policy, TlsResultType failure, String receivingMx,
                              String receivingIp, long count) {
    public TlsSessionCount {
        Objects.requireNonNull(day, "day");
        Objects.requireNonNull(policy, "policy");
        receivingMx = receivingMx == null ? "" : receivingMx;
        receivingIp = receivingIp == null ? "" : receivingIp;
    }
}
