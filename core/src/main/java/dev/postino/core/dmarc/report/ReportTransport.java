package dev.postino.core.dmarc.report;

/** Sends one report to one destination (the James side builds and queues the mail). */
@FunctionalInterface
public interface ReportTransport {

    /**
     * Sends {@code report} to {@code destination}; returning normally means it was handed over.
     *
     * @throws Exception when it could not be: the report is tried again on the next run
     */
    void send(AggregateReport report, byte[] gzip, ReportDestination destination) throws Exception;
}
