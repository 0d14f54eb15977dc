package dev.postino.core.dsn;

import dev.postino.core.smtp.EnhancedStatusCode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import javax.mail.BodyPart;
import javax.mail.Multipart;
import javax.mail.Session;
import javax.mail.internet.ContentType;
import javax.mail.internet.InternetHeaders;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeUtility;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NotificationComposerTest {

    private static final Instant ARRIVED = Instant.parse("2026-11-22T09:00:00Z");
    private static final Instant ATTEMPT = Instant.parse("2026-11-22T09:05:00Z");
    private static final String ORIGINAL = """
        From: Mario Rossi <mario@example.it>
        To: bob@remote.example
        Subject: =?UTF-8?Q?Preventivo_caff=C3=A8?=
        Message-ID: <orig-1@example.it>
        References: <a@x.example> <b@y.example>
        Date: Sun, 22 Nov 2026 10:00:00 +0100
        MIME-Version: 1.0
        Content-Type: text/plain; charset=UTF-8

        Ciao Bob,
        ecco il preventivo.
        """;

    private final AtomicInteger ids = new AtomicInteger();
    private NotificationSettings settings = NotificationSettings.defaults("mx.postino.test");

    private NotificationComposer composer() {
        return new NotificationComposer(settings, NotificationTexts.builtIn(),
            Clock.fixed(Instant.parse("2026-11-22T10:15:30Z"), ZoneId.of("Europe/Rome")), () -> "dsn-" + ids.incrementAndGet());
    }

    private static OriginalEnvelope envelope() {
        return new OriginalEnvelope("mario@example.it", null, null, ARRIVED, false);
    }

    private static DeliveryOutcome failed(String recipient, String reply) {
        return new DeliveryOutcome(recipient, null, DeliveryAction.FAILED, null, "mx.remote.example", reply, ATTEMPT, null);
    }

    private Notification compose(String original, OriginalEnvelope envelope, List<DeliveryOutcome> outcomes, String... languages) {
        return composer().compose(original.getBytes(StandardCharsets.UTF_8), envelope, outcomes, List.of(languages));
    }

    /** The notification as an independent MIME parser reads it. */
    private static MimeMessage parse(Notification notification) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(notification.message()));
    }

    private static String raw(Notification notification) {
        return new String(notification.message(), StandardCharsets.UTF_8);
    }

    private static Multipart report(MimeMessage message) throws Exception {
        return (Multipart) message.getContent();
    }

    private static String text(MimeMessage message) throws Exception {
        return (String) ((Multipart) report(message).getBodyPart(0).getContent()).getBodyPart(0).getContent();
    }

    private static String html(MimeMessage message) throws Exception {
        return (String) ((Multipart) report(message).getBodyPart(0).getContent()).getBodyPart(1).getContent();
    }

    /** The per-message block and then one block per recipient of the delivery-status part. */
    private static List<InternetHeaders> statusBlocks(MimeMessage message) throws Exception {
        BodyPart part = report(message).getBodyPart(1);
        List<InternetHeaders> blocks = new ArrayList<>();
        try (InputStream in = part.getInputStream()) {
            byte[] bytes = in.readAllBytes();
            for (String block : new String(bytes, StandardCharsets.UTF_8).split("\r\n\r\n")) {
                if (!block.isBlank()) {
                    blocks.add(new InternetHeaders(new ByteArrayInputStream((block + "\r\n\r\n").getBytes(StandardCharsets.UTF_8))));
                }
            }
        }
        return blocks;
    }

    @Test
    void isAValidMultipartReportWithEveryHeaderField() throws Exception {
        Notification notification = compose(ORIGINAL, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 <bob@remote.example>: no such user")), "it");
        MimeMessage message = parse(notification);

        assertThat(notification.recipient()).isEqualTo("mario@example.it");
        ContentType type = new ContentType(message.getContentType());
        assertThat(type.getBaseType()).isEqualTo("multipart/report");
        assertThat(type.getParameter("report-type")).isEqualTo("delivery-status");
        Multipart report = report(message);
        assertThat(report.getCount()).isEqualTo(3);
        assertThat(report.getBodyPart(0).isMimeType("multipart/alternative")).isTrue();
        Multipart alternative = (Multipart) report.getBodyPart(0).getContent();
        assertThat(alternative.getBodyPart(0).isMimeType("text/plain")).isTrue();
        assertThat(alternative.getBodyPart(1).isMimeType("text/html")).isTrue();
        assertThat(report.getBodyPart(1).isMimeType("message/delivery-status")).isTrue();
        assertThat(report.getBodyPart(2).isMimeType("message/rfc822")).isTrue();

        assertThat(message.getHeader("From", null)).isEqualTo("\"Sistema di consegna della posta\" <MAILER-DAEMON@mx.postino.test>");
        assertThat(message.getHeader("To", null)).isEqualTo("<mario@example.it>");
        assertThat(message.getSubject()).isEqualTo("Mancata consegna: Preventivo caffè");
        assertThat(message.getHeader("Auto-Submitted", null)).isEqualTo("auto-replied");
        assertThat(message.getHeader("In-Reply-To", null)).isEqualTo("<orig-1@example.it>");
        assertThat(message.getHeader("References", null)).isEqualTo("<a@x.example> <b@y.example> <orig-1@example.it>");
        assertThat(message.getHeader("Content-Language", null)).isEqualTo("it");
        assertThat(message.getHeader("Date", null)).isEqualTo("Sun, 22 Nov 2026 11:15:30 +0100");
        assertThat(message.getMessageID()).isEqualTo("<dsn-1@mx.postino.test>");
        assertThat(raw(notification)).doesNotContainPattern("[^\r]\n").doesNotContain("\r\r");
    }

    @Test
    void deliveryStatusFieldsFollowRfc3464() throws Exception {
        DeliveryOutcome withOrcpt = failed("bob@remote.example", "550 5.1.1 no such user").withOriginalRecipient("rfc822;Bob@Remote.example");
        DeliveryOutcome delayed = new DeliveryOutcome("carol@remote.example", null, DeliveryAction.DELAYED, null, null,
            null, ATTEMPT, Instant.parse("2026-11-27T09:00:00Z"));
        OriginalEnvelope envelope = new OriginalEnvelope("mario@example.it", "QQ314159", ReturnContent.HDRS, ARRIVED, false);

        List<InternetHeaders> blocks = statusBlocks(parse(compose(ORIGINAL, envelope, List.of(withOrcpt, delayed), "en")));

        assertThat(blocks).hasSize(3);
        assertThat(blocks.get(0).getHeader("Reporting-MTA", null)).isEqualTo("dns; mx.postino.test");
        assertThat(blocks.get(0).getHeader("Original-Envelope-Id", null)).isEqualTo("QQ314159");
        assertThat(blocks.get(0).getHeader("Arrival-Date", null)).isEqualTo("Sun, 22 Nov 2026 10:00:00 +0100");
        InternetHeaders bob = blocks.get(1);
        assertThat(bob.getHeader("Final-Recipient", null)).isEqualTo("rfc822; bob@remote.example");
        assertThat(bob.getHeader("Original-Recipient", null)).isEqualTo("rfc822; Bob@Remote.example");
        assertThat(bob.getHeader("Action", null)).isEqualTo("failed");
        assertThat(bob.getHeader("Status", null)).isEqualTo("5.1.1");
        assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.remote.example");
        assertThat(MimeUtility.unfold(bob.getHeader("Diagnostic-Code", null))).isEqualTo("smtp; 550 5.1.1 no such user");
        assertThat(bob.getHeader("Last-Attempt-Date", null)).isEqualTo("Sun, 22 Nov 2026 10:05:00 +0100");
        assertThat(bob.getHeader("Will-Retry-Until")).isNull();
        InternetHeaders carol = blocks.get(2);
        assertThat(carol.getHeader("Action", null)).isEqualTo("delayed");
        assertThat(carol.getHeader("Status", null)).isEqualTo("4.0.0");
        assertThat(carol.getHeader("Will-Retry-Until", null)).isEqualTo("Fri, 27 Nov 2026 10:00:00 +0100");
        assertThat(carol.getHeader("Original-Recipient")).isNull();
        assertThat(carol.getHeader("Remote-MTA")).isNull();
        assertThat(carol.getHeader("Diagnostic-Code")).isNull();
    }

    @Test
    void withoutEnvidOrArrivalThoseFieldsAreLeftOut() throws Exception {
        OriginalEnvelope envelope = new OriginalEnvelope("mario@example.it", null, null, null, false);

        List<InternetHeaders> blocks = statusBlocks(parse(compose(ORIGINAL, envelope, List.of(DeliveryOutcome.failed("bob@remote.example", null)), "en")));

        assertThat(blocks.get(0).getHeader("Original-Envelope-Id")).isNull();
        assertThat(blocks.get(0).getHeader("Arrival-Date")).isNull();
        assertThat(blocks.get(1).getHeader("Status", null)).isEqualTo("5.0.0");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "failed    | 5.1.1  | L'indirizzo non esiste                                          | The address does not exist",
        "failed    | 5.1.2  | Il dominio del destinatario non è stato trovato                 | The recipient's domain was not found",
        "failed    | 5.4.4  | Il dominio del destinatario non è stato trovato                 | The recipient's domain was not found",
        "failed    | 5.1.10 | Il dominio del destinatario non accetta posta                   | The recipient's domain does not accept email",
        "failed    | 5.2.2  | La casella del destinatario è piena                             | The recipient's mailbox is full",
        "delayed   | 4.2.2  | La casella del destinatario è piena                             | The recipient's mailbox is full",
        "failed    | 5.2.3  | Il messaggio è troppo grande                                    | The message is too large",
        "failed    | 5.7.1  | Il messaggio è stato rifiutato                                  | The message was refused",
        "failed    | 5.7.26 | Il tuo dominio non ha superato i controlli sul mittente          | Your domain failed the sender checks",
        "failed    | 5.7.23 | Il tuo dominio non ha superato i controlli sul mittente          | Your domain failed the sender checks",
        "delayed   | 4.4.1  | Il server di posta del destinatario non risponde                | The recipient's mail server is not answering",
        "delayed   | 4.4.2  | Il server di posta del destinatario non risponde                | The recipient's mail server is not answering",
        "delayed   | 4.7.1  | Il server di posta del destinatario ha chiesto di riprovare più tardi | The recipient's mail server asked us to try again later",
        "failed    | 4.4.7  | La consegna è stata abbandonata dopo ripetuti tentativi          | Delivery was given up after repeated attempts",
        "failed    | 4.7.1  | La consegna è stata abbandonata dopo ripetuti tentativi          | Delivery was given up after repeated attempts",
        "failed    | 4.4.1  | Il server di posta del destinatario non risponde                | The recipient's mail server is not answering",
        "failed    | 4.2.2  | La casella del destinatario è piena                             | The recipient's mailbox is full",
        "delayed   | 4.4.3  | Non è stato possibile consultare il dominio del destinatario    | The recipient's domain could not be looked up",
        "delayed   | 4.7.5  | Nessuna connessione sicura con il server di posta del destinatario | No secure connection to the recipient's mail server",
        "failed    | 5.7.10 | Nessuna connessione sicura con il server di posta del destinatario | No secure connection to the recipient's mail server",
        "delayed   | 4.4.7  | La consegna è in ritardo                                        | Delivery is delayed",
        "failed    | 5.3.0  | Non è stato possibile consegnare il messaggio                   | The message could not be delivered",
        "delayed   | 4.3.0  | La consegna è in ritardo                                        | Delivery is delayed",
        "delivered | 2.0.0  | Consegnato                                                      | Delivered",
        "relayed   | 2.0.0  | Inoltrato                                                       | Passed on",
    })
    void eachStatusHasItsOwnTextInEachLanguage(String action, String status, String italian, String english) throws Exception {
        DeliveryOutcome outcome = new DeliveryOutcome("bob@remote.example", null, DeliveryAction.fromWord(action),
            EnhancedStatusCode.parse(status), null, null, null, null);

        String it = text(parse(compose(ORIGINAL, envelope(), List.of(outcome), "it")));
        String en = text(parse(compose(ORIGINAL, envelope(), List.of(outcome), "en")));

        assertThat(it).contains("== " + italian + " ==").doesNotContain("== " + english + " ==");
        assertThat(en).contains("== " + english + " ==");
        assertThat(html(parse(compose(ORIGINAL, envelope(), List.of(outcome), "it"))))
            .contains(">" + italian.replace("'", "&#39;") + "</h2>");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "de | Unzustellbar: Preventivo caffè           | Die Adresse existiert nicht | bis zum 8. Dezember 2026 um 14:00 Uhr (UTC+01:00)",
        "fr | Non distribué\u00a0: Preventivo caffè    | L'adresse n'existe pas      | jusqu'au 8 décembre 2026 à 14\u00a0h\u00a000 (UTC+01:00)",
        "es | No entregado: Preventivo caffè            | La dirección no existe      | hasta el 8 de diciembre de 2026, a las 14:00 (UTC+01:00)",
        "pt | Não entregue: Preventivo caffè            | O endereço não existe       | até 8 de dezembro de 2026, às 14:00 (UTC+01:00)",
    })
    void theOtherShippedLanguages(String language, String subject, String headline, String until) throws Exception {
        DeliveryOutcome failed = failed("bob@remote.example", "550 5.1.1 no");
        DeliveryOutcome delayed = new DeliveryOutcome("ann@remote.example", null, DeliveryAction.DELAYED,
            EnhancedStatusCode.parse("4.2.2"), null, null, null, Instant.parse("2026-12-08T13:00:00Z"));

        MimeMessage message = parse(compose(ORIGINAL, envelope(), List.of(failed, delayed), language));

        assertThat(message.getSubject()).isEqualTo(subject.replace("\\u00a0", "\u00a0"));
        assertThat(message.getHeader("Content-Language", null)).isEqualTo(language);
        assertThat(text(message)).contains("== " + headline + " ==").contains(until);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "de | Ergebnis: nicht zugestellt       | Der Mailserver des Empfängers hat die Verbindung abgelehnt     | 12 KB groß und überschreitet damit die Grenze von 10 KB",
        "fr | Résultat\u00a0: non distribué    | Le serveur de messagerie du destinataire a refusé la connexion  | fait 12 Ko, soit plus que la limite de 10 Ko",
        "es | Resultado: no entregado          | El servidor de correo del destinatario ha rechazado la conexión | ocupa 12 KB y supera el límite de 10 KB",
        "pt | Resultado: não entregue          | O servidor de correio do destinatário recusou a ligação         | tem 12 KB e excede o limite de 10 KB",
    })
    void theOtherShippedLanguagesExplainFailuresWithoutAReply(String language, String action, String refused, String limit)
        throws Exception {
        DeliveryOutcome connection = new DeliveryOutcome("bob@remote.example", null, DeliveryAction.FAILED,
            EnhancedStatusCode.parse("4.4.7"), null, null, ATTEMPT, null, "mx.remote.example [192.0.2.1]:25",
            "connection refused by mx.remote.example [192.0.2.1]:25", dev.postino.core.retry.FailureClass.REFUSED,
            dev.postino.core.smtp.SmtpPhase.CONNECT, null);
        DeliveryOutcome tooBig = DeliveryOutcome.failed("ann@remote.example", EnhancedStatusCode.parse("5.3.4"))
            .withAttempt("mx.remote.example [192.0.2.1]:25", "message of 12000 octets is over the limit", null, null, 10240L);
        String big = ORIGINAL + "x".repeat(11_600);

        String text = text(parse(compose(big, envelope(), List.of(connection, tooBig), language)));

        assertThat(text).contains(action.replace("\\u00a0", "\u00a0"), "== " + refused + " ==", limit,
            "connection refused by mx.remote.example [192.0.2.1]:25");
    }

    @Test
    void delayWarningsNeverAskForTheMessageAgainInAnyLanguage() throws Exception {
        NotificationTexts texts = NotificationTexts.builtIn();
        List<DeliveryOutcome> delays = new ArrayList<>();
        for (String status : List.of("4.2.2", "4.4.1", "4.4.2", "4.4.3", "4.7.5", "4.1.1", "4.3.0", "4.7.1", "4.3.4", "4.5.3")) {
            delays.add(new DeliveryOutcome("r" + status + "@remote.example", null, DeliveryAction.DELAYED,
                EnhancedStatusCode.parse(status), null, null, ATTEMPT, null));
        }
        delays.add(new DeliveryOutcome("refused@remote.example", null, DeliveryAction.DELAYED, EnhancedStatusCode.parse("4.4.1"),
            null, null, ATTEMPT, null, "mx [192.0.2.1]:25", "connection refused", dev.postino.core.retry.FailureClass.REFUSED,
            dev.postino.core.smtp.SmtpPhase.CONNECT, null));
        List<String> finalAdvice = NotificationTexts.requiredKeys().stream()
            .filter(key -> key.matches("cause\\.[a-z]+\\.advice") && !key.matches("cause\\.(greylist|transient|delivered|relayed|expanded)\\.advice"))
            .toList();

        for (String language : NotificationTexts.BUILT_IN_LANGUAGES) {
            String text = text(parse(compose(ORIGINAL, envelope(), delays, language)));
            for (String key : finalAdvice) {
                assertThat(text).as(language + " " + key).doesNotContain(texts.text(language, key));
            }
            assertThat(text).as(language).contains(texts.text(language, "advice.delayed"),
                texts.text(language, "cause.mailboxfull.delayed.advice"), texts.text(language, "cause.refused.delayed.advice"));
        }
    }

    @Test
    void theTechnicalDetailsAreMentionedOnlyWhenTheyHoldAReason() throws Exception {
        DeliveryOutcome withReply = failed("bob@remote.example", "554 5.3.0 something odd");
        DeliveryOutcome without = new DeliveryOutcome("ann@remote.example", null, DeliveryAction.FAILED,
            EnhancedStatusCode.parse("5.3.0"), null, null, ATTEMPT, null);

        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(withReply), "en"))))
            .contains("The technical details below give the exact reason.");
        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(without), "en"))))
            .contains("The message was refused for good").doesNotContain("technical details below give");
        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(without), "it"))))
            .doesNotContain("I dettagli tecnici qui sotto ne indicano il motivo esatto.");
    }

    @Test
    void frenchWritesTheFirstDayOfAMonthAsAnOrdinalAndSizesInOctets() throws Exception {
        DeliveryOutcome delayed = new DeliveryOutcome("bob@remote.example", null, DeliveryAction.DELAYED,
            EnhancedStatusCode.parse("4.2.2"), null, null, null, Instant.parse("2026-12-01T08:05:00Z"));
        settings = settings.withMaxReturnedSize(100);

        String french = text(parse(compose(ORIGINAL, envelope(), List.of(delayed), "fr")));

        assertThat(french).contains("jusqu'au 1er décembre 2026 à 9\u00a0h\u00a005 (UTC+01:00).")
            .contains("Destinataire\u00a0: bob@remote.example")
            .contains("envoyé le 22 novembre 2026")
            .contains("Le message d'origine (1 Ko) dépasse la limite de 1 Ko");
        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(delayed), "de"))))
            .contains("bis zum 1. Dezember 2026 um 09:05 Uhr");
    }

    @Test
    void saysWhetherAndUntilWhenItIsRetried() throws Exception {
        DeliveryOutcome delayed = new DeliveryOutcome("bob@remote.example", null, DeliveryAction.DELAYED,
            EnhancedStatusCode.parse("4.2.2"), null, null, null, Instant.parse("2026-12-08T13:00:00Z"));

        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(delayed), "it"))))
            .contains("La consegna verrà ritentata fino al giorno 8 dicembre 2026, ore 14:00 (UTC+01:00).");
        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(delayed), "en"))))
            .contains("Delivery will be retried until 8 December 2026 at 14:00 (UTC+01:00).");
        assertThat(text(parse(compose(ORIGINAL, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 x")), "it"))))
            .contains("Non verranno effettuati altri tentativi.");
    }

    @Test
    void groupsRecipientsWithTheSameCauseAndCountsThem() throws Exception {
        String text = text(parse(compose(ORIGINAL, envelope(), List.of(
            failed("bob@remote.example", "550 5.1.1 no"), failed("ann@remote.example", "550 5.1.1 no"),
            failed("joe@remote.example", "552 5.2.2 full")), "it")));

        assertThat(text).contains("Non è stato possibile consegnare il tuo messaggio a 3 destinatari.");
        assertThat(text).containsOnlyOnce("== L'indirizzo non esiste ==\r\n   bob@remote.example\r\n   ann@remote.example\r\n");
        assertThat(text).contains("Questo avviso riguarda il tuo messaggio «Preventivo caffè», inviato il giorno 22 novembre 2026, ore 10:00 (UTC+01:00).");
    }

    @Test
    void bilingualModePutsBothLanguagesFirstOneFirst() throws Exception {
        Notification notification = compose(ORIGINAL, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 no")), "it", "en");
        MimeMessage message = parse(notification);

        String text = text(message);
        assertThat(text.indexOf("L'indirizzo non esiste")).isPositive().isLessThan(text.indexOf("The address does not exist"));
        assertThat(html(message)).contains("<div lang=\"it\">").contains("<div lang=\"en\">");
        assertThat(message.getHeader("Content-Language", null)).isEqualTo("it, en");
        assertThat(message.getSubject()).startsWith("Mancata consegna:");
        assertThat(notification.languages()).containsExactly("it", "en");
    }

    @Test
    void retFullReturnsTheWholeMessageUpToTheLimit() throws Exception {
        MimeMessage full = parse(compose(ORIGINAL, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 no")), "en"));
        assertThat(report(full).getBodyPart(2).isMimeType("message/rfc822")).isTrue();
        MimeMessage returned = (MimeMessage) report(full).getBodyPart(2).getContent();
        assertThat(returned.getMessageID()).isEqualTo("<orig-1@example.it>");
        assertThat((String) returned.getContent()).contains("ecco il preventivo.");
        assertThat(text(full)).contains("The original message is attached.");

        settings = settings.withMaxReturnedSize(100);
        Notification tooBig = compose(ORIGINAL, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 no")), "it");
        MimeMessage truncated = parse(tooBig);
        assertThat(report(truncated).getBodyPart(2).isMimeType("text/rfc822-headers")).isTrue();
        assertThat(raw(tooBig)).contains("Message-ID: <orig-1@example.it>").doesNotContain("ecco il preventivo");
        assertThat(text(truncated)).contains("Il messaggio originale (1 KB) supera il limite di 1 KB previsto per la restituzione, "
            + "quindi in allegato trovi soltanto la sua intestazione.");
    }

    @Test
    void retHdrsReturnsTheHeaderOnly() throws Exception {
        OriginalEnvelope hdrs = new OriginalEnvelope("mario@example.it", null, ReturnContent.HDRS, ARRIVED, false);

        Notification notification = compose(ORIGINAL, hdrs, List.of(failed("bob@remote.example", "550 5.1.1 no")), "en");

        assertThat(report(parse(notification)).getBodyPart(2).isMimeType("text/rfc822-headers")).isTrue();
        assertThat(raw(notification)).contains("Subject: =?UTF-8?Q?Preventivo_caff=C3=A8?=").doesNotContain("ecco il preventivo");
        assertThat(text(parse(notification))).contains("The header of the original message is attached.");
    }

    @Test
    void smtpUtf8UsesTheGlobalTypes() throws Exception {
        String utf8Original = "From: José <josé@exemplo.pt>\nSubject: Olá\nMessage-ID: <u@exemplo.pt>\n\nCorpo\n";
        OriginalEnvelope envelope = new OriginalEnvelope("josé@exemplo.pt", null, null, ARRIVED, true);

        Notification full = compose(utf8Original, envelope, List.of(failed("zoë@remote.example", "550 5.1.1 no")), "en");
        MimeMessage message = parse(full);

        assertThat(new ContentType(message.getContentType()).getParameter("report-type")).isEqualTo("global-delivery-status");
        assertThat(report(message).getBodyPart(1).isMimeType("message/global-delivery-status")).isTrue();
        assertThat(report(message).getBodyPart(2).isMimeType("message/global")).isTrue();
        String finalRecipient = statusBlocks(message).get(1).getHeader("Final-Recipient", null);
        // InternetHeaders reads octets as Latin-1: the field is UTF-8 (RFC 6533 unitext).
        assertThat(new String(finalRecipient.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8))
            .isEqualTo("utf-8; zoë@remote.example");
        assertThat(raw(full)).contains("To: <josé@exemplo.pt>");

        OriginalEnvelope hdrs = new OriginalEnvelope("josé@exemplo.pt", null, ReturnContent.HDRS, ARRIVED, true);
        MimeMessage headersOnly = parse(compose(utf8Original, hdrs, List.of(failed("bob@remote.example", "550 5.1.1 no")), "en"));
        assertThat(report(headersOnly).getBodyPart(2).isMimeType("message/global-headers")).isTrue();
    }

    @Test
    void utf8HeaderWithAsciiAddressesKeepsTheClassicStatusType() throws Exception {
        String utf8Original = "From: José <jose@exemplo.pt>\nSubject: Olá\nMessage-ID: <u2@exemplo.pt>\n\nCorpo\n";
        OriginalEnvelope envelope = new OriginalEnvelope("jose@exemplo.pt", null, null, ARRIVED, true);

        MimeMessage message = parse(compose(utf8Original, envelope, List.of(failed("bob@remote.example", "550 5.1.1 no")), "en"));

        // list managers' bounce parsers read message/delivery-status only; the original alone needs RFC 6533
        assertThat(new ContentType(message.getContentType()).getParameter("report-type")).isEqualTo("delivery-status");
        assertThat(report(message).getBodyPart(1).isMimeType("message/delivery-status")).isTrue();
        assertThat(report(message).getBodyPart(2).isMimeType("message/global")).isTrue();
        assertThat(statusBlocks(message).get(1).getHeader("Final-Recipient", null)).isEqualTo("rfc822; bob@remote.example");

        OriginalEnvelope hdrs = new OriginalEnvelope("jose@exemplo.pt", null, ReturnContent.HDRS, ARRIVED, true);
        MimeMessage headersOnly = parse(compose(utf8Original, hdrs, List.of(failed("bob@remote.example", "550 5.1.1 no")), "en"));
        assertThat(report(headersOnly).getBodyPart(1).isMimeType("message/delivery-status")).isTrue();
        assertThat(report(headersOnly).getBodyPart(2).isMimeType("message/global-headers")).isTrue();
    }

    @Test
    void nonAsciiSubjectIsEncodedAndFolded() throws Exception {
        String original = "From: a@example.it\nSubject: Ordine n° 42 — consegna urgente per l'ufficio di Milano, più allegati\n\nx\n";

        Notification notification = compose(original, envelope(), List.of(failed("bob@remote.example", "550 5.1.1 no")), "it");

        assertThat(parse(notification).getSubject())
            .isEqualTo("Mancata consegna: Ordine n° 42 — consegna urgente per l'ufficio di Milano, più allegati");
        String header = raw(notification).substring(0, raw(notification).indexOf("\r\n\r\n"));
        assertThat(header).contains("Subject: =?UTF-8?B?").doesNotContain("°");
        for (String line : header.split("\r\n")) {
            assertThat(line.length()).isLessThanOrEqualTo(998);
        }
    }

    @Test
    void hostileRepliesAndSubjectsCannotInjectMarkupOrFields() throws Exception {
        String original = "From: a@example.it\nSubject: <b>hi</b> =?UTF-8?Q?=0D=0ABcc:_victim@example.com?=\nMessage-ID: <x@example.it>\n\nx\n";
        DeliveryOutcome hostile = new DeliveryOutcome("bob@remote.example", null, DeliveryAction.FAILED, null,
            "mx.remote.example\r\nX-Injected: host", "550 5.7.1 <script>alert(1)</script>\r\nX-Injected: yes\r\n\r\n--boundary",
            null, null);

        Notification notification = compose(original, envelope(), List.of(hostile), "en");
        MimeMessage message = parse(notification);
        String raw = raw(notification);

        assertThat(message.getHeader("Bcc")).isNull();
        assertThat(message.getHeader("X-Injected")).isNull();
        assertThat(message.getSubject()).isEqualTo("Undeliverable: <b>hi</b> Bcc: victim@example.com");
        assertThat(raw).doesNotContain("\r\nX-Injected").doesNotContain("\r\nBcc");
        String html = html(message);
        assertThat(html).doesNotContain("<script>").doesNotContain("<b>hi")
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;").contains("&lt;b&gt;hi&lt;/b&gt;");
        InternetHeaders bob = statusBlocks(message).get(1);
        assertThat(MimeUtility.unfold(bob.getHeader("Diagnostic-Code", null))).isEqualTo("smtp; 550 5.7.1 <script>alert(1)</script> X-Injected: yes --boundary");
        assertThat(bob.getHeader("Remote-MTA", null)).isEqualTo("dns; mx.remote.example X-Injected: host");
        assertThat(bob.getHeader("X-Injected")).isNull();
        assertThat(bob.getHeader("Status", null)).isEqualTo("5.7.1");
    }

    @Test
    void statusComesFromTheOutcomeThenTheReplyThenTheConfiguredDefault() throws Exception {
        settings = settings.withDefaultFailure(EnhancedStatusCode.parse("5.4.0"));
        List<DeliveryOutcome> outcomes = List.of(
            new DeliveryOutcome("a@remote.example", null, DeliveryAction.FAILED, EnhancedStatusCode.parse("5.2.3"), null, "550 5.1.1 x", null, null),
            failed("b@remote.example", "550-5.7.26 Unauthenticated\r\n550 5.7.26 see https://support.example"),
            failed("c@remote.example", "553 mailbox name not allowed"),
            failed("d@remote.example", "Connection refused"),
            failed("e@remote.example", null),
            failed("f@remote.example", "550 rejected"),
            failed("g@remote.example", "421 closing"));

        List<InternetHeaders> blocks = statusBlocks(parse(compose(ORIGINAL, envelope(), outcomes, "en")));

        assertThat(blocks.subList(1, 8)).extracting(b -> b.getHeader("Status", null))
            .containsExactly("5.2.3", "5.7.26", "5.1.3", "5.4.0", "5.4.0", "5.4.0", "4.4.2");
        assertThat(blocks.get(4).getHeader("Diagnostic-Code", null)).isEqualTo("x-postino; Connection refused");
    }

    @Test
    void messageIdsAreUniqueAndBoundariesAvoidTheOriginal() throws Exception {
        NotificationComposer composer = NotificationComposer.create(settings, NotificationTexts.builtIn());
        byte[] original = ORIGINAL.getBytes(StandardCharsets.UTF_8);
        List<DeliveryOutcome> outcomes = List.of(failed("bob@remote.example", "550 5.1.1 no"));

        String first = parse(composer.compose(original, envelope(), outcomes, List.of("en"))).getMessageID();
        String second = parse(composer.compose(original, envelope(), outcomes, List.of("en"))).getMessageID();
        assertThat(first).isNotEqualTo(second).endsWith("@mx.postino.test>");

        String boundary = new ContentType(parse(compose(ORIGINAL, envelope(), outcomes, "en")).getContentType()).getParameter("boundary");
        ids.set(0);
        String trap = ORIGINAL + "--" + boundary + "\n";
        MimeMessage message = parse(compose(trap, envelope(), outcomes, "en"));
        assertThat(new ContentType(message.getContentType()).getParameter("boundary")).isNotEqualTo(boundary);
        assertThat(report(message).getCount()).isEqualTo(3);
    }

    @Test
    void refusesWhatCannotBeANotification() {
        NotificationComposer composer = composer();
        byte[] original = ORIGINAL.getBytes(StandardCharsets.UTF_8);
        List<DeliveryOutcome> outcomes = List.of(failed("bob@remote.example", null));

        assertThatThrownBy(() -> composer.compose(original, OriginalEnvelope.of("", ARRIVED), outcomes, List.of("en")))
            .hasMessageContaining("null reverse-path");
        assertThatThrownBy(() -> composer.compose(original, envelope(), List.of(), List.of("en")))
            .hasMessageContaining("at least one recipient");
        assertThatThrownBy(() -> composer.compose(original, envelope(), outcomes, List.of("xx")))
            .hasMessageContaining("no texts for language 'xx'");
    }
}
