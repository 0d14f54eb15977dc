package dev.postino.core.dmarc.report;

import java.nio.file.Path;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.testing.StoreBackends;

/** {@link AggregateReportRunContract} on the in-memory store and on both backends of Postino's store. */
class AggregateReportRunTest {

    @Nested
    class InMemory extends AggregateReportRunContract {
        @Override
        protected DmarcReportStore openStore() {
            return new InMemoryDmarcReportStore();
        }

        @Override
        protected DmarcReportStore openSecondNode() {
            return store;
        }

        @Override
        protected void closeStores() {
        }
    }

    abstract static class InStore extends AggregateReportRunContract {
        private StoreBackends.TestStore backend;
        private PostinoStore first;
        private PostinoStore second;

        abstract StoreBackends.TestStore backend();

        @Override
        protected DmarcReportStore openStore() {
            backend = backend();
            first = PostinoStore.open(backend.config());
            return new JdbcDmarcReportStore(first);
        }

        @Override
        protected DmarcReportStore openSecondNode() {
            second = PostinoStore.open(backend.config());
            return new JdbcDmarcReportStore(second);
        }

        @Override
        protected void closeStores() {
            if (second != null) {
                second.close();
            }
            first.close();
            backend.close();
        }
    }

    @Nested
    class Embedded extends InStore {
        @TempDir
        Path directory;

        @Override
        StoreBackends.TestStore backend() {
            return StoreBackends.embedded(directory);
        }
    }

    @Nested
    class Postgres extends InStore {
        @Override
        StoreBackends.TestStore backend() {
            return StoreBackends.postgres();
        }
    }
}
