package dev.postino.core.suppression;

import java.util.Locale;

/** Why an address is on the suppression list: a bounce, a complaint (feedback report), or an administrator. */
public enum SuppressionSource {
    BOUNCE, COMPLAINT, MANUAL;

    /** The word the CLI contract, WebAdmin and the store use: {@code bounce}, {@code complaint}, {@code manual}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static SuppressionSource fromWord(String word) {
        for (SuppressionSource source : values()) {
            if (source.word().equalsIgnoreCase(word)) {
                return source;
            }
        }
        throw new IllegalArgumentException("'" + word + "': expected bounce, complaint or manual");
    }
}
