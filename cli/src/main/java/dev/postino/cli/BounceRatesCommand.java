package dev.postino.cli;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.postino.core.bounce.BounceRate;
import dev.postino.core.bounce.BounceRateThresholds;
import dev.postino.core.bounce.BounceRates;
import dev.postino.core.store.PostinoStore;

/**
 * {@code postino bounce-rates [--store URL] [--days 7] [--json]} (an addition to the contract): the bounce rates per
 * sending domain and sender over the last days, judged with the default thresholds (200 recipients at least; bounces
 * 5 % warning, 10 % critical; complaints 0.1 %, 0.5 %). JSON: {@code {"window_days": N, "rates": [{"scope":
 * "domain|sender", "name", "recipients", "hard", "soft", "complaints", "bounce_rate", "hard_rate", "soft_rate",
 * "complaint_rate", "level": "low-volume|ok|warning|critical"}]}}.
 */
final class BounceRatesCommand implements Command {

    static Set<String> valuedOptions() {
        return Set.of("store", "days");
    }

    @Override
    public String name() {
        return "bounce-rates";
    }

    @Override
    public String usage() {
        return "postino bounce-rates [--days 7] [--store URL] [--json]";
    }

    @Override
    public int run(Arguments arguments, Terminal terminal) throws Exception {
        if (!arguments.positionals().isEmpty()) {
            throw new UsageException("takes no arguments", true);
        }
        int days = 7;
        if (arguments.value("days") != null) {
            try {
                days = Integer.parseInt(arguments.value("days").trim());
            } catch (NumberFormatException e) {
                days = -1;
            }
            if (days < 1 || days > 90) {
                throw new UsageException("--days takes a whole number from 1 to 90");
            }
        }
        BounceRateThresholds defaults = BounceRateThresholds.defaults();
        BounceRateThresholds thresholds = new BounceRateThresholds(Duration.ofDays(days), defaults.minVolume(), defaults.warn(),
            defaults.critical(), defaults.complaintWarn(), defaults.complaintCritical());
        List<BounceRate> rates;
        try (PostinoStore store = StoreOption.open(arguments)) {
            rates = new BounceRates(store, Clock.systemUTC()).all(thresholds.window());
        }
        if (arguments.flag("json")) {
            Map<String, Object> json = Json.object();
            json.put("window_days", days);
            json.put("rates", rates.stream().map(r -> r.asJsonObject(thresholds.level(r))).toList());
            terminal.out().println(Json.write(json));
            return 0;
        }
        if (rates.isEmpty()) {
            terminal.out().println("nothing sent or bounced in the last " + days + " days");
        }
        for (BounceRate r : rates) {
            terminal.out().println(String.format(Locale.ROOT, "%-6s %-40s %8d recipients  bounces %5.1f%% (hard %d, soft %d)  complaints %5.2f%% (%d)  %s",
                r.scope().word(), r.name(), r.recipients(), r.bounceRate() * 100, r.hard(), r.soft(), r.complaintRate() * 100,
                r.complaints(), thresholds.level(r).word()));
        }
        return 0;
    }
}
