package dev.postino.core.bounce;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides one recipient's reason from what the report says about it: the status code, the remote server's
 * text, the SMTP command it answered and the action. The order of the checks follows Sisimai's (a specific
 * status wins, then the phrases in a fixed order, then the status class), so that the reasons agree with the
 * tables bounce processors share.
 */
final class ReasonClassifier {

    /** What is known about one recipient when its reason is decided. */
    record Facts(String status, String replyCode, String diagnostic, String diagnosticType, String command,
                 String action, BounceReason preset) {
    }

    private static final Map<String, BounceReason> STATUS_NAMES = new HashMap<>();
    private static final Map<BounceReason, String> PERMANENT_CODES = new EnumMap<>(BounceReason.class);

    /** Reasons a status or an MTA module may give that further text may still make more precise. */
    private static final List<BounceReason> RETRIED = List.of(BounceReason.UNDEFINED, BounceReason.ONHOLD,
            BounceReason.SYSTEMERROR, BounceReason.SECURITYERROR, BounceReason.EXPIRED, BounceReason.NETWORKERROR,
            BounceReason.HOSTUNKNOWN, BounceReason.USERUNKNOWN);

    /** Commands sent before DATA: a refusal there cannot be about the message's content. */
    private static final List<String> BEFORE_DATA = List.of("CONN", "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL",
            "RCPT");

    private static final List<BounceReason> ORDER_FIRST = List.of(BounceReason.MAILBOXFULL, BounceReason.MESGTOOBIG,
            BounceReason.EXCEEDLIMIT, BounceReason.SUSPEND, BounceReason.HASMOVED, BounceReason.NORELAYING,
            BounceReason.AUTHFAILURE, BounceReason.USERUNKNOWN, BounceReason.FILTERED, BounceReason.REQUIREPTR,
            BounceReason.NOTCOMPLIANTRFC, BounceReason.BADREPUTATION, BounceReason.CONTENTERROR,
            BounceReason.REJECTED, BounceReason.HOSTUNKNOWN, BounceReason.SPAMDETECTED, BounceReason.SPEEDING,
            BounceReason.TOOMANYCONN, BounceReason.BLOCKED);

    private static final List<BounceReason> ORDER_SECOND = List.of(BounceReason.MAILBOXFULL,
            BounceReason.AUTHFAILURE, BounceReason.BADREPUTATION, BounceReason.SPEEDING, BounceReason.SPAMDETECTED,
            BounceReason.VIRUSDETECTED, BounceReason.POLICYVIOLATION, BounceReason.NORELAYING,
            BounceReason.SYSTEMERROR, BounceReason.NETWORKERROR, BounceReason.SUSPEND, BounceReason.CONTENTERROR,
            BounceReason.SYSTEMFULL, BounceReason.NOTACCEPT, BounceReason.EXPIRED, BounceReason.FAILEDSTARTTLS,
            BounceReason.SECURITYERROR, BounceReason.SUPPRESSED, BounceReason.MAILERERROR);

    /** The order in which text alone (no status, no MTA hint) is read. */
    private static final List<BounceReason> ORDER_TEXT = List.of(BounceReason.MAILBOXFULL, BounceReason.MESGTOOBIG,
            BounceReason.EXCEEDLIMIT, BounceReason.SUSPEND, BounceReason.USERUNKNOWN, BounceReason.FILTERED,
            BounceReason.REJECTED, BounceReason.HOSTUNKNOWN, BounceReason.SPAMDETECTED, BounceReason.SPEEDING,
            BounceReason.TOOMANYCONN, BounceReason.BLOCKED, BounceReason.AUTHFAILURE, BounceReason.FAILEDSTARTTLS,
            BounceReason.SECURITYERROR, BounceReason.SYSTEMERROR, BounceReason.NETWORKERROR, BounceReason.EXPIRED,
            BounceReason.CONTENTERROR, BounceReason.HASMOVED, BounceReason.SYSTEMFULL, BounceReason.NOTACCEPT,
            BounceReason.MAILERERROR, BounceReason.NORELAYING, BounceReason.SUPPRESSED, BounceReason.SYNTAXERROR,
            BounceReason.VIRUSDETECTED, BounceReason.POLICYVIOLATION, BounceReason.REQUIREPTR,
            BounceReason.BADREPUTATION, BounceReason.NOTCOMPLIANTRFC);

