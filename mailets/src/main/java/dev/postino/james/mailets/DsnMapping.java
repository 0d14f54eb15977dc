package dev.postino.james.mailets;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;

import dev.postino.core.smtp.Xtext;

import dev.postino.core.dsn.Notify;
import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.dsn.RecipientDsn;
import dev.postino.core.dsn.ReturnContent;

/** James's DSN parameters of a mail (RFC 3461, as its SMTP server took them) as Postino's plain values. */
final class DsnMapping {

    private DsnMapping() {
    }

    /** Each recipient's NOTIFY and ORCPT, by address in any case. */
    static Map<String, RecipientDsn> recipients(Mail mail) {
        Map<String, RecipientDsn> byAddress = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        mail.dsnParameters().ifPresent(dsn -> dsn.getRcptParameters().forEach((address, p) -> byAddress.put(address.asString(),
            new RecipientDsn(p.getNotifyParameter().map(n -> n.stream().map(e -> Notify.valueOf(e.name()))
                .collect(Collectors.toSet())).orElse(Set.of()),
                p.getOrcptParameter().map(orcpt -> OriginalRecipient.rfc822(orcpt.asString())).orElse(null)))));
        return byAddress;
    }

    /** The ENVID as the sender meant it: James keeps it xtext-encoded (RFC 3461 §4.4). */
    static Optional<String> envelopeId(Mail mail) {
        return mail.dsnParameters().flatMap(DsnParameters::getEnvIdParameter).map(DsnParameters.EnvId::asString)
            .map(Xtext::decode);
    }

    static Optional<ReturnContent> ret(Mail mail) {
        return mail.dsnParameters().flatMap(DsnParameters::getRetParameter)
            .map(r -> r == DsnParameters.Ret.HDRS ? ReturnContent.HDRS : ReturnContent.FULL);
    }
}
