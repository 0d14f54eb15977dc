package dev.postino.core.tlsrpt;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A domain's {@code _smtp._tls} TXT record (RFC 8460 section 3): {@code v=TLSRPTv1; rua=mailto:tls@example.com,
 * https://reports.example.com/tlsrpt}. Only {@code mailto:} and {@code https:} URIs are kept. Linear, never throws.
 *
 * @param rua where reports go, in the record's order
 */
public record TlsRptRecord(List<URI> rua) {

    private static final String VERSION = "v=TLSRPTv1";
    private static final int MAX_URIS = 10;

    public TlsRptRecord {
        rua = List.copyOf(rua);
    }

    /** The one reporting record among a name's TXT records; none unless exactly one begins with {@code v=TLSRPTv1}. */
    public static Optional<TlsRptRecord> select(List<String> txtRecords) {
        List<String> candidates = txtRecords.stream().filter(t -> t != null && t.startsWith(VERSION)).toList();
        return candidates.size() == 1 ? parse(candidates.get(0)) : Optional.empty();
    }

    /** The record, or empty when it is not {@code v=TLSRPTv1} with at least one usable {@code rua} URI. */
    public static Optional<TlsRptRecord> parse(String text) {
        if (text == null || !text.startsWith(VERSION)) {
            return Optional.empty();
        }
        String[] fields = text.split(";", 64);
        if (!fields[0].strip().equals(VERSION)) {
            return Optional.empty();
        }
        List<URI> uris = new ArrayList<>();
        boolean seen = false;
        for (int i = 1; i < fields.length; i++) {
            String field = fields[i].strip();
            int eq = field.indexOf('=');
            if (eq <= 0 || seen || !field.substring(0, eq).strip().equals("rua")) {
                continue;
            }
            seen = true;
            for (String item : field.substring(eq + 1).split(",", MAX_URIS + 1)) {
                uri(item.strip()).ifPresent(u -> {
                    if (uris.size() < MAX_URIS) {
                        uris.add(u);
                    }
                });
            }
        }
        return uris.isEmpty() ? Optional.empty() : Optional.of(new TlsRptRecord(uris));
    }

    private static Optional<URI> uri(String text) {
        if (text.length() > 2048) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("mailto") && uri.getSchemeSpecificPart() != null
                && uri.getSchemeSpecificPart().matches("[^@\\s,?]+@[^@\\s,?]+(\\?.*)?")) {
                return Optional.of(uri);
            }
            if (scheme.equals("https") && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (java.net.URISyntaxException e) {
            // not a URI: left out
        }
        return Optional.empty();
    }

    /** The address of a {@code mailto:} URI, without its query. */
    public static String mailbox(URI mailto) {
        String part = mailto.getSchemeSpecificPart();
        int query = part.indexOf('?');
        return query < 0 ? part : part.substring(0, query);
    }
}
