package dev.postino.james.mailets;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

import javax.inject.Inject;
import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.server.core.MimeMessageInputStream;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.apache.mailet.base.GenericMailet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dkim.DkimKeyring;
import dev.postino.core.dkim.DkimSigner;
import dev.postino.core.dkim.DkimSigningException;
import dev.postino.core.dkim.DkimSigningKey;
import dev.postino.james.attributes.AuthenticationAttributes;
import dev.postino.james.attributes.SigningAttributes;

/**
 * Signs outgoing mail with DKIM (RFC 6376): by default two signatures per message, ed25519-sha256 (RFC 8463) and
 * rsa-sha256 (2048 bits or more), so that receivers without ed25519 still verify one; relaxed/relaxed; the From,
 * addressing, MIME, threading and List-* fields each signed once more than present (oversigning), so none can be
 * added afterwards. Keys are read at start: a missing, unreadable or weak key refuses the start.
 *
 * <p>What is signed: only mail this server originates or relays for its users: mail whose
 * {@code org.apache.james.SMTPAuthUser} attribute is set (SMTP AUTH); Postino's own notifications (attribute
 * {@code postino.notification}, set by LocalizedBounce); and mail an SMTP client in {@code trustedNetworks}
 * submitted while James allowed it to relay (attribute {@code org.apache.james.SMTPIsAuthNetwork}). Mail another
 * mailet sent (a Sieve redirect, a forward: client 127.0.0.1, no SMTP) is not signed unless
 * {@code signMailetMail}: its From may be one an outsider forged. With {@code matchUserDomain} (default) an authenticated user's own domain must
 * sign for the From domain too, so one hosted domain's user cannot get another's signature. The signing domain is
 * the From domain (or its {@code signingDomains} mapping); a message with no From, several From fields or a From
 * of several addresses is not signed. A mail already signed by this mailet ({@code postino.dkim.signed}) is not
 * signed again. Nothing is ever thrown: a mail that cannot be signed goes on unsigned, with the reason logged and
 * in {@code postino.dkim.unsigned}.
 *
 * <p>Init parameters:
 * <ul>
 *   <li>{@code keys} (required): {@code domain:selector:algorithm:file} entries, comma-separated; {@code algorithm}
 *       is {@code ed25519-sha256} or {@code rsa-sha256}; {@code file} a PKCS#8 PEM private key, relative to James's
 *       conf folder or absolute (make one with {@code postino dkim keygen})</li>
 *   <li>{@code active}: {@code domain:selector} entries, the selectors that sign for their domain (default: all
 *       the domain's keys, allowed only while it has at most one key per algorithm). Rotation: add the next key to
 *       {@code keys}, publish its record, later name it here instead of the old one.</li>
 *   <li>{@code signingDomains}: {@code authorDomain=signingDomain} entries ({@code *.example.com=example.com} for
 *       every subdomain); default: the From domain signs for itself</li>
 *   <li>{@code expiration}: validity of a signature, x= = t= + this (default: no x=), e.g. {@code 7d}</li>
 *   <li>{@code headers}: a fixed h= list, colon-separated, signed as given (default: the oversigned list above)</li>
 *   <li>{@code trustedNetworks}: client addresses whose mail is ours (default {@code 127.0.0.0/8, ::1/128})</li>
 *   <li>{@code matchUserDomain}: an authenticated user's domain must sign for the From domain (default
 *       {@code true})</li>
 *   <li>{@code signMailetMail}: also sign mail other mailets send from {@code trustedNetworks} (default
 *       {@code false})</li>
 * </ul>
 *
 * <pre>{@code
 * <mailet match="All" class="dev.postino.james.mailets.DkimSign">
 *     <keys>example.com:ed2026:ed25519-sha256:dkim/example.com-ed2026.pem,
 *           example.com:rsa2026:rsa-sha256:dkim/example.com-rsa2026.pem</keys>
 * </mailet>
 * }</pre>
 */
public class DkimSign extends GenericMailet {

    private static final Logger LOGGER = LoggerFactory.getLogger(DkimSign.class);

    private final FileSystem fileSystem;
    private final Clock clock;
    private DkimKeyring keyring;
    private DkimSigner signer;
    private TrustedSources trusted;
    private boolean matchUserDomain;
    private boolean signMailetMail;

    @Inject
    public DkimSign(FileSystem fileSystem) {
        this(fileSystem, Clock.systemUTC());
    }

    DkimSign(FileSystem fileSystem, Clock clock) {
        this.fileSystem = fileSystem;
        this.clock = clock;
    }

    @Override
    public void init() throws MessagingException {
        MailetParameters parameters = MailetParameters.read(getMailetConfig(), java.util.Set.of("keys", "active",
            "signingDomains", "expiration", "headers", TrustedSources.PARAMETER, "matchUserDomain", "signMailetMail"));
        try {
            List<DkimKeyring.KeySpec> specs = DkimKeyring.parseKeys(parameters.string("keys", null));
            keyring = DkimKeyring.of(specs, this::pem, parameters.string("active", null),
                parameters.string("signingDomains", null));
        } catch (DkimKeyring.ConfigException e) {
            throw parameters.rejected(e.parameter(), e.value(), e.getMessage());
        }
        Duration expiration = parameters.duration("expiration", null);
        List<String> headers = parameters.value("headers", null, text -> DkimSigner.checkedHeaders(List.of(text.split(":"))));
        signer = new DkimSigner(clock, expiration, headers);
        trusted = TrustedSources.read(parameters);
        matchUserDomain = parameters.bool("matchUserDomain", true);
        signMailetMail = parameters.bool("signMailetMail", false);
        keyring.active().forEach((domain, keys) -> LOGGER.info("DKIM signing for {} with {}", domain,
            keys.stream().map(k -> k.selector() + " (" + k.algorithm().word() + ")").collect(Collectors.joining(", "))));
    }

