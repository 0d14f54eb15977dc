package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A parsed DMARC policy record (RFC 9989 §4.7). Parsing is lenient as the RFC asks: unknown tags, the removed
 * {@code pct}, {@code ri} and {@code rf}, and tags with invalid values are ignored (defaults apply), so only a
 * record that does not start with {@code v=DMARC1} is rejected. A missing or invalid {@code p=} (or an invalid
 * {@code sp=} or {@code np=}) is noted in {@code invalidPolicyTags}: such a record sets a policy only as
 * {@link #monitoringOnly()}, and only when it has a valid {@code rua} (RFC 9989 §4.10.1, RFC 7489 §6.6.3).
 *
 * @param policy          {@code p=}; {@code none} when absent or invalid
 * @param subdomainPolicy {@code sp=}, empty when absent
 * @param nonExistentPolicy {@code np=}, empty when absent
 * @param psd             {@code psd=}: {@code y}, {@code n}, or {@code u} (absent: unknown)
 * @param testing         {@code t=y}
 * @param strictDkim      {@code adkim=s}
 * @param strictSpf       {@code aspf=s}
 * @param rua             aggregate report URIs as written
 * @param ruf             failure report URIs as written
 * @param fo              failure reporting options as written, {@code 0} when absent
 * @param invalidPolicyTags which of {@code p} (missing or invalid), {@code sp} and {@code np} (present but
 *                        invalid) are unusable, in that order; empty for a well-formed record
 */
public record DmarcRecord(DmarcPolicy policy, Optional<DmarcPolicy> subdomainPolicy,
                          Optional<DmarcPolicy> nonExistentPolicy, char psd, boolean testing, boolean strictDkim,
                          boolean strictSpf, List<String> rua, List<String> ruf, String fo,
                          List<String> invalidPolicyTags) {

    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
        invalidPolicyTags = List.copyOf(invalidPolicyTags);
    }

    /**
     * Whether the policy tags can be used as written: {@code p} valid, {@code sp} absent or valid, and (RFC 9989
     * only, {@code withNp}) {@code np} absent or valid.
     */
    public boolean policyTagsValid(boolean withNp) {
        return invalidPolicyTags.stream().noneMatch(tag -> withNp || !tag.equals("np"));
    }

    /**
     * The record as if it said {@code p=none} (RFC 9989 §4.10.1, RFC 7489 §6.6.3): an invalid {@code sp} or
     * {@code np} is dropped, valid ones and the other tags are kept (as Mail::DMARC reads the rule).
     */
    public DmarcRecord monitoringOnly() {
        return new DmarcRecord(DmarcPolicy.NONE, subdomainPolicy, nonExistentPolicy, psd, testing, strictDkim,
            strictSpf, rua, ruf, fo, List.of());
    }

    /** The record without {@code t=y}: RFC 7489, which has no such tag, applies the policy as written. */
    public DmarcRecord withoutTesting() {
        return new DmarcRecord(policy, subdomainPolicy, nonExistentPolicy, psd, false, strictDkim, strictSpf, rua,
            ruf, fo, invalidPolicyTags);
    }

    /** At least one {@code rua} URI is syntactically valid (RFC 9989 §4.8 dmarc-uri). */
    public boolean hasValidReportingUri() {
        return rua.stream().anyMatch(DmarcRecord::isValidReportingUri);
    }

    /**
     * RFC 3986 URI syntax (scheme ":" and at least one more character, every character allowed or %-encoded),
     * optionally followed by the obsolete size limit {@code !digits[kmgt]}.
     */
    static boolean isValidReportingUri(String uri) {
        String u = uri.replaceFirst("![0-9]+[kmgtKMGT]?$", "");
        int colon = u.indexOf(':');
        if (colon < 1 || colon == u.length() - 1 || !Character.isLetter(u.charAt(0)) || u.charAt(0) > 0x7f) {
            return false;
        }
        for (int i = 1; i < colon; i++) {
            char c = u.charAt(i);
            if (!(c < 0x80 && Character.isLetterOrDigit(c) || c == '+' || c == '-' || c == '.')) {
                return false;
            }
        }
        for (int i = colon + 1; i < u.length(); i++) {
            char c = u.charAt(i);
            if (c == '%') {
                if (i + 2 >= u.length() || Character.digit(u.charAt(i + 1), 16) < 0 || Character.digit(u.charAt(i + 2), 16) < 0) {
                    return false;
                }
                i += 2;
            } else if (!(c < 0x80 && Character.isLetterOrDigit(c) || "-._~:/?#[]@$&'()*+=".indexOf(c) >= 0)) {
                return false; // '!', ',' and ';' must be encoded in a dmarc-uri
            }
        }
        return true;
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
        boolean validP = false;
        boolean invalidSp = false;
        boolean invalidNp = false;
        for (String spec : text.split(";")) {
            int eq = spec.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = spec.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = spec.substring(eq + 1).strip();
            String word = value.toLowerCase(Locale.ROOT);
            switch (name) {
                case "p" -> {
                    policy = DmarcPolicy.parse(value).orElse(DmarcPolicy.NONE);
                    validP = DmarcPolicy.parse(value).isPresent();
                }
                case "sp" -> {
                    sp = DmarcPolicy.parse(value);
                    invalidSp = sp.isEmpty();
                }
                case "np" -> {
                    np = DmarcPolicy.parse(value);
                    invalidNp = np.isEmpty();
                }
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
        List<String> invalid = new ArrayList<>();
        if (!validP) {
            invalid.add("p");
        }
        if (invalidSp) {
            invalid.add("sp");
        }
        if (invalidNp) {
            invalid.add("np");
        }
        return Optional.of(new DmarcRecord(policy, sp, np, psd, testing, strictDkim, strictSpf, rua, ruf, fo, invalid));
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
