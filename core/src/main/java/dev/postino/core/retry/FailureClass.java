package dev.postino.core.retry;

/** What kind of temporary failure a delivery attempt met: a reply from the server, or one of the ways of getting none. */
public enum FailureClass {
    /** The server answered with a 4xx or 5xx reply. */
    REPLY,
    /** The server did not answer in time (connecting or during the session). */
    TIMEOUT,
    /** The connection was refused. */
    REFUSED,
    /** The server closed the connection unexpectedly. */
    LOST_CONNECTION,
    /** Looking up the domain's MX or a host's address failed temporarily. */
    DNS,
    /** STARTTLS or the TLS handshake failed, or TLS was required and not offered. */
    TLS
}
