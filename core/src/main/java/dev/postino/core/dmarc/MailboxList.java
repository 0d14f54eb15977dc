package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.List;

/**
 * A strict reading of one From field value as an RFC 5322 {@code mailbox-list} (§3.4, §3.6.2), with RFC 6532's
 * UTF-8 in atoms and quoted strings. Of the obsolete forms it accepts only those every reader resolves the same
 * way: empty list members ({@code obs-mbox-list}), a source route ({@code obs-angle-addr}, ignored), dots and
 * CFWS between the words of a display name or local part ({@code obs-phrase}, {@code obs-local-part}). It
 * refuses everything a reader could resolve to another address: a group, a second angle-addr in one mailbox,
 * an encoded-word in an address (RFC 2047 §5 forbids it, IMAP clients decode it), bare CR or LF, control
 * characters, unterminated quotes, comments or angle brackets.
 *
 * <p>One forward pass, no backtracking: time linear in the value's length; memory one copy of it.
 *
 * @param mailboxes the mailboxes in order; empty when {@code failure} is set
 * @param failure   why the value is not a strict mailbox-list; empty when it is
 */
record MailboxList(List<Mailbox> mailboxes, String failure) {

    /**
     * One mailbox: its local part as written (quotes kept), its domain text (a literal keeps its brackets) and its
     * display name as shown before RFC 2047 decoding (quoted strings unquoted, words one space apart, comments
     * dropped; empty without one).
     */
    record Mailbox(String localPart, String domain, String displayName) {

        boolean isDomainLiteral() {
            return domain.startsWith("[");
        }

        String address() {
            return localPart + "@" + domain;
        }
    }

    MailboxList {
        mailboxes = List.copyOf(mailboxes);
    }

    boolean isValid() {
        return failure.isEmpty();
    }

    static MailboxList parse(String value) {
        Parser parser = new Parser(value);
        try {
            return new MailboxList(parser.mailboxList(), "");
        } catch (Invalid invalid) {
            return new MailboxList(List.of(), invalid.getMessage());
        }
    }

