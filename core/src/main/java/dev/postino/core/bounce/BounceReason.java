package dev.postino.core.bounce;

import java.util.Locale;
import java.util.Optional;

/**
 * Why a recipient's delivery failed, in Sisimai's vocabulary (the words bounce processors and ESPs share),
 * and Sisimai's rule for which of them are hard: only an address or host that does not exist (or moved),
 * and a domain that accepts no mail at all, are final; everything else may succeed later.
 */
public enum BounceReason {
    AUTHFAILURE, BADREPUTATION, BLOCKED, CONTENTERROR, EXCEEDLIMIT, EXPIRED,
    FAILEDSTARTTLS, FEEDBACK, FILTERED, HASMOVED, HOSTUNKNOWN, MAILBOXFULL,
    MAILERERROR, MESGTOOBIG, NETWORKERROR, NORELAYING, NOTACCEPT,
    NOTCOMPLIANTRFC, ONHOLD, POLICYVIOLATION, REJECTED, REQUIREPTR,
    SECURITYERROR, SPAMDETECTED, SPEEDING, SUPPRESSED, SUSPEND, SYNTAXERROR,
    SYSTEMERROR, SYSTEMFULL, TOOMANYCONN, USERUNKNOWN, VIRUSDETECTED,
    DELIVERED, UNDEFINED, VACATION;

    /** The lowercase word the CLI contract and the attributes use. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<BounceReason> fromWord(String word) {
        for (BounceReason reason : values()) {
            if (reason.word().equalsIgnoreCase(word)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }

    /**
     * Sisimai's hard/soft rule: userunknown, hostunknown and hasmoved are always hard (even with 4.x.x);
     * notaccept is hard unless its status or reply is temporary; a full mailbox is soft even with 5.x.x.
     *
     * @param temporary whether the status code (or, without one, the SMTP reply) is a 4xx
     */
    public boolean isHard(boolean temporary) {
        return switch (this) {
            case USERUNKNOWN, HOSTUNKNOWN, HASMOVED -> true;
            case NOTACCEPT -> !temporary;
            default -> false;
        };
    }

    /** True for the reasons that report a failed or delayed delivery (not success, complaint or vacation). */
    public boolean isFailure() {
        return this != DELIVERED && this != FEEDBACK && this != VACATION;
    }
}
