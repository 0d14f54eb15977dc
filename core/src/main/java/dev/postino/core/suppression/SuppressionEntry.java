package dev.postino.core.suppression;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One address on the suppression list.
 *
 * @param address    the recipient, lower case
 * @param reason     the last bounce's reason in Sisimai's vocabulary ({@code userunknown}, {@code feedback}, ...),
 *                   or the administrator's text for a manual entry
 * @param status     the last bounce's enhanced status code X.Y.Z, {@code ""} when it had none
 * @param hard       whether the last bounce was hard
 * @param diagnostic the remote server's text of the last bounce, {@code ""} when none
 * @param source     how it got on the list
 * @param bounces    how many bounces (or complaints) put or kept it there
 * @param first      when it first bounced (or was added)
 * @param last       when it last bounced (or was added)
 * @param expires    when it leaves the list by itself; empty: only by hand
 */
public record SuppressionEntry(String address, String reason, String status, boolean hard, String diagnostic,
                               SuppressionSource source, int bounces, Instant first, Instant last,
                               Optional<Instant> expires) {

    public static final int MAX_ADDRESS = 320;
    public static final int MAX_REASON = 200;
    public static final int MAX_DIAGNOSTIC = 1000;

    public SuppressionEntry {
        address = normalize(address);
        reason = cut(Objects.requireNonNull(reason, "reason"), MAX_REASON);
        status = cut(Objects.requireNonNull(status, "status"), 16);
        diagnostic = cut(Objects.requireNonNull(diagnostic, "diagnostic"), MAX_DIAGNOSTIC);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(last, "last");
        Objects.requireNonNull(expires, "expires");
    }

    /**
     * The entry as the CLI contract's {@code postino suppression list --json} and WebAdmin write it: {@code address},
     * {@code reason}, {@code status}, {@code hard}, {@code bounces}, {@code first}, {@code last}, {@code expires}
     * (ISO-8601, or null), {@code source}, and {@code diagnostic} (an addition).
     */
    public java.util.Map<String, Object> asJsonObject() {
        java.util.Map<String, Object> object = new java.util.LinkedHashMap<>();
        object.put("address", address);
        object.put("reason", reason);
        object.put("status", status);
        object.put("hard", hard);
        object.put("bounces", bounces);
        object.put("first", first.toString());
        object.put("last", last.toString());
        object.put("expires", expires.map(Instant::toString).orElse(null));
        object.put("source", source.word());
        object.put("diagnostic", diagnostic);
        return object;
    }

    /** Whether the entry still suppresses at {@code now}. */
    public boolean activeAt(Instant now) {
        return expires.isEmpty() || expires.get().isAfter(now);
    }

    /**
     * The form addresses are kept and looked up in: without angle brackets and surrounding space, lower case (local
     * parts are case-sensitive in theory, never in the mailboxes that bounce).
     *
     * @throws IllegalArgumentException for an empty address or one longer than {@value #MAX_ADDRESS} characters
     */
    public static String normalize(String address) {
        Objects.requireNonNull(address, "address");
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">")) {
            a = a.substring(1, a.length() - 1).strip();
        }
        if (a.isEmpty() || a.length() > MAX_ADDRESS || a.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
            throw new IllegalArgumentException("'" + cut(address, 80) + "' is not an address");
        }
        return a.toLowerCase(Locale.ROOT);
    }

    static String cut(String text, int max) {
        String flat = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return flat.length() <= max ? flat : flat.substring(0, max);
    }
}
