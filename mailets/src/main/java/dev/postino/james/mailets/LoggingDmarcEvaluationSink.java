package dev.postino.james.mailets;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.dmarc.DmarcEvaluationRecord;
import dev.postino.core.dmarc.DmarcEvaluationSink;

/**
 * Writes each DMARC evaluation as one JSON line at INFO to the logger {@value #LOGGER_NAME}, so that James's log
 * configuration can send it to a file of its own for aggregate reports (RFC 9990).
 */
public final class LoggingDmarcEvaluationSink implements DmarcEvaluationSink {

    public static final String LOGGER_NAME = "postino.dmarc.evaluations";
    private static final Logger LOGGER = LoggerFactory.getLogger(LOGGER_NAME);

    @Override
    public void accept(DmarcEvaluationRecord record) {
        try {
            LOGGER.info(record.toJson());
        } catch (RuntimeException e) {
            // a lost report line is better than a lost mail
            LoggerFactory.getLogger(LoggingDmarcEvaluationSink.class).warn("cannot write a DMARC evaluation record", e);
        }
    }
}
