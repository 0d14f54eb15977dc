package dev.postino.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.postino.core.bounce.BounceReader;
import dev.postino.core.bounce.BounceReport;
import dev.postino.core.bounce.BouncedRecipient;

/**
 * {@code postino bounce [--json] FILE}: reads one inbound message as the bounce reader of the mailets does and
 * says whether it is a bounce, what kind of report it is and, per recipient, what happened and why.
 */
final class BounceCommand implements Command {

    @Override
    public String name() {
        return "bounce";
    }

    @Override
    public String usage() {
        return "postino bounce [--json] FILE";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        List<String> words = arguments.positionals();
        if (words.size() != 1) {
            throw new UsageException("expected one message FILE (or - for standard input)");
        }
        byte[] message;
        try {
            message = Arguments.readMessage(words.get(0), terminal.in());
        } catch (IOException e) {
            throw new UsageException("cannot read " + words.get(0) + ": " + e.getMessage());
        }
        BounceReport report = BounceReader.read(message);
        if (arguments.flag("json")) {
            terminal.out().println(Json.write(json(report)));
        } else {
            print(report, terminal);
        }
        return 0;
    }

    /** The contract's object, then the additions documented in the README (envelope id, note). */
    static Map<String, Object> json(BounceReport report) {
        Map<String, Object> json = Json.object();
        json.put("bounce", report.bounce());
        json.put("kind", report.kind().word());
        json.put("original_message_id", report.originalMessageId().orElse(null));
        List<Map<String, Object>> recipients = new ArrayList<>();
        for (BouncedRecipient r : report.recipients()) {
            Map<String, Object> entry = Json.object();
            entry.put("address", r.address());
            entry.put("action", r.action());
            entry.put("status", r.status());
            entry.put("reason", r.reason().word());
            entry.put("hard", r.hard());
            entry.put("diagnostic", r.diagnostic());
            entry.put("remote_mta", r.remoteMta().orElse(null));
            recipients.add(entry);
        }
        json.put("recipients", recipients);
        json.put("original_envelope_id", report.originalEnvelopeId().orElse(null));
        json.put("note", report.note().orElse(null));
        return json;
    }

    private static void print(BounceReport report, Terminal terminal) {
        var out = terminal.out();
        out.println((report.bounce() ? "bounce" : "not a bounce") + " (" + report.kind().word() + ")");
        report.originalMessageId().ifPresent(id -> out.println("original message: " + id));
        report.originalEnvelopeId().ifPresent(id -> out.println("original envelope id: " + id));
        for (BouncedRecipient r : report.recipients()) {
            StringBuilder line = new StringBuilder(r.address().isEmpty() ? "(no address)" : r.address()).append(':');
            if (!r.action().isEmpty()) {
                line.append(' ').append(r.action());
            }
            if (!r.status().isEmpty()) {
                line.append(' ').append(r.status());
            }
            line.append(' ').append(r.reason().word());
            if (r.reason().isFailure()) {
                line.append(r.hard() ? " (hard: do not retry)" : " (soft)");
            }
            out.println(line);
            r.remoteMta().ifPresent(mta -> out.println("  remote MTA: " + mta));
            if (!r.diagnostic().isEmpty()) {
                out.println("  said: " + r.diagnostic());
            }
        }
        report.note().ifPresent(note -> out.println("note: " + note));
    }

    static Set<String> valuedOptions() {
        return Set.of();
    }
}
