package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed SPF record (RFC 7208 §4.6, §5, §6): its directives in order, its {@code redirect} and {@code exp}
 * modifiers; unknown modifiers are checked and dropped. The whole record is checked before any of it is
 * evaluated, so a syntax error anywhere is a permerror (RFC 7208 §4.6). Immutable.
 */
final class SpfRecord {

    /** A mechanism's qualifier and the result it gives on a match. */
    enum Qualifier {
        PASS('+', SpfVerdict.PASS), FAIL('-', SpfVerdict.FAIL), SOFTFAIL('~', SpfVerdict.SOFTFAIL),
        NEUTRAL('?', SpfVerdict.NEUTRAL);

        final char symbol;
        final SpfVerdict verdict;

        Qualifier(char symbol, SpfVerdict verdict) {
            this.symbol = symbol;
            this.verdict = verdict;
        }

        static Qualifier of(char symbol) {
            for (Qualifier q : values()) {
                if (q.symbol == symbol) {
                    return q;
                }
            }
            return null;
        }
    }

    /** One mechanism (RFC 7208 §5). */
    sealed interface Mechanism permits All, Include, A, Mx, Ptr, Ip, Exists {
    }

    record All() implements Mechanism {
    }

    record Include(MacroString domain) implements Mechanism {
    }

    /** {@code domain} is null for the current domain. */
    record A(MacroString domain, int cidr4, int cidr6) implements Mechanism {
    }

    /** {@code domain} is null for the current domain. */
    record Mx(MacroString domain, int cidr4, int cidr6) implements Mechanism {
    }

    /** {@code domain} is null for the current domain. */
    record Ptr(MacroString domain) implements Mechanism {
    }

    /** ip4 and ip6: the network's octets (4 or 16) and prefix length. */
    record Ip(byte[] network, int prefix) implements Mechanism {
        boolean contains(byte[] address) {
            return IpLiteral.inPrefix(network, prefix, address);
        }
    }

    record Exists(MacroString domain) implements Mechanism {
    }

    /** A qualifier and its mechanism, with the term as written for reasons and Received-SPF. */
    record Directive(Qualifier qualifier, Mechanism mechanism, String term) {
    }

    /** One pass, no backtracking: the name is a letter, then letters, digits, {@code _ . -}. */
    private static final Pattern MODIFIER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*+");
    /** The longest IPv6 text (RFC 4291 §2.2, with an embedded dotted quad). */
    private static final int MAX_ADDRESS_TEXT = 45;

    private final String text;
    private final List<Directive> directives;
    private final MacroString redirect;
    private final MacroString explanation;

    private SpfRecord(String text, List<Directive> directives, MacroString redirect, MacroString explanation) {
        this.text = text;
        this.directives = directives;
        this.redirect = redirect;
        this.explanation = explanation;
    }

    /** Whether a TXT string is an SPF record: {@code v=spf1} (any case) alone or followed by a space (§4.5). */
    static boolean isSpfRecord(String txt) {
        return txt.regionMatches(true, 0, "v=spf1", 0, 6) && (txt.length() == 6 || txt.charAt(6) == ' ');
    }

    /**
     * Parses a whole record.
     *
     * @throws SpfSyntaxException naming the first bad term
     */
    static SpfRecord parse(String text) throws SpfSyntaxException {
        if (!isSpfRecord(text)) {
            throw new SpfSyntaxException("not an SPF record: it does not start with 'v=spf1'");
        }
        List<Directive> directives = new ArrayList<>();
        MacroString redirect = null;
        MacroString explanation = null;
        for (String term : text.substring(6).split(" ")) {
            if (term.isEmpty()) {
                continue; // terms are separated by one or more spaces
            }
            int equals = term.indexOf('=');
            if (equals > 0 && MODIFIER_NAME.matcher(term.substring(0, equals)).matches()) {
                String name = term.substring(0, equals).toLowerCase(Locale.ROOT);
                String value = term.substring(equals + 1);
                try {
                    switch (name) {
                        case "redirect" -> {
                            if (redirect != null) {
                                throw new SpfSyntaxException("more than one redirect modifier");
                            }
                            redirect = MacroString.domainSpec(value);
                        }
                        case "exp" -> {
                            if (explanation != null) {
                                throw new SpfSyntaxException("more than one exp modifier");
                            }
                            explanation = MacroString.domainSpec(value);
                        }
                        default -> MacroString.parse(value, MacroString.Use.MODIFIER);
                    }
                } catch (SpfSyntaxException e) {
                    throw new SpfSyntaxException("bad modifier '" + MacroString.printable(term) + "': " + e.getMessage());
                }
            } else {
                try {
                    directives.add(directive(term));
                } catch (SpfSyntaxException e) {
                    throw new SpfSyntaxException("bad term '" + MacroString.printable(term) + "': " + e.getMessage());
                }
            }
        }
        return new SpfRecord(text, List.copyOf(directives), redirect, explanation);
    }

