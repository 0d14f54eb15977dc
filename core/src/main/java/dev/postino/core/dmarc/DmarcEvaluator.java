package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dns.DnsBudget;
import dev.postino.core.dns.DnsClient;
import dev.postino.core.dns.DnsResult;
import dev.postino.core.spf.SpfVerdict;

/**
 * DMARC (RFC 9989, or RFC 7489 in legacy mode) for one message: the Author Domain from RFC5322.From, its policy
 * and Organizational Domain, the alignment of what SPF and DKIM authenticated, the result and the disposition.
 *
 * <p>The DNS Tree Walk first asks the Author Domain's own name; the rest of its (at most 8) names only when the
 * policy or the Organizational Domain needs them (no record there, or a passing identifier of another domain to
 * align in relaxed mode),
 * and then concurrently, read in walk order: a walk costs at most two round trips. Policy discovery starts
 * before SPF and DKIM finish. A DNS failure that leaves the
 * policy or an alignment undecided gives {@code temperror}, never {@code fail}. Several From fields or
 * addresses never give {@code pass} (CVE-2021-34555): each Author Domain (up to 4) is evaluated and the
 * strictest outcome wins: a {@code fail} if any, else {@code temperror} if any, else {@code permerror}.
 * Thread-safe; one instance serves all messages.
 */
public final class DmarcEvaluator {

    /** RFC 9989 §4.10: the Tree Walk asks at most 8 names. */
    static final int MAX_WALK_QUERIES = 8;
    private static final int MAX_AUTHOR_DOMAINS = 4;

    private final DnsClient dns;
    private final DmarcOptions options;

    public DmarcEvaluator(DnsClient dns, DmarcOptions options) {
        this.dns = Objects.requireNonNull(dns, "dns");
        this.options = Objects.requireNonNull(options, "options");
    }

    public DmarcOptions options() {
        return options;
    }

    /** {@link #evaluate(List, CompletableFuture)} with identifiers already known. */
    public CompletableFuture<DmarcResult> evaluate(List<String> fromFields, AuthenticatedIdentifiers identifiers) {
        return evaluate(fromFields, CompletableFuture.completedFuture(identifiers));
    }

    /**
     * Evaluates the message whose From fields are {@code fromFields} (raw values after the colon). Policy
     * discovery starts at once, while {@code identifiers} (SPF and DKIM) may still be running; a failed
     * {@code identifiers} counts as nothing authenticated. The future always completes normally.
     */
    public CompletableFuture<DmarcResult> evaluate(List<String> fromFields,
                                                   CompletableFuture<AuthenticatedIdentifiers> identifiers) {
        CompletableFuture<AuthenticatedIdentifiers> ids = identifiers.exceptionally(e -> AuthenticatedIdentifiers.nothing());
        AuthorDomains authors = AuthorDomains.of(fromFields);
        if (authors.domains().isEmpty()) {
            String problem = authors.problem().isEmpty() ? "From has no usable domain" : authors.problem();
            return ids.thenApply(i -> DmarcResult.withoutPolicy(DmarcVerdict.PERMERROR, "", problem));
        }
        List<String> domains = authors.domains().subList(0, Math.min(MAX_AUTHOR_DOMAINS, authors.domains().size()));
        List<CompletableFuture<DmarcResult>> each = domains.stream()
            .map(domain -> walk(domain).thenCombine(ids, (walk, found) -> decide(domain, walk, found))
                .thenCompose(f -> f))
            .toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
            .thenApply(done -> {
                List<DmarcResult> results = each.stream().map(CompletableFuture::join).toList();
                return authors.isSingle() ? results.get(0) : strictest(authors, results);
            })
            .exceptionally(e -> DmarcResult.withoutPolicy(DmarcVerdict.TEMPERROR, domains.get(0),
                "internal error: " + e.getClass().getSimpleName()));
    }

