package dev.postino.core.spf;

/** Which identity an SPF check authorizes (RFC 7208 §2.3, §2.4). */
public enum SpfIdentity {
    /** The MAIL FROM identity; for a null reverse-path this is {@code postmaster@} the HELO name. */
    MAIL_FROM("mailfrom"),
    /** The HELO/EHLO identity. */
    HELO("helo");

    private final String keyword;

    SpfIdentity(String keyword) {
        this.keyword = keyword;
    }

    /** The keyword of Received-SPF's {@code identity=} (RFC 7208 §9.1). */
    public String keyword() {
        return keyword;
    }
}
