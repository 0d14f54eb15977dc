package dev.postino.core.mtasts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import dev.postino.core.retry.DomainPattern;

/**
 * How far Postino honours MTA-STS, per recipient domain: a default and overrides by domain pattern, the first
 * matching override winning. The text form is {@code enforce} (or {@code testing}, {@code off}) for the default, and
 * for the overrides a comma-separated list of {@code domain=level} ({@code example.com=testing, *.example.org=off}).
 */
public record MtaStsSettings(Level defaultLevel, List<Override> overrides) {

    /** What Postino does with a domain's policy. */
    public enum Level {
        /** Honour the published policy: enforce in {@code enforce} mode, report in {@code testing} mode. */
        ENFORCE,
        /** At most testing: an {@code enforce} policy is only reported on, never enforced. */
        TESTING,
        /** No MTA-STS lookup, no enforcement and no TLS-RPT counting for the domain. */
        OFF;

        public static Level parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "enforce" -> ENFORCE;
                case "testing" -> TESTING;
                case "off" -> OFF;
                default -> throw new IllegalArgumentException("'" + text.strip() + "' is not enforce, testing or off");
            };
        }
    }

    /** One domain pattern ({@code example.com}, {@code *.example.com}) with its level. */
    public record Override(DomainPattern domain, Level level) {
    }

    public MtaStsSettings {
        Objects.requireNonNull(defaultLevel, "defaultLevel");
        overrides = List.copyOf(overrides);
    }

    /** Honour every domain's policy. */
    public static final MtaStsSettings DEFAULTS = new MtaStsSettings(Level.ENFORCE, List.of());

    /**
     * The overrides in {@code text}: {@code domain=level} items separated by commas.
     *
     * @throws IllegalArgumentException naming the item that is not {@code domain=level}
     */
    public static List<Override> parseOverrides(String text) {
        List<Override> overrides = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return overrides;
        }
        for (String item : text.split(",")) {
            String trimmed = item.strip();
            int eq = trimmed.indexOf('=');
            if (eq <= 0 || eq == trimmed.length() - 1) {
                throw new IllegalArgumentException("'" + trimmed + "' is not domain=enforce|testing|off");
            }
            overrides.add(new Override(new DomainPattern(trimmed.substring(0, eq).strip()),
                Level.parse(trimmed.substring(eq + 1))));
        }
        return overrides;
    }

    /** The level for {@code domain}. */
    public Level levelFor(String domain) {
        for (Override override : overrides) {
            if (override.domain().matches(domain)) {
                return override.level();
            }
        }
        return defaultLevel;
    }
}
