package dev.postino.james.mailets;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.PerRecipientHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.postino.core.deferral.DeferredMail;
import dev.postino.core.delivery.RecipientState;

/**
 * A James mail as the deferral store keeps it, and back: the message as its RFC 5322 octets; the envelope (name,
 * sender, recipients, remote host and address, error message, last update, per-recipient headers) and every attribute
 * James can write as JSON ({@code AttributeValue.toJson}, as James's own distributed queue does) as one JSON document.
 * An attribute without a JSON form is left out, with one log line. {@value #GIVE_UP_NAME} marks a mail released
 * for an administrator's "bounce now".
 */
final class DeferredMailCodec {

    /** On a mail the scheduler releases for an administrator's "bounce now": why, for the failure notice. */
    static final String GIVE_UP_NAME = "postino.delivery.giveUp";
    static final AttributeName GIVE_UP = AttributeName.of(GIVE_UP_NAME);

    private static final Logger LOGGER = LoggerFactory.getLogger(DeferredMailCodec.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeferredMailCodec() {
    }

    /** The mail, with the states remote delivery keeps on it, to park until {@code dueAt}. */
    static DeferredMail encode(Mail mail, List<RecipientState> states, Instant dueAt) throws MessagingException {
        ObjectNode envelope = JSON.createObjectNode();
        envelope.put("name", mail.getName());
        envelope.put("sender", sender(mail));
        ArrayNode recipients = envelope.putArray("recipients");
        mail.getRecipients().forEach(r -> recipients.add(r.asString()));
        envelope.put("remoteHost", mail.getRemoteHost());
        envelope.put("remoteAddr", mail.getRemoteAddr());
        envelope.put("errorMessage", mail.getErrorMessage());
        envelope.put("lastUpdated", mail.getLastUpdated() == null ? 0 : mail.getLastUpdated().getTime());
        ObjectNode attributes = envelope.putObject("attributes");
        mail.attributes().forEach(attribute -> {
            Optional<JsonNode> json = attribute.getValue().toJson();
            if (json.isPresent()) {
                attributes.set(attribute.getName().asString(), json.get());
            } else {
                LOGGER.warn("{}: attribute {} has no JSON form and is not kept while the mail is deferred", mail.getName(),
                    attribute.getName().asString());
            }
        });
        ArrayNode headers = envelope.putArray("recipientHeaders");
        mail.getPerRecipientSpecificHeaders().getHeadersByRecipient().entries().forEach(e -> headers.addObject()
            .put("recipient", e.getKey().asString()).put("name", e.getValue().getName()).put("value", e.getValue().getValue()));
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        try {
            mail.getMessage().writeTo(message);
            return new DeferredMail(mail.getName(), sender(mail), states, dueAt, JSON.writeValueAsBytes(envelope),
                message.toByteArray(), false);
        } catch (IOException e) {
            throw new MessagingException("cannot write " + mail.getName() + " for the deferral store: " + e.getMessage(), e);
        }
    }

    /** The James mail of a parked one, its message read back from the octets. */
    static MailImpl decode(DeferredMail deferred) throws MessagingException {
        try {
            JsonNode envelope = JSON.readTree(deferred.envelope());
            MailImpl.Builder builder = MailImpl.builder().name(envelope.path("name").asText(deferred.name()));
            String sender = envelope.path("sender").asText("");
            if (!sender.isEmpty()) {
                builder.sender(new MailAddress(sender));
            }
            List<MailAddress> recipients = new ArrayList<>();
            for (JsonNode recipient : envelope.path("recipients")) {
                recipients.add(new MailAddress(recipient.asText()));
            }
            builder.addRecipients(recipients);
            textOf(envelope, "remoteHost").ifPresent(builder::remoteHost);
            textOf(envelope, "remoteAddr").ifPresent(builder::remoteAddr);
            textOf(envelope, "errorMessage").ifPresent(builder::errorMessage);
            long updated = envelope.path("lastUpdated").asLong(0);
            if (updated > 0) {
                builder.lastUpdated(new Date(updated));
            }
            for (Map.Entry<String, JsonNode> attribute : (Iterable<Map.Entry<String, JsonNode>>) () -> envelope.path("attributes").fields()) {
                try {
                    builder.addAttribute(new Attribute(AttributeName.of(attribute.getKey()), AttributeValue.fromJson(attribute.getValue())));
                } catch (RuntimeException e) {
                    LOGGER.warn("{}: attribute {} cannot be read back and is dropped: {}", deferred.name(), attribute.getKey(), e.toString());
                }
            }
            for (JsonNode header : envelope.path("recipientHeaders")) {
                builder.addHeaderForRecipient(PerRecipientHeaders.Header.builder().name(header.path("name").asText())
                    .value(header.path("value").asText()).build(), new MailAddress(header.path("recipient").asText()));
            }
            builder.mimeMessage(new MimeMessage(Session.getDefaultInstance(new Properties()), new ByteArrayInputStream(deferred.message())));
            return builder.build();
        } catch (IOException e) {
            throw new MessagingException("cannot read the parked mail " + deferred.name() + ": " + e.getMessage(), e);
        }
    }

    /** Takes the "bounce now" mark off the mail: the reason, if there was one. */
    static Optional<String> takeGiveUp(Mail mail) {
        return mail.removeAttribute(GIVE_UP).map(a -> String.valueOf(a.getValue().value()));
    }

    private static Optional<String> textOf(JsonNode envelope, String field) {
        JsonNode value = envelope.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value.asText());
    }

    private static String sender(Mail mail) {
        return mail.getMaybeSender().asOptional().map(MailAddress::asString).orElse("");
    }
}
