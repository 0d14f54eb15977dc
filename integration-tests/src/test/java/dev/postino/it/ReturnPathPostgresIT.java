package dev.postino.it;

import org.junit.jupiter.api.AfterAll;

import dev.postino.core.store.testing.StoreBackends;

/** The return path on PostgreSQL: conf/postino.properties points at a fresh database, dropped afterwards. */
class ReturnPathPostgresIT extends ReturnPathScenario {

    private StoreBackends.TestStore database;

    @Override
    String storeProperties() {
        database = StoreBackends.postgres();
        return "store.url=" + database.config().url() + "\nstore.user=" + database.config().user() + "\n";
    }

    @AfterAll
    void dropDatabase() {
        if (database != null) {
            database.close();
        }
    }
}
