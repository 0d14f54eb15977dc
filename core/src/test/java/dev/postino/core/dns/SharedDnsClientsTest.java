package dev.postino.core.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SharedDnsClientsTest {

    private static DnsConfig config(int port) {
        return DnsConfig.defaults().withServers(List.of(new InetSocketAddress("127.0.0.1", port)));
    }

    @Test
    void oneClientPerConfigurationUntilTheLastUserReleasesIt() {
        int before = SharedDnsClients.openClients();
        DnsClient first = SharedDnsClients.acquire(config(5301));
        DnsClient second = SharedDnsClients.acquire(config(5301));
        DnsClient other = SharedDnsClients.acquire(config(5301).withQueryTimeout(Duration.ofSeconds(1)));

        assertThat(second).isSameAs(first);
        assertThat(other).isNotSameAs(first);
        assertThat(SharedDnsClients.openClients()).isEqualTo(before + 2);

        SharedDnsClients.release(first);
        assertThat(SharedDnsClients.openClients()).as("one user left").isEqualTo(before + 2);
        SharedDnsClients.release(second);
        SharedDnsClients.release(other);
        assertThat(SharedDnsClients.openClients()).isEqualTo(before);

        DnsClient fresh = SharedDnsClients.acquire(config(5301));
        assertThat(fresh).as("a closed client is never handed out again").isNotSameAs(first);
        SharedDnsClients.release(fresh);
        SharedDnsClients.release(fresh); // a second release is ignored
        assertThat(SharedDnsClients.openClients()).isEqualTo(before);
    }
}
