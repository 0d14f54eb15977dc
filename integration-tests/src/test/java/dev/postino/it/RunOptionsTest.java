package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunOptionsTest {

    private static final Path HOME = Path.of("/repo");
    private static final Path CALLER = Path.of("/home/me/work");

    @TempDir
    Path dir;

    @Test
    void defaultsAreFoundUnderTheRepository() {
        RunOptions options = RunOptions.parse(new String[0], HOME, CALLER);
        assertThat(options.conf()).isEqualTo(Path.of("/repo/conf-samples"));
        assertThat(options.jar()).isEqualTo(Path.of("/repo/extension/target/postino-extension.jar"));
        assertThat(options.work()).isEqualTo(Path.of("/repo/run"));
        assertThat(options.logs()).isEqualTo(Path.of("/repo/run/logs"));
        assertThat(options.dns()).isEmpty();
        assertThat(options.demoDns()).isFalse();
    }

    @Test
    void relativePathsAreTheCallers() {
        RunOptions options = RunOptions.parse(new String[] {"--conf", "my-conf", "--work", "../w", "--jar", "/abs/p.jar"},
            HOME, CALLER);
        assertThat(options.conf()).isEqualTo(Path.of("/home/me/work/my-conf"));
        assertThat(options.work()).isEqualTo(Path.of("/home/me/w"));
        assertThat(options.jar()).isEqualTo(Path.of("/abs/p.jar"));
    }

    @Test
    void dnsTakesIpv4AndBracketedIpv6WithPorts() {
        RunOptions options = RunOptions.parse(new String[] {"--dns", "127.0.0.1:5353, [::1]:53"}, HOME, CALLER);
        assertThat(options.dns()).containsExactly(new InetSocketAddress("127.0.0.1", 5353), new InetSocketAddress("::1", 53));
        assertThat(options.dnsServersText()).hasValue("127.0.0.1:5353,[::1]:53");
    }

    @Test
    void badValuesAreRefusedWithTheValueNamed() {
        assertThatThrownBy(() -> parse("--dns", "resolver.example:53")).hasMessageContaining("'resolver.example'");
        assertThatThrownBy(() -> parse("--dns", "127.0.0.1")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> parse("--dns", "127.0.0.1:0")).hasMessageContaining("not '0'");
        assertThatThrownBy(() -> parse("--dns", "::1:53")).hasMessageContaining("[::1]:PORT");
        assertThatThrownBy(() -> parse("--conf")).hasMessage("--conf needs a value");
        assertThatThrownBy(() -> parse("--work", "--demo-dns")).hasMessage("--work needs a value");
        assertThatThrownBy(() -> parse("--verbose")).hasMessageStartingWith("unknown option --verbose");
        assertThatThrownBy(() -> parse("--demo-dns", "--dns", "127.0.0.1:53")).hasMessageContaining("exclude each other");
    }

    @Test
    void logbackIsTheConfsOwnWhenItHasOne() throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        RunOptions options = RunOptions.parse(new String[] {"--conf", conf.toString()}, HOME, CALLER);
        assertThat(options.logbackConfiguration(HOME)).isEqualTo(Path.of("/repo/conf-samples/logback.xml"));
        Files.writeString(conf.resolve("logback.xml"), "<configuration/>");
        assertThat(options.logbackConfiguration(HOME)).isEqualTo(conf.resolve("logback.xml"));
    }

    @Test
    void helpIsAnOptionAndTheUsageNamesEveryOption() {
        assertThat(parse("--help").help()).isTrue();
        assertThat(RunOptions.USAGE).contains("--conf DIR", "--work DIR", "--jar FILE", "--dns HOST:PORT", "--demo-dns",
            "127.0.0.1:" + RunOptions.DEMO_DNS_PORT);
    }

    private static RunOptions parse(String... args) {
        return RunOptions.parse(args, HOME, CALLER);
    }
}
