package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;
import dev.postino.core.suppression.SteppingClock;

class SentMessagesTest {

    @TempDir
    Path directory;

    private static BounceReport bounceAbout(Optional<String> messageId, Optional<String> envelopeId) {
        return new BounceReport(true, BounceReport.Kind.DSN, messageId, envelopeId,
            List.of(new BouncedRecipient("bob@example.com", "failed", "5.1.1", BounceReason.USERUNKNOWN, true, "", Optional.empty())),
            Optional.empty());
    }

    @ParameterizedTest
    @EnumSource(StoreBackends.Kind.class)
    void aBounceIsGenuineOnlyForWhatWeSentWithinTheRetention(StoreBackends.Kind kind) {
        try (StoreBackends.TestStore backend = StoreBackends.of(kind, directory);
             PostinoStore store = PostinoStore.open(backend.config())) {
            SteppingClock clock = new SteppingClock(Instant.parse("2026-12-02T10:00:00Z"));
            SentMessages sent = new SentMessages(store, Duration.ofDays(30), clock);
            sent.record(Optional.of("<abc.123@postino.test>"), Optional.of("env-42"));

            assertThat(verdict(sent, bounceAbout(Optional.of("<ABC.123@postino.test>"), Optional.empty()))).isEqualTo(BounceVerdict.GENUINE);
            assertThat(verdict(sent, bounceAbout(Optional.of("<spam@elsewhere.example>"), Optional.of("env-42")))).isEqualTo(BounceVerdict.GENUINE);
            assertThat(verdict(sent, bounceAbout(Optional.of("<spam@elsewhere.example>"), Optional.empty()))).isEqualTo(BounceVerdict.FORGED);
            assertThat(verdict(sent, bounceAbout(Optional.empty(), Optional.empty()))).isEqualTo(BounceVerdict.UNREFERENCED);

            String rows = store.transaction(c -> {
                try (var r = c.createStatement().executeQuery("SELECT id_hash FROM sent_message ORDER BY id_hash")) {
                    StringBuilder all = new StringBuilder();
                    while (r.next()) {
                        all.append(r.getString(1)).append(' ');
                    }
                    return all.toString();
                }
            });
            assertThat(rows).doesNotContain("abc").doesNotContain("env-42").matches("([0-9a-f]{32} ){2}");

            clock.advance(Duration.ofDays(31));
            assertThat(verdict(sent, bounceAbout(Optional.of("<abc.123@postino.test>"), Optional.empty()))).isEqualTo(BounceVerdict.FORGED);
            assertThat(sent.purge()).isEqualTo(2);
        }
    }

    private static BounceVerdict verdict(SentMessages sent, BounceReport report) {
        return BounceVerdict.of(SentMessages.keysOf(report), sent::anySent);
    }
}
