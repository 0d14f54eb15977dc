package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.regex.Pattern;

import org.apache.mailet.Mail;

/**
 * {@link ForgedFromAttacks} with smtpserver.xml's DmarcRejectHook removed: every mail is accepted, and
 * mailetcontainer.xml's DmarcDispositionIs=reject route keeps each forged From of a {@code p=reject} domain in
 * the dmarc-reject repository; none reaches the INBOX.
 */
class ForgedFromHookOffIT extends ForgedFromAttacks {

    @Override
    JamesMemoryServer.Builder configure(JamesMemoryServer.Builder sample) {
        return sample.editFile("smtpserver.xml", ForgedFromHookOffIT::withoutHook);
    }

    /** smtpserver.xml without the hook; a sample that no longer holds it must fail here, not pass unchecked. */
    static String withoutHook(String xml) {
        String hook = "<handler class=\"dev.postino.james.smtp.DmarcRejectHook\"";
        String without = xml.replaceAll("(?s)" + Pattern.quote(hook) + "\\s*(/>|>.*?</handler>)", "");
        if (!xml.contains(hook) || without.contains(hook)) {
            throw new IllegalStateException("smtpserver.xml: no DmarcRejectHook handler to remove, or one left after removing it");
        }
        return without;
    }

    @Override
    Optional<Mail> assertRejected(String envelopeSender, SmtpSession.Reply reply, String refusalStatus)
        throws Exception {
        assertThat(reply.code()).as("reply at the end of DATA: %s", reply).isEqualTo(250);
        Destination destination = awaitDestination(envelopeSender);
        assertThat(destination.where()).as("where the forged mail went: %s", destination.summary())
            .isEqualTo(REJECTED.asString());
        return Optional.of(destination.kept());
    }
}
