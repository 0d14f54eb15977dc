package dev.postino.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import dev.postino.core.bounce.BounceRates;
import dev.postino.core.json.Json;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;
import dev.postino.core.suppression.BounceEvent;
import dev.postino.core.suppression.SuppressionList;
import dev.postino.core.suppression.SuppressionPolicy;

class SuppressionCommandTest {

    @TempDir
    Path dir;

    private ByteArrayOutputStream out;
    private ByteArrayOutputStream err;

    private int run(String... args) {
        out = new ByteArrayOutputStream();
        err = new ByteArrayOutputStream();
        return Postino.run(List.of(args), new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void addListRemoveOnEitherStore(StoreBackends.Kind kind) throws Exception {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, dir)) {
            String store = kind == StoreBackends.Kind.EMBEDDED ? dir.toString()
                : backend.config().url() + "?user=" + backend.config().user();
            try (PostinoStore opened = PostinoStore.open(backend.config())) {
                new SuppressionList(opened, Clock.systemUTC()).record(new BounceEvent("gone@example.com", "alice@postino.test",
                    BounceEvent.Kind.HARD, "userunknown", "5.1.1", "550 5.1.1 no such user", Instant.now()), SuppressionPolicy.defaults());
            }

            assertThat(run("suppression", "add", "Carol@Example.com", "--reason", "asked to stop", "--store", store)).isZero();
            assertThat(stdout()).contains("added carol@example.com (asked to stop), no expiry");

            assertThat(run("suppression", "list", "--store", store, "--json")).isZero();
            Map<?, ?> json = (Map<?, ?>) Json.read(stdout().strip());
            List<?> entries = (List<?>) json.get("entries");
            assertThat(entries).hasSize(2);
            Map<?, ?> gone = (Map<?, ?>) entries.get(1);
            assertThat(gone.keySet().stream().map(String::valueOf).toList()).contains("address", "reason", "status", "hard", "bounces", "first", "last", "expires", "source");
            assertThat(gone.get("address")).isEqualTo("gone@example.com");
            assertThat(gone.get("status")).isEqualTo("5.1.1");
            assertThat(gone.get("hard")).isEqualTo(true);
            assertThat(gone.get("source")).isEqualTo("bounce");
            assertThat((String) gone.get("expires")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
            assertThat(((Map<?, ?>) entries.get(0)).get("expires")).isNull();
            assertThat(((Map<?, ?>) entries.get(0)).get("source")).isEqualTo("manual");

            assertThat(run("suppression", "remove", "gone@example.com", "--store", store)).isZero();
            assertThat(stdout()).contains("removed gone@example.com");
            assertThat(run("suppression", "list", "--store", store)).isZero();
            assertThat(stdout()).contains("carol@example.com").doesNotContain("gone@example.com");
        }
    }

    @Test
    void bounceRatesAndUsageErrors() throws Exception {
        try (PostinoStore store = PostinoStore.open(StoreBackends.embedded(dir).config())) {
            new BounceRates(store, Clock.systemUTC()).recordAttempted("alice@postino.test", 250);
            new SuppressionList(store, Clock.systemUTC()).record(new BounceEvent("x@example.com", "alice@postino.test",
                BounceEvent.Kind.HARD, "userunknown", "5.1.1", "", Instant.now()), SuppressionPolicy.defaults());
        }
        assertThat(run("bounce-rates", "--store", dir.toString(), "--json")).isZero();
        assertThat(stdout()).contains("\"scope\": \"sender\", \"name\": \"alice@postino.test\", \"recipients\": 250, \"hard\": 1")
            .contains("\"level\": \"ok\"");

        assertThat(run("suppression", "add", "x@example.com", "--store", dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--reason is required");
        assertThat(run("suppression", "purge", "--store", dir.toString())).isEqualTo(2);
        assertThat(run("suppression", "list", "--store", "jdbc:mysql://nowhere")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().count()).isEqualTo(1);
    }
}
