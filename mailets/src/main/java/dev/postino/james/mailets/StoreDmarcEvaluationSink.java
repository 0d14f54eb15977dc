package dev.postino.james.mailets;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcEvaluationSink;
import dev.postino.core.dmarc.report.DmarcReportStore;
import dev.postino.core.dmarc.report.Evaluation;

/**
 * Keeps each reportable DMARC evaluation (a policy record with an {@code rua} applied) in the report store that a
 * {@link DmarcAggregateReports} mailet registered; without one, nothing is kept. {@link SenderAuthentication} (the
 * {@code AuthenticationCheck} mailet and the SMTP-time {@code DmarcRejectHook}) writes to {@link #REGISTERED}, so
 * recording starts when the reports mailet is configured, whichever of them James initializes first.
 */
public final class StoreDmarcEvaluationSink implements DmarcEvaluationSink {

    private static final Logger LOGGER = LoggerFactory.getLogger(StoreDmarcEvaluationSink.class);
    private static final List<DmarcReportStore> STORES = new CopyOnWriteArrayList<>();

    /** The sink that writes to the registered store. */
    public static final StoreDmarcEvaluationSink REGISTERED = new StoreDmarcEvaluationSink();

    private StoreDmarcEvaluationSink() {
    }

    /** Evaluations go to {@code store} from now on (the first registered one, when there are several). */
    public static void register(DmarcReportStore store) {
        STORES.add(store);
    }

    public static void unregister(DmarcReportStore store) {
        STORES.remove(store);
    }

    @Override
    public void accept(DmarcEvaluationRecord record) {
        if (STORES.isEmpty()) {
            return;
        }
        try {
            Evaluation.of(record).ifPresent(evaluation -> STORES.get(0).add(evaluation));
        } catch (RuntimeException e) {
            // a report row lost is better than a mail lost: the store being down must not refuse mail
            LOGGER.warn("cannot keep a DMARC evaluation for aggregate reports: {}", e.toString());
        }
    }
}
