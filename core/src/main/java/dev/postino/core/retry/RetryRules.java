package dev.postino.core.retry;

import java.util.ArrayList;
import java.util.List;

/**
 * An ordered list of retry rules in Exim's syntax, one {@code PATTERN ERROR SCHEDULE} per line: the first rule
 * whose pattern matches the recipient's domain and whose error matches the failure wins; when none does, the
 * {@linkplain #DEFAULT_RULE default rule} applies. {@code #} starts a comment that runs to the end of the line;
 * blank lines are ignored. Exim's optional {@code senders=} field is not supported.
 */
public final class RetryRules {

    /** Exim's default rule: every 15 minutes for 2 hours, then growing from 1 hour by 1.5 up to 16 hours, then every 6 hours up to 4 days. */
    public static final String DEFAULT_RULE_TEXT = "* * F,2h,15m; G,16h,1h,1.5; F,4d,6h";

    /** The rule that applies when no rule matches. */
    public static final RetryRule DEFAULT_RULE = defaultRule();

    private final List<RetryRule> rules;

    private RetryRules(List<RetryRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** No rules of its own: the default rule applies to everything. */
    public static RetryRules defaults() {
        return new RetryRules(List.of());
    }

    /**
     * Parses the rules text (a file's contents or the mailet's inline configuration).
     *
     * @throws RetryRuleSyntaxException for the first line that is not a rule, naming it and what was expected
     */
    public static RetryRules parse(String text) throws RetryRuleSyntaxException {
        List<RetryRule> rules = new ArrayList<>();
        // A byte order mark some Windows editors write would otherwise spoil the first rule's pattern.
        String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
        String[] lines = body.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            String rule = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (!rule.isEmpty()) {
                rules.add(parseRule(rule, i + 1));
            }
        }
        return new RetryRules(rules);
    }

    private static RetryRule parseRule(String line, int lineNumber) throws RetryRuleSyntaxException {
        String[] fields = line.split("\\s+", 3);
        if (fields.length < 2) {
            throw new RetryRuleSyntaxException(lineNumber, line,
                "expected PATTERN ERROR SCHEDULE, such as '* * F,2h,15m; G,16h,1h,1.5; F,4d,6h'");
        }
        if (fields.length == 3 && fields[2].toLowerCase(java.util.Locale.ROOT).startsWith("senders=")) {
            throw new RetryRuleSyntaxException(lineNumber, line,
                "'senders=' lists are not supported: expected the schedule after the error");
        }
        try {
            DomainPattern domain = new DomainPattern(fields[0]);
            ErrorPattern error = ErrorPattern.parse(fields[1]);
            RetrySchedule schedule = RetrySchedule.parse(fields.length == 3 ? fields[2] : "");
            return new RetryRule(domain, error, schedule, line, lineNumber);
        } catch (IllegalArgumentException e) {
            throw new RetryRuleSyntaxException(lineNumber, line, e.getMessage());
        }
    }

    private static RetryRule defaultRule() {
        try {
            return parseRule(DEFAULT_RULE_TEXT, 0);
        } catch (RetryRuleSyntaxException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The rule for a failure delivering to {@code domain}: the first that matches, else the default rule. */
    public RetryRule match(String domain, DeliveryFailure failure) {
        for (RetryRule rule : rules) {
            if (rule.matches(domain, failure)) {
                return rule;
            }
        }
        return DEFAULT_RULE;
    }

    /** The rules as parsed, in order, without the default rule. */
    public List<RetryRule> rules() {
        return rules;
    }
}