    private ReasonClassifier() {
    }

    private static void name(BounceReason reason, String... codes) {
        for (String code : codes) {
            STATUS_NAMES.put(code, reason);
        }
    }

    static {
        name(BounceReason.DELIVERED, "2.1.5");
        name(BounceReason.HASMOVED, "4.1.6", "5.1.6", "5.7.17", "5.7.18");
        name(BounceReason.REJECTED, "4.1.7", "4.1.8", "5.1.7", "5.1.8");
        name(BounceReason.SYSTEMERROR, "4.1.9", "4.3.3", "4.3.5", "4.4.3", "4.5.3", "4.5.5", "5.1.9", "5.3.0",
                "5.3.3", "5.3.5", "5.4.3", "5.5.4", "5.5.5");
        name(BounceReason.BLOCKED, "4.2.1", "4.7.1", "4.7.2");
        name(BounceReason.MAILBOXFULL, "4.2.2", "5.2.2");
        name(BounceReason.EXCEEDLIMIT, "4.2.3", "5.2.3");
        name(BounceReason.FILTERED, "4.2.4", "5.1.4", "5.2.0", "5.2.1", "5.2.4");
        name(BounceReason.SYSTEMFULL, "4.3.1", "4.4.5", "5.3.1");
        name(BounceReason.NOTACCEPT, "4.3.2", "5.1.10", "5.3.2", "5.7.27");
        name(BounceReason.EXPIRED, "4.4.1", "4.4.7");
        name(BounceReason.NETWORKERROR, "4.4.2", "4.4.4", "4.4.6", "4.4.8", "5.4.0");
        name(BounceReason.CONTENTERROR, "4.6.0", "4.6.2", "4.6.5", "5.6.0", "5.6.1", "5.6.2", "5.6.3", "5.6.5",
                "5.6.6", "5.6.7", "5.6.8", "5.6.9");
        name(BounceReason.SECURITYERROR, "4.7.5", "4.7.6", "4.7.7", "4.7.12", "4.7.15", "5.7.0", "5.7.1", "5.7.2",
                "5.7.3", "5.7.4", "5.7.5", "5.7.6", "5.7.7", "5.7.8", "5.7.9", "5.7.10", "5.7.11", "5.7.14",
                "5.7.15", "5.7.19");
        name(BounceReason.MESGTOOBIG, "4.7.16", "5.3.4", "5.7.16");
        name(BounceReason.AUTHFAILURE, "4.7.24", "4.7.26", "5.7.20", "5.7.21", "5.7.22", "5.7.23", "5.7.24",
                "5.7.26", "5.7.29");
        name(BounceReason.REQUIREPTR, "4.7.25", "5.7.25");
        name(BounceReason.USERUNKNOWN, "5.1.0", "5.1.1", "5.1.3");
        name(BounceReason.HOSTUNKNOWN, "5.1.2", "5.4.4");
        name(BounceReason.SYNTAXERROR, "5.5.2", "5.5.6");
        name(BounceReason.TOOMANYCONN, "5.5.3");
        name(BounceReason.SUSPEND, "5.7.13");
        name(BounceReason.SPAMDETECTED, "5.7.28");
        name(BounceReason.FAILEDSTARTTLS, "5.7.30");

        Object[][] codes = {
            {BounceReason.AUTHFAILURE, "926"}, {BounceReason.BADREPUTATION, "975"}, {BounceReason.BLOCKED, "971"},
            {BounceReason.CONTENTERROR, "960"}, {BounceReason.EXCEEDLIMIT, "923"}, {BounceReason.EXPIRED, "947"},
            {BounceReason.FAILEDSTARTTLS, "976"}, {BounceReason.FILTERED, "910"}, {BounceReason.HASMOVED, "916"},
            {BounceReason.HOSTUNKNOWN, "912"}, {BounceReason.MAILBOXFULL, "922"}, {BounceReason.MAILERERROR, "939"},
            {BounceReason.MESGTOOBIG, "934"}, {BounceReason.NETWORKERROR, "944"}, {BounceReason.NORELAYING, "909"},
            {BounceReason.NOTACCEPT, "932"}, {BounceReason.NOTCOMPLIANTRFC, "974"}, {BounceReason.ONHOLD, "901"},
            {BounceReason.POLICYVIOLATION, "972"}, {BounceReason.REJECTED, "918"}, {BounceReason.REQUIREPTR, "973"},
            {BounceReason.SECURITYERROR, "970"}, {BounceReason.SPAMDETECTED, "980"}, {BounceReason.SPEEDING, "946"},
            {BounceReason.SUPPRESSED, "903"}, {BounceReason.SUSPEND, "921"}, {BounceReason.SYSTEMERROR, "930"},
            {BounceReason.SYSTEMFULL, "931"}, {BounceReason.SYNTAXERROR, "902"}, {BounceReason.TOOMANYCONN, "945"},
            {BounceReason.USERUNKNOWN, "911"}, {BounceReason.UNDEFINED, "900"}, {BounceReason.VIRUSDETECTED, "981"},
        };
        for (Object[] row : codes) {
            PERMANENT_CODES.put((BounceReason) row[0], (String) row[1]);
        }
    }

