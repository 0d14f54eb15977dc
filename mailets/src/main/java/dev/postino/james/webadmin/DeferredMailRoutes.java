package dev.postino.james.webadmin;

import java.time.Clock;
import java.util.function.Function;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.webadmin.Routes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.postino.core.deferral.DeferralStore;
import dev.postino.core.delivery.RecipientState;
import dev.postino.core.store.PostinoStore;
import dev.postino.james.store.JamesStores;

import spark.Request;
import spark.Response;
import spark.Service;

/**
 * WebAdmin routes over the deferral store (mail that waits for its next attempt where the queue cannot delay), named
 * in {@code webadmin.properties}: {@code extensions.routes=dev.postino.james.webadmin.DeferredMailRoutes}.
 * <ul>
 *   <li>{@code GET /postino/deferred?offset=0&limit=100}: the parked mails, earliest due first, each with its
 *       recipients' next attempt, failures, warnings sent and last reply; {@code total} counts them all</li>
 *   <li>{@code GET /postino/deferred/domains}: how many parked mails have recipients at each domain</li>
 *   <li>{@code POST /postino/deferred/{name}/release}: due now (the next node run queues it); 204, or 404</li>
 *   <li>{@code POST /postino/deferred/{name}/bounce}: given up on at its release now, with one failure notice to the
 *       sender made as a give-up makes it (status 5.0.0, the last reply kept); 204, or 404</li>
 * </ul>
 * The store is the one {@code conf/postino.properties} names, shared with {@code PolicyRemoteDelivery}.
 */
public class DeferredMailRoutes implements Routes {

    public static final String BASE_PATH = "/postino/deferred";
    static final int MAX_LIMIT = 1000;

    private static final Logger LOGGER = LoggerFactory.getLogger(DeferredMailRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Opens the store for one request (shared with the mailet when it holds it), then gives it back. */
    interface Stores {
        PostinoStore acquire() throws MessagingException;

        void release(PostinoStore store);
    }

    private final Stores stores;
    private final Clock clock;

    @Inject
    public DeferredMailRoutes(FileSystem fileSystem) {
        this(new Stores() {
            @Override
            public PostinoStore acquire() throws MessagingException {
                return JamesStores.acquire(fileSystem);
            }

            @Override
            public void release(PostinoStore store) {
                JamesStores.release(store);
            }
        }, Clock.systemUTC());
    }

    DeferredMailRoutes(Stores stores, Clock clock) {
        this.stores = stores;
        this.clock = clock;
    }

    @Override
    public String getBasePath() {
        return BASE_PATH;
    }

    @Override
    public void define(Service service) {
        service.get(BASE_PATH, (request, response) -> answer(response, store -> list(store, request, response)));
        service.get(BASE_PATH + "/domains", (request, response) -> answer(response, store -> {
            ObjectNode counts = JSON.createObjectNode();
            store.countByDomain().forEach(counts::put);
            return counts;
        }));
        service.post(BASE_PATH + "/:name/release", (request, response) -> answer(response,
            store -> done(response, store.releaseNow(request.params(":name"), clock.instant()), request.params(":name"))));
        service.post(BASE_PATH + "/:name/bounce", (request, response) -> answer(response,
            store -> done(response, store.bounceNow(request.params(":name"), clock.instant()), request.params(":name"))));
    }

    private Object list(DeferralStore store, Request request, Response response) {
        int offset;
        int limit;
        try {
            offset = number(request.queryParams("offset"), 0);
            limit = number(request.queryParams("limit"), 100);
        } catch (IllegalArgumentException e) {
            response.status(400);
            return error(e.getMessage());
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            response.status(400);
            return error("limit=" + limit + ": expected 1 to " + MAX_LIMIT);
        }
        ObjectNode page = JSON.createObjectNode();
        page.put("total", store.count());
        page.put("offset", offset);
        page.put("limit", limit);
        ArrayNode mails = page.putArray("mails");
        for (DeferralStore.Entry entry : store.list(offset, limit)) {
            ObjectNode mail = mails.addObject();
            mail.put("name", entry.name());
            mail.put("sender", entry.sender());
            mail.put("dueAt", entry.dueAt().toString());
            mail.put("parkedAt", entry.parkedAt().toString());
            mail.put("parkedBy", entry.parkedBy());
            mail.put("claimedBy", entry.claimedBy());
            mail.put("bounceRequested", entry.bounceRequested());
            ArrayNode recipients = mail.putArray("recipients");
            for (RecipientState state : entry.states()) {
                ObjectNode recipient = recipients.addObject();
                recipient.put("recipient", state.recipient());
                recipient.put("arrival", state.retry().arrival().toString());
                recipient.put("nextAttempt", state.nextAttempt().toString());
                recipient.put("failures", state.retry().failures());
                recipient.put("warningsSent", state.retry().warningsSent());
                if (state.lastOutcome() != null) {
                    recipient.put("lastReply", state.lastOutcome().diagnostic());
                    recipient.put("lastHost", state.lastOutcome().remoteHost());
                }
            }
        }
        return page;
    }

    private static Object done(Response response, boolean found, String name) {
        if (!found) {
            response.status(404);
            return error("no deferred mail named " + name);
        }
        response.status(204);
        return null;
    }

    private String answer(Response response, Function<DeferralStore, Object> work) {
        response.type("application/json");
        PostinoStore store = null;
        try {
            store = stores.acquire();
            Object body = work.apply(new DeferralStore(store, "webadmin"));
            return body == null ? "" : JSON.writeValueAsString(body);
        } catch (Exception e) {
            LOGGER.warn("WebAdmin {}: {}", BASE_PATH, e.toString());
            response.status(503);
            return error("the deferral store cannot be read now: " + e.getMessage()).toString();
        } finally {
            if (store != null) {
                stores.release(store);
            }
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("error", message);
        return error;
    }

    private static int number(String text, int defaultValue) {
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': expected a whole number, 0 or more");
        }
    }

}
