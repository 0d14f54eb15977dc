package dev.postino.core.retry;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;

/**
 * The second field of a retry rule: which temporary failures the rule is for. Names are case-insensitive.
 * <ul>
 * <li>{@code *}: any failure.</li>
 * <li>{@code rcpt_4xx}, {@code mail_4xx}, {@code data_4xx}: a 4xx reply to RCPT, to MAIL, or to DATA or the
 * end of data. As in Exim, the first x or both may be digits: {@code rcpt_45x}, {@code rcpt_452};
 * {@code rcpt_4x2} is refused. Only class 4 is accepted: retry rules never see 5xx replies, which fail at once.</li>
 * <li>{@code quota}: mailbox full in any phase, i.e. enhanced code 4.2.2, or a bare 452 without an enhanced code
 * (a 452 with another enhanced code, such as 4.5.3 too many recipients, is not quota).</li>
 * <li>{@code timeout}, {@code refused}, {@code lost_connection}, {@code dns}: that failure class; Exim's names
 * {@code timeout_connect} (a timeout while connecting) and {@code lookup} (= {@code dns}) are accepted too.</li>
 * <li>{@code tls} (or Exim's {@code tls_required}): a TLS failure, or any 4xx reply to STARTTLS.</li>
 * <li>An enhanced code pattern: {@code 4.7.1}, {@code 4.7.*}, {@code 4.*.*}, matched against the reply's
 * enhanced code (a reply without one does not match).</li>
 * </ul>
 */
public final class ErrorPattern {

    static final String EXPECTED = "expected *, rcpt_4xx, rcpt_45x, rcpt_452, mail_4xx, data_4xx, quota, timeout,"
        + " refused, lost_connection, dns, tls or an enhanced code pattern such as 4.7.*";

    private static final Pattern COMMAND = Pattern.compile("(rcpt|mail|data)_(4)(x|[0-9])(x|[0-9])");
    private static final Pattern ENHANCED = Pattern.compile("(4)\\.([0-9]{1,3}|\\*)\\.([0-9]{1,3}|\\*)");

    private final String text;
    private final Predicate<DeliveryFailure> test;

    private ErrorPattern(String text, Predicate<DeliveryFailure> test) {
        this.text = text;
        this.test = test;
    }

    /**
     * Parses the error field.
     *
     * @throws IllegalArgumentException whose message names the token and what was expected
     */
    public static ErrorPattern parse(String token) {
        String t = token.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "*" -> new ErrorPattern(token, f -> true);
            case "quota" -> new ErrorPattern(token, ErrorPattern::isQuota);
            case "timeout" -> ofClass(token, FailureClass.TIMEOUT);
            case "timeout_connect" -> new ErrorPattern(token,
                f -> f.failureClass() == FailureClass.TIMEOUT && f.phase() == SmtpPhase.CONNECT);
            case "refused" -> ofClass(token, FailureClass.REFUSED);
            case "lost_connection" -> ofClass(token, FailureClass.LOST_CONNECTION);
            case "dns", "lookup" -> ofClass(token, FailureClass.DNS);
            case "tls", "tls_required" -> new ErrorPattern(token, f -> f.failureClass() == FailureClass.TLS
                || f.reply() != null && f.phase() == SmtpPhase.STARTTLS);
            default -> parsePattern(token, t);
        };
    }

    private static ErrorPattern parsePattern(String token, String t) {
        Matcher command = COMMAND.matcher(t);
        if (command.matches()) {
            if (command.group(3).equals("x") && !command.group(4).equals("x")) {
                throw new IllegalArgumentException("unknown error '" + token + "': only the last digits may be x, as in "
                    + command.group(1) + "_4xx or " + command.group(1) + "_45x");
            }
            Set<SmtpPhase> phases = switch (command.group(1)) {
                case "rcpt" -> EnumSet.of(SmtpPhase.RCPT);
                case "mail" -> EnumSet.of(SmtpPhase.MAIL);
                default -> EnumSet.of(SmtpPhase.DATA, SmtpPhase.END_OF_DATA);
            };
            String code = "4" + command.group(3) + command.group(4);
            return new ErrorPattern(token, f -> f.reply() != null && phases.contains(f.phase())
                && codeMatches(code, f.reply().code()));
        }
        Matcher enhanced = ENHANCED.matcher(t);
        if (enhanced.matches()) {
            String subject = enhanced.group(2);
            String detail = enhanced.group(3);
            if (subject.equals("*") && !detail.equals("*")) {
                throw new IllegalArgumentException("unknown error '" + token + "': a * subject needs a * detail, as in 4.*.*");
            }
            return new ErrorPattern(token, f -> {
                EnhancedStatusCode code = f.reply() == null ? null : f.reply().enhancedCode();
                return code != null && code.statusClass() == 4
                    && (subject.equals("*") || code.subject() == Integer.parseInt(subject))
                    && (detail.equals("*") || code.detail() == Integer.parseInt(detail));
            });
        }
        if (t.matches("(rcpt|mail|data)_5..") || t.matches("5\\..*")) {
            throw new IllegalArgumentException("unknown error '" + token + "': retry rules are for temporary (4xx) failures;"
                + " a 5xx reply fails at once");
        }
        throw new IllegalArgumentException("unknown error '" + token + "': " + EXPECTED);
    }

    private static ErrorPattern ofClass(String token, FailureClass failureClass) {
        return new ErrorPattern(token, f -> f.failureClass() == failureClass);
    }

    private static boolean codeMatches(String pattern, int code) {
        String digits = Integer.toString(code);
        for (int i = 0; i < 3; i++) {
            if (pattern.charAt(i) != 'x' && pattern.charAt(i) != digits.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isQuota(DeliveryFailure f) {
        SmtpReply reply = f.reply();
        if (reply == null || !reply.isTransient()) {
            return false;
        }
        EnhancedStatusCode code = reply.enhancedCode();
        return code != null ? code.subject() == 2 && code.detail() == 2 : reply.code() == 452;
    }

    /** Whether a failure is one this pattern is for. */
    public boolean matches(DeliveryFailure failure) {
        return test.test(failure);
    }

    /** Patterns written alike (ignoring case) match alike, so rules built from the same text are equal. */
    @Override
    public boolean equals(Object other) {
        return other instanceof ErrorPattern p && p.text.equalsIgnoreCase(text);
    }

    @Override
    public int hashCode() {
        return text.toLowerCase(Locale.ROOT).hashCode();
    }

    /** As written in the rule. */
    @Override
    public String toString() {
        return text;
    }
}
