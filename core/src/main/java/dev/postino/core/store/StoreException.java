package dev.postino.core.store;

/** The store could not do what was asked (unreachable, refused, bad configuration): callers treat it as temporary. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
