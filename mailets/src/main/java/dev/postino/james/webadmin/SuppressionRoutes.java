package dev.postino.james.webadmin;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.webadmin.Routes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.json.Json;
import dev.postino.core.store.PostinoStore;
import dev.postino.core.suppression.SuppressionEntry;
import dev.postino.core.suppression.SuppressionList;
import dev.postino.james.store.JamesStores;
import spark.Request;
import spark.Response;
import spark.Service;

/**
 * WebAdmin routes for the suppression list, loaded by James when {@code webadmin.properties} names this class in
 * {@code extensions.routes}:
 * <ul>
 *   <li>{@code GET /postino/suppressions?offset=0&limit=100}: {@code {"total": N, "offset": O, "limit": L,
 *       "entries": [...]}}, the entries that suppress now, by address (limit at most 1000)</li>
 *   <li>{@code GET /postino/suppressions/ADDRESS}: one entry, 404 when the address is not suppressed</li>
 *   <li>{@code PUT /postino/suppressions/ADDRESS} with {@code {"reason": "...", "expires": "ISO-8601" or null}}: adds it
 *       by hand (201 with the entry)</li>
 *   <li>{@code DELETE /postino/suppressions/ADDRESS}: removes it (204; 404 when it was not there); its earlier soft
 *       bounces no longer count</li>
 * </ul>
 * Each entry is the object of {@code postino suppression list --json}. A change shows at once on this node and
 * within 30 seconds on others. The store unreachable: 503.
 */
public class SuppressionRoutes implements Routes {

    public static final String BASE = "/postino/suppressions";
    private static final Logger LOGGER = LoggerFactory.getLogger(SuppressionRoutes.class);
    private static final int MAX_LIMIT = 1000;

    private final SuppressionList list;

    @Inject
    public SuppressionRoutes(FileSystem fileSystem) throws MessagingException {
        PostinoStore store = JamesStores.acquire(fileSystem);
        this.list = SuppressionList.shared(store);
    }

    /** For tests: this list. */
    public SuppressionRoutes(SuppressionList list) {
        this.list = list;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.get(BASE, (request, response) -> guarded(response, () -> list(request, response)));
        service.get(BASE + "/:address", (request, response) -> guarded(response, () -> {
            Optional<SuppressionEntry> entry = list.find(address(request));
            if (entry.isEmpty()) {
                return error(response, 404, "not on the suppression list: " + address(request));
            }
            return json(response, 200, entry.get().asJsonObject());
        }));
        service.put(BASE + "/:address", (request, response) -> guarded(response, () -> add(request, response)));
        service.delete(BASE + "/:address", (request, response) -> guarded(response, () -> {
            if (!list.remove(address(request))) {
                return error(response, 404, "not on the suppression list: " + address(request));
            }
            LOGGER.info("WebAdmin removed {} from the suppression list", address(request));
            response.status(204);
            return "";
        }));
    }

    private Object list(Request request, Response response) {
        int offset = number(request.queryParams("offset"), 0);
        int limit = number(request.queryParams("limit"), 100);
        if (offset < 0 || limit < 1 || limit > MAX_LIMIT) {
            return error(response, 400, "offset must be 0 or more and limit from 1 to " + MAX_LIMIT);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("total", list.count());
        body.put("offset", offset);
        body.put("limit", limit);
        body.put("entries", list.list(offset, limit).stream().map(SuppressionEntry::asJsonObject).toList());
        return json(response, 200, body);
    }

    private Object add(Request request, Response response) {
        String reason = "added by an administrator";
        Optional<Instant> expires = Optional.empty();
        String body = request.body();
        if (body != null && !body.isBlank()) {
            if (!(Json.read(body) instanceof Map<?, ?> object)) {
                return error(response, 400, "expected a JSON object {\"reason\": \"...\", \"expires\": \"ISO-8601\"}");
            }
            if (object.get("reason") instanceof String text && !text.isBlank()) {
                reason = text;
            }
            if (object.get("expires") instanceof String text) {
                expires = Optional.of(Instant.parse(text));
            }
        }
        SuppressionEntry entry = list.add(address(request), reason, expires);
        LOGGER.info("WebAdmin added {} to the suppression list: {}", entry.address(), reason);
        return json(response, 201, entry.asJsonObject());
    }

    private static String address(Request request) {
        String raw = request.params(":address");
        return SuppressionEntry.normalize(raw.contains("%") ? URLDecoder.decode(raw, StandardCharsets.UTF_8) : raw);
    }

    private static int number(String text, int defaultValue) {
        if (text == null || text.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Bad input is a 400 with the reason; an unreachable store a 503; nothing escapes as a stack trace. */
    static Object guarded(Response response, java.util.function.Supplier<Object> work) {
        try {
            return work.get();
        } catch (IllegalArgumentException | DateTimeParseException e) {
            return error(response, 400, e.getMessage());
        } catch (RuntimeException e) {
            LOGGER.warn("WebAdmin {}: {}", BASE, e.toString());
            return error(response, 503, "the store cannot answer now: " + e.getMessage());
        }
    }

    static Object json(Response response, int status, Object body) {
        response.status(status);
        response.type("application/json");
        return Json.write(body);
    }

    static Object error(Response response, int status, String message) {
        return json(response, status, Map.of("statusCode", status, "message", message == null ? "" : message));
    }

}
