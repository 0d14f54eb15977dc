package dev.postino.core.dsn;

import dev.postino.core.smtp.EnhancedStatusCode;

/**
 * How notifications are composed.
 *
 * @param reportingMta     this server's host name: the {@code Reporting-MTA} and the domain of {@code From}
 * @param maxReturnedSize  the largest original (in octets) returned whole under RET=FULL; larger ones return
 *                         their header only, and the text says so
 * @param defaultReturn    what is returned when the sender gave no RET
 * @param defaultFailure   the status of a failed recipient when neither its outcome nor the remote reply gives one
 * @param defaultDelay     the same for a delayed recipient
 */
public record NotificationSettings(String reportingMta, long maxReturnedSize, ReturnContent defaultReturn,
                                   EnhancedStatusCode defaultFailure, EnhancedStatusCode defaultDelay) {

    /** 256 KiB: returns ordinary mail whole while keeping large attachments from bouncing back in full. */
    public static final long DEFAULT_MAX_RETURNED_SIZE = 256 * 1024;

    public NotificationSettings {
        if (reportingMta == null || !reportingMta.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("'" + reportingMta + "' is not a host name for the reporting MTA");
        }
        if (maxReturnedSize < 0) {
            throw new IllegalArgumentException("the returned size limit cannot be negative");
        }
        if (defaultFailure.statusClass() != 5 || defaultDelay.statusClass() != 4) {
            throw new IllegalArgumentException("the default failure status must be 5.x.x and the default delay status 4.x.x");
        }
    }

    /** The defaults: 256 KiB returned whole, FULL when no RET was given, 5.0.0 and 4.0.0 as default statuses. */
    public static NotificationSettings defaults(String reportingMta) {
        return new NotificationSettings(reportingMta, DEFAULT_MAX_RETURNED_SIZE, ReturnContent.FULL,
            new EnhancedStatusCode(5, 0, 0), new EnhancedStatusCode(4, 0, 0));
    }

    public NotificationSettings withMaxReturnedSize(long size) {
        return new NotificationSettings(reportingMta, size, defaultReturn, defaultFailure, defaultDelay);
    }

    public NotificationSettings withDefaultReturn(ReturnContent ret) {
        return new NotificationSettings(reportingMta, maxReturnedSize, ret, defaultFailure, defaultDelay);
    }

    public NotificationSettings withDefaultFailure(EnhancedStatusCode status) {
        return new NotificationSettings(reportingMta, maxReturnedSize, defaultReturn, status, defaultDelay);
    }
}