    /**
     * {@link #evaluate(List, CompletableFuture)} for a message that may be malformed: when {@code messageProblem}
     * is not empty (a bare CR in the header section: readers disagree on its fields) the message never passes.
     * Where a policy record applies, the result is {@code fail} with that policy as disposition ({@code t=y}
     * lowering it one step), so that the domain's policy is applied; otherwise the verdict stays. The reason
     * starts with the problem.
     */
    public CompletableFuture<DmarcResult> evaluate(List<String> fromFields, String messageProblem,
                                                   CompletableFuture<AuthenticatedIdentifiers> identifiers) {
        CompletableFuture<DmarcResult> result = evaluate(fromFields, identifiers);
        if (messageProblem == null || messageProblem.isEmpty()) {
            return result;
        }
        return result.thenApply(r -> cannotPass(r, messageProblem));
    }

    static DmarcResult cannotPass(DmarcResult result, String problem) {
        boolean policyApplies = !result.policyDomain().isEmpty() && (result.verdict() == DmarcVerdict.PASS
            || result.verdict() == DmarcVerdict.FAIL || result.verdict() == DmarcVerdict.PERMERROR);
        if (!policyApplies) {
            return new DmarcResult(result.verdict(), result.headerFrom(), result.policyDomain(), result.policy(),
                result.disposition(), result.testing(), result.spfAligned(), result.dkimDomain(),
                problem + "; " + result.reason());
        }
        DmarcPolicy policy = result.testing() ? result.policy().lowered() : result.policy();
        DmarcPolicy disposition = policy.compareTo(result.disposition()) > 0 ? policy : result.disposition();
        return new DmarcResult(DmarcVerdict.FAIL, result.headerFrom(), result.policyDomain(), result.policy(),
            disposition, result.testing(), false, "", problem + ": DMARC cannot pass; " + result.reason());
    }

    /** Several authors: a fail if any (the strictest), else a temperror if any, else permerror; never pass. */
    private static DmarcResult strictest(AuthorDomains authors, List<DmarcResult> results) {
        Comparator<DmarcResult> strictness = Comparator.comparing(DmarcResult::disposition)
            .thenComparing(DmarcResult::policy);
        String problem = authors.problem() + ": ";
        for (DmarcVerdict verdict : List.of(DmarcVerdict.FAIL, DmarcVerdict.TEMPERROR)) {
            DmarcResult worst = results.stream().filter(r -> r.verdict() == verdict).max(strictness).orElse(null);
            if (worst != null) {
                return new DmarcResult(worst.verdict(), worst.headerFrom(), worst.policyDomain(), worst.policy(),
                    worst.disposition(), worst.testing(), worst.spfAligned(), worst.dkimDomain(),
                    problem + worst.reason());
            }
        }
        DmarcResult strictest = results.stream().max(strictness).orElseThrow();
        return new DmarcResult(DmarcVerdict.PERMERROR, strictest.headerFrom(), strictest.policyDomain(),
            strictest.policy(), DmarcPolicy.NONE, strictest.testing(), false, "",
            problem + "DMARC cannot pass with several authors");
    }

    private CompletableFuture<DmarcResult> decide(String author, Walk first, AuthenticatedIdentifiers ids) {
        Lookup found = first.policyRecord();
        if (found == null && !first.complete()) {
            return complete(first).thenCompose(whole -> decide(author, whole, ids));
        }
        if (found == null) {
            return CompletableFuture.completedFuture(
                DmarcResult.withoutPolicy(DmarcVerdict.NONE, author, "no DMARC record for " + author));
        }
        if (found.failure != null) {
            return CompletableFuture.completedFuture(DmarcResult.withoutPolicy(DmarcVerdict.TEMPERROR, author,
                "DMARC record lookup failed: " + found.failure));
        }
        DmarcRecord record = found.record;
        boolean spfRelaxed = ids.spfVerdict() == SpfVerdict.PASS && !record.strictSpf()
            && !ids.spfDomain().isEmpty() && !normalize(ids.spfDomain()).equals(author);
        boolean dkimRelaxed = !record.strictDkim()
            && ids.dkim().stream().anyMatch(s -> counts(s) && !normalize(s.domain()).equals(author));
        // the Organizational Domain needs the whole walk: only relaxed alignment of another domain asks for it
        CompletableFuture<Walk> whole = spfRelaxed || dkimRelaxed ? complete(first) : CompletableFuture.completedFuture(first);
        return whole.thenCompose(walk -> align(author, walk, found, ids));
    }

