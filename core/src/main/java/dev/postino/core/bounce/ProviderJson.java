package dev.postino.core.bounce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Amazon SES notifications sent as e-mail (an SNS topic's JSON, or SES's own): Bounce, Complaint and Delivery
 * objects with one entry per recipient.
 */
final class ProviderJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_NESTING = 64;

    private ProviderJson() {
    }

    static BounceReport read(BounceReader.Reading reading) {
        MimeEntity text = null;
        for (MimeEntity part : reading.parts) {
            if (!part.isMultipart() && (part.mediaType.startsWith("text/") || part.mediaType.endsWith("/json"))) {
                text = part;
                break;
            }
        }
        if (text == null || !text.body.contains("\"notificationType\"")) {
            return null;
        }
        String body = text.body;
        int open = body.indexOf('{');
        int close = body.lastIndexOf('}');
        if (open < 0 || close <= open || close - open > (1 << 20)) {
            return null;
        }
        String json = unwrap(body.substring(open, close + 1));
        if (nesting(json) > MAX_NESTING) {
            return null; // Jackson 2.14 reads nesting recursively: refuse what could exhaust the stack
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        if (root == null) {
            return null;
        }
        if (root.path("Message").isTextual()) {
            try {
                root = JSON.readTree(root.path("Message").asText());
            } catch (java.io.IOException | RuntimeException e) {
                return null;
            }
        }
        String type = root.path("notificationType").asText(root.path("eventType").asText(""));
        Optional<String> messageId = messageId(root.path("mail"));
        List<BouncedRecipient> recipients = new ArrayList<>();
        int max = reading.limits.maxRecipients();
        switch (type) {
            case "Bounce": {
                JsonNode bounce = root.path("bounce");
                String mta = DeliveryStatus.afterType(bounce.path("reportingMTA").asText(""));
                String subType = bounce.path("bounceSubType").asText("");
                boolean transientBounce = bounce.path("bounceType").asText("").equals("Transient");
                for (JsonNode r : bounce.path("bouncedRecipients")) {
                    if (recipients.size() >= max) {
                        break;
                    }
                    RecipientFacts f = new RecipientFacts();
                    f.address = r.path("emailAddress").asText("");
                    f.action = r.path("action").asText("failed");
                    f.status = r.path("status").asText("");
                    String diag = r.path("diagnosticCode").asText("");
                    int semi = diag.indexOf(';');
                    if (semi > 0 && semi < 16) {
                        f.diagnosticType = diag.substring(0, semi).trim().toUpperCase(Locale.ROOT);
                        diag = diag.substring(semi + 1).trim();
                    }
                    f.diagnostic = diag;
                    f.remoteMta = mta;
                    f.preset = subTypeReason(subType);
                    if (f.status.isEmpty() && transientBounce) {
                        f.action = "delayed";
                    }
                    recipients.add(f.finish());
                }
                break;
            }
            case "Complaint":
                for (JsonNode r : root.path("complaint").path("complainedRecipients")) {
                    if (recipients.size() >= max) {
                        break;
                    }
                    recipients.add(new BouncedRecipient(r.path("emailAddress").asText(""), "", "",
                            BounceReason.FEEDBACK, false, "", Optional.empty()));
                }
                return new BounceReport(false, BounceReport.Kind.FEEDBACK, messageId, Optional.empty(), recipients,
                        reading.note(""));
            case "Delivery": {
                JsonNode delivery = root.path("delivery");
                String response = delivery.path("smtpResponse").asText("");
                String mta = delivery.path("reportingMTA").asText("");
                for (JsonNode r : delivery.path("recipients")) {
                    if (recipients.size() >= max) {
                        break;
                    }
                    RecipientFacts f = new RecipientFacts();
                    f.address = r.asText("");
                    f.action = "delivered";
                    f.status = BounceText.findStatus(response);
                    if (f.status.isEmpty()) {
                        f.status = "2.0.0";
                    }
                    f.diagnostic = response;
                    f.remoteMta = mta;
                    recipients.add(f.finish());
                }
                break;
            }
            default:
                return null;
        }
        if (recipients.isEmpty()) {
            return null;
        }
        boolean bounce = false;
        for (BouncedRecipient r : recipients) {
            bounce |= r.reason().isFailure();
        }
        return new BounceReport(bounce, BounceReport.Kind.NON_STANDARD, messageId, Optional.empty(), recipients,
                reading.note(""));
    }

    /** SES's sub-types that name the reason outright. */
    private static BounceReason subTypeReason(String subType) {
        return switch (subType) {
            case "Suppressed", "OnAccountSuppressionList" -> BounceReason.SUPPRESSED;
            case "MailboxFull" -> BounceReason.MAILBOXFULL;
            case "MessageTooLarge" -> BounceReason.MESGTOOBIG;
            case "ContentRejected" -> BounceReason.CONTENTERROR;
            case "AttachmentRejected" -> BounceReason.SECURITYERROR;
            case "NoEmail" -> BounceReason.USERUNKNOWN;
            default -> null;
        };
    }

    private static Optional<String> messageId(JsonNode mail) {
        String id = mail.path("commonHeaders").path("messageId").asText("");
        if (id.isEmpty()) {
            for (JsonNode h : mail.path("headers")) {
                if (h.path("name").asText("").equalsIgnoreCase("message-id")) {
                    id = h.path("value").asText("");
                    break;
                }
            }
        }
        return id.isEmpty() ? Optional.empty() : Optional.of(BounceReader.Reading.messageId(id));
    }

    /** The deepest nesting of objects and arrays outside strings, counted in one pass. */
    static int nesting(String json) {
        int depth = 0;
        int max = 0;
        boolean string = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (string) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    string = false;
                }
            } else if (c == '"') {
                string = true;
            } else if (c == '{' || c == '[') {
                max = Math.max(max, ++depth);
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return max;
    }

    /** Undoes the line wrapping mail systems apply to one long JSON line ("!" + line end + space, or a fold). */
    private static String unwrap(String json) {
        StringBuilder out = new StringBuilder(json.length());
        int n = json.length();
        for (int i = 0; i < n; i++) {
            char c = json.charAt(i);
            if (c == '!' && i + 2 < n && json.charAt(i + 1) == '\n' && json.charAt(i + 2) == ' ') {
                i += 2;
                continue;
            }
            if (c == '\n') {
                if (i + 1 < n && json.charAt(i + 1) == ' ') {
                    i++;
                }
                continue;
            }
            out.append(c);
        }
        return out.toString();
    }
}
