package dev.postino.james.mailets;

import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.mail.Header;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.net.LocalHostName;
import dev.postino.core.spf.ReceivedSpfReceiver;

/**
 * Removes the header fields a sender can forge to pass for this server's verdicts, before the real ones are added:
 * every field whose name starts with {@code X-Postino-} (or the configured prefixes), and every
 * {@code Received-SPF} field (RFC 7208 §9.1) that names this server as its receiver. A reader would otherwise see
 * a forged {@code X-Postino-Dkim: pass} above the real verdict. Received-SPF fields of the hosts before ours stay,
 * in their order. Forged {@code Authentication-Results} fields need no step here: the authentication step removes
 * the ones that claim its authserv-id (RFC 8601 §5) before adding its own.
 *
 * <p>Field names compare without regard to case, as RFC 5322 says they do: James's own
 * {@code RemoveMimeHeaderByPrefix} compares them with case, so a forged {@code x-postino-dkim} would stay.
 *
 * <p>Where: first in the root processor, right after {@code DkimVerify} (which only reads, and must see the message
 * as it was signed), before any step that adds an {@code X-Postino-} field and before {@code SpfCheck}. Nothing
 * Postino wrote is removed, also with the SMTP-time {@code DmarcRejectHook} on: the hook adds only the
 * Authentication-Results field and leaves its Received-SPF field to {@code SpfCheck} (attribute
 * {@code postino.spf.received}).
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code headerPrefixes}: field-name prefixes to remove, comma-separated (default {@code X-Postino-});
 *       {@code none}: no prefix</li>
 *   <li>{@code receiver}: the names this server writes as receiver in its Received-SPF fields (SpfCheck's
 *       {@code receiver}, the hook's and AuthenticationCheck's {@code authservId}), comma-separated (default: the
 *       local host name, the default of both); {@code none}: keep every Received-SPF field</li>
 * </ul>
 *
 * <pre>{@code <mailet match="All" class="dev.postino.james.mailets.RemoveForgedVerdicts"/>}</pre>
 */
public class RemoveForgedVerdicts extends GenericMailet {

    static final String RECEIVED_SPF = "Received-SPF";

    private static final Logger LOGGER = LoggerFactory.getLogger(RemoveForgedVerdicts.class);

    private List<String> prefixes;
    private List<String> receivers;

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), Set.of("headerPrefixes", "receiver"));
        prefixes = new ArrayList<>();
        for (String prefix : noneMeansEmpty(parameters.list("headerPrefixes", List.of("X-Postino-")))) {
            if (!prefix.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':')) {
                throw parameters.invalid("headerPrefixes", prefix, "header field name prefixes such as X-Postino-");
            }
            prefixes.add(prefix.toLowerCase(Locale.ROOT));
        }
        receivers = noneMeansEmpty(parameters.list("receiver", List.of(LocalHostName.get())));
        for (String receiver : receivers) {
            if (receiver.length() > 253 || !receiver.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                throw parameters.invalid("receiver", receiver, "host names such as mx.example.com");
            }
        }
    }

    private static List<String> noneMeansEmpty(List<String> items) {
        return items.size() == 1 && items.get(0).equalsIgnoreCase("none") ? List.of() : items;
    }

    @Override
    public void service(Mail mail) {
        try {
            MimeMessage message = mail.getMessage();
            boolean removed = removePrefixed(message);
            removed |= removeOurReceivedSpf(message);
            if (removed) {
                message.saveChanges();
            }
        } catch (MessagingException | RuntimeException unreadable) {
            // Never lose a mail over a header: an unreadable message has no header a reader could be shown either.
            LOGGER.warn("removing forged verdict fields from {} failed", mail.getName(), unreadable);
        }
    }

    private boolean removePrefixed(MimeMessage message) throws MessagingException {
        if (prefixes.isEmpty()) {
            return false;
        }
        Set<String> names = new LinkedHashSet<>();
        for (Enumeration<Header> fields = message.getAllHeaders(); fields.hasMoreElements(); ) {
            String name = fields.nextElement().getName();
            String lower = name.toLowerCase(Locale.ROOT);
            if (prefixes.stream().anyMatch(lower::startsWith)) {
                names.add(lower);
            }
        }
        for (String name : names) {
            message.removeHeader(name); // compares without regard to case
        }
        return !names.isEmpty();
    }

    private boolean removeOurReceivedSpf(MimeMessage message) throws MessagingException {
        String[] fields = message.getHeader(RECEIVED_SPF);
        if (fields == null || receivers.isEmpty()) {
            return false;
        }
        List<String> kept = new ArrayList<>();
        for (String field : fields) {
            if (receivers.stream().noneMatch(receiver -> ReceivedSpfReceiver.claims(field, receiver))) {
                kept.add(field);
            }
        }
        if (kept.size() == fields.length) {
            return false;
        }
        message.removeHeader(RECEIVED_SPF);
        for (String field : kept) {
            message.addHeader(RECEIVED_SPF, field);
        }
        return true;
    }

    @Override
    public String getMailetInfo() {
        return "Postino: removes sender-supplied X-Postino-* fields and Received-SPF fields naming this server";
    }
}
