package dev.postino.core.authresults;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.postino.core.log.LogLine;

/** The authentication log's line: every verdict by name, and a hostile HELO or sender kept in its field. */
class AuthenticationLogLineTest {

    @Test
    void verdictsAndSignaturesByName() {
        AuthenticationLogLine line = new AuthenticationLogLine("Mail1", "192.0.2.1", "mx.example.test",
            "bob@example.test", "example.test", "pass", "example.test", "pass",
            List.of(new AuthenticationLogLine.Signature("pass", "example.test", "s1"),
                new AuthenticationLogLine.Signature("fail", "other.test", "s2")),
            "pass", "reject", "none", "example.test", "pass", "mailet", "deliver", "aligned DKIM pass");

        Map<String, String> fields = LogLine.parse(line.format(LogLine.Format.KEYVALUE));

        assertThat(fields).containsEntry("client", "192.0.2.1").containsEntry("helo", "mx.example.test")
            .containsEntry("mail_from", "bob@example.test").containsEntry("header_from", "example.test")
            .containsEntry("spf", "pass").containsEntry("spf_domain", "example.test").containsEntry("dkim", "pass")
            .containsEntry("dkim_signatures", "pass/example.test/s1,fail/other.test/s2").containsEntry("dmarc", "pass")
            .containsEntry("dmarc_policy", "reject").containsEntry("dmarc_disposition", "none")
            .containsEntry("dmarc_domain", "example.test").containsEntry("iprev", "pass").containsEntry("stage", "mailet")
            .containsEntry("action", "deliver").containsEntry("remark", "aligned DKIM pass");
    }

    @Test
    void absentStepsAreLeftOutAndHostileValuesStayInTheirFields() {
        String helo = "x dmarc=pass action=deliver\r\nMail2: client=10.0.0.1";
        AuthenticationLogLine line = new AuthenticationLogLine("Mail2", "192.0.2.9", helo, "", "", null, "", null,
            List.of(), "fail", "reject", "reject", "bank.test", null, "smtp", "refuse", "550 5.7.26 refused");

        String text = line.format(LogLine.Format.KEYVALUE);
        Map<String, String> fields = LogLine.parse(text);

        assertThat(text).doesNotContain("\r", "\n", " dmarc=pass");
        assertThat(fields).containsEntry("helo", helo).containsEntry("mail_from", "").containsEntry("dmarc", "fail")
            .doesNotContainKeys("spf", "spf_domain", "dkim", "dkim_signatures", "iprev", "header_from");
    }
}
