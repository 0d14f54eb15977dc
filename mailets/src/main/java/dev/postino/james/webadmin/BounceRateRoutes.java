package dev.postino.james.webadmin;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.inject.Inject;
import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.webadmin.Routes;

import dev.postino.core.bounce.BounceRateThresholds;
import dev.postino.core.bounce.BounceRates;
import dev.postino.core.store.PostinoStore;
import dev.postino.james.store.JamesStores;
import spark.Service;

/**
 * WebAdmin route for bounce rates, loaded by James when {@code webadmin.properties} names this class in
 * {@code extensions.routes}: {@code GET /postino/bounce-rates[?days=7]} gives {@code {"window_days": 7,
 * "min_volume": 200, "warn": 0.05, "critical": 0.1, "complaint_warn": 0.001, "complaint_critical": 0.005,
 * "rates": [...]}}, one object per sending domain and sender that sent or had bounces in the window
 * ({@code scope}, {@code name}, {@code recipients}, {@code hard}, {@code soft}, {@code complaints}, the rates as
 * fractions, and {@code level}: {@code low-volume}, {@code ok}, {@code warning}, {@code critical}, judged with the
 * default thresholds).
 */
public class BounceRateRoutes implements Routes {

    public static final String BASE = "/postino/bounce-rates";

    private final BounceRates rates;

    @Inject
    public BounceRateRoutes(FileSystem fileSystem) throws MessagingException {
        PostinoStore store = JamesStores.acquire(fileSystem);
        this.rates = new BounceRates(store, java.time.Clock.systemUTC());
    }

    public BounceRateRoutes(BounceRates rates) {
        this.rates = rates;
    }

    @Override
    public String getBasePath() {
        return BASE;
    }

    @Override
    public void define(Service service) {
        service.get(BASE, (request, response) -> SuppressionRoutes.guarded(response, () -> {
            String daysText = request.queryParams("days");
            int days = daysText == null ? 7 : Integer.parseInt(daysText.trim());
            if (days < 1 || days > 90) {
                throw new IllegalArgumentException("days must be from 1 to 90");
            }
            BounceRateThresholds defaults = BounceRateThresholds.defaults();
            BounceRateThresholds thresholds = new BounceRateThresholds(Duration.ofDays(days), defaults.minVolume(), defaults.warn(),
                defaults.critical(), defaults.complaintWarn(), defaults.complaintCritical());
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("window_days", days);
            body.put("min_volume", thresholds.minVolume());
            body.put("warn", thresholds.warn());
            body.put("critical", thresholds.critical());
            body.put("complaint_warn", thresholds.complaintWarn());
            body.put("complaint_critical", thresholds.complaintCritical());
            body.put("rates", rates.all(thresholds.window()).stream().map(r -> r.asJsonObject(thresholds.level(r))).toList());
            return SuppressionRoutes.json(response, 200, body);
        }));
    }
}
