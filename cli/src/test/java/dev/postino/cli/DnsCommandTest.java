package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

class DnsCommandTest {

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

    @Test
    void printsTheRecordsAsJson() {
        dns.add("example.test. 120 IN TXT \"v=spf1 \\\"quoted\\\" -all\"");

        int status = terminal.run("dns", "--dns", dns.hostPort(), "--json", "TXT", "example.test");

        assertThat(status).isZero();
        assertThat(terminal.out().trim()).isEqualTo(
            "{\"name\": \"example.test\", \"type\": \"TXT\", \"result\": \"records\", "
                + "\"records\": [\"v=spf1 \\\"quoted\\\" -all\"], \"ttl\": 120, \"reason\": \"\", "
                + "\"servers\": [\"" + dns.hostPort() + "\"]}");
    }

    @Test
    void nxdomainIsAnAnswerNotAnError() {
        int status = terminal.run("dns", "--dns", dns.hostPort(), "MX", "nowhere.test");

        assertThat(status).isZero();
        assertThat(terminal.out()).contains("MX: nxdomain");
    }

    @Test
    void badResolverIsAUsageErrorNamingTheValue() {
        int status = terminal.run("dns", "--dns", "resolver.example:53", "A", "example.test");

        assertThat(status).isEqualTo(2);
        assertThat(terminal.err()).startsWith("postino dns: --dns: expected an IPv4 or IPv6 address, not a host name, in 'resolver.example:53'");
        assertThat(terminal.err().lines()).hasSize(1);
        assertThat(terminal.out()).isEmpty();
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        assertThat(terminal.run("frobnicate")).isEqualTo(2);
        assertThat(terminal.run("dns", "--verbose", "A", "x.test")).isEqualTo(2);
        assertThat(terminal.err()).contains("unknown command 'frobnicate'").contains("unknown option --verbose");
    }
}