    /** The reason RFC 3463's code stands for, as Sisimai maps it, or null. */
    static BounceReason statusName(String status) {
        return status.isEmpty() ? null : STATUS_NAMES.get(status);
    }

    /**
     * Sisimai's own code for a reason when a report carries none: X.0.9NN (5 for permanent, 4 for temporary;
     * userunknown, hostunknown and hasmoved are always 5, filtered is 4.0.924 when temporary).
     */
    static String sisimaiCode(BounceReason reason, boolean temporary) {
        String n = PERMANENT_CODES.get(reason);
        if (n == null) {
            return "";
        }
        if (temporary && reason != BounceReason.USERUNKNOWN && reason != BounceReason.HOSTUNKNOWN
                && reason != BounceReason.HASMOVED) {
            return "4.0." + (reason == BounceReason.FILTERED ? "924" : n);
        }
        return "5.0." + n;
    }

    static BounceReason classify(Facts f) {
        if (f.preset != null && !RETRIED.contains(f.preset)) {
            return f.preset;
        }
        if (f.status.startsWith("2.")) {
            return BounceReason.DELIVERED;
        }
        String text = BounceText.squash(f.diagnostic);
        java.util.Set<BounceReason> said = ReasonPhrases.allSaid(text);
        BounceReason found = null;
        if (f.diagnosticType.isEmpty() || f.diagnosticType.equals("SMTP")) {
            for (BounceReason r : ORDER_FIRST) {
                if (probes(r, f, text, said)) {
                    found = r;
                    break;
                }
            }
        }
        if (found == null || found == BounceReason.UNDEFINED) {
            found = anotherOne(f, text, said);
            if (found == BounceReason.UNDEFINED) {
                found = null;
            }
            if (found == null && f.action.equals("delayed")) {
                found = BounceReason.EXPIRED;
            }
            if (found == null && f.preset != null && f.preset != BounceReason.UNDEFINED) {
                found = f.preset;
            }
            if (found == null) {
                if (said.contains(BounceReason.VACATION)) {
                    found = BounceReason.VACATION;
                } else {
                    found = text.isEmpty() ? BounceReason.UNDEFINED : BounceReason.ONHOLD;
                }
            }
        }
        return found;
    }

