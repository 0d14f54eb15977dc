package dev.postino.core.mtasts;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An MTA-STS policy (RFC 8461 section 3.2), as served at {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}:
 * <pre>
 * version: STSv1
 * mode: enforce
 * mx: mail.example.com
 * mx: *.example.net
 * max_age: 604800
 * </pre>
 * Lines end in LF or CR LF; a field given twice counts once, the first (except {@code mx}, which may repeat);
 * unknown fields are ignored. {@code version}, {@code mode} and {@code max_age} are required, and at least one
 * {@code mx} unless the mode is {@code none}. A {@code max_age} above {@link #MAX_AGE} (a year) is read as a year.
 * Parsing is linear in the text.
 *
 * @param mode   what to do when the policy is not met
 * @param mx     the MX hosts allowed, in the policy's order
 * @param maxAge how long the policy may be cached, 0 to {@link #MAX_AGE}
 * @param lines  the policy's fields as {@code name: value} lines, for a TLS report's {@code policy-string}
 */
public record StsPolicy(StsMode mode, List<MxPattern> mx, Duration maxAge, List<String> lines) {

    /** The longest {@code max_age} RFC 8461 allows: 31557600 seconds (a year). */
    public static final Duration MAX_AGE = Duration.ofSeconds(31_557_600);

    public StsPolicy {
        Objects.requireNonNull(mode, "mode");
        mx = List.copyOf(mx);
        Objects.requireNonNull(maxAge, "maxAge");
        lines = List.copyOf(lines);
        if (maxAge.isNegative() || maxAge.compareTo(MAX_AGE) > 0) {
            throw new IllegalArgumentException("max_age out of range: " + maxAge);
        }
    }

    /** Whether {@code host} is one of the MX hosts the policy allows. */
    public boolean allows(String host) {
        for (MxPattern pattern : mx) {
            if (pattern.matches(host)) {
                return true;
            }
        }
        return false;
    }

    /** The policy text as it would be served, LF line ends. */
    public String text() {
        return String.join("\n", lines) + "\n";
    }

    /**
     * Parses a policy body.
     *
     * @throws InvalidStsPolicyException naming the first problem
     */
    public static StsPolicy parse(String body) throws InvalidStsPolicyException {
        if (body == null) {
            throw new InvalidStsPolicyException("no policy");
        }
        String version = null;
        StsMode mode = null;
        String modeText = null;
        Duration maxAge = null;
        List<MxPattern> mx = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        int position = 0;
        int lineNumber = 0;
        while (position < body.length()) {
            int lf = body.indexOf('\n', position);
            int end = lf < 0 ? body.length() : lf;
            String line = body.substring(position, end);
            position = end + 1;
            lineNumber++;
            if (line.endsWith("\r")) {
                line = line.substring(0, line.length() - 1);
            }
            if (line.isBlank()) {
                continue; // the ABNF has none, but a blank last line is common
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new InvalidStsPolicyException("line " + lineNumber + " is not 'name: value'");
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            if (!fieldName(name)) {
                throw new InvalidStsPolicyException("line " + lineNumber + " has no valid field name");
            }
            switch (name) {
                case "version" -> {
                    if (version == null) {
                        version = value;
                        lines.add("version: " + value);
                    }
                }
                case "mode" -> {
                    if (modeText == null) {
                        modeText = value;
                        mode = StsMode.of(value).orElse(null);
                        lines.add("mode: " + value);
                    }
                }
                case "max_age" -> {
                    if (maxAge == null) {
                        maxAge = maxAge(value);
                        lines.add("max_age: " + value);
                    }
                }
                case "mx" -> {
                    MxPattern pattern = MxPattern.parse(value).orElseThrow(() ->
                        new InvalidStsPolicyException("mx '" + shorten(value) + "' is not a host name or *. and one"));
                    mx.add(pattern);
                    lines.add("mx: " + value);
                }
                default -> {
                    // extensions are ignored (section 3.2)
                }
            }
        }
        if (!"STSv1".equals(version)) {
            throw new InvalidStsPolicyException(version == null ? "no version" : "version '" + shorten(version) + "' is not STSv1");
        }
        if (mode == null) {
            throw new InvalidStsPolicyException(modeText == null ? "no mode" : "mode '" + shorten(modeText)
                + "' is not enforce, testing or none");
        }
        if (maxAge == null) {
            throw new InvalidStsPolicyException("no max_age");
        }
        if (mx.isEmpty() && mode != StsMode.NONE) {
            throw new InvalidStsPolicyException("no mx in " + mode.label() + " mode");
        }
        return new StsPolicy(mode, mx, maxAge, lines);
    }

    private static Duration maxAge(String value) throws InvalidStsPolicyException {
        if (value.isEmpty() || value.length() > 10 || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidStsPolicyException("max_age '" + shorten(value) + "' is not 1 to 10 digits");
        }
        long seconds = Long.parseLong(value);
        return seconds > MAX_AGE.toSeconds() ? MAX_AGE : Duration.ofSeconds(seconds);
    }

    private static boolean fieldName(String name) {
        if (name.isEmpty() || name.length() > 32) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && (i == 0 || c != '_' && c != '-' && c != '.')) {
                return false;
            }
        }
        return true;
    }

    private static String shorten(String value) {
        return value.length() > 64 ? value.substring(0, 64) + "..." : value;
    }
}
