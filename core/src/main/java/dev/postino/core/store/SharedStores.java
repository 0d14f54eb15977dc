package dev.postino.core.store;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One open store per configuration in a JVM: the mailets, matchers and WebAdmin routes of one James share its
 * pool. Counted: the last {@link #release} closes it.
 */
public final class SharedStores {

    private static final Map<StoreConfig, PostinoStore> BY_CONFIG = new HashMap<>();
    private static final Map<PostinoStore, Integer> USERS = new IdentityHashMap<>();

    private SharedStores() {
    }

    /** The store for {@code config}, opened (and migrated) on first use. */
    public static synchronized PostinoStore acquire(StoreConfig config) {
        PostinoStore store = BY_CONFIG.get(config);
        if (store == null) {
            store = PostinoStore.open(config);
            BY_CONFIG.put(config, store);
        }
        USERS.merge(store, 1, Integer::sum);
        return store;
    }

    /** Gives back one {@link #acquire}; the store closes when nobody uses it any more. */
    public static synchronized void release(PostinoStore store) {
        if (store == null) {
            return;
        }
        Integer users = USERS.get(store);
        if (users == null) {
            return;
        }
        if (users > 1) {
            USERS.put(store, users - 1);
            return;
        }
        USERS.remove(store);
        BY_CONFIG.values().removeIf(open -> open == store);
        store.close();
    }
}
