package dev.postino.core.suppression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreException;
import dev.postino.core.store.testing.StoreBackends;

class SuppressionCheckTest {

    @TempDir
    Path directory;

    @Test
    void localChangesShowAtOnceOtherNodesAfterTheRefreshAndADeadStoreIsTemporary() throws Exception {
        SteppingClock clock = new SteppingClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (PostinoStore store = PostinoStore.open(StoreBackends.embedded(directory).config())) {
            SuppressionList local = new SuppressionList(store, clock);
            SuppressionList otherNode = new SuppressionList(store, clock);
            SuppressionCheck check = new SuppressionCheck(local, Duration.ofMillis(300), 1000);

            assertThat(check.lookup("bob@example.com")).isEmpty();
            local.add("bob@example.com", "test", Optional.empty());
            assertThat(check.lookup("BOB@example.com")).as("invalidated by the local change").isPresent();

            otherNode.remove("bob@example.com");
            assertThat(check.lookup("bob@example.com")).as("cached until the refresh").isPresent();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (check.lookup("bob@example.com").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(check.lookup("bob@example.com")).as("seen after the refresh").isEmpty();

            store.close();
            assertThatThrownBy(() -> check.lookup("never-cached@example.com")).isInstanceOf(StoreException.class);
        }
    }
}
