package dev.postino.core.dsn;

import java.util.Locale;

/** What the reporting MTA did with one recipient: the {@code Action} field of RFC 3464 §2.3.3. */
public enum DeliveryAction {
    /** Could not be delivered and will not be retried. */
    FAILED,
    /** Not delivered yet; still being retried. */
    DELAYED,
    /** Delivered to the recipient's mailbox. */
    DELIVERED,
    /** Passed on to a system that sends no delivery notifications. */
    RELAYED,
    /** Delivered to a list or alias that expanded it to more recipients. */
    EXPANDED;

    /** The RFC 3464 word, e.g. {@code failed}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The action named by an RFC 3464 word, in any case.
     *
     * @throws IllegalArgumentException for any other word
     */
    public static DeliveryAction fromWord(String word) {
        for (DeliveryAction action : values()) {
            if (action.word().equalsIgnoreCase(word == null ? "" : word.trim())) {
                return action;
            }
        }
        throw new IllegalArgumentException("unknown action '" + word + "': expected failed, delayed, delivered, relayed or expanded");
    }
}