    private static BounceReason anotherOne(Facts f, String text, java.util.Set<BounceReason> said) {
        if (f.preset != null && f.preset != BounceReason.UNDEFINED && f.preset != BounceReason.ONHOLD) {
            return f.preset;
        }
        BounceReason named = statusName(f.status);
        if (named == null || RETRIED.contains(named) || !f.diagnosticType.equals("SMTP")) {
            for (BounceReason r : ORDER_SECOND) {
                if (said.contains(r)) {
                    return r;
                }
            }
            if (named != null) {
                return named;
            }
            if (f.status.length() > 3) {
                String subject = f.status.substring(1, 3);
                if (subject.equals(".6")) {
                    return BounceReason.CONTENTERROR;
                }
                if (subject.equals(".7")) {
                    return BounceReason.SECURITYERROR;
                }
            }
            if (f.diagnosticType.startsWith("X-UNIX")) {
                return BounceReason.MAILERERROR;
            }
            if (f.replyCode.compareTo("500") >= 0 && f.replyCode.compareTo("504") <= 0) {
                return BounceReason.SYNTAXERROR; // 500-504: the server did not understand the command
            }
            if (f.action.equals("delayed") || f.action.equals("expired")) {
                return BounceReason.EXPIRED;
            }
            if (f.command.equals("EHLO") || f.command.equals("HELO")) {
                return BounceReason.BLOCKED;
            }
        }
        return named;
    }

    /** Text only, in a fixed order: for reports that carry nothing but words. */
    static BounceReason fromTextOnly(String lower) {
        java.util.Set<BounceReason> said = ReasonPhrases.allSaid(lower);
        for (BounceReason r : ORDER_TEXT) {
            if (said.contains(r)) {
                return r;
            }
        }
        return null;
    }

    private static boolean probes(BounceReason r, Facts f, String text, java.util.Set<BounceReason> said) {
        if (f.preset == r) {
            return true;
        }
        BounceReason named = statusName(f.status);
        switch (r) {
            case MAILBOXFULL, EXCEEDLIMIT, AUTHFAILURE, REQUIREPTR, TOOMANYCONN, BLOCKED:
                return named == r || said.contains(r);
            case MESGTOOBIG:
                if (named == r) {
                    return true;
                }
                if (named == BounceReason.EXCEEDLIMIT || f.status.equals("5.2.3")) {
                    return false;
                }
                return said.contains(r);
            case SUSPEND:
                return f.replyCode.equals("525") || said.contains(r);
            case HASMOVED, NOTCOMPLIANTRFC, BADREPUTATION, SPEEDING:
                return said.contains(r);
            case NORELAYING:
                if (f.command.equals("CONN") || f.command.equals("EHLO") || f.command.equals("HELO")) {
                    return false;
                }
                return said.contains(r);
            case USERUNKNOWN:
                if (named == BounceReason.USERUNKNOWN) {
                    for (BounceReason other : List.of(BounceReason.NORELAYING, BounceReason.BLOCKED,
                            BounceReason.MAILBOXFULL, BounceReason.HASMOVED, BounceReason.REJECTED,
                            BounceReason.NOTACCEPT)) {
                        if (said.contains(other)) {
                            return false;
                        }
                    }
                    return true;
                }
                return f.command.equals("RCPT") && said.contains(r);
            case FILTERED:
                if (named == BounceReason.FILTERED) {
                    return said.contains(BounceReason.USERUNKNOWN) || said.contains(r);
                }
                if (BEFORE_DATA.contains(f.command)) {
                    return false;
                }
                return said.contains(r) || said.contains(BounceReason.USERUNKNOWN);
            case CONTENTERROR:
                if (probes(BounceReason.SPAMDETECTED, f, text, said)) {
                    return false;
                }
                return named == r || said.contains(r);
            case REJECTED: {
                if (named == r) {
                    return true;
                }
                BounceReason temp = named == null ? BounceReason.UNDEFINED : named;
                if (f.command.equals("MAIL")) {
                    return said.contains(r);
                }
                if (f.command.equals("DATA") && temp != BounceReason.USERUNKNOWN) {
                    return said.contains(r);
                }
                if (temp == BounceReason.UNDEFINED || temp == BounceReason.ONHOLD
                        || temp == BounceReason.SECURITYERROR || temp == BounceReason.SYSTEMERROR) {
                    return said.contains(r);
                }
                return false;
            }
            case HOSTUNKNOWN:
                if (named == r) {
                    return !said.contains(BounceReason.NETWORKERROR);
                }
                return said.contains(r);
            case SPAMDETECTED:
                if (f.status.isEmpty()) {
                    return false;
                }
                if (named == r) {
                    return true;
                }
                if (BEFORE_DATA.contains(f.command)) {
                    return false;
                }
                return said.contains(r);
            default:
                return false;
        }
    }
}
