package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

class ResolverRewriteTest {

    private static final List<InetSocketAddress> SERVERS = List.of(
        new InetSocketAddress("127.0.0.1", 10053), new InetSocketAddress("::1", 53));

    @Test
    void samplesDnsServiceAsksOnlyTheGivenServers() throws Exception {
        String sample = Files.readString(Path.of("../conf-samples/dnsservice.xml"), StandardCharsets.UTF_8);
        Document xml = parse(ResolverRewrite.dnsServiceXml(sample, SERVERS));
        assertThat(text(xml, "autodiscover")).containsExactly("false");
        assertThat(text(xml, "server")).containsExactly("127.0.0.1", "::1");
        assertThat(text(xml, "maxcachesize")).containsExactly("50000");
    }

    @Test
    void earlierServersAndAutodiscoveryAreReplacedNotAdded() throws Exception {
        String own = "<dnsservice>\n  <servers><server>10.0.0.1</server>\n<server>10.0.0.2</server></servers>\n"
            + "  <autodiscover>true</autodiscover>\n  <singleIPperMX>false</singleIPperMX>\n</dnsservice>";
        Document xml = parse(ResolverRewrite.dnsServiceXml(own, SERVERS));
        assertThat(text(xml, "server")).containsExactly("127.0.0.1", "::1");
        assertThat(text(xml, "autodiscover")).containsExactly("false");
        assertThat(text(xml, "singleIPperMX")).containsExactly("false");
    }

    @Test
    void aMissingDnsServiceFileBecomesAWholeOne() throws Exception {
        assertThat(text(parse(ResolverRewrite.dnsServiceXml("", SERVERS)), "server")).containsExactly("127.0.0.1", "::1");
    }

    @Test
    void everyMailetsOwnDnsServersIsOverwritten() {
        String xml = "<mailet class=\"A\"><dnsServers>192.0.2.53:53</dnsServers></mailet>\n"
            + "<mailet class=\"B\"><dnsServers/></mailet><mailet class=\"C\"><timeBudget>5s</timeBudget></mailet>";
        String hostPorts = ResolverRewrite.hostPorts(SERVERS);
        assertThat(hostPorts).isEqualTo("127.0.0.1:10053,[::1]:53");
        assertThat(ResolverRewrite.mailetDnsServers(xml, hostPorts)).isEqualTo(
            "<mailet class=\"A\"><dnsServers>127.0.0.1:10053,[::1]:53</dnsServers></mailet>\n"
                + "<mailet class=\"B\"><dnsServers>127.0.0.1:10053,[::1]:53</dnsServers></mailet>"
                + "<mailet class=\"C\"><timeBudget>5s</timeBudget></mailet>");
    }

    private static Document parse(String xml) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> text(Document xml, String tag) {
        NodeList nodes = xml.getElementsByTagName(tag);
        return java.util.stream.IntStream.range(0, nodes.getLength()).mapToObj(i -> nodes.item(i).getTextContent().strip()).toList();
    }
}
