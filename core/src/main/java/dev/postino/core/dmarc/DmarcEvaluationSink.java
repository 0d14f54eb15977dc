package dev.postino.core.dmarc;

/** Where each DMARC evaluation's record goes, for aggregate reports later. Implementations must be thread-safe. */
@FunctionalInterface
public interface DmarcEvaluationSink {

    /** Takes one record; must not throw (a report is never worth losing a mail). */
    void accept(DmarcEvaluationRecord record);
}