    private static boolean counts(DkimResult signature) {
        // a signature whose l= left content unsigned does not vouch for the whole message
        return signature.verdict() == DkimVerdict.PASS && !signature.unsignedContent() && !signature.domain().isEmpty();
    }

    private CompletableFuture<DmarcResult> align(String author, Walk walk, Lookup found, AuthenticatedIdentifiers ids) {
        DmarcRecord record = found.record;
        String policyDomain = found.name;
        OrgDomain authorOrg = walk.complete() ? walk.organizationalDomain() : null;

        List<CompletableFuture<Alignment>> checks = new ArrayList<>();
        List<String> candidates = new ArrayList<>();
        boolean spfChecked = ids.spfVerdict() == SpfVerdict.PASS && !ids.spfDomain().isEmpty();
        if (spfChecked) {
            checks.add(aligned(normalize(ids.spfDomain()), author, authorOrg, record.strictSpf()));
            candidates.add(normalize(ids.spfDomain()));
        }
        for (DkimResult signature : ids.dkim()) {
            if (counts(signature)) {
                checks.add(aligned(normalize(signature.domain()), author, authorOrg, record.strictDkim()));
                candidates.add(signature.domain());
            }
        }
        return CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)).thenCompose(done -> {
            boolean spfAligned = false;
            String dkimDomain = "";
            String unknown = null;
            for (int i = 0; i < checks.size(); i++) {
                Alignment alignment = checks.get(i).join();
                if (alignment.aligned) {
                    if (spfChecked && i == 0) {
                        spfAligned = true;
                    } else if (dkimDomain.isEmpty()) {
                        dkimDomain = candidates.get(i);
                    }
                } else if (alignment.failure != null && unknown == null) {
                    unknown = alignment.failure;
                }
            }
            String where = policyDomain.equals(author) ? "" : " (record at " + policyDomain + ")";
            if (spfAligned || !dkimDomain.isEmpty()) {
                String how = spfAligned ? "aligned SPF pass for " + normalize(ids.spfDomain())
                    : "aligned DKIM signature d=" + dkimDomain;
                DmarcPolicy policy = applicablePolicy(author, policyDomain, record, false);
                return CompletableFuture.completedFuture(new DmarcResult(DmarcVerdict.PASS, author, policyDomain,
                    policy, DmarcPolicy.NONE, record.testing(), spfAligned, dkimDomain, how + where));
            }
            if (unknown != null) {
                return CompletableFuture.completedFuture(new DmarcResult(DmarcVerdict.TEMPERROR, author, policyDomain,
                    applicablePolicy(author, policyDomain, record, false), DmarcPolicy.NONE, record.testing(),
                    false, "", "alignment undecided: " + unknown));
            }
            String reason = "no aligned identifier" + where + describe(ids);
            return nonExistent(author, policyDomain, record).thenApply(nonExistent -> {
                DmarcPolicy policy = applicablePolicy(author, policyDomain, record, nonExistent);
                DmarcPolicy disposition = record.testing() ? policy.lowered() : policy;
                String testing = record.testing() ? "; t=y lowers " + policy.keyword() + " to " + disposition.keyword() : "";
                return new DmarcResult(DmarcVerdict.FAIL, author, policyDomain, policy, disposition,
                    record.testing(), false, "", reason + (nonExistent ? "; " + author + " does not exist" : "") + testing);
            });
        });
    }

    private static String describe(AuthenticatedIdentifiers ids) {
        String spf = ids.spfDomain().isEmpty() ? "no SPF" : "SPF " + ids.spfVerdict().keyword() + " for " + ids.spfDomain();
        long dkimPass = ids.dkim().stream().filter(s -> s.verdict() == DkimVerdict.PASS).count();
        return ": " + spf + ", " + (dkimPass == 0 ? "no passing DKIM signature" : dkimPass + " passing DKIM signature(s) of other domains");
    }

    /** {@code p} for the policy domain itself; for a subdomain {@code np} if it does not exist, else {@code sp}, else {@code p}. */
    private static DmarcPolicy applicablePolicy(String author, String policyDomain, DmarcRecord record, boolean nonExistent) {
        if (author.equals(policyDomain)) {
            return record.policy();
        }
        if (nonExistent && record.nonExistentPolicy().isPresent()) {
            return record.nonExistentPolicy().get();
        }
        return record.subdomainPolicy().orElse(record.policy());
    }

    /**
     * RFC 9989's non-existent domain: NXDOMAIN or NODATA for A, AAAA and MX. Asked only when np= could apply;
     * a DNS failure counts as existing, so the weaker-or-equal {@code sp} applies rather than a guess.
     */
    private CompletableFuture<Boolean> nonExistent(String author, String policyDomain, DmarcRecord record) {
        if (author.equals(policyDomain) || record.nonExistentPolicy().isEmpty() || options.mode() == DmarcOptions.Mode.RFC7489) {
            return CompletableFuture.completedFuture(false);
        }
        DnsBudget budget = DnsBudget.of(3, options.timeLimit());
        CompletableFuture<? extends DnsResult<?>> a = dns.a(author, budget);
        CompletableFuture<? extends DnsResult<?>> aaaa = dns.aaaa(author, budget);
        CompletableFuture<? extends DnsResult<?>> mx = dns.mx(author, budget);
        return CompletableFuture.allOf(a, aaaa, mx)
            .thenApply(done -> a.join().isEmptyAnswer() && aaaa.join().isEmptyAnswer() && mx.join().isEmptyAnswer());
    }

    /** Whether {@code identifier} aligns with {@code author}: equal (strict), or the same Organizational Domain. */
    private CompletableFuture<Alignment> aligned(String identifier, String author, OrgDomain authorOrg, boolean strict) {
        if (identifier.equals(author)) {
            return CompletableFuture.completedFuture(Alignment.YES);
        }
        if (strict || authorOrg == null) {
            return CompletableFuture.completedFuture(Alignment.NO);
        }
        if (authorOrg.failure != null) {
            return CompletableFuture.completedFuture(new Alignment(false, authorOrg.failure));
        }
        String org = authorOrg.domain;
        // the identifier's Organizational Domain is itself or an ancestor: outside the author's, it cannot match
        if (!identifier.equals(org) && !identifier.endsWith("." + org)) {
            return CompletableFuture.completedFuture(Alignment.NO);
        }
        return walk(identifier).thenCompose(this::complete).thenApply(walk -> {
            OrgDomain other = walk.organizationalDomain();
            if (other.failure != null) {
                return new Alignment(false, other.failure);
            }
            return other.domain.equals(org) ? Alignment.YES : Alignment.NO;
        });
    }

    private static String normalize(String domain) {
        String d = domain.strip().toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** The names the walk asks, most specific first (RFC 9989 §4.10; RFC 7489 §6.6.3 in legacy mode). */
    List<String> walkNames(String domain) {
        List<String> names = new ArrayList<>();
        names.add(domain);
        String[] labels = domain.split("\\.");
        if (options.mode() == DmarcOptions.Mode.RFC7489) {
            String org = PublicSuffixOrganizationalDomain.of(domain);
            if (!org.equals(domain)) {
                names.add(org);
            }
            return names;
        }
        for (int count = Math.min(labels.length - 1, MAX_WALK_QUERIES - 1); count >= 1; count--) {
            names.add(suffix(labels, count));
        }
        return names;
    }

    private static String suffix(String[] labels, int count) {
        return String.join(".", Arrays.copyOfRange(labels, labels.length - count, labels.length));
    }

    /** The walk's first step: the domain's own record, which usually decides the policy. */
    private CompletableFuture<Walk> walk(String domain) {
        List<String> names = walkNames(domain);
        DnsBudget budget = DnsBudget.of(MAX_WALK_QUERIES, options.timeLimit());
        return dns.txt("_dmarc." + domain, budget)
            .thenApply(answer -> new Walk(domain, names, List.of(Lookup.of(domain, answer)), budget, options.mode()));
    }

    /** The rest of the walk; its names are asked concurrently and read in walk order. */
    private CompletableFuture<Walk> complete(Walk walk) {
        if (walk.complete()) {
            return CompletableFuture.completedFuture(walk);
        }
        List<String> rest = walk.names().subList(walk.lookups().size(), walk.names().size());
        List<CompletableFuture<DnsResult<String>>> lookups = rest.stream()
            .map(name -> dns.txt("_dmarc." + name, walk.budget())).toList();
        return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Lookup> answers = new ArrayList<>(walk.lookups());
            for (int i = 0; i < rest.size(); i++) {
                answers.add(Lookup.of(rest.get(i), lookups.get(i).join()));
            }
            return new Walk(walk.domain(), walk.names(), answers, walk.budget(), walk.mode());
        });
    }

    /** What one {@code _dmarc} name held: a record, nothing (record null, failure null), or a failure. */
    private record Lookup(String name, DmarcRecord record, String failure) {

        static Lookup of(String name, DnsResult<String> answer) {
            if (answer.kind() == DnsResult.Kind.TEMPORARY_FAILURE || answer.kind() == DnsResult.Kind.QUERY_LIMIT) {
                return new Lookup(name, null, "_dmarc." + name + ": " + answer.reason());
            }
            List<String> records = answer.values().stream().filter(DmarcRecord::isDmarcRecord).toList();
            // several DMARC records at one name count as none (RFC 9989 §4.10, as RFC 7489 §6.6.3)
            if (records.size() != 1) {
                return new Lookup(name, null, null);
            }
            return new Lookup(name, DmarcRecord.parse(records.get(0)).orElseThrow(), null);
        }

        boolean decided() {
            return record != null || failure != null;
        }
    }

    private record OrgDomain(String domain, String failure) {
    }

    private record Alignment(boolean aligned, String failure) {
        static final Alignment YES = new Alignment(true, null);
        static final Alignment NO = new Alignment(false, null);
    }

    /** The answers of one walk so far, in walk order. */
    private record Walk(String domain, List<String> names, List<Lookup> lookups, DnsBudget budget,
                        DmarcOptions.Mode mode) {

        boolean complete() {
            return lookups.size() == names.size();
        }

        /** The first record or failure in walk order (a failure hides what a later name holds); null: no record. */
        Lookup policyRecord() {
            return lookups.stream().filter(Lookup::decided).findFirst().orElse(null);
        }

        /**
         * RFC 9989 §4.10.2: a record with psd=n marks its domain; psd=y marks the name one label below it;
         * else the record with the fewest labels; no record: the domain itself. Legacy mode: the PSL.
         */
        OrgDomain organizationalDomain() {
            if (mode == DmarcOptions.Mode.RFC7489) {
                return new OrgDomain(PublicSuffixOrganizationalDomain.of(domain), null);
            }
            String fewest = null;
            for (Lookup lookup : lookups) {
                if (lookup.failure != null) {
                    return new OrgDomain(null, lookup.failure);
                }
                if (lookup.record == null) {
                    continue;
                }
                if (lookup.record.psd() == 'n') {
                    return new OrgDomain(lookup.name, null);
                }
                if (lookup.record.psd() == 'y') {
                    return new OrgDomain(oneLabelBelow(lookup.name), null);
                }
                fewest = lookup.name;
            }
            return new OrgDomain(fewest == null ? domain : fewest, null);
        }

        /** The name one label below {@code ancestor} on the way to the domain; the domain itself at the bottom. */
        private String oneLabelBelow(String ancestor) {
            if (ancestor.equals(domain)) {
                return domain;
            }
            String[] labels = domain.split("\\.");
            return suffix(labels, ancestor.split("\\.").length + 1);
        }
    }
}
