package dev.postino.core.bounce;

import java.util.List;

/**
 * Sentences that only one MTA or provider writes in its own bounce text, with the reason they stand for: the
 * part of an MTA's vocabulary the general phrase lists cannot read right (for example Domino's "not listed in
 * Domino Directory" is an unknown user, whatever command it answered).
 */
final class MtaPhrases {

    private record Phrase(BounceReason reason, String text) {
    }

    private static final List<Phrase> PHRASES = List.of(
            new Phrase(BounceReason.USERUNKNOWN, "not listed in domino directory"),
            new Phrase(BounceReason.USERUNKNOWN, "not listed in public name & address book"),
            new Phrase(BounceReason.USERUNKNOWN, "the recipient name is not recognized"),
            new Phrase(BounceReason.USERUNKNOWN, "invalid final delivery userid"),
            new Phrase(BounceReason.USERUNKNOWN, "the email address wasn't found at the destination domain"),
            new Phrase(BounceReason.USERUNKNOWN, "the email address wasnt found at the destination domain"),
            new Phrase(BounceReason.USERUNKNOWN, "resolver.adr.recipientnotfound"),
            new Phrase(BounceReason.USERUNKNOWN, "resolver.adr.recipnotfound"),
            new Phrase(BounceReason.USERUNKNOWN, "resolver.adr.exrecipnotfound"),
            new Phrase(BounceReason.EXPIRED, "could not deliver for the last "),
            new Phrase(BounceReason.EXPIRED, "did not accept our requests to connect"),
            new Phrase(BounceReason.EXPIRED, "delivery failed 20 attempts"),
            new Phrase(BounceReason.EXPIRED, "message could not be delivered within"),
            new Phrase(BounceReason.MAILBOXFULL, "the recipient's mailbox is full"),
            new Phrase(BounceReason.HOSTUNKNOWN, "dns error: domain name not found"),
            new Phrase(BounceReason.SUSPEND, "the user(s) account is disabled"),
            new Phrase(BounceReason.SUSPEND, "the email account that you tried to reach is disabled"));

    private MtaPhrases() {
    }

    /** The reason a known MTA's own sentence gives, or null. */
    static BounceReason preset(BounceReader.Reading reading, String text) {
        if (isGoogleGroups(reading)) {
            return BounceReason.REJECTED;
        }
        String lower = BounceText.squash(text);
        for (Phrase p : PHRASES) {
            if (lower.contains(p.text)) {
                return p.reason;
            }
        }
        int failed = lower.indexOf("delivery failed ");
        if (failed >= 0 && lower.indexOf(" attempts", failed) > failed && lower.indexOf(" attempts", failed) < failed + 30) {
            return BounceReason.EXPIRED; // IMail: "Delivery failed N attempts"
        }
        return null;
    }

    /** Google Groups answers a post it refuses (unknown group, no permission) with its own notice. */
    private static boolean isGoogleGroups(BounceReader.Reading reading) {
        String failed = BounceReader.lower(reading.top.field("x-failed-recipients"));
        String from = BounceReader.lower(reading.top.field("from"));
        return failed.contains("@googlegroups.com") && from.contains("google");
    }
}
