package dev.postino.core.mtasts;

import java.util.List;
import java.util.Optional;

/**
 * The {@code _mta-sts} TXT record of a domain (RFC 8461 section 3.1): {@code v=STSv1; id=20160831085700Z;}. The id
 * (1 to 32 letters and digits) changes whenever the domain changes its policy, so that senders know when to fetch it
 * again. Parsing is linear in the record and never throws.
 *
 * @param id the policy id
 */
public record StsRecord(String id) {

    private static final String VERSION = "v=STSv1";
    private static final int MAX_ID = 32;

    public StsRecord {
        if (!validId(id)) {
            throw new IllegalArgumentException("not an MTA-STS id: " + id);
        }
    }

    /**
     * The one MTA-STS record among a name's TXT records: those not beginning with {@code v=STSv1;} are dropped, and
     * unless exactly one remains and it parses, the domain has no usable record (section 3.1).
     */
    public static Optional<StsRecord> select(List<String> txtRecords) {
        StsRecord found = null;
        int candidates = 0;
        for (String txt : txtRecords) {
            if (txt != null && (txt.startsWith(VERSION + ";") || txt.equals(VERSION) || txt.startsWith(VERSION + " ")
                || txt.startsWith(VERSION + "\t"))) {
                candidates++;
                found = parse(txt).orElse(null);
            }
        }
        return candidates == 1 ? Optional.ofNullable(found) : Optional.empty();
    }

    /** The record in {@code text}, or empty when it is not a syntactically valid STSv1 record with an id. */
    public static Optional<StsRecord> parse(String text) {
        if (text == null || !text.startsWith(VERSION)) {
            return Optional.empty();
        }
        String id = null;
        int position = VERSION.length();
        boolean first = true;
        while (position < text.length()) {
            int semicolon = text.indexOf(';', position);
            String field = (semicolon < 0 ? text.substring(position) : text.substring(position, semicolon)).strip();
            position = semicolon < 0 ? text.length() : semicolon + 1;
            if (first) {
                // what follows "v=STSv1" before the first ';' must be blank
                first = false;
                if (!field.isEmpty()) {
                    return Optional.empty();
                }
                continue;
            }
            if (field.isEmpty()) {
                if (position >= text.length()) {
                    break; // a trailing delimiter
                }
                return Optional.empty();
            }
            int eq = field.indexOf('=');
            if (eq <= 0 || eq == field.length() - 1) {
                return Optional.empty();
            }
            String name = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (name.equals("id")) {
                if (id == null) {
                    if (!validId(value)) {
                        return Optional.empty();
                    }
                    id = value;
                }
            } else if (!validExtension(name, value)) {
                return Optional.empty();
            }
        }
        return id == null ? Optional.empty() : Optional.of(new StsRecord(id));
    }

    private static boolean validId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_ID) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9')) {
                return false;
            }
        }
        return true;
    }

    private static boolean validExtension(String name, String value) {
        if (name.length() > 32 || !Character.isLetterOrDigit(name.charAt(0)) || name.charAt(0) > 0x7f) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.')) {
                return false;
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == ';' || c == '=') {
                return false;
            }
        }
        return true;
    }
}
