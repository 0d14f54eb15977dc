package dev.postino.core.bounce;

import java.util.Optional;

/** What a parser learned about one recipient, turned into a {@link BouncedRecipient} once complete. */
final class RecipientFacts {
    String address = "";
    String action = "";
    String status = "";
    String diagnostic = "";
    String diagnosticType = "";
    String remoteMta = "";
    String reportingMta = "";
    String command = "";
    /** Extra text read only when the diagnostic itself says nothing recognisable (the report's prose). */
    String context = "";
    /** The comment of a Status field ("5.2.1 (mailbox disabled)"): read for the reason, not reported. */
    String statusComment = "";
    BounceReason preset;

    BouncedRecipient finish() {
        String diag = BounceText.oneLine(diagnostic);
        if (diag.length() > 4_000) {
            diag = diag.substring(0, 4_000);
        }
        String code = status.trim();
        String fromText = BounceText.findStatus(diag);
        if (code.isEmpty() || !isStatus(code)) {
            code = fromText;
        } else if (code.endsWith(".0.0") && !fromText.isEmpty() && fromText.charAt(0) == code.charAt(0)
                && !fromText.endsWith(".0.0")) {
            code = fromText; // a general status next to a precise one from the same server
        }
        String reply = BounceText.findReplyCode(diag);
        String cmd = command.isEmpty() ? SmtpCommands.find(diag + " " + context) : command;
        String type = diagnosticType.isEmpty() && !diag.isEmpty() ? "" : diagnosticType;
        String act = action.trim().toLowerCase(java.util.Locale.ROOT);
        if (!code.isEmpty() && !reply.isEmpty() && code.charAt(0) != reply.charAt(0) && fromText.length() > 0
                && fromText.charAt(0) == reply.charAt(0)) {
            code = fromText; // "Status: 4.5.0" beside "550 5.5.0 ...": the server's own reply decides
        }
        String readFor = statusComment.isEmpty() ? diag : diag + " " + statusComment;
        ReasonClassifier.Facts facts = new ReasonClassifier.Facts(code, reply, readFor, type, cmd, act, preset);
        BounceReason reason = null;
        if (preset == null || preset == BounceReason.UNDEFINED || preset == BounceReason.ONHOLD) {
            reason = RemoteHosts.find(address, remoteMta, reportingMta, code, reply, cmd, diag);
        }
        if (reason == null) {
            reason = ReasonClassifier.classify(facts);
        }
        if ((reason == BounceReason.ONHOLD || reason == BounceReason.UNDEFINED) && !context.isEmpty()) {
            String extra = BounceText.oneLine(context);
            String ctxStatus = code.isEmpty() ? BounceText.findStatus(extra) : code;
            String ctxReply = reply.isEmpty() ? BounceText.findReplyCode(extra) : reply;
            BounceReason again = ReasonClassifier.classify(new ReasonClassifier.Facts(ctxStatus, ctxReply,
                    diag + " " + extra, type, cmd, act, preset));
            if (again != BounceReason.ONHOLD && again != BounceReason.UNDEFINED) {
                reason = again;
                if (code.isEmpty()) {
                    code = ctxStatus;
                }
                if (reply.isEmpty()) {
                    reply = ctxReply;
                }
            }
        }
        boolean temporary = !code.isEmpty() ? code.startsWith("4") : reply.startsWith("4");
        if (reason == BounceReason.DELIVERED) {
            temporary = false;
        }
        if (code.isEmpty() || !isStatus(code)) {
            code = ReasonClassifier.sisimaiCode(reason, temporary);
            if (reason == BounceReason.DELIVERED) {
                code = "2.0.0";
            }
        }
        if (act.isEmpty() || !(act.equals("failed") || act.equals("delayed") || act.equals("delivered")
                || act.equals("relayed") || act.equals("expanded"))) {
            act = actionFor(act, code, reason);
        }
        boolean hard = reason.isHard(temporary);
        return new BouncedRecipient(MimeEntity.readable(address), act, code, reason, hard,
                MimeEntity.readable(diag), remoteMta.isEmpty() ? Optional.empty() : Optional.of(remoteMta));
    }

    private static String actionFor(String stated, String code, BounceReason reason) {
        if (reason == BounceReason.DELIVERED || code.startsWith("2")) {
            return stated.startsWith("relay") ? "relayed" : "delivered";
        }
        if (stated.startsWith("delay") || stated.startsWith("expired") && code.startsWith("4")) {
            return "delayed";
        }
        return "failed";
    }

    static boolean isStatus(String code) {
        if (code.length() < 5 || code.length() > 9) {
            return false;
        }
        char c = code.charAt(0);
        if ((c != '2' && c != '4' && c != '5') || code.charAt(1) != '.') {
            return false;
        }
        int dots = 0;
        for (int i = 1; i < code.length(); i++) {
            char d = code.charAt(i);
            if (d == '.') {
                dots++;
            } else if (!BounceText.isDigit(d)) {
                return false;
            }
        }
        return dots == 2 && code.charAt(code.length() - 1) != '.' && code.indexOf("..") < 0;
    }
}
