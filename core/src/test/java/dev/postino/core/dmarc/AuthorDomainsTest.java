package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class AuthorDomainsTest {

    private static AuthorDomains of(String... values) {
        return AuthorDomains.of(List.of(values));
    }

    @Test
    void oneAddressInItsStrictForms() {
        for (String value : List.of(" alice@Example.TEST", " Alice <alice@example.test>",
            " \"Smith, <Alice>\" <alice@example.test> (work, home)", " (c) alice@example.test.",
            " =?utf-8?q?Al=C3=AFce?= <@route.test,@other.test:alice@example.test>", " \"a@b\"@example.test",
            "\r\n\tAlice\r\n <alice@example.test>", " John Q. Public <alice@example.test>", " alice@example.test,",
            " , alice@example.test", " <alice@example.test>", " alice @ example.test", " a.b.c@example.test",
            " \"quoted local\"@example.test", " Jöhn <jöhn@example.test>", " alice@example.test (Alice (the) Smith)",
            " \"\\\"Al\\\\ice\\\"\" <alice@example.test>", "\n Alice <alice@example.test>")) {
            AuthorDomains authors = of(value);
            assertThat(authors.isSingle()).as(value + ": " + authors.problem()).isTrue();
            assertThat(authors.domains()).as(value).containsExactly("example.test");
            assertThat(authors.incomplete()).as(value).isFalse();
        }
    }

    @Test
    void internationalizedDomainsBecomeALabels() {
        assertThat(of(" a@bücher.test").domains()).containsExactly("xn--bcher-kva.test");
    }

    @Test
    void severalAngleAddrsInOneMailboxShowBothDomains() {
        AuthorDomains authors = of(" \"CEO\" <ceo@bank.test> <attacker@evil.test>");

        assertThat(authors.isSingle()).isFalse();
        assertThat(authors.problem()).contains("several angle-addrs in one mailbox");
        assertThat(authors.domains()).containsExactly("bank.test", "evil.test");
        assertThat(of(" ceo@bank.test <attacker@evil.test>").domains()).containsExactly("bank.test", "evil.test");
    }

    @Test
    void aCommentInsideAnAddressIsNotOneStrictAddress() {
        // javax.mail (James, many clients) reads such a comment into the address: "silly.test(his host)"
        for (String value : List.of(" Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
            " <pete@silly.test (host)>", " <(c)pete@silly.test>", " pete(his account)@silly.test", " pete@(c)silly.test",
            " pete (x)@silly.test")) {
            AuthorDomains authors = of(value);
            assertThat(authors.isSingle()).as(value).isFalse();
            assertThat(authors.problem()).as(value).contains("comment inside");
            assertThat(authors.domains()).as(value).contains("silly.test");
        }
        assertThat(of(" pete@silly.test (Pete)").isSingle()).isTrue();
        assertThat(of(" (Pete) pete@silly.test").isSingle()).isTrue();
    }

    @Test
    void groupSyntaxIsNotAMailboxList() {
        AuthorDomains group = of(" ceo@bank.test: attacker@evil.test;");
        assertThat(group.isSingle()).isFalse();
        assertThat(group.problem()).contains("group syntax");
        assertThat(group.domains()).containsExactly("bank.test", "evil.test");

        AuthorDomains named = of(" friends: a@x.test;");
        assertThat(named.isSingle()).isFalse();
        assertThat(named.domains()).containsExactly("x.test");

        AuthorDomains empty = of(" undisclosed-recipients:;");
        assertThat(empty.domains()).isEmpty();
        assertThat(empty.incomplete()).isTrue();
    }

    @Test
    void encodedWordsInAnAddressAreDecodedAsAReaderWould() {
        AuthorDomains q = of(" =?utf-8?q?ceo=40bank.test?=");
        assertThat(q.isSingle()).isFalse();
        assertThat(q.domains()).containsExactly("bank.test");
        assertThat(q.incomplete()).isFalse();

        assertThat(of(" =?UTF-8?B?Y2VvQGJhbmsudGVzdA==?=").domains()).containsExactly("bank.test");
        assertThat(of(" =?utf-8?q?ceo=40bank?= =?utf-8?q?.test?=").domains()).containsExactly("bank.test");
        assertThat(of(" =?iso-8859-1*en?Q?ceo=40bank.test?=").domains()).containsExactly("bank.test");
        assertThat(of(" =?x-unknown?Q?ceo=40bank.test?=").domains()).containsExactly("bank.test");

        AuthorDomains local = of(" =?utf-8?q?ceo=40bank.test?=@evil.test");
        assertThat(local.isSingle()).as("an encoded-word may not be part of an addr-spec").isFalse();
        assertThat(local.problem()).contains("encoded-word");
        assertThat(local.domains()).containsExactlyInAnyOrder("evil.test", "bank.test");

        // in a display name it is allowed; a name that is nothing but another domain's address shows that address
        assertThat(of(" =?utf-8?q?ceo=40bank.test?= <a@evil.test>").domains()).containsExactly("evil.test", "bank.test");
        assertThat(of(" =?utf-8?q?ceo=40bank.test?= <a@evil.test>").isSingle()).isFalse();
        assertThat(of(" =?utf-8?q?Alice?= <a@evil.test>").isSingle()).isTrue();
    }

    @Test
    void aDisplayNameThatIsAnotherDomainsAddressIsWhatTheReaderIsShown() {
        AuthorDomains spoof = of(" \"ceo@bank.test\" <attacker@evil.test>");
        assertThat(spoof.isSingle()).isFalse();
        assertThat(spoof.problem()).contains("display name");
        assertThat(spoof.domains()).containsExactly("evil.test", "bank.test");
        assertThat(of(" \"'CEO@Bank.Test'\" <attacker@evil.test>").domains()).containsExactly("evil.test", "bank.test");
        // the own address as a name, and a name that only mentions an address (mailing lists), stay single
        for (String value : List.of(" \"alice@example.test\" <alice@example.test>",
            " \"'alice@bank.test' via Friends\" <friends@lists.example.test>", " \"ceo at bank.test\" <a@example.test>",
            " \"a@b@bank.test\" <a@example.test>")) {
            assertThat(of(value).isSingle()).as(value).isTrue();
        }
    }

    @Test
    void aValueThatDoesNotParseOffersEveryDomainInIt() {
        assertThat(of(" Smith, John <j@x.test>").isSingle()).isFalse();
        assertThat(of(" Smith, John <j@x.test>").domains()).containsExactly("x.test");
        assertThat(of(" <a@x.test").domains()).containsExactly("x.test");
        assertThat(of(" a@x.test b@y.test").domains()).containsExactly("x.test", "y.test");
        assertThat(of(" a@x.test\rb@y.test").problem()).contains("bare CR");
        assertThat(of(" a@x.test\rb@y.test").domains()).containsExactly("x.test", "y.test");
        assertThat(of(" a@(comment)x.test garbage").domains()).containsExactly("x.test");
        assertThat(of(" \"unterminated a@x.test").domains()).containsExactly("x.test");
        assertThat(of(" a@\u0001x.test").incomplete()).isTrue();
    }

    @Test
    void everyMultipleCaseIsFlagged() {
        assertThat(of().problem()).isEqualTo("no From field");
        assertThat(of().incomplete()).isTrue();
        assertThat(of(" a@x.test", " a@x.test").problem()).isEqualTo("2 From fields");
        assertThat(of(" a@x.test", " a@x.test").domains()).containsExactly("x.test");
        assertThat(of(" a@x.test, b@y.test").problem()).isEqualTo("2 addresses in From");
        assertThat(of(" a@x.test, b@y.test").domains()).containsExactly("x.test", "y.test");
        assertThat(of(" a@x.test, b@x.test").isSingle()).isFalse();
        assertThat(of(" a@x.test", " garbage").incomplete()).isTrue();
    }

    @Test
    void anAuthorWithoutAUsableDomainIsIncomplete() {
        for (String value : List.of(" nobody", " <nobody>", " a@[192.0.2.1]", " a@-bad-.test", " a@x_y.test", "",
            " a@", " \"@\"")) {
            AuthorDomains authors = of(value);
            assertThat(authors.isSingle()).as(value).isFalse();
            assertThat(authors.domains()).as(value).isEmpty();
            assertThat(authors.incomplete()).as(value).isTrue();
        }
        AuthorDomains literal = of(" a@[192.0.2.1], b@x.test");
        assertThat(literal.domains()).containsExactly("x.test");
        assertThat(literal.incomplete()).isTrue();
        assertThat(literal.problem()).contains("no valid domain");
    }

    @Test
    void whatIsKeptIsBoundedWhateverTheSenderWrites() {
        StringBuilder many = new StringBuilder(" ");
        for (int i = 0; i < 10_000; i++) {
            many.append("a@d").append(i).append(".test, ");
        }
        AuthorDomains authors = of(many.toString());
        assertThat(authors.domains()).hasSize(AuthorDomains.MAX_DOMAINS);
        assertThat(authors.addresses()).hasSize(AuthorDomains.MAX_ADDRESSES);
        assertThat(authors.problem()).isEqualTo("10000 addresses in From");
    }

    @Test
    void hostileLongValuesAreReadInOnePass() {
        // each of these would take minutes if a step looked back over the value
        int n = 200_000;
        assertThat(of(" " + "(".repeat(n) + "a@x.test").domains()).containsExactly("x.test");
        assertThat(of(" " + "=?".repeat(n) + "a@x.test").domains()).containsExactly("x.test");
        assertThat(of(" " + "=?a?q?".repeat(n)).incomplete()).isTrue();
        assertThat(of(" " + "@".repeat(n) + "x.test").domains()).containsExactly("x.test");
        assertThat(of(" a@" + "x".repeat(n)).domains()).isEmpty();
        assertThat(of(" " + "\"\\a".repeat(n)).incomplete()).isTrue();
        assertThat(of(" " + "<".repeat(n)).incomplete()).isTrue();
    }

    @Test
    void fromFieldsAreReadFromTheHeaderSectionOnly() {
        byte[] message = ("Received: x\r\nFROM: a@x.test,\r\n b@y.test\r\nSubject: s\r\nfrom : c@z.test\r\n\r\n"
            + "From: body@w.test\r\n").getBytes(StandardCharsets.UTF_8);

        assertThat(AuthorDomains.fromFields(message)).containsExactly(" a@x.test,\r\n b@y.test", " c@z.test");
    }

    /**
     * The ASCII shortcut past IDNA and the one-pass label check give what IDNA plus a label-by-label check give, on
     * random names from an alphabet of letters, digits, dots, hyphens, underscores and a few non-ASCII letters.
     */
    @Test
    void normalizedDomainsMatchTheIdnaReading() {
        java.util.Random random = new java.util.Random(1035);
        String alphabet = "aZ09.-_.\u00e9\u00fc\u4e2dx.";
        for (int round = 0; round < 20_000; round++) {
            StringBuilder name = new StringBuilder();
            for (int i = random.nextInt(round % 100 == 0 ? 300 : 20); i > 0; i--) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            if (round % 7 == 0) {
                name.append("a".repeat(60 + random.nextInt(8))); // labels near 63
            }
            String domain = name.toString();
            assertThat(AuthorDomains.normalizedDomain(domain)).as(domain).isEqualTo(idnaReading(domain));
        }
    }

    /** IDNA on every name, then the labels split and checked one by one. */
    private static String idnaReading(String domain) {
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (domain.startsWith("[")) {
            return "";
        }
        try {
            domain = java.net.IDN.toASCII(domain, java.net.IDN.ALLOW_UNASSIGNED).toLowerCase(java.util.Locale.ROOT);
        } catch (IllegalArgumentException notAName) {
            return "";
        }
        if (domain.isEmpty() || domain.length() > 253 || !domain.contains(".") && domain.length() > 63) {
            return "";
        }
        for (String label : domain.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")
                || !label.chars().allMatch(c -> c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                return "";
            }
        }
        return domain;
    }
}