    private String pem(DkimKeyring.KeySpec spec) {
        try {
            Path path = Path.of(spec.file());
            if (!path.isAbsolute() && fileSystem != null) {
                path = fileSystem.getFile(FileSystem.FILE_PROTOCOL_AND_CONF + spec.file()).toPath();
            }
            return Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException | UncheckedIOException e) {
            throw new IllegalArgumentException("cannot read the key file (" + e + ")");
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read the key file (" + e.getMessage() + ")");
        }
    }

    @Override
    public void service(Mail mail) {
        try {
            if (mail.getAttribute(SigningAttributes.DKIM_SIGNED).isPresent()) {
                return;
            }
            Optional<String> notOurs = notOurs(mail);
            if (notOurs.isPresent()) {
                unsigned(mail, notOurs.get());
                return;
            }
            sign(mail);
        } catch (Exception | LinkageError e) {
            // never lose or stop a mail over its signature: it leaves unsigned
            LOGGER.warn("DKIM signing of {} failed; sent unsigned", mail.getName(), e);
            unsigned(mail, "internal error: " + e);
        }
    }

    /** James's mark on mail an SMTP client in {@code authorizedAddresses} submitted (what SMTPIsAuthNetwork reads). */
    private static final AttributeName SMTP_AUTH_NETWORK = AttributeName.of("org.apache.james.SMTPIsAuthNetwork");

    /** Why this mail is not ours to sign, or empty when it is. */
    private Optional<String> notOurs(Mail mail) {
        if (mail.getAttribute(Mail.SMTP_AUTH_USER).isPresent()
            || mail.getAttribute(SigningAttributes.NOTIFICATION).isPresent()) {
            return Optional.empty();
        }
        boolean trustedClient = trusted.skipReason(mail).isPresent();
        boolean submitted = mail.getAttribute(SMTP_AUTH_NETWORK).map(a -> Boolean.TRUE.equals(a.getValue().value())).orElse(false);
        if (trustedClient && (submitted || signMailetMail)) {
            return Optional.empty();
        }
        if (trustedClient) {
            // mail a mailet sent (a Sieve redirect, a forward) may carry a From an outsider forged
            return Optional.of("sent by a mailet, not submitted over SMTP (signMailetMail is false)");
        }
        return Optional.of("neither sent by an authenticated user nor from a trusted network (client "
            + mail.getRemoteAddr() + ")");
    }

    private void sign(Mail mail) throws MessagingException, IOException {
        MimeMessage message = mail.getMessage();
        if (message.getHeader("Message-ID") == null) {
            // James adds Message-ID (and MIME-Version) when it saves such a message: added after signing, they
            // would break the oversigned signature, so they are added now
            message.saveChanges();
        }
        Optional<String> user = mail.getAttribute(Mail.SMTP_AUTH_USER).map(a -> String.valueOf(a.getValue().value()));
        String[] refusal = new String[1];
        List<String> fields;
        try (InputStream in = new MimeMessageInputStream(message)) {
            fields = signer.sign(in, authorDomain -> {
                List<DkimSigningKey> keys = keyring.keysFor(authorDomain);
                if (keys.isEmpty()) {
                    refusal[0] = "no key signs for the From domain " + authorDomain;
                } else if (matchUserDomain && user.isPresent() && user.get().contains("@")) {
                    String userDomain = user.get().substring(user.get().lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
                    List<DkimSigningKey> userKeys = keyring.keysFor(userDomain);
                    if (!userDomain.equals(authorDomain) && (userKeys.isEmpty() || !userKeys.equals(keys))) {
                        refusal[0] = "the authenticated user " + user.get() + " may not sign for the From domain " + authorDomain;
                        return List.of();
                    }
                }
                return keys;
            });
        } catch (DkimSigningException e) {
            unsigned(mail, e.getMessage());
            return;
        }
        if (fields.isEmpty()) {
            unsigned(mail, refusal[0] != null ? refusal[0] : "no key for the From domain");
            return;
        }
        // the fields go on top; James keeps the other header lines and the body as they were
        List<String> existing = new ArrayList<>();
        java.util.Enumeration<String> all = message.getAllHeaderLines();
        while (all.hasMoreElements()) {
            existing.add(all.nextElement());
        }
        for (String line : existing) {
            message.removeHeader(line.substring(0, Math.max(0, line.indexOf(':'))).trim());
        }
        for (String field : fields) {
            message.addHeaderLine(field);
        }
        for (String line : existing) {
            message.addHeaderLine(line);
        }
        List<String> signed = new ArrayList<>();
        for (String field : fields) {
            signed.add(tag(field, "d") + ":" + tag(field, "s") + ":" + tag(field, "a"));
        }
        AuthenticationAttributes.write(mail, SigningAttributes.DKIM_SIGNED, String.join(",", signed));
        LOGGER.debug("DKIM-signed {} ({})", mail.getName(), signed);
    }

    private static String tag(String field, String name) {
        for (String part : field.replace("\r\n\t", "").split(";")) {
            String p = part.contains(":") && part.trim().startsWith("DKIM-Signature") ? part.substring(part.indexOf(':') + 1) : part;
            if (p.trim().startsWith(name + "=")) {
                return p.trim().substring(name.length() + 1);
            }
        }
        return "";
    }

    private static void unsigned(Mail mail, String reason) {
        LOGGER.info("not DKIM-signing {}: {}", mail.getName(), reason);
        AuthenticationAttributes.write(mail, SigningAttributes.DKIM_UNSIGNED, reason);
    }

    @Override
    public String getMailetInfo() {
        return "Postino DKIM signing (RFC 6376, RFC 8463 ed25519-sha256)";
    }
}
