package dev.postino.core.spf;

import java.util.Locale;

/** The result of an SPF check (RFC 7208 §2.6). */
public enum SpfVerdict {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    /** The lower-case keyword used in Received-SPF, Authentication-Results and the CLI, e.g. {@code softfail}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }
}
