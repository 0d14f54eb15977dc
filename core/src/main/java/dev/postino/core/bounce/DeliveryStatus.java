package dev.postino.core.bounce;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.postino.core.smtp.Xtext;

/** RFC 3464 and RFC 6533 reports: a message/delivery-status (or global-delivery-status) part. */
final class DeliveryStatus {

    private DeliveryStatus() {
    }

    static BounceReport read(BounceReader.Reading reading) {
        MimeEntity statusPart = null;
        for (MimeEntity part : reading.parts) {
            if (part.isDeliveryStatus()) {
                statusPart = part;
                break;
            }
        }
        if (statusPart == null) {
            return null;
        }
        List<List<String[]>> groups = groups(statusPart.body);
        String envelopeId = "";
        String reportingMta = "";
        List<RecipientFacts> facts = new ArrayList<>();
        String prose = prose(reading);
        int named = 0;
        for (List<String[]> group : groups) {
            if (!value(group, "final-recipient").isEmpty() || !value(group, "original-recipient").isEmpty()) {
                named++;
            }
        }
        for (List<String[]> group : groups) {
            String finalRecipient = value(group, "final-recipient");
            String originalRecipient = value(group, "original-recipient");
            if (finalRecipient.isEmpty() && originalRecipient.isEmpty()) {
                if (envelopeId.isEmpty()) {
                    envelopeId = value(group, "original-envelope-id");
                }
                if (reportingMta.isEmpty()) {
                    reportingMta = value(group, "reporting-mta");
                }
                continue;
            }
            if (facts.size() >= reading.limits.maxRecipients()) {
                break;
            }
            RecipientFacts f = new RecipientFacts();
            String address = BounceText.addressIn(finalRecipient);
            if (address.indexOf('@') < 0 && !originalRecipient.isEmpty()) {
                String other = BounceText.addressIn(originalRecipient);
                if (other.indexOf('@') > 0 || address.isEmpty()) {
                    address = other;
                }
            }
            f.address = address;
            f.action = value(group, "action");
            String statusField = value(group, "status");
            f.status = BounceText.findStatus(statusField);
            int comment = statusField.indexOf('(');
            if (comment > 0) {
                f.statusComment = statusField.substring(comment);
            }
            String diagnostic = value(group, "diagnostic-code");
            int semi = diagnostic.indexOf(';');
            if (semi > 0 && semi < 16) {
                f.diagnosticType = diagnostic.substring(0, semi).trim().toUpperCase(java.util.Locale.ROOT);
                diagnostic = diagnostic.substring(semi + 1).trim();
            }
            f.remoteMta = afterType(value(group, "remote-mta"));
            f.reportingMta = afterType(reportingMta);
            f.context = near(prose, address);
            f.command = SmtpCommands.find(f.context);
            f.diagnostic = fuller(diagnostic, f.context,
                    named == 1 && !f.context.contains("<<< ") ? prose : f.context);
            String head = prose.length() > 2_000 ? prose.substring(0, 2_000) : prose;
            f.preset = MtaPhrases.preset(reading, f.diagnostic + "\n" + head);
            facts.add(f);
        }
        if (facts.isEmpty()) {
            return null; // a delivery-status part naming no recipient: read the text instead
        }
        List<BouncedRecipient> recipients = new ArrayList<>(facts.size());
        boolean bounce = false;
        for (RecipientFacts f : facts) {
            BouncedRecipient r = f.finish();
            bounce |= r.reason().isFailure();
            recipients.add(r);
        }
        return new BounceReport(bounce, BounceReport.Kind.DSN, reading.originalMessageId(),
                envelopeId.isEmpty() ? Optional.empty() : Optional.of(Xtext.decode(envelopeId.trim())), recipients,
                reading.note(""));
    }

    /** The report's human-readable text: its text parts before the delivery-status part. */
    static String prose(BounceReader.Reading reading) {
        StringBuilder text = new StringBuilder();
        for (MimeEntity part : reading.parts) {
            if (part.isDeliveryStatus()) {
                break;
            }
            if (part.mediaType.equals("text/plain") && !part.isMultipart() && part != reading.top) {
                text.append(part.body).append('\n');
            } else if (part == reading.top && !part.isMultipart()) {
                text.append(part.body).append('\n');
            }
            if (text.length() > 64 * 1024) {
                break;
            }
        }
        return text.length() > 64 * 1024 ? text.substring(0, 64 * 1024) : text.toString();
    }

