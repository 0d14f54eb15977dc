package dev.postino.core.bounce;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bounces in an MTA's or provider's own words (qmail, Exim, Sendmail before DSNs, Gmail, Yahoo, Exchange's old
 * text, James's DSNBounce, "could not be delivered" notices): the error text before the quoted original, the
 * recipients it names (or X-Failed-Recipients) and, for each, the lines that follow its address.
 */
final class TextBounce {

    /** Words in a Subject that mark a delivery failure notice. */
    private static final List<String> SUBJECTS = List.of("undeliver", "undelivered", "delivery status notification",
            "failure notice", "returned mail", "mail delivery fail", "delivery failure", "could not be delivered",
            "not delivered", "delivery notification", "nondeliverable", "non-deliverable", "non-delivery",
            "non remis", "mail delivery system", "delivery problem", "returned to sender", "mail system error",
            "delivery report", "message not delivered", "delivery has failed", "rejected:", "returned message",
            "failed delivery", "failed mail", "mail could not be delivered", "permanent error", "delivery error",
            "warning: could not send message", "unable to deliver", "error sending message", "bounce",
            "delivery failed", "mail failure", "message delivery", "nicht zustellbar", "unzustellbar",
            "échec de la remise", "no se puede entregar", "returned:", "error delivering", "mail not delivered",
            "notice of delivery", "delivery state", "failure delivery", "undeliverable");

    /** Local parts of the senders of delivery failure notices. */
    private static final List<String> DAEMONS = List.of("mailer-daemon", "mail-daemon", "maildaemon",
            "mailerdaemon", "mail.delivery", "mail-delivery", "nobody", "mdaemon", "daemon", "noreply");

    /** Lines where the error text ends and the returned original begins. */
    private static final List<String> ORIGINAL_MARKERS = List.of(
            "below this line is a copy of the message", "- this is a copy of the message",
            "----- original message -----", "original message follows", "- the following is a copy of the message",
            "message headers follow", "----- unsent message below -----",
            "the original message headers are included as attachment", "--------original message--------",
            "---- original message ----", "content-type: message/rfc822", "- this is a copy of your message",
            "--- the header of the original message is following", "- message header follows -",
            "below is a copy of the original message:", "------ failed message ------", "original message header:",
            "----- original message headers -----", "--------------- original message -----", "message attached:",
            "--- original message ---", "the original message is attached", "---- headers of the original message ----",
            "- unsent message follows -", "------- returned message --------");

    private TextBounce() {
    }

    static boolean looksLikeBounce(BounceReader.Reading reading) {
        MimeEntity top = reading.top;
        if (top.hasField("x-failed-recipients")) {
            return true;
        }
        String subject = BounceReader.lower(top.field("subject"));
        for (String s : SUBJECTS) {
            if (subject.contains(s)) {
                return true;
            }
        }
        String from = BounceReader.lower(top.field("from"));
        if (from.contains("mail delivery") || from.contains("mailer-daemon") || from.contains("mailer daemon")
                || from.contains("postmaster@") || from.contains("<postmaster")) {
            return true;
        }
        return false;
    }

    /** Headers only a delivery failure notice has: X-Failed-Recipients, or a mailer daemon as the sender. */
    private static boolean sentByDaemon(BounceReader.Reading reading) {
        if (reading.top.hasField("x-failed-recipients")) {
            return true;
        }
        String from = BounceReader.lower(reading.top.field("from"));
        String returnPath = reading.top.field("return-path").trim();
        return from.contains("mail delivery") || from.contains("mailer-daemon") || from.contains("mailer daemon")
                || from.contains("postmaster@") || from.contains("<postmaster") || returnPath.equals("<>");
    }

    static BounceReport read(BounceReader.Reading reading) {
        boolean bounceHeaders = looksLikeBounce(reading);
        String block = errorBlock(reading);
        if (block.isEmpty()) {
            return bounceHeaders ? undetermined(reading, "a delivery failure notice without any text") : null;
        }
        String lower = block.toLowerCase(Locale.ROOT);
        boolean says = saysUndelivered(lower) || !BounceText.findStatus(lower).isEmpty();
        if (!says && !sentByDaemon(reading)) {
            // a Subject alone ("Re: bounce rates", "Undelivered parcel") does not make ordinary mail a bounce
            return bounceHeaders ? BounceReport.none(reading.note("")) : null;
        }
        BounceReport fields = fieldsInText(reading, block);
        if (fields != null) {
            return fields;
        }
        List<String> exclude = excluded(reading);
        Map<String, Integer> found = new LinkedHashMap<>();
        String failedRecipients = reading.top.field("x-failed-recipients");
        if (!failedRecipients.isEmpty()) {
            for (String a : failedRecipients.split(",")) {
                String address = BounceText.addressIn(a);
                if (address.indexOf('@') > 0 && found.size() < reading.limits.maxRecipients()) {
                    String key = address.toLowerCase(Locale.ROOT);
                    int at = lower.indexOf(key);
                    found.putIfAbsent(key, at < 0 ? Integer.MAX_VALUE : lineStart(block, at));
                }
            }
        }
        if (found.isEmpty()) {
            int pos = 0;
            while (pos < block.length() && found.size() < reading.limits.maxRecipients()) {
                int[] a = BounceText.findAddress(block, pos, block.length());
                if (a == null) {
                    break;
                }
                pos = a[1];
                String address = block.substring(a[0], a[1]);
                String key = address.toLowerCase(Locale.ROOT);
                if (found.containsKey(key) || isExcluded(key, exclude) || inHeaderLine(block, a[0])
                        || isContactAddress(block, a[0], key)) {
                    continue;
                }
                found.put(key, lineStart(block, a[0]));
            }
        }
        if (found.isEmpty()) {
            return bounceHeaders ? undetermined(reading, "a delivery failure notice that names no recipient") : null;
        }
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(found.entrySet());
        List<BouncedRecipient> recipients = new ArrayList<>(entries.size());
        boolean bounce = false;
        int firstLine = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> e : entries) {
            firstLine = Math.min(firstLine, e.getValue());
        }
        String intro = firstLine == Integer.MAX_VALUE ? block : block.substring(0, Math.min(firstLine, block.length()));
        for (int i = 0; i < entries.size(); i++) {
            int start = entries.get(i).getValue();
            RecipientFacts f = new RecipientFacts();
            f.address = entries.get(i).getKey();
            if (start == Integer.MAX_VALUE) {
                f.diagnostic = "";
                f.context = block;
            } else {
                int end = block.length();
                for (Map.Entry<String, Integer> other : entries) {
                    if (other.getValue() > start && other.getValue() < end) {
                        end = other.getValue();
                    }
                }
                f.diagnostic = cleanDiagnostic(ownLines(block, start, end), f.address);
                f.context = intro.length() > 4_000 ? intro.substring(intro.length() - 4_000) : intro;
            }
            f.remoteMta = remoteHost(f.diagnostic);
            f.preset = MtaPhrases.preset(reading, f.diagnostic + "\n" + f.context);
            f.command = SmtpCommands.find(f.diagnostic + "\n" + f.context);
            BouncedRecipient r = f.finish();
            bounce |= r.reason().isFailure();
            recipients.add(r);
        }
        return new BounceReport(bounce, BounceReport.Kind.NON_STANDARD, reading.originalMessageId(),
                java.util.Optional.empty(), recipients, reading.note(""));
    }

    private static BounceReport undetermined(BounceReader.Reading reading, String why) {
        return BounceReport.none(reading.note(why));
    }

    /** Whether plain text says that a message was not delivered (for notices whose headers do not say so). */
    private static boolean saysUndelivered(String lower) {
        return lower.contains("could not be delivered") || lower.contains("couldn't be delivered")
                || lower.contains("was not delivered") || lower.contains("undeliverable")
                || lower.contains("delivery to the following recipient") || lower.contains("unable to deliver")
                || lower.contains("permanent error") || lower.contains("delivery has failed")
                || lower.contains("wasn't able to deliver") || lower.contains("following address(es) failed")
                || lower.contains("delivery failed")
                || lower.contains("error message below:") && lower.contains("message details:");
    }

    /** The notice's own text: the first text part outside the returned original, cut where the original starts. */
    static String errorBlock(BounceReader.Reading reading) {
        String text = null;
        for (MimeEntity part : reading.parts) {
            if (part.isMultipart()) {
                continue;
            }
            if (part.mediaType.equals("text/plain") || part == reading.top) {
                text = part.body;
                break;
            }
        }
        if (text == null) {
            for (MimeEntity part : reading.parts) {
                if (part.mediaType.equals("text/html")) {
                    text = withoutTags(part.body);
                    break;
                }
            }
        }
        if (text == null) {
            return "";
        }
        if (text.length() > 256 * 1024) {
            text = text.substring(0, 256 * 1024);
        }
        String lower = text.toLowerCase(Locale.ROOT);
        int cut = text.length();
        for (String marker : ORIGINAL_MARKERS) {
            int hit = lower.indexOf(marker);
            if (hit >= 0 && hit < cut) {
                cut = hit;
            }
        }
        for (String header : new String[] {"\nreturn-path:", "\nreceived: from", "\nreceived: by"}) {
            int hit = lower.indexOf(header);
            if (hit >= 0 && hit < cut) {
                cut = hit;
            }
        }
        return text.substring(0, cut);
    }

    private static String withoutTags(String html) {
        StringBuilder out = new StringBuilder(html.length());
        boolean tag = false;
        for (int i = 0; i < html.length(); i++) {
            char c = html.charAt(i);
            if (c == '<') {
                tag = true;
                int close = html.indexOf('>', i);
                String name = close > i ? html.substring(i, Math.min(close, i + 6)).toLowerCase(Locale.ROOT) : "";
                if (name.startsWith("<br") || name.startsWith("<p") || name.startsWith("</p")
                        || name.startsWith("<div") || name.startsWith("</div") || name.startsWith("<tr")) {
                    out.append('\n');
                }
            } else if (c == '>' && tag) {
                tag = false;
            } else if (!tag) {
                out.append(c);
            }
        }
        return out.toString().replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&amp;", "&").replace("&quot;", "\"");
    }

    private static List<String> excluded(BounceReader.Reading reading) {
        List<String> out = new ArrayList<>();
        for (String name : new String[] {"from", "to", "reply-to", "return-path", "sender", "delivered-to",
                "envelope-to"}) {
            String v = reading.top.field(name);
            if (v.indexOf('@') > 0) {
                out.add(BounceText.addressIn(v).toLowerCase(Locale.ROOT));
            }
        }
        for (MimeEntity original : reading.originals) {
            String v = original.field("from");
            if (v.indexOf('@') > 0) {
                out.add(BounceText.addressIn(v).toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static boolean isExcluded(String lowerAddress, List<String> exclude) {
        if (exclude.contains(lowerAddress)) {
            return true;
        }
        int at = lowerAddress.indexOf('@');
        String local = lowerAddress.substring(0, at);
        for (String d : DAEMONS) {
            if (local.equals(d)) {
                return true;
            }
        }
        return local.startsWith("mailer-daemon");
    }

    /** The postmaster or help desk a notice tells the reader to write to is not a recipient. */
    private static boolean isContactAddress(String block, int at, String lowerAddress) {
        int ls = lineStart(block, at);
        String before = block.substring(Math.max(ls, at - 120), at).toLowerCase(Locale.ROOT);
        String local = lowerAddress.substring(0, lowerAddress.indexOf('@'));
        boolean role = local.equals("postmaster") || local.equals("abuse") || local.equals("support")
                || local.equals("help") || local.equals("hostmaster") || local.equals("admin");
        return role && (before.contains("contact") || before.contains("send") || before.contains("write")
                || before.contains("mail to") || before.contains("email") || before.contains("e-mail")
                || before.contains("please") || before.contains("questions"));
    }

    /** An address in a quoted header line of the original (From:, Reply-To: ...) is not a recipient. */
    private static boolean inHeaderLine(String block, int at) {
        int ls = lineStart(block, at);
        String head = block.substring(ls, Math.min(at, ls + 40)).trim().toLowerCase(Locale.ROOT);
        return head.startsWith("from:") || head.startsWith("reply-to:") || head.startsWith("sender:")
                || head.startsWith("return-path:") || head.startsWith("message-id:") || head.startsWith("mail from")
                || head.startsWith("envelope-from") || head.startsWith("(envelope-from")
                || head.startsWith("the original message was received") || head.startsWith("from ")
                || head.startsWith(">>> mail from") || head.startsWith("in-reply-to:")
                || head.startsWith("references:");
    }

    static int lineStart(String text, int pos) {
        int nl = text.lastIndexOf('\n', Math.max(0, pos - 1));
        return nl < 0 ? 0 : nl + 1;
    }

    /** Nothing but the address and punctuation is no diagnostic at all. */
    private static String cleanDiagnostic(String section, String address) {
        String lower = section.toLowerCase(Locale.ROOT);
        String rest = lower.replace(address, "");
        for (int i = 0; i < rest.length(); i++) {
            if (Character.isLetterOrDigit(rest.charAt(i))) {
                return section;
            }
        }
        return "";
    }

    /**
     * The text about one recipient: its line alone when that line already carries a reply (Sendmail's
     * "554 <addr>... reason"), with any indented continuation; else its section up to the next recipient.
     */
    private static String ownLines(String block, int start, int end) {
        int eol = block.indexOf('\n', start);
        int lineEnd = eol < 0 || eol > end ? end : eol;
        String line = block.substring(start, lineEnd);
        int[] a = BounceText.findAddress(line, 0, line.length());
        String rest = a == null ? line : line.substring(0, a[0]) + line.substring(a[1]);
        if (!BounceText.findReplyCode(rest).isEmpty() && rest.trim().length() > 12) {
            int pos = lineEnd + 1;
            while (pos < end && pos < block.length() && (block.charAt(pos) == ' ' || block.charAt(pos) == '\t')) {
                int next = block.indexOf('\n', pos);
                lineEnd = next < 0 || next > end ? end : next;
                pos = lineEnd + 1;
            }
            return block.substring(start, Math.min(lineEnd, start + 4_000));
        }
        return block.substring(start, Math.min(end, start + 4_000));
    }

    /** Delivery-status fields written into the text itself (Amazon WorkMail, some gateways): read them as a DSN. */
    private static BounceReport fieldsInText(BounceReader.Reading reading, String block) {
        int hit = BounceReader.indexOfLineStart(block, "final-recipient:");
        if (hit < 0) {
            return null;
        }
        int from = Math.max(0, block.lastIndexOf("\n\n", hit));
        List<List<String[]>> groups = DeliveryStatus.groups(block.substring(from));
        List<BouncedRecipient> recipients = new ArrayList<>();
        boolean bounce = false;
        for (List<String[]> group : groups) {
            String finalRecipient = DeliveryStatus.value(group, "final-recipient");
            if (finalRecipient.isEmpty() || recipients.size() >= reading.limits.maxRecipients()) {
                continue;
            }
            RecipientFacts f = new RecipientFacts();
            f.address = BounceText.addressIn(finalRecipient);
            f.action = DeliveryStatus.value(group, "action");
            f.status = BounceText.findStatus(DeliveryStatus.value(group, "status"));
            String diagnostic = DeliveryStatus.value(group, "diagnostic-code");
            int semi = diagnostic.indexOf(';');
            if (semi > 0 && semi < 16) {
                f.diagnosticType = diagnostic.substring(0, semi).trim().toUpperCase(Locale.ROOT);
                diagnostic = diagnostic.substring(semi + 1).trim();
            }
            f.diagnostic = diagnostic;
            f.remoteMta = DeliveryStatus.afterType(DeliveryStatus.value(group, "remote-mta"));
            BouncedRecipient r = f.finish();
            bounce |= r.reason().isFailure();
            recipients.add(r);
        }
        if (recipients.isEmpty()) {
            return null;
        }
        return new BounceReport(bounce, BounceReport.Kind.NON_STANDARD, reading.originalMessageId(),
                java.util.Optional.empty(), recipients, reading.note(""));
    }

    /** The host a text names as the one that refused ("host mx.example.com [192.0.2.1]: ..."), or "". */
    private static String remoteHost(String diagnostic) {
        String lower = diagnostic.toLowerCase(Locale.ROOT);
        int hit = lower.indexOf("host ");
        while (hit >= 0) {
            int s = hit + 5;
            int e = s;
            while (e < diagnostic.length() && (Character.isLetterOrDigit(diagnostic.charAt(e))
                    || diagnostic.charAt(e) == '.' || diagnostic.charAt(e) == '-')) {
                e++;
            }
            String host = diagnostic.substring(s, e);
            if (host.indexOf('.') > 0 && e - s > 3) {
                return host;
            }
            hit = lower.indexOf("host ", hit + 5);
        }
        return "";
    }
}
