package dev.postino.james.attributes;

import org.apache.mailet.AttributeName;

/**
 * The mail attributes of outgoing DKIM signing, between {@code LocalizedBounce} (which marks the notifications it
 * sends) and {@code DkimSign} (which signs mail it originated, and says what it did). String values, as in
 * {@link AuthenticationAttributes}; the README's "Mail attributes" table lists them.
 */
public final class SigningAttributes {

    /**
     * Set on a notification Postino itself composed and sent (value: the mailet that sent it, e.g.
     * {@code LocalizedBounce}). Only Postino sets it, never a remote party; the sample routes such mail to the
     * {@code relay} processor with James's {@code HasMailAttribute} matcher.
     */
    public static final AttributeName NOTIFICATION = AttributeName.of("postino.notification");

    /**
     * Written by {@code DkimSign} when it signed: {@code domain:selector:algorithm} of each signature added,
     * comma-separated. A mail that has it is not signed again.
     */
    public static final AttributeName DKIM_SIGNED = AttributeName.of("postino.dkim.signed");

    /** Written by {@code DkimSign} when it did not sign: the reason, one line. */
    public static final AttributeName DKIM_UNSIGNED = AttributeName.of("postino.dkim.unsigned");

    private SigningAttributes() {
    }
}