    /** A syntax error; no stack trace, it is an expected outcome of hostile input. */
    private static final class Invalid extends Exception {
        Invalid(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Parser {
        private final String s;
        private int pos;
        /** {@link #comments} where the last domain's text ended: later ones trail the address ("a@b (Name)"). */
        private int domainEndComments;
        /** Comments read so far: one inside an address is read into the address by javax.mail, and skipped by us. */
        private int comments;

        Parser(String s) {
            this.s = s;
        }

        List<Mailbox> mailboxList() throws Invalid {
            List<Mailbox> out = new ArrayList<>();
            skipCfws();
            while (pos < s.length()) {
                if (s.charAt(pos) == ',') {
                    // obs-mbox-list: empty members add nothing
                    pos++;
                    skipCfws();
                    continue;
                }
                out.add(mailbox());
                skipCfws();
                if (pos == s.length()) {
                    break;
                }
                char c = s.charAt(pos);
                if (c == ',') {
                    pos++;
                    skipCfws();
                } else if (c == '<') {
                    throw new Invalid("several angle-addrs in one mailbox");
                } else if (c == ':' || c == ';') {
                    throw new Invalid("group syntax in From");
                } else {
                    throw new Invalid(unexpected(c) + " after an address");
                }
            }
            return out;
        }

        /** name-addr or addr-spec: the words up to '<' are a display name, up to '@' a local part. */
        private Mailbox mailbox() throws Invalid {
            Words words = words();
            if (pos == s.length()) {
                throw new Invalid(words.count == 0 ? "empty mailbox" : "no address in From");
            }
            char c = s.charAt(pos);
            if (c == '<') {
                if (words.count == 0 && words.dots > 0) {
                    throw new Invalid("a display name cannot start with '.'");
                }
                pos++;
                int before = comments;
                Mailbox address = angleAddr();
                if (comments != before) {
                    throw new Invalid("comment inside an angle-addr");
                }
                return new Mailbox(address.localPart(), address.domain(), words.display.toString());
            }
            if (c == '@') {
                return addrSpecAfterLocalPart(words);
            }
            if (c == ':' || c == ';') {
                throw new Invalid("group syntax in From");
            }
            throw new Invalid(words.count == 0 ? unexpected(c) : "no address in From");
        }

        /** After '<': [obs-route] addr-spec '>'. */
        private Mailbox angleAddr() throws Invalid {
            skipCfws();
            if (pos < s.length() && (s.charAt(pos) == '@' || s.charAt(pos) == ',')) {
                route();
            }
            Words local = words();
            if (pos == s.length() || s.charAt(pos) != '@') {
                throw new Invalid(pos == s.length() ? "unterminated angle-addr" : "no addr-spec in angle-addr");
            }
            Mailbox mailbox = addrSpecAfterLocalPart(local);
            if (pos == s.length() || s.charAt(pos) != '>') {
                throw new Invalid(pos == s.length() ? "unterminated angle-addr" : unexpected(s.charAt(pos)) + " in angle-addr");
            }
            pos++;
            return mailbox;
        }

        /** obs-route = obs-domain-list ":" ; the route's domains are dropped, as every reader drops them. */
        private void route() throws Invalid {
            while (true) {
                skipCfws();
                if (pos == s.length()) {
                    throw new Invalid("unterminated source route");
                }
                char c = s.charAt(pos);
                if (c == ',') {
                    pos++;
                } else if (c == '@') {
                    pos++;
                    domain();
                } else if (c == ':') {
                    pos++;
                    return;
                } else {
                    throw new Invalid(unexpected(c) + " in a source route");
                }
            }
        }

        /** At '@' after the words of a local part: checks them, reads the domain. */
        private Mailbox addrSpecAfterLocalPart(Words local) throws Invalid {
            if (local.count == 0) {
                throw new Invalid("empty local part");
            }
            if (local.badDots) {
                throw new Invalid("misplaced '.' in a local part");
            }
            if (local.adjacentWords) {
                throw new Invalid("a local part of several words");
            }
            if (comments != local.commentsAtFirstWord) {
                throw new Invalid("comment inside an address");
            }
            if (looksEncoded(local.text)) {
                throw new Invalid("encoded-word in an address");
            }
            pos++;
            int beforeDomain = comments;
            String domain = domain();
            if (domainEndComments != beforeDomain) {
                throw new Invalid("comment inside an address");
            }
            if (looksEncoded(domain)) {
                throw new Invalid("encoded-word in an address");
            }
            return new Mailbox(local.text.toString(), domain, "");
        }

        /** [CFWS] (dot-atom-text / domain-literal) [CFWS]; a single final '.' is kept (it names the same domain). */
        private String domain() throws Invalid {
            skipCfws();
            if (pos == s.length()) {
                throw new Invalid("empty domain");
            }
            int start = pos;
            if (s.charAt(pos) == '[') {
                pos++;
                while (true) {
                    if (pos == s.length()) {
                        throw new Invalid("unterminated domain literal");
                    }
                    char c = s.charAt(pos);
                    if (c == ']') {
                        pos++;
                        break;
                    }
                    if (c == '[' || c == '\\' || !printable(c)) {
                        throw new Invalid(unexpected(c) + " in a domain literal");
                    }
                    pos++;
                }
                String literal = s.substring(start, pos);
                domainEndComments = comments;
                skipCfws();
                return literal;
            }
            while (true) {
                int atom = pos;
                while (pos < s.length() && atext(s.charAt(pos))) {
                    pos++;
                }
                if (pos == atom) {
                    throw new Invalid(pos == s.length() ? "empty domain label" : unexpected(s.charAt(pos)) + " in a domain");
                }
                if (pos < s.length() && s.charAt(pos) == '.') {
                    pos++;
                    if (pos == s.length() || !atext(s.charAt(pos))) {
                        break; // a final dot
                    }
                    continue;
                }
                break;
            }
            String domain = s.substring(start, pos);
            domainEndComments = comments;
            skipCfws();
            return domain;
        }

        /** What was read as the words before '<' or '@'. */
        private static final class Words {
            final StringBuilder text = new StringBuilder();
            final StringBuilder display = new StringBuilder();
            int count;
            int dots;
            /** {@link Parser#comments} when the first word began. */
            int commentsAtFirstWord = -1;
            boolean badDots;
            boolean adjacentWords;
            boolean lastWasDot;
        }

        /** *(word / "." / CFWS): atoms and quoted strings, the dots between them, and comments or folding. */
        private Words words() throws Invalid {
            Words words = new Words();
            while (true) {
                skipCfws();
                if (pos == s.length()) {
                    break;
                }
                char c = s.charAt(pos);
                if (words.commentsAtFirstWord < 0) {
                    words.commentsAtFirstWord = comments;
                }
                if (c == '.') {
                    words.badDots |= words.lastWasDot || words.count == 0;
                    words.dots++;
                    words.lastWasDot = true;
                    words.text.append('.');
                    words.display.append('.');
                    pos++;
                    continue;
                }
                int start = pos;
                if (words.display.length() > 0 && !words.lastWasDot) {
                    words.display.append(' ');
                }
                if (c == '"') {
                    quotedString(words.display);
                } else if (atext(c)) {
                    while (pos < s.length() && atext(s.charAt(pos))) {
                        pos++;
                    }
                    words.display.append(s, start, pos);
                } else {
                    break;
                }
                words.adjacentWords |= words.count > 0 && !words.lastWasDot;
                words.count++;
                words.lastWasDot = false;
                words.text.append(s, start, pos);
            }
            words.badDots |= words.lastWasDot;
            return words;
        }

        /** At '"': *([FWS] qcontent) [FWS] '"'; appends the content, unquoted and unfolded, to {@code shown}. */
        private void quotedString(StringBuilder shown) throws Invalid {
            pos++;
            while (true) {
                if (pos == s.length()) {
                    throw new Invalid("unterminated quoted string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return;
                }
                if (c == '\\') {
                    quotedPair();
                    shown.append(s.charAt(pos - 1));
                } else if (c == '\r' || c == '\n') {
                    fws();
                } else if (c == ' ' || c == '\t' || printable(c)) {
                    shown.append(c);
                    pos++;
                } else {
                    throw new Invalid(unexpected(c) + " in a quoted string");
                }
            }
        }

        /** '\' followed by a visible character or WSP (the obsolete forms quoting CR, LF or NUL are refused). */
        private void quotedPair() throws Invalid {
            if (pos + 1 == s.length()) {
                throw new Invalid("'\\' at the end of the field");
            }
            char next = s.charAt(pos + 1);
            if (!(next == ' ' || next == '\t' || printable(next))) {
                throw new Invalid(unexpected(next) + " after '\\'");
            }
            pos += 2;
        }

        /** Skips whitespace, folding and (nested) comments. */
        private void skipCfws() throws Invalid {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t') {
                    pos++;
                } else if (c == '\r' || c == '\n') {
                    fws();
                } else if (c == '(') {
                    comment();
                } else {
                    return;
                }
            }
        }

        /** A line break inside the value is folding only when whitespace follows it; a bare CR never is. */
        private void fws() throws Invalid {
            if (s.charAt(pos) == '\r') {
                if (pos + 1 == s.length() || s.charAt(pos + 1) != '\n') {
                    throw new Invalid("bare CR in From");
                }
                pos++;
            }
            pos++;
            if (pos == s.length() || s.charAt(pos) != ' ' && s.charAt(pos) != '\t') {
                throw new Invalid("line break not followed by whitespace in From");
            }
        }

        /** At '(': a comment, nested comments counted rather than recursed into. */
        private void comment() throws Invalid {
            comments++;
            int depth = 0;
            while (true) {
                if (pos == s.length()) {
                    throw new Invalid("unterminated comment");
                }
                char c = s.charAt(pos);
                if (c == '(') {
                    depth++;
                    pos++;
                } else if (c == ')') {
                    pos++;
                    if (--depth == 0) {
                        return;
                    }
                } else if (c == '\\') {
                    quotedPair();
                } else if (c == '\r' || c == '\n') {
                    fws();
                } else if (c == ' ' || c == '\t' || printable(c)) {
                    pos++;
                } else {
                    throw new Invalid(unexpected(c) + " in a comment");
                }
            }
        }

        private static String unexpected(char c) {
            return c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
        }
    }

    /** "=?" with a "?=" after it: a reader that decodes RFC 2047 would show something else here. */
    static boolean looksEncoded(CharSequence text) {
        String t = text.toString();
        int open = t.indexOf("=?");
        return open >= 0 && t.indexOf("?=", open + 2) >= 0;
    }

    /** VCHAR or UTF-8 beyond ASCII (RFC 6532); no controls. */
    static boolean printable(char c) {
        return c >= 0x21 && c < 0x7f || c >= 0xa0;
    }

    /** RFC 5322 atext, with RFC 6532's non-ASCII. */
    static boolean atext(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0xa0) {
            return true;
        }
        return "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0;
    }
}