    /**
     * The diagnostic as the report's prose gives it when that is more complete than the Diagnostic-Code field:
     * Postfix's "said:" text (which names the SMTP command), a Sendmail transcript's multi-line reply, or, when
     * the field is missing, the prose about the recipient.
     */
    static String fuller(String diagnostic, String near, String transcript) {
        if (near.isEmpty() && transcript.isEmpty()) {
            return diagnostic;
        }
        String lower = near.toLowerCase(java.util.Locale.ROOT);
        String prose = "";
        int said = lower.indexOf(" said: ");
        if (said >= 0) {
            prose = near.substring(said + 7);
        } else if (transcript.contains("<<< ")) {
            StringBuilder replies = new StringBuilder();
            for (String line : transcript.split("\n")) {
                if (line.startsWith("<<< ")) {
                    String reply = line.substring(4).trim();
                    if (reply.length() > 4 && BounceText.isDigit(reply.charAt(0)) && reply.charAt(3) == '-'
                            && replies.length() > 0) {
                        reply = reply.substring(4); // a continuation line of a multi-line reply
                    } else if (reply.length() > 4 && BounceText.isDigit(reply.charAt(0)) && replies.length() > 0
                            && reply.charAt(3) == ' ') {
                        reply = reply.substring(4);
                        int sp = reply.indexOf(' ');
                        if (sp > 0 && RecipientFacts.isStatus(reply.substring(0, sp))) {
                            reply = reply.substring(sp + 1);
                        }
                    }
                    replies.append(replies.length() == 0 ? "" : " ").append(reply);
                    if (replies.length() > 2_000) {
                        break;
                    }
                }
            }
            prose = replies.toString();
        }
        if (diagnostic.isBlank()) {
            if (!prose.isEmpty()) {
                return prose;
            }
            StringBuilder text = new StringBuilder();
            for (String line : near.split("\n")) {
                if (!line.trim().startsWith("-----")) {
                    text.append(line).append('\n');
                }
            }
            return text.toString();
        }
        String head = BounceText.squash(diagnostic);
        head = head.substring(0, Math.min(head.length(), 24));
        String squashed = BounceText.squash(prose);
        if (!prose.isEmpty() && squashed.length() > head.length() && squashed.contains(head)) {
            return prose;
        }
        return diagnostic;
    }

    /** The paragraphs of the prose that name the address (where MTAs write the SMTP dialogue), or "". */
    static String near(String prose, String address) {
        if (address.isEmpty() || prose.isEmpty()) {
            return "";
        }
        String lowerProse = prose.toLowerCase(java.util.Locale.ROOT);
        String lowerAddress = address.toLowerCase(java.util.Locale.ROOT);
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int i = 0; i < 3; i++) {
            int hit = lowerProse.indexOf(lowerAddress, from);
            if (hit < 0) {
                break;
            }
            int start = lowerProse.lastIndexOf("\n\n", hit);
            start = start < 0 ? 0 : start + 2;
            int end = lowerProse.indexOf("\n\n", hit);
            end = end < 0 ? prose.length() : end;
            if (end - start > 2_000) {
                end = start + 2_000;
            }
            if (start >= from || i == 0) {
                out.append(prose, Math.max(start, from), end).append("\n\n");
            }
            from = end;
        }
        return out.toString();
    }

    /** The fields of a delivery-status body in groups separated by empty lines, continuation lines unfolded. */
    static List<List<String[]>> groups(String body) {
        List<List<String[]>> groups = new ArrayList<>();
        List<String[]> current = new ArrayList<>();
        int pos = 0;
        int n = body.length();
        while (pos < n && groups.size() < 10_000) {
            int eol = body.indexOf('\n', pos);
            int end = eol < 0 ? n : eol;
            String line = body.substring(pos, end);
            pos = eol < 0 ? n : eol + 1;
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    groups.add(current);
                    current = new ArrayList<>();
                }
                continue;
            }
            char c = line.charAt(0);
            if ((c == ' ' || c == '\t') && !current.isEmpty()) {
                String[] last = current.get(current.size() - 1);
                if (last[1].length() < 8_192) {
                    last[1] = last[1] + " " + line.trim();
                }
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
            current.add(new String[] {name, line.substring(colon + 1).trim()});
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    static String value(List<String[]> group, String name) {
        for (String[] f : group) {
            if (f[0].equals(name)) {
                return f[1];
            }
        }
        return "";
    }

    static String afterType(String value) {
        int semi = value.indexOf(';');
        String v = semi >= 0 ? value.substring(semi + 1) : value;
        return v.trim();
    }
}
