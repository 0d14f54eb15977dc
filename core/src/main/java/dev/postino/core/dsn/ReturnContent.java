package dev.postino.core.dsn;

import java.util.Locale;

/** The RET parameter of MAIL FROM (RFC 3461 §4.3): what of the original a failure notification returns. */
public enum ReturnContent {
    /** The whole message (up to the configured size). */
    FULL,
    /** Its header only. */
    HDRS;

    /**
     * {@code full} or {@code hdrs}, in any case.
     *
     * @throws IllegalArgumentException for anything else
     */
    public static ReturnContent fromWord(String word) {
        return switch (word == null ? "" : word.trim().toLowerCase(Locale.ROOT)) {
            case "full" -> FULL;
            case "hdrs" -> HDRS;
            default -> throw new IllegalArgumentException("'" + word + "' is not a RET value: expected full or hdrs");
        };
    }
}
