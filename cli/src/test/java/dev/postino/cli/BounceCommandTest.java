package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code postino bounce}: the contract's JSON shape and exit statuses, from a file and from standard input. */
class BounceCommandTest {

    private static final String POSTFIX = "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\r\n"
            + "To: sender@example.org\r\nSubject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\r\n\r\n"
            + "--B\r\nContent-Type: text/plain\r\n\r\n<gone@example.com>: host mx.example.com[192.0.2.1] said: 550 5.1.1"
            + " <gone@example.com>: Recipient address rejected: User unknown (in reply to RCPT TO command)\r\n\r\n"
            + "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n"
            + "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            + "Remote-MTA: dns; mx.example.com\r\nDiagnostic-Code: smtp; 550 5.1.1 <gone@example.com>: Recipient"
            + " address rejected: User unknown\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
            + "Message-ID: <sent-1@example.org>\r\nTo: gone@example.com\r\n\r\n--B--\r\n";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return Postino.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String file(String content) throws IOException {
        Path path = dir.resolve("message.eml");
        Files.writeString(path, content, StandardCharsets.UTF_8);
        return path.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> json() throws IOException {
        return (Map<String, Object>) dev.postino.core.json.Json.read(out.toString(StandardCharsets.UTF_8));
    }

    @Test
    @SuppressWarnings("unchecked")
    void printsTheContractsJsonForABounce() throws Exception {
        int status = run("", "bounce", "--json", file(POSTFIX));

        assertThat(status).isZero();
        assertThat(err.size()).isZero();
        Map<String, Object> json = json();
        assertThat(json).containsEntry("bounce", true).containsEntry("kind", "dsn")
                .containsEntry("original_message_id", "<sent-1@example.org>");
        List<Map<String, Object>> recipients = (List<Map<String, Object>>) json.get("recipients");
        assertThat(recipients).singleElement().satisfies(r -> {
            assertThat(r).containsEntry("address", "gone@example.com").containsEntry("action", "failed")
                    .containsEntry("status", "5.1.1").containsEntry("reason", "userunknown").containsEntry("hard", true)
                    .containsEntry("remote_mta", "mx.example.com");
            assertThat((String) r.get("diagnostic")).contains("User unknown");
            assertThat(r.keySet()).containsExactly("address", "action", "status", "reason", "hard", "diagnostic",
                    "remote_mta");
        });
    }

    @Test
    void ordinaryMailFromStandardInputIsNoBounceWithExitStatusZero() throws Exception {
        int status = run("From: ann@example.net\nTo: bob@example.org\nSubject: hi\n\nhello\n", "bounce", "--json", "-");

        assertThat(status).isZero();
        Map<String, Object> json = json();
        assertThat(json).containsEntry("bounce", false).containsEntry("kind", "none")
                .containsEntry("original_message_id", null).containsEntry("recipients", List.of());
    }

    @Test
    void withoutJsonItPrintsTheVerdictForPeople() throws Exception {
        int status = run("", "bounce", file(POSTFIX));

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("bounce (dsn)")
                .contains("gone@example.com: failed 5.1.1 userunknown (hard: do not retry)")
                .contains("original message: <sent-1@example.org>");
    }

    @Test
    void aMissingFileIsAnInputErrorOnOneLine() {
        int status = run("", "bounce", "--json", dir.resolve("absent.eml").toString());

        assertThat(status).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8).trim()).startsWith("postino bounce: no such file").doesNotContain("\n");
    }

    @Test
    void noFileIsAUsageError() {
        assertThat(run("", "bounce", "--json")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: postino bounce [--json] FILE");
    }
}
