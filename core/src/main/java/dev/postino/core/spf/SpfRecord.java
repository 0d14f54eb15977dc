package dev.postino.core.spf;

import dev.postino.core.net.IpLiteral;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
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

    private static final Pattern MODIFIER_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]*");
    private static final String CIDR = "(0|[1-9][0-9]{0,2})";
    private static final Pattern DUAL_CIDR = Pattern.compile("(?:/" + CIDR + ")?(?://" + CIDR + ")?");
    private static final Pattern DOMAIN_AND_DUAL_CIDR =
        Pattern.compile("(.*?)((?:/" + CIDR + ")?(?://" + CIDR + ")?)", Pattern.DOTALL);
    private static final Pattern NETWORK = Pattern.compile("([0-9A-Fa-f:.]+)(?:/" + CIDR + ")?");

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

    private static Mechanism addressMechanism(String name, String rest) throws SpfSyntaxException {
        MacroString domain = null;
        String cidr = rest;
        if (rest.startsWith(":")) {
            Matcher m = DOMAIN_AND_DUAL_CIDR.matcher(rest.substring(1));
            if (!m.matches()) {
                throw new SpfSyntaxException("bad domain or prefix length");
            }
            domain = MacroString.domainSpec(m.group(1));
            cidr = m.group(2);
        }
        Matcher m = DUAL_CIDR.matcher(cidr);
        if (!m.matches()) {
            throw new SpfSyntaxException("bad prefix length: expected /N for IPv4 and //N for IPv6");
        }
        int cidr4 = m.group(1) == null ? 32 : Integer.parseInt(m.group(1));
        int cidr6 = m.group(2) == null ? 128 : Integer.parseInt(m.group(2));
        if (cidr4 > 32 || cidr6 > 128) {
            throw new SpfSyntaxException("prefix length out of range (IPv4 at most 32, IPv6 at most 128)");
        }
        return name.equals("a") ? new A(domain, cidr4, cidr6) : new Mx(domain, cidr4, cidr6);
    }

    private static Ip network(String rest, int length) throws SpfSyntaxException {
        String expected = length == 4 ? "ip4:ADDRESS[/0-32]" : "ip6:ADDRESS[/0-128]";
        Matcher m = rest.startsWith(":") ? NETWORK.matcher(rest.substring(1)) : null;
        if (m == null || !m.matches()) {
            throw new SpfSyntaxException("expected " + expected);
        }
        byte[] network = length == 4 ? IpLiteral.parseIpv4(m.group(1)) : IpLiteral.parseIpv6(m.group(1));
        int prefix = m.group(2) == null ? length * 8 : Integer.parseInt(m.group(2));
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
