package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.apache.mailet.Mail;

/**
 * {@link ForgedFromAttacks} with the sample configuration as it is: DmarcRejectHook in smtpserver.xml answers
 * every forged From of a {@code p=reject} domain at the end of DATA with {@code 550 5.7.26} (a bare CR in the
 * header section may be refused for itself, with a 5.6.x code), so the mail is never accepted.
 */
class ForgedFromIT extends ForgedFromAttacks {

    @Override
    JamesMemoryServer.Builder configure(JamesMemoryServer.Builder sample) {
        return sample;
    }

    @Override
    Optional<Mail> assertRejected(String envelopeSender, SmtpSession.Reply reply, String refusalStatus)
        throws Exception {
        if (reply.isPositive()) {
            Destination destination = awaitDestination(envelopeSender);
            throw new AssertionError("accepted (" + reply + ") and then routed to " + destination.where() + ": "
                + destination.summary());
        }
        assertThat(reply.code()).as("reply at the end of DATA: %s", reply).isEqualTo(550);
        assertThat(reply.text()).as("reply at the end of DATA").matches("(" + refusalStatus + ") .*");
        return Optional.empty();
    }
}
