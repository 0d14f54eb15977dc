package dev.postino.core.dmarc;

import java.net.IDN;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

import dev.postino.core.mime.HeaderSection;

/**
 * The Author Domains of a message: the domains of the addresses in its RFC5322.From fields (RFC 9989 §4.4),
 * read from the raw field values so that what is evaluated is what the recipient's client shows.
 *
 * <p>DMARC evaluates one Author Domain. A message with several From fields, several addresses in one field,
 * or none usable is the known bypass of CVE-2021-34555 (the checker reads one address, the reader sees
 * another), so {@link #isSingle()} is false for it and {@link DmarcEvaluator} never lets it pass.
 *
 * @param fieldCount how many From fields the message has
 * @param addresses  every mailbox address found, in order (groups are opened, display names and comments dropped)
 * @param domains    the distinct, valid domains of those addresses, lowercase A-labels without a final dot
 * @param problem    why the From fields are not one usable address; empty when they are
 */
public record AuthorDomains(int fieldCount, List<String> addresses, List<String> domains, String problem) {

    public AuthorDomains {
        addresses = List.copyOf(addresses);
        domains = List.copyOf(domains);
    }

    /** Exactly one From field holding exactly one address with a valid domain. */
    public boolean isSingle() {
        return problem.isEmpty();
    }

    /**
     * The raw values (after the colon, folding kept) of every From field in the header section of
     * {@code message}, as {@link HeaderSection#authorFieldValues()} reads them: the one reading every check uses,
     * plus what a reader that ends lines at a bare CR would see.
     */
    public static List<String> fromFields(byte[] message) {
        return HeaderSection.of(message).authorFieldValues();
    }

    /** Reads the Author Domains from the raw values of the From fields (folding allowed). */
    public static AuthorDomains of(List<String> fromFieldValues) {
        List<String> addresses = new ArrayList<>();
        LinkedHashSet<String> domains = new LinkedHashSet<>();
        boolean invalidDomain = false;
        for (String value : fromFieldValues) {
            for (String address : addresses(value)) {
                addresses.add(address);
                String domain = domainOf(address);
                if (domain.isEmpty()) {
                    invalidDomain = true;
                } else {
                    domains.add(domain);
                }
            }
        }
        String problem = "";
        if (fromFieldValues.isEmpty()) {
            problem = "no From field";
        } else if (fromFieldValues.size() > 1) {
            problem = fromFieldValues.size() + " From fields";
        } else if (addresses.isEmpty()) {
            problem = "no address in From";
        } else if (addresses.size() > 1) {
            problem = addresses.size() + " addresses in From";
        } else if (invalidDomain) {
            problem = "From address has no valid domain";
        }
        return new AuthorDomains(fromFieldValues.size(), addresses, List.copyOf(domains), problem);
    }

    /**
     * The mailbox addresses of one address-list (RFC 5322 §3.4): the angle-addr when there is one, else the
     * bare addr-spec; comments, quoted display names and group names are skipped.
     */
    static List<String> addresses(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder bare = new StringBuilder();
        String angle = null;
        int i = 0;
        int n = value.length();
        while (i <= n) {
            char c = i < n ? value.charAt(i) : ',';
            if (c == '"') {
                int end = skipQuoted(value, i);
                bare.append(value, i, end);
                i = end;
                continue;
            }
            if (c == '(') {
                i = skipComment(value, i);
                bare.append(' ');
                continue;
            }
            if (c == '<') {
                int end = value.indexOf('>', i);
                angle = value.substring(i + 1, end < 0 ? n : end);
                i = end < 0 ? n : end + 1;
                continue;
            }
            if (c == ':' && angle == null) {
                // a group's display name ends here; its members follow
                bare.setLength(0);
                i++;
                continue;
            }
            if (c == ',' || c == ';') {
                String address = (angle != null ? stripRoute(angle) : bare.toString()).replaceAll("\\s+", "");
                // a bare word without '@' is no mailbox: an unquoted display name cut at its comma ("Smith, John <j@x>")
                if (angle != null ? !address.isEmpty() : address.contains("@")) {
                    out.add(address);
                }
                bare.setLength(0);
                angle = null;
                i++;
                continue;
            }
            bare.append(c);
            i++;
        }
        return out;
    }

    private static int skipQuoted(String value, int start) {
        int i = start + 1;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                return i + 1;
            }
            i++;
        }
        return value.length();
    }

    private static int skipComment(String value, int start) {
        int depth = 0;
        int i = start;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return value.length();
    }

    /** Drops an obsolete source route ({@code @a,@b:user@example.com}). */
    private static String stripRoute(String angle) {
        String address = angle.strip();
        if (address.startsWith("@")) {
            int colon = address.indexOf(':');
            return colon < 0 ? "" : address.substring(colon + 1);
        }
        return address;
    }

    /** The domain of an addr-spec as a lowercase A-label without final dot; empty when it is not a host name. */
    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            return "";
        }
        String domain = address.substring(at + 1);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (domain.startsWith("[")) {
            return "";
        }
        try {
            domain = IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notAName) {
            return "";
        }
        if (domain.isEmpty() || domain.length() > 253 || !domain.contains(".") && domain.length() > 63) {
            return "";
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                return "";
            }
            for (char c : label.toCharArray()) {
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    return "";
                }
            }
        }
        return domain;
    }
}
