package dev.postino.core.mtasts;

/** A policy file that is not a valid MTA-STS policy; the message says why, in one line. */
public final class InvalidStsPolicyException extends Exception {
    public InvalidStsPolicyException(String message) {
        super(message, null, false, false);
    }
}
