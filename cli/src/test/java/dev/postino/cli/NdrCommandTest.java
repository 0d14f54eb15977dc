package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NdrCommandTest {

    private static final String ORIGINAL = "Return-Path: <mario@example.it>\n"
        + "From: Mario Rossi <mario@example.it>\n"
        + "To: bob@remote.example\n"
        + "Subject: Preventivo\n"
        + "Message-ID: <orig-1@example.it>\n"
        + "\n"
        + "Ciao Bob,\n"
        + "ecco il preventivo.\n";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path folder;

    private int run(String stdin, String... args) {
        return Postino.run(List.of(args), new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The body of the part whose Content-Type line contains {@code type}, as far as the next boundary. */
    private String part(String type) {
        String all = output();
        int start = all.indexOf("\r\n\r\n", all.indexOf("Content-Type: " + type)) + 4;
        return all.substring(start, all.indexOf("\r\n--=_postino", start));
    }

    @Test
    void writesTheWholeNotificationWithCrlfLineEnds() {
        int status = run(ORIGINAL, "ndr", "--recipient", "bob@remote.example", "--recipient", "ann@remote.example",
            "--status", "5.1.1", "--diagnostic", "550 5.1.1 no such user", "--remote-mta", "mx.remote.example",
            "--reporting-mta", "mx.postino.test", "--envid", "ENV42", "-");

        assertThat(status).isZero();
        assertThat(err.size()).isZero();
        assertThat(output()).startsWith("From: \"Sistema di consegna della posta\" <MAILER-DAEMON@mx.postino.test>\r\n")
            .contains("\r\nTo: <mario@example.it>\r\n", "\r\nSubject: Mancata consegna: Preventivo\r\n",
                "\r\nAuto-Submitted: auto-replied\r\n", "\r\nIn-Reply-To: <orig-1@example.it>\r\n")
            .doesNotContainPattern("[^\r]\n").endsWith("--\r\n");
        assertThat(part("message/delivery-status")).isEqualTo("Reporting-MTA: dns; mx.postino.test\r\n"
            + "Original-Envelope-Id: ENV42\r\n"
            + "Arrival-Date: " + field("Arrival-Date") + "\r\n\r\n"
            + "Final-Recipient: rfc822; bob@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            + "Remote-MTA: dns; mx.remote.example\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
            + "Last-Attempt-Date: " + field("Arrival-Date") + "\r\n\r\n"
            + "Final-Recipient: rfc822; ann@remote.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            + "Remote-MTA: dns; mx.remote.example\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
            + "Last-Attempt-Date: " + field("Arrival-Date") + "\r\n");
        assertThat(part("message/rfc822")).contains("ecco il preventivo.");
    }

    private String field(String name) {
        String all = output();
        int start = all.indexOf(name + ": ") + name.length() + 2;
        return all.substring(start, all.indexOf("\r\n", start));
    }

    @Test
    void langForcesTheLanguageAndRetHdrsReturnsTheHeaderOnly() throws Exception {
        Path file = folder.resolve("original.eml");
        Files.writeString(file, ORIGINAL);

        int status = run("", "ndr", "--recipient", "bob@remote.example", "--status", "4.2.2", "--action", "delayed",
            "--lang", "en", "--ret", "hdrs", "--reporting-mta", "mx.postino.test", file.toString());

        assertThat(status).isZero();
        assertThat(output()).contains("\r\nSubject: Delivery delayed: Preventivo\r\n", "\r\nContent-Language: en\r\n",
            "Content-Type: text/rfc822-headers", "Action: delayed\r\nStatus: 4.2.2\r\n")
            .doesNotContain("ecco il preventivo");
    }

    @Test
    void templatesFolderOverridesTheBuiltInTexts() throws Exception {
        String english = new String(getClass().getResourceAsStream("/dev/postino/core/dsn/texts_en.properties").readAllBytes(),
            StandardCharsets.UTF_8);
        Files.writeString(folder.resolve("texts_en.properties"), english.replace("from.name=Mail Delivery System", "from.name=Postmaster Robot"));

        int status = run(ORIGINAL, "ndr", "--recipient", "bob@remote.example", "--status", "5.1.1", "--lang", "en",
            "--reporting-mta", "mx.postino.test", "--templates", folder.toString(), "-");

        assertThat(status).isZero();
        assertThat(output()).startsWith("From: \"Postmaster Robot\" <MAILER-DAEMON@mx.postino.test>\r\n");
    }

    @Test
    void usageErrorsSayWhatIsWrongAndPrintNothing() throws Exception {
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"ndr", "--status", "5.1.1", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--action", "delayed", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--action", "bounced", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--ret", "body", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--lang", "xx", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--reporting-mta", "bad host", "-"});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", folder.resolve("missing.eml").toString()});
        cases.add(new String[] {"ndr", "--recipient", "b@x", "--status", "5.1.1", "--templates", folder.resolve("none").toString(), "-"});
        List<String> expected = List.of("--recipient is required", "--status is required", "--status: '5.1' is not an enhanced status code",
            "--status 5.1.1 does not fit --action delayed: expected 4.x.x", "--action: unknown action 'bounced'",
            "--ret: 'body' is not a RET value", "--lang: no texts for 'xx'", "--reporting-mta: 'bad host' is not a host name",
            "no such file", "--templates: template folder");
        for (int i = 0; i < cases.size(); i++) {
            out.reset();
            err.reset();
            assertThat(run(ORIGINAL, cases.get(i))).as(expected.get(i)).isEqualTo(2);
            assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("postino ndr: ").contains(expected.get(i));
            assertThat(out.size()).isZero();
        }
    }

    @Test
    void withoutLangTheMailetsLanguageChoiceApplies() {
        String german = ORIGINAL.replace("Return-Path: <mario@example.it>\n", "Return-Path: <anna@example.de>\nContent-Language: it\n");

        assertThat(run(german, "ndr", "--recipient", "b@remote.example", "--status", "5.1.1", "--reporting-mta", "mx.postino.test", "-")).isZero();
        assertThat(output()).contains("\r\nContent-Language: it\r\n").contains("\r\nTo: <anna@example.de>\r\n");

        out.reset();
        String noSender = ORIGINAL.replace("Return-Path: <mario@example.it>\n", "").replace("From: Mario Rossi <mario@example.it>\n", "");
        assertThat(run(noSender, "ndr", "--recipient", "b@remote.example", "--status", "5.1.1", "-")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("give --sender");
    }
}
