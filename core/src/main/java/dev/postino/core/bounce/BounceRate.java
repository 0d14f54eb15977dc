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
