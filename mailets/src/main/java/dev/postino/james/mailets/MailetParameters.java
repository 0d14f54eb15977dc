package dev.postino.james.mailets;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.mail.MessagingException;

import org.apache.mailet.MailetConfig;

import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.DnsLimits;

/**
 * A mailet's init parameters, read strictly: an unknown parameter or a value that does not parse makes
 * {@code init} fail with one line naming the mailet, the parameter, the value and what was expected, so
 * that James refuses to start instead of running half-configured.
 */
public final class MailetParameters {

    /** The DNS client's parameters, shared by every mailet that asks DNS. */
    public static final Set<String> DNS_PARAMETERS = Set.of("dnsServers", "dnsQueryTimeout", "dnsRetries", "dnsCacheSize",
        "dnsMaxInFlight", "dnsMaxInFlightPerZone", "dnsMaxWaitingPerZone", "dnsMaxInFlightPerCheck", "dnsZoneTimeouts",
        "dnsZoneTimeoutWindow", "dnsZoneBackoff", "dnsZoneMaxBackoff");

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    private final MailetConfig config;

    private MailetParameters(MailetConfig config) {
        this.config = config;
    }

    /**
     * Reads {@code config}, refusing any parameter not in {@code known}.
     *
     * @throws MessagingException naming the first unknown parameter and the known ones
     */
    public static MailetParameters read(MailetConfig config, Set<String> known) throws MessagingException {
        Iterator<String> names = config.getInitParameterNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new MessagingException(config.getMailetName() + ": unknown init parameter '" + name
                    + "' (value '" + config.getInitParameter(name) + "'); known parameters: "
                    + String.join(", ", new TreeSet<>(known)));
            }
        }
        return new MailetParameters(config);
    }

    /** {@code known} plus {@link #DNS_PARAMETERS}. */
    public static Set<String> withDns(String... known) {
        Set<String> all = new TreeSet<>(DNS_PARAMETERS);
        all.addAll(List.of(known));
        return all;
    }

    public String string(String name, String defaultValue) {
        String value = config.getInitParameter(name);
        return value == null || value.isBlank() ? defaultValue : value.trim();
    }

    public boolean bool(String name, boolean defaultValue) throws MessagingException {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes" -> true;
            case "false", "no" -> false;
            default -> throw invalid(name, value, "true or false");
        };
    }

    public int integer(String name, int defaultValue, int min, int max) throws MessagingException {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.trim());
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw invalid(name, value, "a whole number from " + min + " to " + max);
    }

    /** A duration such as {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}. */
    public Duration duration(String name, Duration defaultValue) throws MessagingException {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(value.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw invalid(name, value, "a positive duration such as 500ms, 5s, 2m, 1h or 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A comma-separated list, each item trimmed, empty items dropped. */
    public List<String> list(String name, List<String> defaultValue) {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return items;
    }

    /**
     * The value of {@code name} as an engine's own {@code parser} reads it, or {@code defaultValue} when it is not
     * given; the parser's {@link IllegalArgumentException} becomes the one-line refusal, with the parser's message.
     */
    public <T> T value(String name, T defaultValue, Function<String, T> parser) throws MessagingException {
        String text = string(name, null);
        if (text == null) {
            return defaultValue;
        }
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw rejected(name, text, e.getMessage());
        }
    }

    /** The JVM-wide default for {@code dnsServers}, so one setting points every Postino mailet at a resolver. */
    public static final String DNS_SERVERS_PROPERTY = "postino.dns.servers";

    /**
     * The DNS client configuration from {@link #DNS_PARAMETERS}: {@code dnsServers} (HOST:PORT list;
     * default: the system property {@value #DNS_SERVERS_PROPERTY}, else the system's resolvers),
     * {@code dnsQueryTimeout} (default 5s), {@code dnsRetries} (default 1), {@code dnsCacheSize} (default 10000);
     * the limits ({@link DnsLimits}): {@code dnsMaxInFlight} (512), {@code dnsMaxInFlightPerZone} (32),
     * {@code dnsMaxWaitingPerZone} (256), {@code dnsMaxInFlightPerCheck} (10), {@code dnsZoneTimeouts} (5; 0 never
     * backs off), {@code dnsZoneTimeoutWindow} (1m), {@code dnsZoneBackoff} (30s), {@code dnsZoneMaxBackoff} (5m).
     */
    public DnsConfig dnsConfig() throws MessagingException {
        DnsConfig dns = DnsConfig.defaults();
        String servers = config.getInitParameter("dnsServers");
        String source = "init parameter dnsServers";
        if (servers == null || servers.isBlank()) {
            servers = System.getProperty(DNS_SERVERS_PROPERTY);
            source = "system property " + DNS_SERVERS_PROPERTY;
        }
        if (servers != null && !servers.isBlank()) {
            try {
                dns = dns.withServers(DnsConfig.parseServers(servers));
            } catch (IllegalArgumentException e) {
                throw new MessagingException(config.getMailetName() + ": " + source + "='" + servers
                    + "' is not valid: " + e.getMessage());
            }
        }
        return dns.withQueryTimeout(duration("dnsQueryTimeout", DnsConfig.DEFAULT_QUERY_TIMEOUT))
            .withRetries(integer("dnsRetries", DnsConfig.DEFAULT_RETRIES, 0, 10))
            .withCacheSize(integer("dnsCacheSize", DnsConfig.DEFAULT_CACHE_SIZE, 0, 10_000_000))
            .withLimits(dnsLimits());
    }

    private DnsLimits dnsLimits() throws MessagingException {
        int maxInFlight = integer("dnsMaxInFlight", DnsLimits.DEFAULT_MAX_IN_FLIGHT, 1, 10_000);
        // a zone allowed all the capacity there is could hold every other zone up
        int perZone = integer("dnsMaxInFlightPerZone", Math.min(DnsLimits.DEFAULT_MAX_IN_FLIGHT_PER_ZONE, maxInFlight),
            1, maxInFlight);
        Duration backoff = duration("dnsZoneBackoff", DnsLimits.DEFAULT_ZONE_BACKOFF);
        Duration maxBackoff = duration("dnsZoneMaxBackoff", DnsLimits.DEFAULT_ZONE_MAX_BACKOFF.compareTo(backoff) < 0
            ? backoff : DnsLimits.DEFAULT_ZONE_MAX_BACKOFF);
        if (maxBackoff.compareTo(backoff) < 0) {
            throw invalid("dnsZoneMaxBackoff", config.getInitParameter("dnsZoneMaxBackoff"),
                "a duration no shorter than dnsZoneBackoff (" + string("dnsZoneBackoff", "30s") + ")");
        }
        return new DnsLimits(maxInFlight, perZone,
            integer("dnsMaxWaitingPerZone", DnsLimits.DEFAULT_MAX_WAITING_PER_ZONE, 0, 100_000),
            integer("dnsMaxInFlightPerCheck", DnsLimits.DEFAULT_MAX_IN_FLIGHT_PER_EVALUATION, 1, 1_000),
            integer("dnsZoneTimeouts", DnsLimits.DEFAULT_ZONE_TIMEOUTS, 0, 1_000),
            duration("dnsZoneTimeoutWindow", DnsLimits.DEFAULT_ZONE_TIMEOUT_WINDOW),
            backoff, maxBackoff);
    }

    /** The one-line refusal for a parameter whose value does not parse: {@code ... is not valid: expected X}. */
    public MessagingException invalid(String name, String value, String expected) {
        return rejected(name, value, "expected " + expected);
    }

    /** The one-line refusal with a whole problem statement (e.g. an engine's parse error message). */
    public MessagingException rejected(String name, String value, String problem) {
        return new MessagingException(config.getMailetName() + ": init parameter " + name + "='" + value
            + "' is not valid: " + problem);
    }
}
