package dev.postino.core.delivery;

/**
 * What a recipient domain demands of delivery beyond {@link DeliveryOptions#requireTls}, decided once per attempt
 * (MTA-STS, RFC 8461: {@code dev.postino.core.mtasts.MtaStsSecurity}); told how each session went, for TLS reports.
 * Not used with a smarthost. Implementations never throw.
 */
public interface TransportSecurity {

    /** Nothing beyond {@code requireTls}. */
    TransportSecurity NONE = domain -> DomainSecurity.NONE;

    /** What applies to one attempt at {@code domain}. */
    DomainSecurity forDomain(String domain);

    /** What applies to one attempt at one domain. */
    interface DomainSecurity {

        DomainSecurity NONE = new DomainSecurity() {
        };

        /** Null when mail may go to the MX host {@code host}; else why not (the attempt's text for that host). */
        default String refusal(SmtpClient.RemoteHost host) {
            return null;
        }

        /** Whether TLS verified against the MX host name is required (else a {@code 4.7.x} temporary failure). */
        default boolean requiresVerifiedTls() {
            return false;
        }

        /** Whether verified TLS is tried first and, when it fails, the host is tried again as without (testing mode). */
        default boolean probesVerifiedTls() {
            return false;
        }

        /** What a TLS failure's text is prefixed with, to say which policy required TLS (e.g. {@code MTA-STS ...: }). */
        default String failurePrefix() {
            return "";
        }

        /** One session with {@code host} ended; {@code verified} tells whether it demanded a verified certificate. */
        default void sessionEnded(SmtpClient.RemoteHost host, SmtpClient.HostAttempt attempt, boolean verified) {
        }
    }
}
