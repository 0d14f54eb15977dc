package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.DefaultAddressParser;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.junit.jupiter.api.Test;

/**
 * Our From reading against mime4j 0.8.9's two address parsers, which James 3.8.1 uses (the lenient one for what
 * IMAP clients are shown). Over a corpus of tricky From values: wherever mime4j reads another mailbox list than
 * ours, the From is not one mailbox for us (so DMARC never passes), and every domain mime4j finds is one we
 * evaluate, or the From is marked incomplete (so the unusable-From floor applies).
 */
class FromParsersAgreeWithMime4jTest {

    private static final List<String> HANDWRITTEN = List.of(
        "alice@example.test", "Alice <alice@example.test>", "\"Alice\" <alice@example.test>",
        "\"CEO\" <ceo@bank.test> <attacker@evil.test>", "ceo@bank.test: attacker@evil.test;",
        "=?utf-8?q?ceo=40bank.test?=", "=?utf-8?q?ceo=40bank.test?=@evil.test", "=?utf-8?q?ceo=40bank.test?= <a@evil.test>",
        "ceo@bank.test <attacker@evil.test>", "Smith, John <j@x.test>", "\"Smith, John\" <j@x.test>",
        "undisclosed-recipients:;", "friends: a@x.test, b@y.test;", "a@x.test, b@y.test", "a@x.test b@y.test",
        "<a@x.test", "a@x.test>", "<@route.test:a@x.test>", "<@r1.test,@r2.test:a@x.test>", "a@[192.0.2.1]",
        "\"a@b\"@x.test", "\"a\\\"b\"@x.test", "a.b@x.test", "a..b@x.test", ".a@x.test", "a.@x.test", "a@x..test",
        "a@.x.test", "a@x.test.", "a @ x.test", "a@x.test (comment)", "(comment) a@x.test", "a@(c)x.test",
        "a(c)@x.test", "John Q. Public <a@x.test>", "\"John\" Q <a@x.test>", "<>", "<a>", "a", "", " ", ",", ",,a@x.test,,",
        "a@x.test;", "a@x.test:", "a@b@x.test", "<a@b@x.test>", "\"unterminated <a@x.test>", "(unterminated a@x.test",
        "a@x.test, <b@y.test", "<a@x.test> <b@y.test>", "<a@x.test>, <b@y.test>", "a@x.test\r\n b@y.test",
        "a@x.test,\r\n b@y.test", "a@x.test\rb@y.test", "a@x.test\nb@y.test", "=?utf-8?b?Y2VvQGJhbmsudGVzdA==?=",
        "\"=?utf-8?q?ceo=40bank.test?=\" <a@evil.test>", "ceo@bank.test <>", "<ceo@bank.test> garbage",
        "garbage <ceo@bank.test>", "\"ceo@bank.test\" <attacker@evil.test>", "'ceo@bank.test' <a@evil.test>",
        "a@x.test (b@y.test)", "\"b@y.test\" <a@x.test>", "a@x_y.test", "a@-x.test", "a@x-.test", "a@xn--bcher-kva.test",
        "a@bücher.test", "jöhn@x.test", "<a@x.test>;", "g:<a@x.test>;", "g:a@x.test", ":a@x.test;", "a@x.test,;",
        "\"a\" \"b\" <c@x.test>", "a b <c@x.test>", "a.b <c@x.test>", "<a@x.test>(c)<b@y.test>", "a@x.test <b@y.test>, c@z.test",
        "=?utf-8?q?a?= =?utf-8?q?b?= <c@x.test>", "a@x.test\t", "\ta@x.test", "<a@x.test >", "< a@x.test>",
        "<a@ x.test>", "<a @x.test>", "a@x. test", "a@x .test", "a@x.test.test.", "a@123", "a@x", "a@localhost");

    private static final List<String> NAMES = List.of("", "CEO ", "\"CEO\" ", "\"ceo@bank.test\" ",
        "=?utf-8?q?ceo=40bank.test?= ", "Smith, John ", "(c) ", "ceo@bank.test ");
    private static final List<String> ADDRESSES = List.of("<a@x.test>", "a@x.test", "<@r.test:a@x.test>",
        "<a@[192.0.2.1]>", "<\"q\"@x.test>", "<a@x.test.>", "<a @ x.test>", "<=?utf-8?q?a=40y.test?=@x.test>");
    private static final List<String> TAILS = List.of("", " <b@y.test>", ", b@y.test", " b@y.test", " garbage",
        " (c)", ";", ":", ", \"Bank\" <ceo@bank.test>", "\r\n <b@y.test>");

