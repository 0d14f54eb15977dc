package dev.postino.core.bounce;

import java.util.Locale;

/**
 * One sender's (or sending domain's) bounce figures over a window: recipients attempted, and the hard bounces, soft
 * bounces and complaints that came back for them.
 *
 * @param scope      {@code sender} or {@code domain}
 * @param name       the sender address or the domain, lower case
 * @param recipients recipients attempted in the window
 */
public record BounceRate(Scope scope, String name, long recipients, long hard, long soft, long complaints) {

    /** Who the figures are about. */
    public enum Scope {
        SENDER, DOMAIN;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How bad a rate is. */
    public enum Level {
        /** Fewer recipients than the minimum volume: no judgement. */
        LOW_VOLUME,
        OK, WARNING, CRITICAL;

        public String word() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The figures as WebAdmin and {@code postino bounce-rates --json} write them: {@code scope}, {@code name},
     * {@code recipients}, {@code hard}, {@code soft}, {@code complaints}, the rates as fractions ({@code bounce_rate},
     * {@code hard_rate}, {@code soft_rate}, {@code complaint_rate}) and {@code level}.
     */
    public java.util.Map<String, Object> asJsonObject(Level level) {
        java.util.Map<String, Object> object = new java.util.LinkedHashMap<>();
        object.put("scope", scope.word());
        object.put("name", name);
        object.put("recipients", recipients);
        object.put("hard", hard);
        object.put("soft", soft);
        object.put("complaints", complaints);
        object.put("bounce_rate", bounceRate());
        object.put("hard_rate", hardRate());
        object.put("soft_rate", softRate());
        object.put("complaint_rate", complaintRate());
        object.put("level", level.word());
        return object;
    }

    /** (hard + soft) / recipients; 0 without recipients. */
    public double bounceRate() {
        return ratio(hard + soft);
    }

    public double hardRate() {
        return ratio(hard);
    }

    public double softRate() {
        return ratio(soft);
    }

    public double complaintRate() {
        return ratio(complaints);
    }

    private double ratio(long count) {
        return recipients == 0 ? 0 : (double) count / recipients;
    }
}
