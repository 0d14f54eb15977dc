package dev.postino.core.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.postino.core.retry.RetryState;

/**
 * One recipient's place in the retry schedule, kept on the queued mail between attempts: the retry policy's
 * {@link RetryState}, when the next attempt is due, and the last attempt's outcome (null before any).
 */
public record RecipientState(String recipient, RetryState retry, Instant nextAttempt, AttemptOutcome lastOutcome) {

    public RecipientState {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(nextAttempt, "nextAttempt");
    }

    /** A recipient of a message that arrived at {@code arrival}: due at once, never tried. */
    public static RecipientState arrived(String recipient, Instant arrival) {
        return new RecipientState(recipient, RetryState.arrived(arrival), arrival, null);
    }

    /**
     * One line: {@code recipient}, {@code arrival}, {@code first-failure}, {@code last-attempt} (ISO-8601 instants,
     * the last two absent before any failure), {@code last-interval} (seconds), {@code failures}, {@code warnings}
     * (delay warnings sent), {@code next-attempt}, then the last outcome's fields without its recipient (see
     * {@link AttemptOutcome#toString()}), in {@link FieldLine}'s form.
     */
    @Override
    public String toString() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("recipient", recipient);
        fields.put("arrival", retry.arrival().toString());
        fields.put("first-failure", retry.firstFailure() == null ? null : retry.firstFailure().toString());
        fields.put("last-attempt", retry.lastAttempt() == null ? null : retry.lastAttempt().toString());
        fields.put("last-interval", Long.toString(retry.lastInterval().toSeconds()));
        fields.put("failures", Integer.toString(retry.failures()));
        fields.put("warnings", Integer.toString(retry.warningsSent()));
        fields.put("next-attempt", nextAttempt.toString());
        if (lastOutcome != null) {
            Map<String, String> outcome = lastOutcome.fields();
            outcome.remove("recipient");
            fields.putAll(outcome);
        }
        return FieldLine.format(fields);
    }

    /** The lines of several states: the value of the mail attribute {@code postino.delivery.state}. */
    public static String formatAll(List<RecipientState> states) {
        return String.join("\n", states.stream().map(RecipientState::toString).toList());
    }

    /**
     * Reads {@link #formatAll}'s text back (blank lines ignored).
     *
     * @throws IllegalArgumentException naming the first line that is not a state
     */
    public static List<RecipientState> parseAll(String text) {
        return FieldLine.parseLines(text, "recipient state", fields -> {
            RetryState retry = new RetryState(Instant.parse(FieldLine.required(fields, "arrival")),
                instant(fields.get("first-failure")), instant(fields.get("last-attempt")),
                Duration.ofSeconds(Long.parseLong(FieldLine.required(fields, "last-interval"))),
                Integer.parseInt(FieldLine.required(fields, "failures")),
                Integer.parseInt(FieldLine.required(fields, "warnings")));
            AttemptOutcome outcome = fields.containsKey("result") ? AttemptOutcome.fromFields(fields) : null;
            return new RecipientState(FieldLine.required(fields, "recipient"), retry,
                Instant.parse(FieldLine.required(fields, "next-attempt")), outcome);
        });
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }
}
