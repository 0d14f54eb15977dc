package dev.postino.core.mtasts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.postino.core.mtasts.testing.PolicyServer;
import dev.postino.core.mtasts.testing.TestCa;
import dev.postino.core.tlsrpt.TlsResultType;

/** The HTTPS fetch against a local policy host with a test CA (RFC 8461 section 3.3). */
class StsPolicyFetcherTest {

    private static final String POLICY = "version: STSv1\nmode: enforce\nmx: mx.ok.test\nmax_age: 86400\n";

    private static TestCa ca;
    private static PolicyServer server;
    private static StsPolicyFetcher fetcher;

    @BeforeAll
    static void start() throws Exception {
        ca = TestCa.create("Postino test CA");
        server = PolicyServer.start(ca.serverContext("mta-sts.ok.test", "mta-sts.slow.test", "mta-sts.large.test",
            "mta-sts.garbage.test", "mta-sts.html.test", "mta-sts.moved.test", "mta-sts.missing.test"));
        server.serve("ok.test", PolicyServer.Response.policy(POLICY))
            .serve("slow.test", PolicyServer.Response.policy(POLICY).delayed(Duration.ofSeconds(15)))
            .serve("large.test", PolicyServer.Response.policy(POLICY + "x_pad: " + "a".repeat(70_000) + "\n"))
            .serve("garbage.test", PolicyServer.Response.policy("<html>oops</html>"))
            .serve("html.test", new PolicyServer.Response(200, "text/html", POLICY.getBytes(StandardCharsets.UTF_8), Duration.ZERO))
            .serve("moved.test", new PolicyServer.Response(301, "text/plain", new byte[0], Duration.ZERO))
            .serve("missing.test", new PolicyServer.Response(404, "text/plain", new byte[0], Duration.ZERO))
            .serve("wrongname.test", PolicyServer.Response.policy(POLICY));
        fetcher = new StsPolicyFetcher(new StsPolicyFetcher.Options(Duration.ofSeconds(5), Duration.ofSeconds(5),
            ca.trustStore(), server.proxy()));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void fetchesAValidPolicy() {
        StsPolicyFetcher.Result result = fetcher.fetch("ok.test");
        assertThat(result).isInstanceOf(StsPolicyFetcher.Fetched.class);
        assertThat(((StsPolicyFetcher.Fetched) result).policy().allows("mx.ok.test")).isTrue();
    }

    @Test
    void anUntrustedCertificateIsAWebPkiFailure() throws Exception {
        StsPolicyFetcher other = new StsPolicyFetcher(new StsPolicyFetcher.Options(Duration.ofSeconds(5),
            Duration.ofSeconds(5), TestCa.create("another CA").trustStore(), server.proxy()));
        assertFailed(other.fetch("ok.test"), TlsResultType.STS_WEBPKI_INVALID, "certificate not valid for mta-sts.ok.test");
    }

    @Test
    void aCertificateForAnotherNameIsAWebPkiFailure() {
        assertFailed(fetcher.fetch("wrongname.test"), TlsResultType.STS_WEBPKI_INVALID, "mta-sts.wrongname.test");
    }

    @Test
    void slowLargeGarbageAndWrongAnswersFailWithinTheDeadline() {
        long start = System.nanoTime();
        assertFailed(fetcher.fetch("slow.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "no policy within 5s");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertFailed(fetcher.fetch("large.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "larger than 65536 octets");
        assertFailed(fetcher.fetch("garbage.test"), TlsResultType.STS_POLICY_INVALID, "not 'name: value'");
        assertFailed(fetcher.fetch("html.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "'text/html' is not text/plain");
        assertFailed(fetcher.fetch("moved.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "redirects are not followed");
        assertFailed(fetcher.fetch("missing.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "HTTP status 404");
        assertFailed(fetcher.fetch("down.test"), TlsResultType.STS_POLICY_FETCH_ERROR, "https://mta-sts.down.test/");
        assertThat(server.fetches("moved.test")).isEqualTo(1);
    }

    private static void assertFailed(StsPolicyFetcher.Result result, TlsResultType type, String reason) {
        assertThat(result).isInstanceOf(StsPolicyFetcher.Failed.class);
        StsPolicyFetcher.Failed failed = (StsPolicyFetcher.Failed) result;
        assertThat(failed.type()).as(failed.reason()).isEqualTo(type);
        assertThat(failed.reason()).contains(reason);
    }
}
