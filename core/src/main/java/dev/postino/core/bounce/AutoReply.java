package dev.postino.core.bounce;

import java.util.List;
import java.util.Optional;

/** RFC 3834 automatic responses (vacation and out-of-office replies): reports, but not bounces. */
final class AutoReply {

    private static final List<String> SUBJECTS = List.of("auto:", "automatic reply", "autoreply", "auto-reply",
            "auto reply", "out of office", "out of the office", "abwesenheitsnotiz", "réponse automatique",
            "reponse automatique", "respuesta automática", "risposta automatica", "vacation", "away from my mail",
            "autosvar", "automatisch antwoord");

    private static final List<String> BODIES = List.of("out of the office", "out of office", "on vacation",
            "i am away", "i'm away", "away from the office", "on holiday", "on leave", "limited access to email",
            "limited access to e-mail", "will be back", "auto-reply", "automatic reply");

    private AutoReply() {
    }

    static BounceReport read(BounceReader.Reading reading) {
        MimeEntity top = reading.top;
        String autoSubmitted = BounceReader.lower(top.field("auto-submitted"));
        String precedence = BounceReader.lower(top.field("precedence"));
        String subject = BounceReader.lower(top.field("subject"));
        boolean marked = autoSubmitted.startsWith("auto-replied") || top.hasField("x-autoreply")
                || top.hasField("x-autorespond") || top.hasField("x-autoresponder")
                || precedence.equals("auto_reply") || BounceReader.lower(top.field("x-auto-response-suppress"))
                .equals("all") && subjectSays(subject);
        if (!marked && !subjectSays(subject)) {
            return null;
        }
        if (!marked) {
            String body = BounceReader.lower(firstText(reading));
            boolean says = false;
            for (String b : BODIES) {
                if (body.contains(b)) {
                    says = true;
                    break;
                }
            }
            if (!says) {
                return null;
            }
        }
        String from = top.field("from");
        String address = from.indexOf('@') > 0 ? BounceText.addressIn(from) : "";
        BouncedRecipient recipient = new BouncedRecipient(MimeEntity.readable(address), "", "",
                BounceReason.VACATION, false, "", Optional.empty());
        return new BounceReport(false, BounceReport.Kind.AUTOREPLY, Optional.empty(), Optional.empty(),
                List.of(recipient), reading.note(""));
    }

    private static boolean subjectSays(String subject) {
        for (String s : SUBJECTS) {
            if (subject.startsWith(s) || subject.contains(" " + s) || subject.contains(s + ":")) {
                return true;
            }
        }
        return false;
    }

    private static String firstText(BounceReader.Reading reading) {
        for (MimeEntity part : reading.parts) {
            if (part.mediaType.startsWith("text/") && !part.isMultipart()) {
                return part.body.length() > 8_192 ? part.body.substring(0, 8_192) : part.body;
            }
        }
        return "";
    }
}
