package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

class SpfCommandTest {

    private TestDnsServer dns;
    private final CapturedTerminal terminal = new CapturedTerminal();

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static List<String> jsonKeys(String json) {
        List<String> keys = new ArrayList<>();
        Matcher m = Pattern.compile("\"([a-z_]+)\": ").matcher(json);
        while (m.find()) {
            keys.add(m.group(1));
        }
        return keys;
    }

    @Test
    void failIsASuccessfulEvaluationWithTheContractsJson() {
        dns.addTxt("example.test", "v=spf1 ip4:198.51.100.0/24 -all exp=why.example.test");
        dns.addTxt("why.example.test", "%{i} is not a mail server of %{d}");

        int status = terminal.run("spf", "--dns", dns.hostPort(), "--json", "--ip", "192.0.2.1", "--mail-from", "x@example.test",
            "--helo", "mail.client.test");

        assertThat(status).isZero();
        String json = terminal.out();
        assertThat(json.lines()).hasSize(1);
        assertThat(jsonKeys(json)).containsExactly("result", "explanation", "domain", "dns_lookups");
        assertThat(json).contains("\"result\": \"fail\"").contains("\"domain\": \"example.test\"")
            .contains("\"explanation\": \"192.0.2.1 is not a mail server of example.test\"")
            .contains("\"dns_lookups\": " + dns.udpQueries() + "}");
        assertThat(terminal.err()).isEmpty();
    }

    @Test
    void anEmptyMailFromChecksPostmasterAtTheHeloName() {
        dns.addTxt("mail.client.test", "v=spf1 ip4:192.0.2.1 -all");

        int status = terminal.run("spf", "--dns", dns.hostPort(), "--json", "--ip", "192.0.2.1", "--mail-from", "",
            "--helo", "mail.client.test");

        assertThat(status).isZero();
        assertThat(terminal.out()).contains("\"result\": \"pass\"").contains("\"domain\": \"mail.client.test\"")
            .contains("\"explanation\": \"\"");
    }

    @Test
    void aDnsTimeoutIsATemperrorVerdictNotAnError() {
        dns.inject("slow.test", "ANY", TestDnsServer.Fault.TIMEOUT);

        int status = terminal.run("spf", "--dns", dns.hostPort(), "--ip", "2001:db8::1", "--mail-from", "x@slow.test",
            "--helo", "h.test");

        assertThat(status).isZero();
        assertThat(terminal.out()).contains("result: temperror").contains("slow.test");
    }

    @Test
    void anUnparsableIpIsAnInputErrorOnOneLine() {
        int status = terminal.run("spf", "--dns", dns.hostPort(), "--ip", "192.0.2.300", "--mail-from", "x@example.test",
            "--helo", "h.test");

        assertThat(status).isEqualTo(2);
        assertThat(terminal.err().lines()).hasSize(1).first().asString().startsWith("postino spf: --ip: '192.0.2.300'");
        assertThat(terminal.out()).isEmpty();
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void missingOptionsAreUsageErrors() {
        assertThat(terminal.run("spf", "--ip", "192.0.2.1", "--mail-from", "x@example.test")).isEqualTo(2);
        assertThat(terminal.run("spf", "--ip", "192.0.2.1", "--helo", "h.test")).isEqualTo(2);
        assertThat(terminal.err().lines()).hasSize(2).allMatch(line -> line.startsWith("postino spf: --"));
        assertThat(terminal.out()).isEmpty();
    }
}
