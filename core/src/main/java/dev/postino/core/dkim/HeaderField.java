package dev.postino.core.dkim;

import java.util.Locale;

/**
 * One header field as received: {@code raw} holds its octets as chars (ISO-8859-1), continuation lines
 * joined with their line ends, without the final line end.
 *
 * @param name the field name (before the colon, whitespace trimmed), lowercase, for selection by h=
 * @param raw  the whole field
 */
record HeaderField(String name, String raw) {

    static HeaderField of(String raw) {
        int colon = raw.indexOf(':');
        String name = (colon < 0 ? raw : raw.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        return new HeaderField(name, raw);
    }

    /** The text after the first colon (empty if there is none). */
    String value() {
        int colon = raw.indexOf(':');
        return colon < 0 ? "" : raw.substring(colon + 1);
    }
}