    private static Directive directive(String term) throws SpfSyntaxException {
        Qualifier qualifier = Qualifier.of(term.charAt(0));
        String body = qualifier == null ? term : term.substring(1);
        if (qualifier == null) {
            qualifier = Qualifier.PASS;
        }
        int end = 0;
        while (end < body.length() && body.charAt(end) != ':' && body.charAt(end) != '/') {
            end++;
        }
        String name = body.substring(0, end).toLowerCase(Locale.ROOT);
        String rest = body.substring(end);
        Mechanism mechanism = switch (name) {
            case "all" -> {
                if (!rest.isEmpty()) {
                    throw new SpfSyntaxException("'all' takes no argument");
                }
                yield new All();
            }
            case "include" -> new Include(requiredDomain(rest, "include"));
            case "exists" -> new Exists(requiredDomain(rest, "exists"));
            case "a", "mx" -> addressMechanism(name, rest);
            case "ptr" -> {
                if (rest.isEmpty()) {
                    yield new Ptr(null);
                }
                if (!rest.startsWith(":")) {
                    throw new SpfSyntaxException("'ptr' takes ':domain' and no prefix length");
                }
                yield new Ptr(MacroString.domainSpec(rest.substring(1)));
            }
            case "ip4" -> network(rest, 4);
            case "ip6" -> network(rest, 16);
            default -> throw new SpfSyntaxException("unknown mechanism '" + MacroString.printable(name) + "'");
        };
        return new Directive(qualifier, mechanism, term);
    }

    private static MacroString requiredDomain(String rest, String name) throws SpfSyntaxException {
        if (!rest.startsWith(":")) {
            throw new SpfSyntaxException("'" + name + "' needs ':domain'");
        }
        return MacroString.domainSpec(rest.substring(1));
    }

    /**
     * {@code [":" domain-spec] [dual-cidr-length]}. The prefix lengths are read from the right ({@code //N} last,
     * {@code /N} before it) and the rest is the domain-spec, in one pass: the shortest domain-spec that leaves a
     * valid dual-cidr-length, as the ABNF reads it.
     */
    private static Mechanism addressMechanism(String name, String rest) throws SpfSyntaxException {
        int end = rest.length();
        int cidr6 = 128;
        int cidr4 = 32;
        int digits = digitsBefore(rest, end);
        if (digits >= 2 && rest.charAt(digits - 1) == '/' && rest.charAt(digits - 2) == '/' && isCidr(rest, digits, end)) {
            cidr6 = Integer.parseInt(rest, digits, end, 10);
            end = digits - 2;
            digits = digitsBefore(rest, end);
        }
        if (digits >= 1 && rest.charAt(digits - 1) == '/' && isCidr(rest, digits, end)) {
            cidr4 = Integer.parseInt(rest, digits, end, 10);
            end = digits - 1;
        }
        MacroString domain = null;
        if (rest.startsWith(":")) {
            domain = MacroString.domainSpec(rest.substring(1, Math.max(1, end)));
        } else if (end > 0) {
            throw new SpfSyntaxException("bad prefix length: expected /N for IPv4 and //N for IPv6");
        }
        if (cidr4 > 32 || cidr6 > 128) {
            throw new SpfSyntaxException("prefix length out of range (IPv4 at most 32, IPv6 at most 128)");
        }
        return name.equals("a") ? new A(domain, cidr4, cidr6) : new Mx(domain, cidr4, cidr6);
    }

    /** Where the run of digits that ends at {@code end} starts. */
    private static int digitsBefore(String text, int end) {
        int i = end;
        while (i > 0 && text.charAt(i - 1) >= '0' && text.charAt(i - 1) <= '9') {
            i--;
        }
        return i;
    }

    /** A prefix length as RFC 7208 §5.6 writes it: {@code 0}, or one to three digits without a leading zero. */
    private static boolean isCidr(String text, int from, int to) {
        int length = to - from;
        return length == 1 || (length >= 2 && length <= 3 && text.charAt(from) != '0');
    }

    private static Ip network(String rest, int length) throws SpfSyntaxException {
        String expected = length == 4 ? "ip4:ADDRESS[/0-32]" : "ip6:ADDRESS[/0-128]";
        if (!rest.startsWith(":")) {
            throw new SpfSyntaxException("expected " + expected);
        }
        int slash = rest.indexOf('/');
        int end = slash < 0 ? rest.length() : slash;
        if (end - 1 > MAX_ADDRESS_TEXT || (slash >= 0 && !isCidr(rest, slash + 1, rest.length())
            || slash >= 0 && digitsBefore(rest, rest.length()) != slash + 1)) {
            throw new SpfSyntaxException("expected " + expected);
        }
        String address = rest.substring(1, end);
        byte[] network = length == 4 ? IpLiteral.parseIpv4(address) : IpLiteral.parseIpv6(address);
        int prefix = slash < 0 ? length * 8 : Integer.parseInt(rest, slash + 1, rest.length(), 10);
        if (network == null || prefix > length * 8) {
            throw new SpfSyntaxException("expected " + expected);
        }
        return new Ip(network, prefix);
    }

    /** The record as published. */
    String text() {
        return text;
    }

    List<Directive> directives() {
        return directives;
    }

    /** The redirect modifier's domain-spec, or null. */
    MacroString redirect() {
        return redirect;
    }

    /** The exp modifier's domain-spec, or null. */
    MacroString explanation() {
        return explanation;
    }

    @Override
    public String toString() {
        return text;
    }
}
