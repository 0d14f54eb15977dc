package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.dns.testing.TestDnsServer;

class DnsCommandTest {

    private TestDnsServer dns;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private int run(String... args) {
        return Postino.run(List.of(args), new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsTheRecordsAsJson() {
        dns.add("example.test. 120 IN TXT \"v=spf1 \\\"quoted\\\" -all\"");

        int status = run("dns", "--dns", dns.hostPort(), "--json", "TXT", "example.test");

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).trim()).isEqualTo(
            "{\"name\": \"example.test\", \"type\": \"TXT\", \"result\": \"records\", "
                + "\"records\": [\"v=spf1 \\\"quoted\\\" -all\"], \"ttl\": 120, \"reason\": \"\", "
                + "\"servers\": [\"" + dns.hostPort() + "\"]}");
    }

    @Test
    void nxdomainIsAnAnswerNotAnError() {
        int status = run("dns", "--dns", dns.hostPort(), "MX", "nowhere.test");

        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("MX: nxdomain");
    }

    @Test
    void badResolverIsAUsageErrorNamingTheValue() {
        int status = run("dns", "--dns", "resolver.example:53", "A", "example.test");

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("postino dns: --dns: expected an IPv4 or IPv6 address, not a host name, in 'resolver.example:53'");
        assertThat(out.size()).isZero();
    }

    @Test
    void unknownCommandAndOptionAreUsageErrors() {
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("dns", "--verbose", "A", "x.test")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown command 'frobnicate'").contains("unknown option --verbose");
    }
}
