package dev.postino.core.dmarc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The DMARC policy record that applied to a message, as an aggregate report (RFC 9990 {@code policy_published})
 * describes it, with its {@code rua} destinations.
 *
 * @param domain          the domain whose {@code _dmarc} record applied
 * @param policy          {@code p=} as applied (none when read as monitoring only)
 * @param subdomainPolicy {@code sp=}, empty when absent
 * @param nonExistentPolicy {@code np=}, empty when absent
 * @param strictDkim      {@code adkim=s}
 * @param strictSpf       {@code aspf=s}
 * @param testing         {@code t=y}
 * @param fo              {@code fo=} as written
 * @param discoveryMethod {@code treewalk} (RFC 9989) or {@code psl} (RFC 7489)
 * @param rua             aggregate report URIs as written
 */
public record PublishedPolicy(String domain, DmarcPolicy policy, Optional<DmarcPolicy> subdomainPolicy,
                              Optional<DmarcPolicy> nonExistentPolicy, boolean strictDkim, boolean strictSpf,
                              boolean testing, String fo, String discoveryMethod, List<String> rua) {

    public PublishedPolicy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(policy, "policy");
        subdomainPolicy = subdomainPolicy == null ? Optional.empty() : subdomainPolicy;
        nonExistentPolicy = nonExistentPolicy == null ? Optional.empty() : nonExistentPolicy;
        fo = fo == null || fo.isEmpty() ? "0" : fo;
        discoveryMethod = Objects.requireNonNullElse(discoveryMethod, "treewalk");
        rua = List.copyOf(rua);
    }

    /** The record found at {@code domain}, as the evaluator in {@code mode} read it. */
    static PublishedPolicy of(String domain, DmarcRecord record, DmarcOptions.Mode mode) {
        return new PublishedPolicy(domain, record.policy(), record.subdomainPolicy(),
            mode == DmarcOptions.Mode.RFC7489 ? Optional.empty() : record.nonExistentPolicy(), record.strictDkim(),
            record.strictSpf(), record.testing(), record.fo(), mode == DmarcOptions.Mode.RFC7489 ? "psl" : "treewalk",
            record.rua());
    }

    /** The JSON form of the evaluation log's {@code published} object (RFC 9990 element names). */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("domain", domain);
        map.put("p", policy.keyword());
        subdomainPolicy.ifPresent(sp -> map.put("sp", sp.keyword()));
        nonExistentPolicy.ifPresent(np -> map.put("np", np.keyword()));
        map.put("adkim", strictDkim ? "s" : "r");
        map.put("aspf", strictSpf ? "s" : "r");
        map.put("testing", testing ? "y" : "n");
        map.put("fo", fo);
        map.put("discovery_method", discoveryMethod);
        map.put("rua", rua);
        return map;
    }

    /**
     * Reads {@link #toMap()}'s form back; unknown or missing optional fields take their defaults.
     *
     * @throws IllegalArgumentException when {@code domain} or {@code p} is missing or not a policy
     */
    public static PublishedPolicy fromMap(Map<?, ?> map) {
        String domain = text(map, "domain");
        if (domain.isEmpty()) {
            throw new IllegalArgumentException("published policy without domain");
        }
        DmarcPolicy p = DmarcPolicy.parse(text(map, "p"))
            .orElseThrow(() -> new IllegalArgumentException("published policy without a valid p"));
        Object rua = map.get("rua");
        List<String> uris = rua instanceof List<?> list
            ? list.stream().filter(String.class::isInstance).map(String.class::cast).toList() : List.of();
        String discovery = text(map, "discovery_method");
        return new PublishedPolicy(domain, p, DmarcPolicy.parse(text(map, "sp")), DmarcPolicy.parse(text(map, "np")),
            text(map, "adkim").equals("s"), text(map, "aspf").equals("s"), text(map, "testing").equals("y"),
            text(map, "fo"), discovery.equals("psl") ? "psl" : "treewalk", uris);
    }

    private static String text(Map<?, ?> map, String key) {
        return map.get(key) instanceof String s ? s : "";
    }
}
