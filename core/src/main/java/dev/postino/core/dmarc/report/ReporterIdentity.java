package dev.postino.core.dmarc.report;

import java.util.Objects;

/**
 * Who sends the aggregate reports (RFC 9990 {@code report_metadata}).
 *
 * @param orgName          {@code org_name}: the Reporting Organization
 * @param email            {@code email}: where to reach it, also the reports' From address
 * @param submitter        the receiver's domain: the Subject's {@code Submitter:} and the file name's first part
 * @param extraContactInfo {@code extra_contact_info}, empty for none
 * @param generator        {@code generator}: the software
 */
public record ReporterIdentity(String orgName, String email, String submitter, String extraContactInfo,
                               String generator) {

    public ReporterIdentity {
        Objects.requireNonNull(orgName, "orgName");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(submitter, "submitter");
        extraContactInfo = Objects.requireNonNullElse(extraContactInfo, "");
        generator = Objects.requireNonNullElse(generator, "Postino");
    }

    /** A reporter whose submitter domain is the email address's domain. */
    public static ReporterIdentity of(String orgName, String email) {
        int at = email.lastIndexOf('@');
        return new ReporterIdentity(orgName, email, at < 0 ? email : email.substring(at + 1), "", "Postino");
    }
}
