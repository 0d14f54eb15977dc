package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import dev.postino.core.dns.testing.TestDnsServer;

/** RFC 8463's example message (signed ed25519-sha256 and rsa-sha256 by football.example.com) and its key records. */
final class Rfc8463Example {

    private Rfc8463Example() {
    }

    /** A test DNS server on loopback publishing the example's keys. */
    static TestDnsServer dnsWithKeys() throws IOException {
        TestDnsServer dns = TestDnsServer.start();
        for (String line : new String(resource("dns.txt"), StandardCharsets.ISO_8859_1).split("\n")) {
            String[] parts = line.split("\t", 2);
            if (parts.length == 2) {
                dns.addTxt(parts[0], parts[1]);
            }
        }
        return dns;
    }

    /** The signed message, CRLF line ends. */
    static byte[] message() throws IOException {
        return resource("message.crlf.eml");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Rfc8463Example.class.getResourceAsStream("/dkim/rfc8463/" + name)) {
            assertThat(in).as("core test-jar resource dkim/rfc8463/" + name).isNotNull();
            return in.readAllBytes();
        }
    }
}
