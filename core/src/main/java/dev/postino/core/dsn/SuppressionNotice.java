package dev.postino.core.dsn;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.postino.core.json.Json;

/**
 * Why a recipient was not sent to because it is on the suppression list: what the notification tells the sender
 * instead of a remote server's reply. Carried on the mail in the String attribute {@value #ATTRIBUTE} as the JSON of
 * {@link #toJson}.
 *
 * @param recipient the suppressed recipient
 * @param source    {@code bounce}, {@code complaint} or {@code manual}
 * @param reason    the bounce's reason word ({@code userunknown}, {@code mailboxfull}, ...), or the administrator's text
 * @param since     when it last bounced (or was added)
 * @param until     when it leaves the list; empty: when an administrator removes it
 */
public record SuppressionNotice(String recipient, String source, String reason, Instant since, Optional<Instant> until) {

    public static final String ATTRIBUTE = "postino.suppression.notices";

    /** The reasons with a text of their own ({@code suppressed.reason.WORD}); others read "delivery failed repeatedly". */
    static final List<String> EXPLAINED_REASONS = List.of("userunknown", "hostunknown", "mailboxfull");

    /** The text key and values that explain this notice to the sender. */
    String textKey() {
        return switch (source) {
            case "complaint" -> "cause.suppressed.complaint";
            case "manual" -> "cause.suppressed.manual";
            default -> "cause.suppressed.text";
        };
    }

    public static String toJson(List<SuppressionNotice> notices) {
        List<Object> array = new ArrayList<>();
        for (SuppressionNotice n : notices) {
            Map<String, Object> object = new LinkedHashMap<>();
            object.put("recipient", n.recipient);
            object.put("source", n.source);
            object.put("reason", n.reason);
            object.put("since", n.since.toString());
            object.put("until", n.until.map(Instant::toString).orElse(null));
            array.add(object);
        }
        return Json.write(array);
    }

    /** Reads {@link #toJson}'s form; by recipient, lower case. Anything else gives an empty map. */
    public static Map<String, SuppressionNotice> byRecipient(String json) {
        Map<String, SuppressionNotice> notices = new LinkedHashMap<>();
        try {
            if (Json.read(json) instanceof List<?> array) {
                for (Object item : array) {
                    if (item instanceof Map<?, ?> o && o.get("recipient") instanceof String recipient
                        && o.get("since") instanceof String since) {
                        Optional<Instant> until = o.get("until") instanceof String u ? Optional.of(Instant.parse(u)) : Optional.empty();
                        notices.put(recipient.toLowerCase(Locale.ROOT), new SuppressionNotice(recipient,
                            String.valueOf(o.get("source")), String.valueOf(o.get("reason")), Instant.parse(since), until));
                    }
                }
            }
        } catch (IllegalArgumentException | DateTimeParseException e) {
            return Map.of();
        }
        return notices;
    }
}
