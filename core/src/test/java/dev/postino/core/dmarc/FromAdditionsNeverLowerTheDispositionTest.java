package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dns.testing.TestDnsServer;
import dev.postino.core.spf.SpfVerdict;

/**
 * The rule the From handling holds (issue 10): adding a From field, a mailbox or a byte of garbage to a message
 * never lowers its disposition, and a From that is not one strictly parsed mailbox never passes. (An addition
 * that repairs a broken From into one clean mailbox gets ordinary DMARC, for a domain the reader was shown.) Checked over seeded random variants of
 * messages of every kind (passing, failing, testing, non-existent subdomain, DNS failure, ambiguous, unusable),
 * with an attacker who passes SPF and DKIM for their own domain and replays a signature of the bank's.
 *
 * <p>"Garbage" is any character that is not a letter or digit, put anywhere but inside a name or an encoded-word
 * (there it would write another name, which is a different author, not garbage).
 */
class FromAdditionsNeverLowerTheDispositionTest {

    /** Longer runs: -Dpostino.from.seed=N -Dpostino.from.variants=M. */
    private static final long SEED = Long.getLong("postino.from.seed", 20261202L);
    private static final int VARIANTS_PER_BASE = Integer.getInteger("postino.from.variants", 60);

    private static final List<List<String>> BASES = List.of(
        List.of(" ceo@bank.test"), List.of(" \"CEO\" <ceo@bank.test>"), List.of(" x@evil.test"),
        List.of(" x@quar.test"), List.of(" x@testing.test"), List.of(" x@free.test"), List.of(" x@none.test"),
        List.of(" x@down.test"), List.of(" x@sub.org.test"), List.of(" x@ghost.org.test"),
        List.of(" a@none.test, b@evil.test"), List.of(" =?utf-8?q?ceo=40bank.test?="), List.of(" nobody"),
        List.of(" a@quar.test", " b@evil.test"), List.of(" Bank (the real one) <ceo@bank.test> (CEO)"));

    private static final List<String> MAILBOXES = List.of("x@evil.test", "\"CEO\" <ceo@bank.test>", "a@free.test",
        "a@down.test", "a@none.test", "a@[192.0.2.1]", "=?utf-8?q?ceo=40quar.test?=", "a@sub.org.test", "nobody",
        "<>", "a@ghost.org.test", "Evil <x@evil.test>", "=?utf-8?q?x=40evil.test?=");

    private static final List<String> FIELDS = List.of(" x@evil.test", " ceo@bank.test", "", " undisclosed:;",
        " garbage (((", " a@free.test", " =?utf-8?b?eEBldmlsLnRlc3Q=?=", " a@none.test, b@evil.test");

    private static TestDnsServer dns;
    private static DnsClient client;
    private static DmarcEvaluator evaluator;
    private static final AuthenticatedIdentifiers ATTACKER = new AuthenticatedIdentifiers("evil.test", SpfVerdict.PASS,
        List.of(dkim("evil.test"), dkim("bank.test")));

    @BeforeAll
    static void start() throws Exception {
        dns = TestDnsServer.start();
        dns.addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        dns.addTxt("_dmarc.quar.test", "v=DMARC1; p=quarantine");
        dns.addTxt("_dmarc.none.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.evil.test", "v=DMARC1; p=none");
        dns.addTxt("_dmarc.testing.test", "v=DMARC1; p=reject; t=y");
        dns.addTxt("_dmarc.org.test", "v=DMARC1; p=none; sp=quarantine; np=reject");
        dns.add("org.test. 300 IN A 192.0.2.1");
        dns.add("sub.org.test. 300 IN A 192.0.2.2");
        dns.inject("_dmarc.down.test", "TXT", TestDnsServer.Fault.SERVFAIL);
        client = DnsClient.create(DnsConfig.defaults().withServers(List.of(dns.address()))
            .withQueryTimeout(Duration.ofSeconds(1)).withRetries(0));
        evaluator = new DmarcEvaluator(client, DmarcOptions.defaults());
    }

    @AfterAll
    static void stop() {
        client.close();
        dns.close();
    }

    private static DkimResult dkim(String domain) {
        return new DkimResult(DkimVerdict.PASS, domain, "sel", "rsa-sha256", "@" + domain, "abcdefgh", "", false, false);
    }

    private static DmarcResult evaluate(List<String> from) {
        return evaluator.evaluate(from, ATTACKER).join();
    }

