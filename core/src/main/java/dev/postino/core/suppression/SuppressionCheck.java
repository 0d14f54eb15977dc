package dev.postino.core.suppression;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.util.concurrent.UncheckedExecutionException;

import dev.postino.core.store.PostinoStore;
import dev.postino.core.store.StoreException;

/**
 * Is this recipient suppressed? The list, with an in-process cache in front of the store: each address looked up
 * (on the list or not) is kept, so that a warm lookup is a hash-map read. A change made in this JVM (a bounce, a
 * WebAdmin removal) invalidates the address at once; a change made by another node (or the {@code postino} command)
 * is seen after at most {@code refresh}: an answer older than that is reloaded in the background while the old one is
 * still served, and one older than 4 × {@code refresh} is not served any more.
 */
public final class SuppressionCheck {

    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(30);
    public static final long DEFAULT_MAX_ADDRESSES = 500_000;
    private static final Map<PostinoStore, SuppressionCheck> SHARED = new IdentityHashMap<>();
    private static final Executor RELOADS = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "postino-suppression-reload");
        thread.setDaemon(true);
        return thread;
    });

    private final SuppressionList list;
    private final LoadingCache<String, Optional<SuppressionEntry>> cache;

    public SuppressionCheck(SuppressionList list, Duration refresh, long maxAddresses) {
        this.list = list;
        this.cache = CacheBuilder.newBuilder()
            .maximumSize(maxAddresses)
            .refreshAfterWrite(refresh)
            .expireAfterWrite(refresh.multipliedBy(4))
            .build(CacheLoader.asyncReloading(CacheLoader.from(list::find), RELOADS));
        list.onChange(cache::invalidate);
    }

    /** The one check of {@code store} in this JVM, over {@link SuppressionList#shared}, with the default refresh. */
    public static synchronized SuppressionCheck shared(PostinoStore store) {
        return SHARED.computeIfAbsent(store, s -> new SuppressionCheck(SuppressionList.shared(s), DEFAULT_REFRESH, DEFAULT_MAX_ADDRESSES));
    }

    /**
     * The entry that suppresses {@code address} now, if any.
     *
     * @throws StoreException when the answer is not cached and the store cannot give it: the caller lets the mail pass
     * @throws IllegalArgumentException when {@code address} is not an address
     */
    public Optional<SuppressionEntry> lookup(String address) {
        String key = SuppressionEntry.normalize(address);
        try {
            Optional<SuppressionEntry> entry = cache.get(key);
            // an entry that expired since it was cached no longer suppresses
            return entry.filter(e -> e.activeAt(list.clock().instant()));
        } catch (ExecutionException | UncheckedExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StoreException store) {
                throw store;
            }
            throw new StoreException("suppression lookup of " + key + ": " + cause, cause);
        }
    }

    /** Forgets what is cached for {@code address}. */
    public void invalidate(String address) {
        cache.invalidate(SuppressionEntry.normalize(address));
    }

    public SuppressionList list() {
        return list;
    }
}
