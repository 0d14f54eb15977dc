package dev.postino.core.dmarc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
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
 * <p>Policy discovery (RFC 9989 §4.10.1): the Author Domain's own record; without one, the record of its
 * Organizational Domain as the DNS Tree Walk determines it (§4.10.2), else that of its Public Suffix Domain
 * ({@code psd=y}). A record met on the way up that is neither does not set the policy; it still counts for
 * finding the Organizational Domain. Legacy mode: the Author Domain's record, else that of its Organizational
 * Domain by the Public Suffix List. A record whose {@code p=} is missing or invalid (or whose {@code sp=}, or in
 * RFC 9989 {@code np=}, is invalid) counts as {@code p=none} when it has a valid {@code rua}, else no policy
 * applies ({@code none}).
 *
 * <p>The walk first asks the Author Domain's own name; the rest of its (at most 8) names only when the policy or
 * the Organizational Domain needs them, and then concurrently, read in walk order: a walk costs at most two round
 * trips. Policy discovery starts before SPF and DKIM finish. A DNS failure that leaves the policy or an
 * alignment undecided gives {@code temperror}, never {@code fail}.
 *
 * <p>A From that is not exactly one strictly parsed mailbox ({@link AuthorDomains#isSingle()}) never passes
 * (CVE-2021-34555 and its kin): each domain a reader could see in it (up to 4) is evaluated, the result is
 * {@code fail} if any fails, else {@code temperror} if any is undecided, else {@code permerror}, and the
 * disposition is the strictest policy any of them publishes, at least {@link DmarcOptions#unusableFromDisposition()}
 * when some part of the From names no usable domain, and {@code reject} when it names more than 4 domains. So
 * adding a From field, a mailbox or garbage to a message never lowers its disposition.
 * Thread-safe; one instance serves all messages.
 */
public final class DmarcEvaluator {

    /** RFC 9989 §4.10: the Tree Walk asks at most 8 names. */
    static final int MAX_WALK_QUERIES = 8;
    /** Author domains evaluated for an ambiguous From; more is refused outright. */
    static final int MAX_AUTHOR_DOMAINS = 4;

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
        CompletableFuture<DmarcResult> result = authors.isSingle()
            ? evaluateDomain(authors.domains().get(0), ids, false)
            : ambiguous(authors, ids);
        String first = authors.domains().isEmpty() ? "" : authors.domains().get(0);
        return result.exceptionally(e -> DmarcResult.withoutPolicy(DmarcVerdict.TEMPERROR, first,
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
                problem + "; " + result.reason(), result.published());
        }
        DmarcPolicy policy = result.testing() ? result.policy().lowered() : result.policy();
        DmarcPolicy disposition = policy.compareTo(result.disposition()) > 0 ? policy : result.disposition();
        return new DmarcResult(DmarcVerdict.FAIL, result.headerFrom(), result.policyDomain(), result.policy(),
            disposition, result.testing(), false, "", problem + ": DMARC cannot pass; " + result.reason(),
            result.published());
    }

    private CompletableFuture<DmarcResult> evaluateDomain(String domain, CompletableFuture<AuthenticatedIdentifiers> ids,
                                                          boolean fullPolicy) {
        return walk(domain).thenCombine(ids, (walk, found) -> decide(domain, walk, found, fullPolicy))
            .thenCompose(f -> f);
    }

    /**
     * A From that is not one strictly parsed mailbox: never {@code pass}; the disposition is the strictest policy
     * of any domain a reader could see, raised to the configured floor when some part names no usable domain.
     */
    private CompletableFuture<DmarcResult> ambiguous(AuthorDomains authors, CompletableFuture<AuthenticatedIdentifiers> ids) {
        List<String> domains = authors.domains();
        boolean tooMany = domains.size() > MAX_AUTHOR_DOMAINS;
        DmarcPolicy floor = tooMany ? DmarcPolicy.REJECT
            : authors.incomplete() ? options.unusableFromDisposition() : DmarcPolicy.NONE;
        String why = tooMany ? "more than " + MAX_AUTHOR_DOMAINS + " author domains"
            : authors.incomplete() ? "an author without a usable domain" : "";
        if (domains.isEmpty()) {
            return ids.thenApply(i -> new DmarcResult(DmarcVerdict.PERMERROR, "", "", DmarcPolicy.NONE, floor, false,
                false, "", authors.problem() + "; no domain to evaluate, disposition " + floor.keyword()));
        }
        List<CompletableFuture<DmarcResult>> each = domains.subList(0, Math.min(MAX_AUTHOR_DOMAINS, domains.size()))
            .stream().map(domain -> evaluateDomain(domain, ids, true)).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<DmarcResult> results = each.stream().map(CompletableFuture::join).toList();
            DmarcVerdict verdict = results.stream().anyMatch(r -> r.verdict() == DmarcVerdict.FAIL) ? DmarcVerdict.FAIL
                : results.stream().anyMatch(r -> r.verdict() == DmarcVerdict.TEMPERROR) ? DmarcVerdict.TEMPERROR
                : DmarcVerdict.PERMERROR;
            // the strictest ask decides; among equals a failing domain, then the first
            DmarcResult decider = results.get(0);
            for (DmarcResult r : results) {
                int order = asked(r).compareTo(asked(decider));
                if (order > 0 || order == 0 && r.verdict() == DmarcVerdict.FAIL && decider.verdict() != DmarcVerdict.FAIL) {
                    decider = r;
                }
            }
            DmarcPolicy disposition = max(asked(decider), floor);
            StringBuilder reason = new StringBuilder(authors.problem()).append(": never passes; ");
            for (DmarcResult r : results) {
                reason.append(r.headerFrom()).append(' ').append(r.verdict().keyword()).append(" p=")
                    .append(r.policyDomain().isEmpty() ? "-" : asked(r).keyword()).append(", ");
            }
            reason.setLength(reason.length() - 2);
            if (floor != DmarcPolicy.NONE) {
                reason.append("; ").append(why).append(": at least ").append(floor.keyword());
            }
            return new DmarcResult(verdict, decider.headerFrom(), decider.policyDomain(), decider.policy(),
                disposition, decider.testing(), false, "", reason.toString(), decider.published());
        });
    }

    /** What a domain's record asks for a message that does not pass: its policy, one step lower with t=y. */
    private static DmarcPolicy asked(DmarcResult result) {
        if (result.policyDomain().isEmpty()) {
            return DmarcPolicy.NONE;
        }
        return result.testing() ? result.policy().lowered() : result.policy();
    }

    private static DmarcPolicy max(DmarcPolicy a, DmarcPolicy b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private CompletableFuture<DmarcResult> decide(String author, Walk walk, AuthenticatedIdentifiers ids,
                                                  boolean fullPolicy) {
        Lookup own = walk.lookups().get(0);
        if (own.record == null && own.failure == null && !walk.complete()) {
            return complete(walk).thenCompose(whole -> decide(author, whole, ids, fullPolicy));
        }
        Lookup found = walk.policySource();
        if (found == null) {
            return CompletableFuture.completedFuture(
                DmarcResult.withoutPolicy(DmarcVerdict.NONE, author, "no DMARC record for " + author));
        }
        if (found.failure != null) {
            return CompletableFuture.completedFuture(DmarcResult.withoutPolicy(DmarcVerdict.TEMPERROR, author,
                "DMARC record lookup failed: " + found.failure));
        }
        DmarcRecord record = options.mode() == DmarcOptions.Mode.RFC7489 && found.record.testing()
            ? found.record.withoutTesting() // RFC 7489 has no t= tag
            : found.record;
        String note = "";
        if (!record.policyTagsValid(options.mode() == DmarcOptions.Mode.RFC9989)) {
            String tags = String.join(", ", record.invalidPolicyTags());
            if (!record.hasValidReportingUri()) {
                return CompletableFuture.completedFuture(DmarcResult.withoutPolicy(DmarcVerdict.NONE, author,
                    "the DMARC record at " + found.name + " has no valid " + tags + " and no valid rua: no policy applies"));
            }
            record = record.monitoringOnly();
            note = "; no valid " + tags + " in the record at " + found.name + ", p read as none (it has a valid rua)";
        }
        DmarcRecord policyRecord = record;
        String policyNote = note;
        boolean spfRelaxed = ids.spfVerdict() == SpfVerdict.PASS && !record.strictSpf()
            && !ids.spfDomain().isEmpty() && !normalize(ids.spfDomain()).equals(author);
        boolean dkimRelaxed = !record.strictDkim()
            && ids.dkim().stream().anyMatch(s -> counts(s) && !normalize(s.domain()).equals(author));
        // the Organizational Domain needs the whole walk: only relaxed alignment of another domain asks for it
        CompletableFuture<Walk> whole = spfRelaxed || dkimRelaxed ? complete(walk) : CompletableFuture.completedFuture(walk);
        return whole.thenCompose(w -> align(author, w, found.name, policyRecord, policyNote, ids, fullPolicy));
    }

    private static boolean counts(DkimResult signature) {
        // a signature whose l= left content unsigned does not vouch for the whole message
        return signature.verdict() == DkimVerdict.PASS && !signature.unsignedContent() && !signature.domain().isEmpty();
    }

    private CompletableFuture<DmarcResult> align(String author, Walk walk, String policyDomain, DmarcRecord record,
                                                 String note, AuthenticatedIdentifiers ids, boolean fullPolicy) {
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
            boolean pass = spfAligned || !dkimDomain.isEmpty();
            String where = (policyDomain.equals(author) ? "" : " (record at " + policyDomain + ")") + note;
            boolean aligned = spfAligned;
            String dkim = dkimDomain;
            String undecided = unknown;
            Optional<PublishedPolicy> published = Optional.of(PublishedPolicy.of(policyDomain, record, options.mode()));
            // the exact policy (np needs an existence check) matters when the message fails, or never passes
            CompletableFuture<Boolean> missing = pass && !fullPolicy ? CompletableFuture.completedFuture(false)
                : nonExistent(author, policyDomain, record);
            return missing.thenApply(nonExistent -> {
                DmarcPolicy policy = applicablePolicy(author, policyDomain, record, nonExistent);
                String absent = nonExistent ? "; " + author + " does not exist" : "";
                if (pass) {
                    String how = aligned ? "aligned SPF pass for " + normalize(ids.spfDomain())
                        : "aligned DKIM signature d=" + dkim;
                    return new DmarcResult(DmarcVerdict.PASS, author, policyDomain, policy, DmarcPolicy.NONE,
                        record.testing(), aligned, dkim, how + where, published);
                }
                if (undecided != null) {
                    return new DmarcResult(DmarcVerdict.TEMPERROR, author, policyDomain, policy, DmarcPolicy.NONE,
                        record.testing(), false, "", "alignment undecided: " + undecided + where, published);
                }
                DmarcPolicy disposition = record.testing() ? policy.lowered() : policy;
                String testing = record.testing() ? "; t=y lowers " + policy.keyword() + " to " + disposition.keyword() : "";
                return new DmarcResult(DmarcVerdict.FAIL, author, policyDomain, policy, disposition,
                    record.testing(), false, "", "no aligned identifier" + where + describe(ids) + absent + testing,
                    published);
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

    /**
     * What one {@code _dmarc} name held: a record, nothing (record null, failure null; {@code several} when
     * more than one DMARC record was there), or a failure.
     */
    private record Lookup(String name, DmarcRecord record, String failure, boolean several) {

        Lookup(String name, DmarcRecord record, String failure) {
            this(name, record, failure, false);
        }

        static Lookup of(String name, DnsResult<String> answer) {
            if (answer.kind() == DnsResult.Kind.TEMPORARY_FAILURE || answer.kind() == DnsResult.Kind.QUERY_LIMIT) {
                return new Lookup(name, null, "_dmarc." + name + ": " + answer.reason());
            }
            List<String> records = answer.values().stream().filter(DmarcRecord::isDmarcRecord).toList();
            // several DMARC records at one name are discarded (RFC 9989 §4.10; RFC 7489 §6.6.3 stops there)
            if (records.size() != 1) {
                return new Lookup(name, null, null, records.size() > 1);
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

        /**
         * The record that sets the policy, a failure that leaves it unknown, or null when none applies. RFC 9989
         * (§4.10.1): the Author Domain's own record, else its Organizational Domain's, else the Public Suffix
         * Domain's ({@code psd=y}) where the walk stopped. Legacy mode: the first record or failure of the two
         * names (the Author Domain, its Organizational Domain by the Public Suffix List).
         */
        Lookup policySource() {
            Lookup own = lookups.get(0);
            if (mode == DmarcOptions.Mode.RFC7489) {
                for (Lookup lookup : lookups) {
                    if (lookup.several) {
                        return null; // RFC 7489 §6.6.3 step 5: several records end policy discovery
                    }
                    if (lookup.decided()) {
                        return lookup;
                    }
                }
                return null;
            }
            if (own.decided()) {
                return own;
            }
            OrgDomain org = organizationalDomain();
            if (org.failure != null) {
                return new Lookup(domain, null, org.failure);
            }
            for (Lookup lookup : lookups) {
                if (lookup.name.equals(org.domain) && lookup.record != null) {
                    return lookup;
                }
            }
            for (Lookup lookup : lookups) {
                if (lookup.record != null && lookup.record.psd() == 'y') {
                    return lookup;
                }
                if (lookup.record != null && lookup.record.psd() == 'n') {
                    break; // the walk stops here (§4.10 step 6)
                }
            }
            return null;
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
