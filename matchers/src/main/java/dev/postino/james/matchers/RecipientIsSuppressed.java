package dev.postino.james.matchers;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.suppression.SuppressionCheck;
import dev.postino.james.store.JamesStores;

/**
 * Matches the recipients that are on Postino's suppression list (they bounced hard, bounced softly too often, complained,
 * or an administrator added them), so that the mail to them is answered at once instead of sent. The list is read
 * through an in-process cache: changes made on this James are seen at once, changes made by other nodes (or the
 * {@code postino suppression} command) within 30 seconds. When the store cannot answer, the recipient is not matched
 * (the mail goes on) and a warning is logged. No condition.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.RecipientIsSuppressed" class="dev.postino.james.mailets.SuppressedRecipientNotice"/>}</pre>
 */
public class RecipientIsSuppressed extends GenericMatcher {

    private static final Logger LOGGER = LoggerFactory.getLogger(RecipientIsSuppressed.class);

    private final FileSystem fileSystem;
    private PostinoStore store;
    private SuppressionCheck check;

    @Inject
    public RecipientIsSuppressed(FileSystem fileSystem) {
        this.fileSystem = fileSystem;
    }

    /** For tests: the check given. */
    public RecipientIsSuppressed(SuppressionCheck check) {
        this.fileSystem = null;
        this.check = check;
    }

    @Override
    public void init() throws MessagingException {
        if (check == null) {
            store = JamesStores.acquire(fileSystem);
            check = SuppressionCheck.shared(store);
        }
    }

    @Override
    public Collection<MailAddress> match(Mail mail) {
        List<MailAddress> suppressed = new ArrayList<>();
        for (MailAddress recipient : mail.getRecipients()) {
            try {
                if (check.lookup(recipient.asString()).isPresent()) {
                    suppressed.add(recipient);
                }
            } catch (RuntimeException e) {
                // the store is down (or the address unusable): the mail goes on, as if the list were empty
                LOGGER.warn("suppression check of {} for mail {} failed, not suppressed: {}", recipient.asString(), mail.getName(), e.getMessage());
            }
        }
        return suppressed;
    }

    @Override
    public void destroy() {
        JamesStores.release(store);
        store = null;
    }

    @Override
    public String getMatcherInfo() {
        return "Postino: recipients on the suppression list";
    }
}
