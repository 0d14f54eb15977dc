package dev.postino.james.mailets;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.mailet.MailetConfig;

import dev.postino.core.delivery.DeliveryOptions;
import dev.postino.core.delivery.Smarthost;
import dev.postino.core.delivery.SmtpTimeouts;
import dev.postino.core.dns.DnsConfig;
import dev.postino.core.dsn.NotificationPolicy;
import dev.postino.core.net.LocalHostName;
import dev.postino.core.retry.DelayWarnings;
import dev.postino.core.retry.DomainPattern;
import dev.postino.core.retry.RetryPolicy;
import dev.postino.core.retry.RetryRuleSyntaxException;
import dev.postino.core.retry.RetryRules;
import dev.postino.core.retry.TimeInterval;

/**
 * {@link PolicyRemoteDelivery}'s init parameters (documented there) read into the engines' values, strictly: an
 * unknown parameter or a value that does not parse refuses the start in one line naming it.
 *
 * @param threads the most SMTP sessions at once
 */
record RemoteDeliveryParameters(RetryPolicy retryPolicy, NotificationPolicy notificationPolicy, DeliveryOptions options,
                                DnsConfig dns, String bounceProcessor, String outgoingQueue, int threads,
                                MtaStsParameters mtaSts) {

    static RemoteDeliveryParameters read(MailetConfig config, FileSystem fileSystem) throws MessagingException {
        MailetParameters p = MailetParameters.read(config, Deferral.withParameters(MtaStsParameters.withNames(
            MailetParameters.withDns("retryRules", "retryRulesText",
            "delayWarnings", "warnWithoutNotify", "maxQueueLifetime", "nullSenderLifetime", "bounceProcessor",
            "outgoingQueue", "deliveryThreads", "port", "smarthost", "smarthostUser", "smarthostPassword",
            "smarthostAuthWithoutTls", "smarthostTlsVerify", "requireTls", "heloName", "connectTimeout", "commandTimeout",
            "dataTimeout", "endOfDataTimeout", "sessionTimeout", "minDataRate", "maxHosts", DeliveryLog.FORMAT_PARAMETER))));
        RetryPolicy retry = RetryPolicy.of(rules(p, fileSystem))
            .withDelayWarnings(p.value("delayWarnings", DelayWarnings.DEFAULT, DelayWarnings::parse))
            .withMaxQueueLifetime(p.value("maxQueueLifetime", RetryPolicy.DEFAULT_MAX_QUEUE_LIFETIME, TimeInterval::parsePositive))
            .withNullSenderLifetime(p.value("nullSenderLifetime", RetryPolicy.DEFAULT_NULL_SENDER_LIFETIME,
                TimeInterval::parsePositive));
        NotificationPolicy notices = NotificationPolicy.defaults()
            .withWarnWithoutNotify(p.bool("warnWithoutNotify", NotificationPolicy.DEFAULT_WARN_WITHOUT_NOTIFY));
        DeliveryOptions options = DeliveryOptions.defaults(p.string("heloName", LocalHostName.get()))
            .withPort(p.integer("port", 25, 1, 65535))
            .withMaxHosts(p.integer("maxHosts", 5, 1, 100))
            .withRequireTls(p.value("requireTls", List.of(),
                text -> p.list("requireTls", List.of()).stream().map(DomainPattern::new).toList()))
            .withTimeouts(new SmtpTimeouts(p.duration("connectTimeout", SmtpTimeouts.DEFAULTS.connect()),
                p.duration("commandTimeout", SmtpTimeouts.DEFAULTS.command()),
                p.duration("dataTimeout", SmtpTimeouts.DEFAULTS.dataBlock()),
                p.duration("endOfDataTimeout", SmtpTimeouts.DEFAULTS.endOfData()),
                p.duration("sessionTimeout", SmtpTimeouts.DEFAULT_SESSION),
                p.integer("minDataRate", (int) SmtpTimeouts.DEFAULT_MIN_DATA_RATE, 1, Integer.MAX_VALUE)));
        Smarthost smarthost = smarthost(p);
        MtaStsParameters mtaSts = MtaStsParameters.read(p, fileSystem, options.heloName());
        if (mtaSts.trustStore() != null) {
            options = options.withVerifiedTls(mtaSts.verifiedTls());
        }
        return new RemoteDeliveryParameters(retry, notices, smarthost == null ? options : options.withSmarthost(smarthost),
            p.dnsConfig(), p.string("bounceProcessor", "bounces"), p.string("outgoingQueue", "postino-outgoing"),
            p.integer("deliveryThreads", 8, 1, 1000), mtaSts);
    }

    private static RetryRules rules(MailetParameters p, FileSystem fileSystem) throws MessagingException {
        String file = p.string("retryRules", null);
        String text = p.string("retryRulesText", null);
        if (text != null && file != null) {
            throw p.rejected("retryRulesText", "...", "give the rules in retryRules (a file) or in retryRulesText, not both");
        }
        if (file != null) {
            try {
                Path path = Path.of(file).isAbsolute() ? Path.of(file)
                    : fileSystem.getFile(FileSystem.FILE_PROTOCOL_AND_CONF + file).toPath();
                text = Files.readString(path, StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw p.rejected("retryRules", file, "cannot read it in James's conf folder: " + e);
            }
        }
        try {
            return text == null ? RetryRules.defaults() : RetryRules.parse(text);
        } catch (RetryRuleSyntaxException e) {
            throw file != null ? p.rejected("retryRules", file, e.getMessage()) : p.rejected("retryRulesText", e.line(), e.getMessage());
        }
    }

    private static Smarthost smarthost(MailetParameters p) throws MessagingException {
        String user = p.string("smarthostUser", null);
        String password = p.string("smarthostPassword", null);
        if (user != null && p.string("smarthost", null) == null) {
            throw p.rejected("smarthostUser", user, "AUTH is for a smarthost: set smarthost too");
        }
        for (String authOnly : List.of("smarthostAuthWithoutTls", "smarthostTlsVerify")) {
            if (user == null && p.string(authOnly, null) != null) {
                throw p.rejected(authOnly, p.string(authOnly, null),
                    "it is about smarthost AUTH: set smarthostUser and smarthostPassword too, or remove it");
            }
        }
        Smarthost smarthost = p.value("smarthost", null, Smarthost::parse);
        if ((user == null) != (password == null)) {
            throw p.rejected(user == null ? "smarthostPassword" : "smarthostUser", "...",
                "smarthostUser and smarthostPassword go together");
        }
        return smarthost == null || user == null ? smarthost : smarthost.withCredentials(user, password,
            p.bool("smarthostAuthWithoutTls", false)).withTlsVerify(p.bool("smarthostTlsVerify", true));
    }
}
