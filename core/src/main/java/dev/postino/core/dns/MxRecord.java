package dev.postino.core.dns;

/** One MX record: its preference and the exchange host name (lower case, no trailing dot). */
public record MxRecord(int preference, String exchange) {
}