    @Test
    void addingAFieldAMailboxOrGarbageNeverLowersTheDisposition() {
        Random random = new Random(SEED);
        int checked = 0;
        for (List<String> base : BASES) {
            DmarcResult original = evaluate(base);
            // a From that shows no domain at all has the configured floor, not a policy: making it a valid
            // mailbox is repairing it, not hiding a domain's policy, so only "never passes" is asked of it
            boolean policyToKeep = !AuthorDomains.of(base).domains().isEmpty();
            for (int n = 0; n < VARIANTS_PER_BASE; n++) {
                List<String> variant = new ArrayList<>(base);
                StringBuilder how = new StringBuilder();
                for (int step = 1 + random.nextInt(3); step > 0; step--) {
                    mutate(variant, random, how);
                }
                DmarcResult changed = evaluate(variant);
                AuthorDomains authors = AuthorDomains.of(variant);
                String description = base + " -> " + variant + " (" + how + "): " + changed.reason();
                if (authors.isSingle()) {
                    // repaired into one clean mailbox, it is ordinary DMARC, for a domain the reader was already shown
                    if (policyToKeep) {
                        assertThat(AuthorDomains.of(base).domains()).as(description).contains(authors.domains().get(0));
                    }
                } else {
                    assertThat(changed.verdict()).as(description).isNotEqualTo(DmarcVerdict.PASS);
                    if (policyToKeep) {
                        assertThat(changed.disposition()).as(description).isGreaterThanOrEqualTo(original.disposition());
                    }
                }
                checked++;
            }
        }
        assertThat(checked).isEqualTo(BASES.size() * VARIANTS_PER_BASE);
    }

    @Test
    void theBasesCoverEveryOutcome() {
        // the property is only as good as the variety it starts from
        List<DmarcResult> results = BASES.stream().map(FromAdditionsNeverLowerTheDispositionTest::evaluate).toList();
        assertThat(results).extracting(DmarcResult::verdict).contains(DmarcVerdict.values());
        assertThat(results).extracting(DmarcResult::disposition).contains(DmarcPolicy.values());
    }

    private static void mutate(List<String> from, Random random, StringBuilder how) {
        int field = random.nextInt(from.size());
        String value = from.get(field);
        switch (random.nextInt(6)) {
            case 0 -> {
                String added = FIELDS.get(random.nextInt(FIELDS.size()));
                from.add(random.nextInt(from.size() + 1), added);
                how.append("field '").append(added).append("'; ");
            }
            case 1 -> {
                String mailbox = MAILBOXES.get(random.nextInt(MAILBOXES.size()));
                from.set(field, random.nextBoolean() ? value + ", " + mailbox : " " + mailbox + "," + value);
                how.append("mailbox '").append(mailbox).append("'; ");
            }
            case 2 -> {
                String mailbox = MAILBOXES.get(random.nextInt(MAILBOXES.size()));
                from.set(field, value + " <" + mailbox.replaceAll(".*<|>.*", "") + ">");
                how.append("angle-addr '").append(mailbox).append("'; ");
            }
            case 3 -> {
                from.set(field, " group:" + value + ";");
                how.append("group; ");
            }
            default -> {
                String garbage = garbage(random);
                int at = garbagePosition(value, random);
                from.set(field, value.substring(0, at) + garbage + value.substring(at));
                how.append("garbage U+").append(String.format("%04X", (int) garbage.charAt(0))).append(" at ").append(at).append("; ");
            }
        }
    }

    private static String garbage(Random random) {
        String extra = "\u00a0\u0085\u200b\u3002\uff20\u00ad";
        while (true) {
            char c = random.nextInt(4) == 0 ? extra.charAt(random.nextInt(extra.length())) : (char) random.nextInt(0x80);
            if (!Character.isLetterOrDigit(c)) {
                return String.valueOf(c);
            }
        }
    }

    /**
     * A position not inside a name: not between two of its letters, digits, dots or hyphens, and not inside an
     * encoded-word (which is a name written another way: breaking it changes the name a reader sees).
     */
    private static int garbagePosition(String value, Random random) {
        while (true) {
            int at = random.nextInt(value.length() + 1);
            int open = value.lastIndexOf("=?", at - 1);
            boolean inEncodedWord = open >= 0 && at > open && value.indexOf("?=", open + 2) >= at - 1
                && value.indexOf("?=", open + 2) >= 0;
            boolean inName = inEncodedWord || at > 0 && at < value.length() && nameCharacter(value.charAt(at - 1))
                && nameCharacter(value.charAt(at));
            if (!inName) {
                return at;
            }
        }
    }

    private static boolean nameCharacter(char c) {
        return Character.isLetterOrDigit(c) || c == '.' || c == '-';
    }
}
