package dev.postino.core.dmarc;

import java.net.IDN;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

import dev.postino.core.mime.HeaderSection;

/**
 * The Author Domains of a message: the domains of the addresses in its RFC5322.From fields (RFC 9989 §4.4,
 * §5.3.1), read from the raw field values so that what is evaluated is what the recipient's client shows.
 *
 * <p>DMARC evaluates one Author Domain, and only a From that every reader resolves to the same single address
 * gives one: exactly one From field, read strictly as an RFC 5322 mailbox-list ({@link MailboxList}), holding
 * exactly one mailbox with a valid domain. Anything else (several From fields or mailboxes, a group, a second
 * angle-addr in a mailbox, an encoded-word in an address, a value that does not parse) is ambiguous:
 * {@link #isSingle()} is false and {@link DmarcEvaluator} never lets it pass (CVE-2021-34555 and its kin). So is
 * a mailbox whose display name is nothing but an address of another domain ({@code "ceo@bank.test"
 * <x@evil.test>}, also RFC 2047-encoded): the reader is shown that address. For those, {@link #domains()} holds
 * every domain a reader could see: the mailboxes' (and such display names') domains where a field parses, else
 * every {@code @domain} in the value as written, without its comments, and RFC 2047-decoded.
 *
 * @param fieldCount how many From fields the message has
 * @param addresses  the addresses found, in order (at most {@value #MAX_ADDRESSES})
 * @param domains    the distinct, valid domains a reader could see, lowercase A-labels without a final dot, in
 *                   order (at most {@value #MAX_DOMAINS})
 * @param problem    why the From fields are not one usable address; empty when they are
 * @param incomplete some From field, mailbox or {@code @} gives no usable domain (or there is no From field):
 *                   a reader sees an author DMARC cannot look up
 */
