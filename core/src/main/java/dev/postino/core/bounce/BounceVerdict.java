package dev.postino.core.bounce;

import java.util.Collection;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Whether a bounce refers to a message we sent: {@code genuine} when its original's Message-ID or its
 * Original-Envelope-Id matches a record of sent mail, {@code forged} when it names some and none matches (backscatter
 * or a forged "Mail Delivery System" message), {@code unreferenced} when it names none (a bounce that returns
 * nothing of the original cannot be checked).
 */
public enum BounceVerdict {
    GENUINE, FORGED, UNREFERENCED;

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The verdict for a report, given which record keys ({@link SentMessages#keysOf}) were sent.
     *
     * @param sent true for a key we have a record of
     */
    public static BounceVerdict of(Collection<String> keys, Predicate<Collection<String>> sent) {
        if (keys.isEmpty()) {
            return UNREFERENCED;
        }
        return sent.test(keys) ? GENUINE : FORGED;
    }
}
