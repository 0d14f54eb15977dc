package dev.postino.core.dkim;

import dev.postino.core.mime.HeaderSection;

/**
 * One header field as received: {@code raw} holds its octets as chars (ISO-8859-1), continuation lines
 * joined with their line ends, without the final line end.
 *
 * @param name the field name (before the colon, whitespace trimmed), lowercase, for selection by h=
 * @param raw  the whole field
 */
record HeaderField(String name, String raw) {

    static HeaderField of(String raw) {
        return new HeaderField(HeaderSection.Field.of(raw).name(), raw); // named as the one header reader names it
    }

    /** The text after the first colon (empty if there is none). */
    String value() {
        int colon = raw.indexOf(':');
        return colon < 0 ? "" : raw.substring(colon + 1);
    }
}