public record AuthorDomains(int fieldCount, List<String> addresses, List<String> domains, String problem,
                            boolean incomplete) {

    /** More than any evaluation looks at; kept bounded whatever the sender writes. */
    static final int MAX_DOMAINS = 16;
    static final int MAX_ADDRESSES = 64;

    public AuthorDomains {
        addresses = List.copyOf(addresses);
        domains = List.copyOf(domains);
    }

    /** Exactly one From field holding exactly one address with a valid domain, read strictly. */
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
        Collector found = new Collector();
        List<String> problems = new ArrayList<>();
        if (fromFieldValues.isEmpty()) {
            problems.add("no From field");
            found.incomplete = true;
        } else if (fromFieldValues.size() > 1) {
            problems.add(fromFieldValues.size() + " From fields");
        }
        for (String value : fromFieldValues) {
            MailboxList list = MailboxList.parse(value);
            if (!list.isValid()) {
                addProblem(problems, "From is not a valid mailbox-list (" + list.failure() + ")");
                found.scan(value);
                continue;
            }
            if (list.mailboxes().isEmpty()) {
                addProblem(problems, "no address in From");
                found.incomplete = true;
            } else if (list.mailboxes().size() > 1) {
                addProblem(problems, list.mailboxes().size() + " addresses in From");
            }
            for (MailboxList.Mailbox mailbox : list.mailboxes()) {
                found.address(mailbox.address());
                String domain = mailbox.isDomainLiteral() ? "" : normalizedDomain(mailbox.domain());
                if (domain.isEmpty()) {
                    addProblem(problems, "From address has no valid domain");
                    found.incomplete = true;
                } else {
                    found.domain(domain);
                }
                String shown = shownAddressDomain(mailbox.displayName());
                if (!shown.isEmpty() && !shown.equals(domain)) {
                    addProblem(problems, "the display name is an address of another domain");
                    found.domain(shown);
                }
            }
        }
        return new AuthorDomains(fromFieldValues.size(), found.addresses, List.copyOf(found.domains),
            String.join("; ", problems), found.incomplete);
    }

    /**
     * The domain of a display name that is nothing but an address once decoded ({@code "ceo@bank.test"
     * <x@evil.test>}): the address a reader is shown. Words without a letter or digit, and the punctuation around
     * a word, do not count. Empty for any other display name, so that names which mention an address among other
     * words ({@code 'alice@example.com' via List}, as mailing lists rewrite From) stay names.
     */
    static String shownAddressDomain(String displayName) {
        if (displayName.indexOf('@') < 0 && !displayName.contains("=?")) {
            return "";
        }
        String decoded = EncodedWords.decode(displayName);
        String word = null;
        int i = 0;
        while (i < decoded.length()) {
            while (i < decoded.length() && Character.isWhitespace(decoded.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < decoded.length() && !Character.isWhitespace(decoded.charAt(i))) {
                i++;
            }
            int from = start;
            int to = i;
            while (from < to && !Character.isLetterOrDigit(decoded.charAt(from))) {
                from++;
            }
            while (to > from && !Character.isLetterOrDigit(decoded.charAt(to - 1))) {
                to--;
            }
            if (from == to) {
                continue; // punctuation only
            }
            if (word != null) {
                return ""; // more than one word: a name
            }
            word = decoded.substring(from, to);
        }
        if (word == null) {
            return "";
        }
        int at = word.indexOf('@');
        if (at <= 0 || at != word.lastIndexOf('@')) {
            return "";
        }
        return normalizedDomain(word.substring(at + 1));
    }

    private static void addProblem(List<String> problems, String problem) {
        if (!problems.contains(problem)) {
            problems.add(problem);
        }
    }

    /** What the fields gave so far, bounded. */
    private static final class Collector {
        /** What may follow an address (after whitespace) in any reading; anything else may continue the name. */
        private static final String DELIMITERS = ",>;<(:";

        final List<String> addresses = new ArrayList<>();
        final LinkedHashSet<String> domains = new LinkedHashSet<>();
        boolean incomplete;

        void address(String address) {
            if (addresses.size() < MAX_ADDRESSES) {
                addresses.add(address);
            }
        }

        void domain(String domain) {
            if (domains.size() < MAX_DOMAINS) {
                domains.add(domain);
            }
        }

        /**
         * A value that does not parse: every {@code @} followed (after whitespace) by domain characters, in the
         * value as written and without its comments, then both again with the encoded-words decoded. An
         * {@code @} without a valid domain after it, a domain followed by anything but a delimiter, a line break
         * that is not folding, or a comma-separated part without a domain makes the field incomplete.
         */
        void scan(String value) {
            boolean any = scanAll(value, true);
            incomplete |= !any || hasStrayLineBreak(value);
            // every comma-separated part must show a domain: a part without one is an author DMARC cannot look up
            int start = 0;
            while (true) {
                int comma = value.indexOf(',', start);
                String part = value.substring(start, comma < 0 ? value.length() : comma);
                if (!part.isBlank() && !scanAll(part, false)) {
                    incomplete = true;
                }
                if (comma < 0) {
                    break;
                }
                start = comma + 1;
            }
        }

        /** Whether {@code value} shows a valid domain; with {@code collect}, keeps what it shows and judges it. */
        private boolean scanAll(String value, boolean collect) {
            List<String> texts = new ArrayList<>(List.of(value, withoutComments(value)));
            String decoded = EncodedWords.decode(value);
            if (!decoded.equals(value)) {
                texts.add(decoded);
                texts.add(withoutComments(decoded));
            }
            boolean any = false;
            for (String text : texts) {
                for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
                    int start = at + 1;
                    while (start < text.length() && " \t\r\n".indexOf(text.charAt(start)) >= 0) {
                        start++;
                    }
                    int end = start;
                    while (end < text.length() && domainCharacter(text.charAt(end))) {
                        end++;
                    }
                    String domain = normalizedDomain(text.substring(start, end));
                    int next = end;
                    while (next < text.length() && " \t\r\n".indexOf(text.charAt(next)) >= 0) {
                        next++;
                    }
                    if (collect && (domain.isEmpty() || next < text.length() && DELIMITERS.indexOf(text.charAt(next)) < 0)) {
                        // nothing usable, or a name that runs on past what was taken: the reader's author is unknown
                        incomplete = true;
                    }
                    if (!domain.isEmpty()) {
                        any = true;
                        if (collect) {
                            address(text.substring(Math.max(0, at - 64), end).strip());
                            domain(domain);
                        }
                    }
                }
            }
            return any;
        }

        /** A CR or LF that is not folding: readers that end a line there see another From than those that do not. */
        private static boolean hasStrayLineBreak(String value) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '\r' && (i + 1 == value.length() || value.charAt(i + 1) != '\n')) {
                    return true;
                }
                if (c == '\n' && (i + 1 == value.length() || value.charAt(i + 1) != ' ' && value.charAt(i + 1) != '\t')) {
                    return true;
                }
            }
            return false;
        }

        private static boolean domainCharacter(char c) {
            return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.'
                || c == '_' || c >= 0xa0;
        }

        /** The text with every comment (nested, quoted-pairs honoured) replaced by a space; one pass. */
        private static String withoutComments(String text) {
            StringBuilder out = new StringBuilder(text.length());
            int depth = 0;
            boolean quoted = false;
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\\' && (depth > 0 || quoted)) {
                    if (depth == 0) {
                        out.append(c);
                        if (i + 1 < text.length()) {
                            out.append(text.charAt(i + 1));
                        }
                    }
                    i++;
                } else if (depth > 0) {
                    depth += c == '(' ? 1 : c == ')' ? -1 : 0;
                    if (depth == 0) {
                        out.append(' ');
                    }
                } else if (c == '"') {
                    quoted = !quoted;
                    out.append(c);
                } else if (c == '(' && !quoted) {
                    depth = 1;
                } else {
                    out.append(c);
                }
            }
            return out.toString();
        }
    }

    /** The domain of an addr-spec as a lowercase A-label without final dot; empty when it is not a host name. */
    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        if (at <= 0 || at == address.length() - 1) {
            return "";
        }
        return normalizedDomain(address.substring(at + 1));
    }

    /** A domain as lowercase A-labels without final dot; empty when it is not a host name (LDH labels). */
    static String normalizedDomain(String domain) {
        if (domain.length() > 1024) {
            return ""; // longer than any name: not worth IDNA's time
        }
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (domain.startsWith("[")) {
            return "";
        }
        boolean ascii = true;
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            if (invisible(c)) {
                return ""; // IDNA would drop or map it: the name shown is not the name looked up
            }
            ascii &= c < 0x80;
        }
        try {
            // IDNA leaves an ASCII name as it is (it only refuses empty or long labels, as the loop below does)
            domain = (ascii ? domain : IDN.toASCII(domain, IDN.ALLOW_UNASSIGNED)).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException notAName) {
            return "";
        }
        if (domain.isEmpty() || domain.length() > 253 || domain.indexOf('.') < 0 && domain.length() > 63) {
            return "";
        }
        int labelStart = 0;
        for (int i = 0; i <= domain.length(); i++) {
            if (i == domain.length() || domain.charAt(i) == '.') {
                int length = i - labelStart;
                if (length == 0 || length > 63 || domain.charAt(labelStart) == '-' || domain.charAt(i - 1) == '-') {
                    return "";
                }
                labelStart = i + 1;
                continue;
            }
            char c = domain.charAt(i);
            // a mail domain is a host name (RFC 5321 §4.1.2): letters, digits, hyphens
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return "";
            }
        }
        return domain;
    }

    /** Format characters (zero-width, soft hyphen, bidi controls), controls, separators and private use. */
    private static boolean invisible(char c) {
        return switch (Character.getType(c)) {
            case Character.FORMAT, Character.CONTROL, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                Character.PARAGRAPH_SEPARATOR, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }
}
