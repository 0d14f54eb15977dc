package dev.postino.core.bounce;

import java.util.List;
import java.util.Optional;

/** ARF (RFC 5965) complaints, and the same complaint sent by a provider as a forwarded message. */
final class Feedback {

    private Feedback() {
    }

    static BounceReport read(BounceReader.Reading reading) {
        MimeEntity report = null;
        for (MimeEntity part : reading.parts) {
            if (part.mediaType.equals("message/feedback-report")) {
                report = part;
                break;
            }
        }
        boolean declared = BounceReader.lower(reading.top.parameter("report-type")).equals("feedback-report");
        boolean forwardedComplaint = report == null && !declared && isForwardedComplaint(reading);
        if (report == null && !declared && !forwardedComplaint) {
            return null;
        }
        String address = "";
        if (report != null) {
            List<List<String[]>> groups = DeliveryStatus.groups(report.body);
            for (List<String[]> group : groups) {
                for (String name : new String[] {"removal-recipient", "original-rcpt-to"}) {
                    String v = DeliveryStatus.value(group, name);
                    if (address.isEmpty() && v.indexOf('@') > 0) {
                        address = BounceText.addressIn(v);
                    }
                }
            }
        }
        if (address.isEmpty()) {
            for (MimeEntity original : reading.originals) {
                String to = original.field("to");
                if (to.indexOf('@') > 0) {
                    address = BounceText.addressIn(to);
                    break;
                }
            }
        }
        if (address.isEmpty() && report == null && !declared) {
            return null;
        }
        BouncedRecipient recipient = new BouncedRecipient(MimeEntity.readable(address), "", "",
                BounceReason.FEEDBACK, false, "", Optional.empty());
        return new BounceReport(false, BounceReport.Kind.FEEDBACK, reading.originalMessageId(), Optional.empty(),
                List.of(recipient), reading.note(""));
    }

    /** A provider's complaint loop that forwards the message without an ARF part (Hotmail's JMRP, for one). */
    private static boolean isForwardedComplaint(BounceReader.Reading reading) {
        if (reading.originals.isEmpty()) {
            return false;
        }
        String subject = BounceReader.lower(reading.top.field("subject"));
        return subject.contains("complaint about message from");
    }
}
