package dev.postino.core.dkim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The signing keys of a server, by signing domain, and which of them sign now: the configuration of the
 * {@code DkimSign} mailet, read once at start.
 *
 * <ul>
 *   <li>{@code keys}: {@code domain:selector:algorithm:file} entries, comma-separated ({@code algorithm} is
 *       {@code rsa-sha256} or {@code ed25519-sha256}; the file a PKCS#8 PEM private key)</li>
 *   <li>{@code active}: {@code domain:selector} entries naming the selectors that sign for a domain. A domain not
 *       listed signs with all its keys when it has at most one per algorithm; with more it must be listed (during a
 *       rotation the next key is loaded and checked, but signs only once it is named here).</li>
 *   <li>{@code signingDomains}: {@code authorDomain=signingDomain} entries; {@code *.example.com=example.com} maps
 *       every subdomain. Without a mapping the From domain itself signs, if it has keys.</li>
 * </ul>
 * Every mistake is a {@link ConfigException} naming the parameter, the value and what was expected.
 */
public final class DkimKeyring {

    /** One entry of {@code keys}, before its file is read. */
    public record KeySpec(String domain, String selector, String algorithm, String file) {
    }

    /** A configuration mistake, for the one-line refusal to start. */
    public static final class ConfigException extends Exception {
        private final String parameter;
        private final String value;

        public ConfigException(String parameter, String value, String expected) {
            super(expected, null, false, false);
            this.parameter = parameter;
            this.value = value;
        }

        public String parameter() {
            return parameter;
        }

        public String value() {
            return value;
        }
    }

    private final Map<String, List<DkimSigningKey>> activeByDomain;
    private final Map<String, String> exactMap;
    private final Map<String, String> suffixMap;

    private DkimKeyring(Map<String, List<DkimSigningKey>> activeByDomain, Map<String, String> exactMap,
                        Map<String, String> suffixMap) {
        this.activeByDomain = activeByDomain;
        this.exactMap = exactMap;
        this.suffixMap = suffixMap;
    }

    /** Reads {@code keys} (not the files). */
    public static List<KeySpec> parseKeys(String text) throws ConfigException {
        List<KeySpec> specs = new ArrayList<>();
        for (String item : items(text)) {
            String[] parts = item.split(":", 4);
            if (parts.length != 4 || parts[3].isBlank()) {
                throw new ConfigException("keys", item, "expected domain:selector:algorithm:file, e.g. "
                    + "example.com:ed2026:ed25519-sha256:dkim/example.com-ed2026.pem");
            }
            KeySpec spec = new KeySpec(parts[0].trim().toLowerCase(Locale.ROOT), parts[1].trim(), parts[2].trim(),
                parts[3].trim());
            if (!DkimSignature.isDomainName(spec.domain()) || !DkimSignature.isDomainName(spec.selector())) {
                throw new ConfigException("keys", item, "expected a domain name and a selector made of domain name labels");
            }
            try {
                DkimSigningKey.signingAlgorithm(spec.algorithm());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("keys", item, e.getMessage());
            }
            for (KeySpec other : specs) {
                if (other.domain().equals(spec.domain()) && other.selector().equalsIgnoreCase(spec.selector())) {
                    throw new ConfigException("keys", item, "one key per domain and selector; "
                        + spec.domain() + ":" + spec.selector() + " is given twice");
                }
            }
            specs.add(spec);
        }
        if (specs.isEmpty()) {
            throw new ConfigException("keys", text == null ? "" : text, "expected at least one domain:selector:algorithm:file");
        }
        return specs;
    }

    /**
     * @param specs   from {@link #parseKeys}
     * @param pemOf   the PEM text of a key's file; an {@link IllegalArgumentException} (file missing, unreadable)
     *                becomes the refusal
     * @param active  the {@code active} parameter, or null
     * @param mapping the {@code signingDomains} parameter, or null
     */
    public static DkimKeyring of(List<KeySpec> specs, Function<KeySpec, String> pemOf, String active, String mapping)
        throws ConfigException {
        Map<String, List<DkimSigningKey>> all = new LinkedHashMap<>();
        for (KeySpec spec : specs) {
            String entry = spec.domain() + ":" + spec.selector() + ":" + spec.algorithm() + ":" + spec.file();
            try {
                DkimSigningKey key = DkimSigningKey.fromPem(spec.domain(), spec.selector(), spec.algorithm(), pemOf.apply(spec));
                all.computeIfAbsent(spec.domain(), d -> new ArrayList<>()).add(key);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("keys", entry, e.getMessage());
            }
        }
        Map<String, Set<String>> chosen = new LinkedHashMap<>();
        for (String item : items(active)) {
            String[] parts = item.split(":", 2);
            String domain = parts[0].trim().toLowerCase(Locale.ROOT);
            if (parts.length != 2 || all.getOrDefault(domain, List.of()).stream()
                .noneMatch(k -> k.selector().equalsIgnoreCase(parts[1].trim()))) {
                throw new ConfigException("active", item, "expected domain:selector of a key given in keys");
            }
            chosen.computeIfAbsent(domain, d -> new LinkedHashSet<>()).add(parts[1].trim().toLowerCase(Locale.ROOT));
        }
        Map<String, List<DkimSigningKey>> activeByDomain = new LinkedHashMap<>();
        for (Map.Entry<String, List<DkimSigningKey>> domain : all.entrySet()) {
            Set<String> selectors = chosen.get(domain.getKey());
            List<DkimSigningKey> signing = new ArrayList<>();
            for (DkimSigningKey key : domain.getValue()) {
                if (selectors == null || selectors.contains(key.selector().toLowerCase(Locale.ROOT))) {
                    signing.add(key);
                }
            }
            if (selectors == null && signing.stream().map(DkimSigningKey::algorithm).distinct().count() < signing.size()) {
                throw new ConfigException("active", active == null ? "" : active, "expected the selectors that sign for "
                    + domain.getKey() + ", which has several keys of one algorithm (e.g. " + domain.getKey() + ":"
                    + domain.getValue().get(domain.getValue().size() - 1).selector() + ")");
            }
            // ed25519 first: receivers that know it find it at once, the others go on to rsa
            signing.sort((a, b) -> Boolean.compare(a.algorithm() != DkimAlgorithm.ED25519_SHA256,
                b.algorithm() != DkimAlgorithm.ED25519_SHA256));
            activeByDomain.put(domain.getKey(), List.copyOf(signing));
        }
        Map<String, String> exact = new LinkedHashMap<>();
        Map<String, String> suffix = new LinkedHashMap<>();
        for (String item : items(mapping)) {
            String[] parts = item.split("=", 2);
            String from = parts[0].trim().toLowerCase(Locale.ROOT);
            String to = parts.length == 2 ? parts[1].trim().toLowerCase(Locale.ROOT) : "";
            boolean wildcard = from.startsWith("*.");
            String name = wildcard ? from.substring(2) : from;
            if (parts.length != 2 || !DkimSignature.isDomainName(name) || !all.containsKey(to)) {
                throw new ConfigException("signingDomains", item,
                    "expected authorDomain=signingDomain (or *.authorDomain=signingDomain), the signing domain having keys");
            }
            (wildcard ? suffix : exact).put(name, to);
        }
        return new DkimKeyring(activeByDomain, exact, suffix);
    }

    /** The keys that sign a message whose From domain is {@code authorDomain}; empty when none does. */
    public List<DkimSigningKey> keysFor(String authorDomain) {
        String domain = authorDomain.toLowerCase(Locale.ROOT);
        String mapped = exactMap.get(domain);
        if (mapped == null) {
            for (String parent = domain; parent.indexOf('.') > 0 && mapped == null; ) {
                parent = parent.substring(parent.indexOf('.') + 1);
                mapped = suffixMap.get(parent);
            }
        }
        return activeByDomain.getOrDefault(mapped != null ? mapped : domain, List.of());
    }

    /** Every signing domain and its active keys, for the start-up log. */
    public Map<String, List<DkimSigningKey>> active() {
        return Map.copyOf(activeByDomain);
    }

    private static List<String> items(String text) {
        List<String> items = new ArrayList<>();
        if (text != null) {
            for (String item : text.split(",")) {
                if (!item.isBlank()) {
                    items.add(item.trim());
                }
            }
        }
        return items;
    }
}
