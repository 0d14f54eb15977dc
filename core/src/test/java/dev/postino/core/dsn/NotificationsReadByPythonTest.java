package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.json.Json;
import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;

/**
 * Python's {@code email} package, a MIME parser written by other people, reads every kind of notification
 * back with the right structure, recipients and status codes. Skipped where there is no {@code python3}.
 */
class NotificationsReadByPythonTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path folder;

    @Test
    void pythonReadsEveryVariantBack() throws Exception {
        assumeTrue(python() != null, "python3 is not installed");
        NotificationComposer composer = new NotificationComposer(NotificationSettings.defaults("mx.postino.test").withMaxReturnedSize(4096),
            NotificationTexts.builtIn(), Clock.fixed(NOW, ZoneOffset.UTC), () -> "id");
        byte[] plain = "From: a@example.it\r\nSubject: =?UTF-8?Q?Preventivo_caff=C3=A8?=\r\nMessage-ID: <o@example.it>\r\n\r\nCiao\r\n"
            .getBytes(StandardCharsets.UTF_8);
        byte[] large = ("From: a@example.it\nSubject: big\n\n" + "x".repeat(80).concat("\n").repeat(100)).getBytes(StandardCharsets.UTF_8);
        DeliveryOutcome bob = new DeliveryOutcome("bob@remote.example", "rfc822;bob@remote.example", DeliveryAction.FAILED, null,
            "mx.remote.example", "550 5.1.1 no such user <script>", NOW, null);
        DeliveryOutcome ann = new DeliveryOutcome("ann@remote.example", null, DeliveryAction.DELAYED, null,
            null, "452 4.2.2 mailbox full", NOW, NOW.plusSeconds(86400));
        DeliveryOutcome zoe = DeliveryOutcome.failed("zoë@remote.example", EnhancedStatusCode.parse("5.2.2"));
        DeliveryOutcome refused = new DeliveryOutcome("eve@remote.example", null, DeliveryAction.FAILED,
            EnhancedStatusCode.parse("4.4.7"), null, null, NOW, null, "mx.remote.example [192.0.2.1]:25",
            "connection refused by mx.remote.example [192.0.2.1]:25", FailureClass.REFUSED, SmtpPhase.CONNECT, null);
        List<Notification> notifications = List.of(
            composer.compose(plain, OriginalEnvelope.of("a@example.it", NOW), List.of(bob, ann), List.of("it")),
            composer.compose(plain, new OriginalEnvelope("a@example.it", "E1", ReturnContent.HDRS, NOW, false), List.of(ann), List.of("en", "it")),
            composer.compose(large, OriginalEnvelope.of("a@example.it", NOW), List.of(bob), List.of("en")),
            composer.compose(plain, new OriginalEnvelope("josé@example.it", null, null, NOW, true), List.of(zoe), List.of("it")),
            composer.compose(plain, OriginalEnvelope.of("a@example.it", NOW), List.of(refused, bob), List.of("it", "en")));
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < notifications.size(); i++) {
            Path file = folder.resolve("n" + i + ".eml");
            Files.write(file, notifications.get(i).message());
            paths.add(file.toString());
        }

        String json = runPython(paths);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> read = (List<Map<String, Object>>) Json.read(json);

        assertThat(read).hasSize(5).allSatisfy(n -> {
            assertThat(n.get("content_type")).isEqualTo("multipart/report");
            assertThat(n.get("alternatives")).isEqualTo(List.of("text/plain", "text/html"));
            assertThat(n.get("auto_submitted")).isEqualTo("auto-replied");
            assertThat(n.get("reporting_mta")).isEqualTo("dns; mx.postino.test");
            assertThat((List<?>) n.get("defects")).isEmpty();
        });
        assertThat(read.get(0).get("subject")).isEqualTo("Mancata consegna: Preventivo caffè");
        assertThat(read.get(0).get("from")).isEqualTo("Sistema di consegna della posta <MAILER-DAEMON@mx.postino.test>");
        assertThat(read.get(0).get("parts")).isEqualTo(List.of("multipart/alternative", "message/delivery-status", "message/rfc822"));
        assertThat(read.get(0).get("recipients")).isEqualTo(List.of(
            Map.of("final_recipient", "rfc822; bob@remote.example", "action", "failed", "status", "5.1.1"),
            Map.of("final_recipient", "rfc822; ann@remote.example", "action", "delayed", "status", "4.2.2")));
        assertThat((String) read.get(0).get("text")).contains("L'indirizzo non esiste").contains("550 5.1.1 no such user <script>");
        assertThat(read.get(1).get("subject")).isEqualTo("Delivery delayed: Preventivo caffè");
        assertThat(read.get(1).get("parts")).isEqualTo(List.of("multipart/alternative", "message/delivery-status", "text/rfc822-headers"));
        assertThat((String) read.get(1).get("text")).contains("The recipient's mailbox is full").contains("La casella del destinatario è piena");
        assertThat(read.get(2).get("parts")).isEqualTo(List.of("multipart/alternative", "message/delivery-status", "text/rfc822-headers"));
        assertThat((String) read.get(2).get("text")).contains("only its header is attached");
        assertThat(read.get(3).get("report_type")).isEqualTo("global-delivery-status");
        assertThat(read.get(3).get("to")).isEqualTo("josé@example.it");
        assertThat(read.get(3).get("parts")).isEqualTo(List.of("multipart/alternative", "message/global-delivery-status", "message/global"));
        assertThat(read.get(3).get("recipients")).isEqualTo(List.of(
            Map.of("final_recipient", "utf-8; zoë@remote.example", "action", "failed", "status", "5.2.2")));
        assertThat(read.get(4).get("recipients")).isEqualTo(List.of(
            Map.of("final_recipient", "rfc822; eve@remote.example", "action", "failed", "status", "4.4.7"),
            Map.of("final_recipient", "rfc822; bob@remote.example", "action", "failed", "status", "5.1.1")));
        assertThat(read.get(4).get("diagnostics")).isEqualTo(List.of(
            "x-postino; connection refused by mx.remote.example [192.0.2.1]:25", "smtp; 550 5.1.1 no such user <script>"));
        assertThat(read.get(4).get("remote_hosts")).isEqualTo(List.of("mx.remote.example [192.0.2.1]:25", ""));
        assertThat((String) read.get(4).get("text")).contains("Il server di posta del destinatario ha rifiutato la connessione")
            .contains("The recipient's mail server refused the connection");
    }

    private static String python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "python3"))) {
                return Path.of(dir, "python3").toString();
            }
        }
        return null;
    }

    private String runPython(List<String> paths) throws IOException, InterruptedException {
        Path script = folder.resolve("read_notifications.py");
        try (InputStream in = getClass().getResourceAsStream("read_notifications.py")) {
            Files.write(script, in.readAllBytes());
        }
        List<String> command = new ArrayList<>(List.of(python(), script.toString()));
        command.addAll(paths);
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(err).isZero();
        return out;
    }
}
