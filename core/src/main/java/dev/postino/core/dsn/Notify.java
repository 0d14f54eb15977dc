package dev.postino.core.dsn;

/**
 * The keywords of the NOTIFY parameter of RCPT TO (RFC 3461 §4.1): {@link #NEVER} alone, or some of the three
 * events the sender wants to hear of.
 */
public enum Notify {
    NEVER, SUCCESS, FAILURE, DELAY
}
