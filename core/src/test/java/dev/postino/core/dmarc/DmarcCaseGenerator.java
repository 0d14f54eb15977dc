package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.spf.SpfVerdict;

/**
 * Seeded DMARC cases for comparing implementations: an Author Domain under a real public suffix (so that a Public
 * Suffix List and the DNS Tree Walk have something to agree or differ on), DMARC records at the Author Domain,
 * its Organizational Domain and the names between (every tag, valid, invalid or absent; several records at a
 * name; records that are not DMARC), strict and relaxed alignment, and SPF and DKIM results for domains around it.
 * Each case lives under its own registrable domain ({@code c<id>...}), so all cases share one DNS server.
 */
final class DmarcCaseGenerator {

    private static final List<String> SUFFIXES = List.of("com", "com", "net", "org", "co.uk", "com.au", "blogspot.com");
    private static final List<String> WORDS = List.of("acme", "bank", "shop", "mail", "news");

    /** One DNS TXT record or an address record (value null) for an existing name. */
    record DnsEntry(String name, String txt) {
    }

    /** A signature's verdict and d=. */
    record Signature(String domain, DkimVerdict verdict) {
    }

    /**
     * @param org the Organizational Domain by the Public Suffix List (the registrable domain the case lives under)
     */
    record DmarcCase(int id, String from, String org, List<DnsEntry> dns, String spfDomain, SpfVerdict spf,
                     List<Signature> dkim) {

        /** The TXT values at {@code _dmarc.<name>}. */
        List<String> txt(String name) {
            return dns.stream().filter(e -> e.txt() != null && e.name().equals("_dmarc." + name)).map(DnsEntry::txt).toList();
        }

        AuthenticatedIdentifiers identifiers() {
            return new AuthenticatedIdentifiers(spfDomain, spf, dkim.stream()
                .map(s -> new DkimResult(s.verdict(), s.domain(), "s", "rsa-sha256", "@" + s.domain(), "bbbbbbbb", "",
                    false, false))
                .toList());
        }

        /** The records and identifiers, for a disagreement list. */
        String describe() {
            StringBuilder out = new StringBuilder("From a@" + from + "; SPF " + spf.keyword() + " " + spfDomain + "; DKIM");
            dkim.forEach(s -> out.append(' ').append(s.verdict().word()).append(' ').append(s.domain()));
            for (DnsEntry entry : dns) {
                if (entry.txt() != null) {
                    out.append("; ").append(entry.name()).append(" \"").append(entry.txt()).append('"');
                }
            }
            return out.toString();
        }
    }

    private DmarcCaseGenerator() {
    }

    static List<DmarcCase> generate(long seed, int count) {
        Random random = new Random(seed);
        List<DmarcCase> cases = new ArrayList<>();
        for (int id = 0; id < count; id++) {
            cases.add(generate(id, random));
        }
        return cases;
    }

    private static DmarcCase generate(int id, Random random) {
        String suffix = pick(random, SUFFIXES);
        String org = "c" + id + pick(random, WORDS) + "." + suffix;
        int shape = random.nextInt(100);
        String middle = "b." + org;
        String author = shape < 40 ? org : shape < 75 ? "mail." + org : shape < 92 ? "a." + middle
            : "w.x.y.z.a." + middle;
        List<DnsEntry> dns = new ArrayList<>();
        dns.add(new DnsEntry(org, null));
        if (!author.equals(org) && random.nextInt(100) < 80) {
            dns.add(new DnsEntry(author, null));
        }
        if (random.nextInt(100) < 70) {
            records(random, "_dmarc." + org, org, dns);
        }
        if (!author.equals(org) && random.nextInt(100) < 35) {
            records(random, "_dmarc." + author, org, dns);
        }
        if (author.endsWith("." + middle) && random.nextInt(100) < 25) {
            records(random, "_dmarc." + middle, org, dns);
        }

        List<String> around = new ArrayList<>(List.of(author, org, "bounce." + org, "mail2." + org,
            "c" + id + "other." + suffix, "c" + id + "other.org"));
        if (author.endsWith("." + middle)) {
            around.add(middle);
        }
        int spfPick = random.nextInt(100);
        SpfVerdict spf = spfPick < 55 ? SpfVerdict.PASS : spfPick < 80 ? SpfVerdict.FAIL
            : spfPick < 90 ? SpfVerdict.SOFTFAIL : SpfVerdict.NONE;
        String spfDomain = pick(random, around);
        List<Signature> dkim = new ArrayList<>();
        int signatures = random.nextInt(100) < 35 ? 0 : random.nextInt(100) < 70 ? 1 : 2;
        for (int k = 0; k < signatures; k++) {
            dkim.add(new Signature(pick(random, around), random.nextInt(100) < 70 ? DkimVerdict.PASS : DkimVerdict.FAIL));
        }
        return new DmarcCase(id, author, org, dns, spfDomain, spf, dkim);
    }

    /** One record at {@code name} (sometimes two, sometimes beside a TXT record that is not DMARC). */
    private static void records(Random random, String name, String org, List<DnsEntry> dns) {
        dns.add(new DnsEntry(name, record(random, org)));
        int extra = random.nextInt(100);
        if (extra < 4) {
            dns.add(new DnsEntry(name, record(random, org)));
        } else if (extra < 8) {
            dns.add(new DnsEntry(name, "v=spf1 -all"));
        }
    }

    private static String record(Random random, String org) {
        int version = random.nextInt(100);
        List<String> tags = new ArrayList<>();
        tags.add(version < 96 ? "v=DMARC1" : version < 98 ? "v=dmarc1" : "v=DMARC2");
        int p = random.nextInt(100);
        if (p < 30) {
            tags.add("p=reject");
        } else if (p < 55) {
            tags.add("p=quarantine");
        } else if (p < 80) {
            tags.add("p=none");
        } else if (p < 83) {
            tags.add("p=Reject");
        } else if (p < 92) {
            tags.add("p=bogus");
        }
        List<String> optional = new ArrayList<>();
        policyTag(random, "sp", 40, optional);
        policyTag(random, "np", 15, optional);
        alignment(random, "adkim", optional);
        alignment(random, "aspf", optional);
        int t = random.nextInt(100);
        if (t < 5) {
            optional.add("t=y");
        } else if (t < 8) {
            optional.add("t=n");
        }
        int psd = random.nextInt(100);
        if (psd < 4) {
            optional.add("psd=y");
        } else if (psd < 8) {
            optional.add("psd=n");
        } else if (psd < 10) {
            optional.add("psd=u");
        }
        int rua = random.nextInt(100);
        if (rua < 40) {
            optional.add("rua=mailto:dmarc@" + org);
        } else if (rua < 50) {
            optional.add(random.nextBoolean() ? "rua=dmarc-reports" : "rua=mailto");
        }
        if (random.nextInt(100) < 10) {
            optional.add("pct=100");
        }
        if (random.nextInt(100) < 10) {
            optional.add("foo=bar");
        }
        java.util.Collections.shuffle(optional, random);
        tags.addAll(optional);
        return String.join("; ", tags);
    }

    private static void policyTag(Random random, String name, int percent, List<String> tags) {
        int pick = random.nextInt(100);
        if (pick >= percent) {
            return;
        }
        int value = random.nextInt(100);
        tags.add(name + "=" + (value < 30 ? "reject" : value < 60 ? "quarantine" : value < 90 ? "none" : "bogus"));
    }

    private static void alignment(Random random, String name, List<String> tags) {
        int pick = random.nextInt(100);
        if (pick < 20) {
            tags.add(name + "=r");
        } else if (pick < 40) {
            tags.add(name + "=s");
        }
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
