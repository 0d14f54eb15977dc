package dev.postino.james.mailets;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.mail.MessagingException;

import org.apache.mailet.Mail;

import dev.postino.core.net.IpLiteral;
import dev.postino.core.net.IpNetwork;

/**
 * The mail that sender-authentication checks skip: mail from an SMTP-authenticated user, and mail from a
 * trusted network (init parameter {@code trustedNetworks}, a comma-separated CIDR list; default
 * {@value #DEFAULT_TRUSTED_NETWORKS}). Such mail comes from our own users or hosts, so SPF or DMARC
 * verdicts about it would only produce false alarms.
 */
public final class TrustedSources {

    public static final String PARAMETER = "trustedNetworks";
    public static final String DEFAULT_TRUSTED_NETWORKS = "127.0.0.0/8, ::1/128";

    private final List<IpNetwork> networks;

    private TrustedSources(List<IpNetwork> networks) {
        this.networks = List.copyOf(networks);
    }

    /** Reads {@value #PARAMETER}; an empty value trusts no network. */
    public static TrustedSources read(MailetParameters parameters) throws MessagingException {
        String text = parameters.string(PARAMETER, DEFAULT_TRUSTED_NETWORKS);
        List<IpNetwork> networks = new ArrayList<>();
        for (String item : text.split(",")) {
            if (item.isBlank() || item.trim().equals("none")) {
                continue;
            }
            try {
                networks.add(IpNetwork.parse(item.trim()));
            } catch (IllegalArgumentException e) {
                throw parameters.rejected(PARAMETER, text, e.getMessage());
            }
        }
        return new TrustedSources(networks);
    }

    /** Why the checks skip this mail, or empty when they must run. */
    public Optional<String> skipReason(Mail mail) {
        return skipReason(mail, IpLiteral.tryParse(mail.getRemoteAddr()));
    }

    /** {@link #skipReason(Mail)} with the client address known apart from the mail. */
    public Optional<String> skipReason(Mail mail, Optional<InetAddress> client) {
        if (mail.getAttribute(Mail.SMTP_AUTH_USER).isPresent()) {
            return Optional.of("authenticated sender");
        }
        if (client.isPresent()) {
            for (IpNetwork network : networks) {
                if (network.contains(client.get())) {
                    return Optional.of("trusted network " + network);
                }
            }
        }
        return Optional.empty();
    }
}
