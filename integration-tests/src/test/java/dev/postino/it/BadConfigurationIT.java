package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import org.junit.jupiter.api.Test;

/**
 * A Postino mailet with a bad init parameter makes James refuse to start, with one line that names the
 * mailet, the parameter, the value and what was expected.
 */
class BadConfigurationIT {

    private static String startFailure(String extraParameter) {
        return startFailure(JamesMemoryServer.builder().editFile("mailetcontainer.xml", xml -> xml.replace(
            "<timeBudget>10s</timeBudget>", "<timeBudget>10s</timeBudget>" + extraParameter)));
    }

    private static String startFailure(JamesMemoryServer.Builder builder) {
        Throwable failure = catchThrowable(() -> {
            try (JamesMemoryServer james = builder.start()) {
                throw new AssertionError("James started with a bad configuration");
            }
        });
        assertThat(failure).isNotNull().isNotInstanceOf(AssertionError.class);
        StringBuilder chain = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        return chain.toString();
    }

    @Test
    void unparsableResolverAddressIsRefused() {
        assertThat(startFailure("<dnsServers>resolver.example.com:53</dnsServers>")).contains(
            "dev.postino.james.mailets.IprevCheck: init parameter dnsServers='resolver.example.com:53' is not valid: "
                + "expected an IPv4 or IPv6 address, not a host name, in 'resolver.example.com:53'");
    }

    @Test
    void unknownParameterIsRefused() {
        assertThat(startFailure("<dnsServer>127.0.0.1:53</dnsServer>")).contains(
            "dev.postino.james.mailets.IprevCheck: unknown init parameter 'dnsServer' (value '127.0.0.1:53'); known parameters: ");
    }

    @Test
    void aBadRetryRuleIsRefusedNamingItsLine() {
        assertThat(startFailure(JamesMemoryServer.builder()
            .editFile("retry-rules.conf", rules -> rules + "\nexample.com  rcpt_5xx  F,1h,10m\n"))).contains(
            "dev.postino.james.mailets.PolicyRemoteDelivery: init parameter retryRules='retry-rules.conf' is not valid: line ")
            .contains("unknown error 'rcpt_5xx': retry rules are for temporary (4xx) failures; a 5xx reply fails at once"
                + " in \"example.com  rcpt_5xx  F,1h,10m\"");
    }

    @Test
    void aMissingDkimKeyFileIsRefusedNamingTheEntry() {
        assertThat(startFailure(JamesMemoryServer.builder().editFile("mailetcontainer.xml", xml -> xml.replace(
            "postino.test:rsa2026:rsa-sha256:dkim-DEMO-ONLY-postino.test-rsa2026.pem",
            "postino.test:rsa2026:rsa-sha256:no-such-key.pem")))).contains(
            "dev.postino.james.mailets.DkimSign: init parameter keys='postino.test:rsa2026:rsa-sha256:no-such-key.pem' "
                + "is not valid: cannot read the key file");
    }
}