    private static List<String> corpus() {
        List<String> values = new ArrayList<>(HANDWRITTEN);
        for (String name : NAMES) {
            for (String address : ADDRESSES) {
                for (String tail : TAILS) {
                    values.add(name + address + tail);
                }
            }
        }
        return values;
    }

    /** A reading: the mailboxes as local@domain (lowercase domain, no final dot), or null when it refused. */
    private record Reading(List<String> mailboxes, boolean group) {

        Set<String> domains() {
            Set<String> out = new LinkedHashSet<>();
            for (String mailbox : mailboxes) {
                String domain = AuthorDomains.domainOf(mailbox);
                if (!domain.isEmpty()) {
                    out.add(domain);
                }
            }
            return out;
        }
    }

    private static Reading ours(String value) {
        MailboxList list = MailboxList.parse(value);
        if (!list.isValid()) {
            return null;
        }
        return new Reading(list.mailboxes().stream().map(m -> unquote(m.localPart()) + "@" + domainText(m.domain())).toList(),
            false);
    }

    private static Reading mime4j(AddressList list) {
        List<String> mailboxes = new ArrayList<>();
        boolean group = false;
        for (Address address : list) {
            if (address instanceof Group g) {
                group = true;
                g.getMailboxes().forEach(m -> mailboxes.add(text(m)));
            } else if (address instanceof Mailbox m) {
                mailboxes.add(text(m));
            }
        }
        return new Reading(mailboxes, group);
    }

    private static String text(Mailbox mailbox) {
        return mailbox.getLocalPart() + "@" + domainText(mailbox.getDomain() == null ? "" : mailbox.getDomain());
    }

    private static String domainText(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    private static String unquote(String localPart) {
        if (localPart.length() >= 2 && localPart.startsWith("\"") && localPart.endsWith("\"")) {
            return localPart.substring(1, localPart.length() - 1).replaceAll("\\\\(.)", "$1");
        }
        return localPart;
    }

    private static boolean agree(Reading ours, Reading theirs) {
        return ours != null && theirs != null && !theirs.group && ours.mailboxes.equals(theirs.mailboxes);
    }

    @Test
    void whereMime4jReadsAnotherMailboxListTheFromNeverPassesAndItsDomainsAreEvaluated() {
        int values = 0;
        int lenientDisagreements = 0;
        int strictDisagreements = 0;
        List<String> failures = new ArrayList<>();
        for (String raw : corpus()) {
            String value = " " + raw;
            values++;
            Reading ours = ours(value);
            AuthorDomains authors = AuthorDomains.of(List.of(value));
            // James hands mime4j unfolded values
            String unfolded = value.replace("\r\n ", " ").replace("\r\n\t", "\t");
            Reading lenient = mime4j(LenientAddressParser.DEFAULT.parseAddressList(unfolded));
            Reading strict;
            try {
                strict = mime4j(DefaultAddressParser.DEFAULT.parseAddressList(unfolded));
            } catch (Exception refused) {
                strict = null;
            }
            boolean lenientAgrees = agree(ours, lenient);
            // mime4j's strict grammar predates RFC 6532: it refuses UTF-8 addresses its lenient parser reads as we do
            boolean strictAgrees = agree(ours, strict)
                || strict == null && lenientAgrees && value.chars().anyMatch(c -> c >= 0x80);
            lenientDisagreements += lenientAgrees ? 0 : 1;
            strictDisagreements += strictAgrees ? 0 : 1;
            if ((!lenientAgrees || !strictAgrees) && authors.isSingle()) {
                failures.add("passes although mime4j reads " + (lenientAgrees ? "" : "lenient " + lenient.mailboxes)
                    + (strictAgrees ? "" : " strict " + (strict == null ? "an error" : strict.mailboxes)) + ": " + value);
            }
            Set<String> shown = new LinkedHashSet<>(lenient.domains());
            if (strict != null) {
                shown.addAll(strict.domains());
            }
            if (!authors.incomplete() && !authors.domains().containsAll(shown)) {
                failures.add("mime4j shows " + shown + ", we evaluate " + authors.domains() + ": " + value);
            }
        }
        System.out.printf("From values: %d; read otherwise by mime4j's lenient parser: %d, by its strict one: %d%n",
            values, lenientDisagreements, strictDisagreements);
        assertThat(failures).as("of %d values, %d read otherwise by mime4j's lenient parser, %d by its strict one",
            values, lenientDisagreements, strictDisagreements).isEmpty();
        // the corpus is tricky enough to make them disagree, and plain enough to make them agree
        assertThat(lenientDisagreements).isBetween(values / 10, values - values / 10);
    }
}
