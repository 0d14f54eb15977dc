package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed DMARC policy record (RFC 9989 §4.7). Parsing is lenient as the RFC asks: unknown tags, the removed
 * {@code pct}, {@code ri} and {@code rf}, and tags with invalid values are ignored (defaults apply), so only a
 * record that does not start with {@code v=DMARC1} is rejected.
 *
 * @param policy          {@code p=}; {@code none} when absent or invalid (RFC 9989: a record without a valid p
 *                        is treated as {@code p=none})
 * @param subdomainPolicy {@code sp=}, empty when absent
 * @param nonExistentPolicy {@code np=}, empty when absent
 * @param psd             {@code psd=}: {@code y}, {@code n}, or {@code u} (absent: unknown)
 * @param testing         {@code t=y}
 * @param strictDkim      {@code adkim=s}
 * @param strictSpf       {@code aspf=s}
 * @param rua             aggregate report URIs as written
 * @param ruf             failure report URIs as written
 * @param fo              failure reporting options as written, {@code 0} when absent
 */
public record DmarcRecord(DmarcPolicy policy, Optional<DmarcPolicy> subdomainPolicy,
                          Optional<DmarcPolicy> nonExistentPolicy, char psd, boolean testing, boolean strictDkim,
                          boolean strictSpf, List<String> rua, List<String> ruf, String fo) {

    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
    }

    /** Whether a TXT string is meant as a DMARC record: its first tag is {@code v=DMARC1}. */
    public static boolean isDmarcRecord(String text) {
        int semicolon = text.indexOf(';');
        String first = (semicolon < 0 ? text : text.substring(0, semicolon)).strip();
        int eq = first.indexOf('=');
        return eq > 0 && first.substring(0, eq).strip().equals("v") && first.substring(eq + 1).strip().equals("DMARC1");
    }

    /** Parses a record; empty when it does not start with {@code v=DMARC1}. */
    public static Optional<DmarcRecord> parse(String text) {
        if (!isDmarcRecord(text)) {
            return Optional.empty();
        }
        DmarcPolicy policy = DmarcPolicy.NONE;
        Optional<DmarcPolicy> sp = Optional.empty();
        Optional<DmarcPolicy> np = Optional.empty();
        char psd = 'u';
        boolean testing = false;
        boolean strictDkim = false;
        boolean strictSpf = false;
        List<String> rua = List.of();
        List<String> ruf = List.of();
        String fo = "0";
        for (String spec : text.split(";")) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = spec.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = spec.substring(eq + 1).strip();
            String word = value.toLowerCase(Locale.ROOT);
            switch (name) {
                case "p" -> policy = DmarcPolicy.parse(value).orElse(DmarcPolicy.NONE);
                case "sp" -> sp = DmarcPolicy.parse(value);
                case "np" -> np = DmarcPolicy.parse(value);
                case "psd" -> psd = word.equals("y") || word.equals("n") ? word.charAt(0) : 'u';
                case "t" -> testing = word.equals("y");
                case "adkim" -> strictDkim = word.equals("s");
                case "aspf" -> strictSpf = word.equals("s");
                case "rua" -> rua = uris(value);
                case "ruf" -> ruf = uris(value);
                case "fo" -> fo = value;
                default -> {
                    // unknown tags and the removed pct, ri, rf are ignored (RFC 9989 §4.7)
                }
            }
        }
        return Optional.of(new DmarcRecord(policy, sp, np, psd, testing, strictDkim, strictSpf, rua, ruf, fo));
    }

    private static List<String> uris(String value) {
        List<String> out = new ArrayList<>();
        for (String uri : value.split(",")) {
            if (!uri.isBlank()) {
                out.add(uri.strip());
            }
        }
        return out;
    }
}
