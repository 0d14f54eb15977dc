package dev.postino.core.dsn;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which language(s) a notification is written in. The first rule that gives a language with texts wins:
 * <ol>
 *   <li>the sender's address, then its domain, then each parent domain, in {@code bySender};</li>
 *   <li>the original's {@code Content-Language}, then its {@code Accept-Language} (by q-value);</li>
 *   <li>the sender domain's top-level domain in {@code byTld} (e.g. {@code it → it});</li>
 *   <li>{@code defaults}.</li>
 * </ol>
 * A rule's value may name several languages, e.g. {@code it,en}: the notification then carries all of
 * them, the first one first (the bilingual mode).
 *
 * @param bySender keys are lower-case addresses or domains
 * @param byTld    keys are lower-case top-level domains without the dot
 * @param defaults the languages when no other rule applies
 */
public record NotificationLanguage(Map<String, List<String>> bySender, Map<String, List<String>> byTld,
                                   List<String> defaults) {

    /** The built-in TLD map: countries where one shipped language is the language of nearly every sender (not ch, be or ca, where several are). */
    public static final Map<String, List<String>> BUILT_IN_TLDS = Map.ofEntries(
        Map.entry("it", List.of("it")), Map.entry("sm", List.of("it")), Map.entry("va", List.of("it")),
        Map.entry("uk", List.of("en")), Map.entry("ie", List.of("en")), Map.entry("us", List.of("en")),
        Map.entry("au", List.of("en")), Map.entry("nz", List.of("en")),
        Map.entry("de", List.of("de")), Map.entry("at", List.of("de")), Map.entry("li", List.of("de")),
        Map.entry("fr", List.of("fr")), Map.entry("mc", List.of("fr")),
        Map.entry("es", List.of("es")), Map.entry("mx", List.of("es")), Map.entry("ar", List.of("es")),
        Map.entry("cl", List.of("es")), Map.entry("co", List.of("es")), Map.entry("pe", List.of("es")),
        Map.entry("pt", List.of("pt")), Map.entry("br", List.of("pt")));

    public NotificationLanguage {
        bySender = Map.copyOf(bySender);
        byTld = Map.copyOf(byTld);
        defaults = List.copyOf(defaults);
        if (defaults.isEmpty()) {
            throw new IllegalArgumentException("a default language is needed");
        }
    }

    /** No sender map, the built-in TLD map, and {@code defaults}. */
    public static NotificationLanguage withDefaults(List<String> defaults) {
        return new NotificationLanguage(Map.of(), BUILT_IN_TLDS, defaults);
    }

    /** Parses {@code it,en} (any case, spaces ignored) into {@code [it, en]}; region subtags are dropped. */
    public static List<String> parseList(String text) {
        List<String> languages = new ArrayList<>();
        for (String item : (text == null ? "" : text).split(",")) {
            String tag = primary(item);
            if (!tag.isEmpty() && !languages.contains(tag)) {
                languages.add(tag);
            }
        }
        return languages;
    }

    /**
     * Parses {@code key=langs;key=langs}, e.g. {@code example.it=it;bob@example.com=en,it}, for
     * {@code bySender} and {@code byTld}.
     *
     * @throws IllegalArgumentException naming the entry that has no {@code =} or no language
     */
    public static Map<String, List<String>> parseMap(String text) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (String entry : (text == null ? "" : text).split(";")) {
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            List<String> languages = eq < 0 ? List.of() : parseList(entry.substring(eq + 1));
            if (eq <= 0 || languages.isEmpty()) {
                throw new IllegalArgumentException("'" + entry.trim() + "' is not KEY=LANGUAGE[,LANGUAGE...]");
            }
            map.put(entry.substring(0, eq).trim().toLowerCase(Locale.ROOT).replaceFirst("^\\.", ""), languages);
        }
        return map;
    }

    /** The languages for a notification to {@code sender} about {@code original}, among {@code available}. */
    public List<String> choose(String sender, OriginalMessage original, Set<String> available) {
        String address = sender == null ? "" : sender.trim().toLowerCase(Locale.ROOT).replaceAll("^<|>$", "");
        String domain = address.substring(address.lastIndexOf('@') + 1);
        List<String> chosen = usable(bySender.get(address), available);
        for (String d = domain; chosen.isEmpty() && !d.isEmpty(); d = d.contains(".") ? d.substring(d.indexOf('.') + 1) : "") {
            chosen = usable(bySender.get(d), available);
        }
        if (chosen.isEmpty() && original != null) {
            // The original names what the sender reads, not a bilingual wish: its first usable language only.
            chosen = first(usable(parseList(original.header("Content-Language")), available));
            if (chosen.isEmpty()) {
                chosen = first(usable(acceptLanguage(original.header("Accept-Language")), available));
            }
        }
        if (chosen.isEmpty() && domain.contains(".")) {
            chosen = usable(byTld.get(domain.substring(domain.lastIndexOf('.') + 1)), available);
        }
        if (chosen.isEmpty()) {
            chosen = usable(defaults, available);
        }
        return chosen.isEmpty() ? List.of("en") : chosen;
    }

    /** The languages of an Accept-Language value, best first by q-value, dropping {@code q=0} and {@code *}. */
    static List<String> acceptLanguage(String value) {
        if (value == null) {
            return List.of();
        }
        record Weighted(String tag, double q, int order) {
        }
        List<Weighted> weighted = new ArrayList<>();
        for (String item : value.split(",")) {
            String[] parts = item.split(";");
            double q = 1;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i].trim();
                if (p.startsWith("q=")) {
                    try {
                        q = Double.parseDouble(p.substring(2));
                    } catch (NumberFormatException ignored) {
                        q = 0;
                    }
                }
            }
            if (q > 0) {
                weighted.add(new Weighted(parts[0], q, weighted.size()));
            }
        }
        weighted.sort(Comparator.comparingDouble((Weighted w) -> -w.q).thenComparingInt(Weighted::order));
        return parseList(String.join(",", weighted.stream().map(Weighted::tag).toList()));
    }

    private static List<String> usable(List<String> languages, Set<String> available) {
        if (languages == null) {
            return List.of();
        }
        return languages.stream().filter(available::contains).toList();
    }

    private static List<String> first(List<String> languages) {
        return languages.isEmpty() ? languages : languages.subList(0, 1);
    }

    private static String primary(String tag) {
        String t = tag.trim().toLowerCase(Locale.ROOT);
        int dash = t.indexOf('-') >= 0 ? t.indexOf('-') : t.indexOf('_');
        t = dash >= 0 ? t.substring(0, dash) : t;
        return t.matches("[a-z]{2,3}") ? t : "";
    }
}
