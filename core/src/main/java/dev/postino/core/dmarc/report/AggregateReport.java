package dev.postino.core.dmarc.report;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPOutputStream;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

import dev.postino.core.dmarc.PublishedPolicy;

/**
 * One RFC 9990 aggregate report: one policy domain, one reporting period, its rows. Value in, bytes out: the XML,
 * its gzip, the attachment's file name and the message's Subject.
 *
 * @param reporter  who reports
 * @param published the policy record the report is about (the last one seen in the period)
 * @param begin     the period's first second
 * @param end       the end of the period (exclusive); the report's {@code end} is the second before it
 * @param rows      the grouped rows, at least one
 */
public record AggregateReport(ReporterIdentity reporter, PublishedPolicy published, Instant begin, Instant end,
                              List<ReportRow> rows) {

    /** RFC 9990's XML namespace. */
    public static final String NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0";
    /** The report format version RFC 9990 defines. */
    public static final String VERSION = "1.0";

    public AggregateReport {
        Objects.requireNonNull(reporter, "reporter");
        Objects.requireNonNull(published, "published");
        Objects.requireNonNull(begin, "begin");
        Objects.requireNonNull(end, "end");
        rows = List.copyOf(rows);
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("a report has at least one row");
        }
    }

    public String policyDomain() {
        return published.domain();
    }

    /** The report's {@code begin}, seconds since the epoch. */
    public long beginSeconds() {
        return begin.getEpochSecond();
    }

    /** The report's {@code end}: the last second of the period. */
    public long endSeconds() {
        return end.getEpochSecond() - 1;
    }

    /**
     * The Report-ID: the same for every sending of this report (period and policy domain), unique among the
     * submitter's reports to that domain; a dot-atom {@code local@domain} (RFC 9990 §3.5.1).
     */
    public String reportId() {
        return beginSeconds() + "." + endSeconds() + "." + policyDomain() + "@" + reporter.submitter();
    }

    /** Messages counted, all rows together. */
    public long messages() {
        return rows.stream().mapToLong(ReportRow::count).sum();
    }

    /** {@code receiver!policy-domain!begin!end.xml.gz} (RFC 9990 §3.5.2). */
    public String fileName() {
        return reporter.submitter() + "!" + policyDomain() + "!" + beginSeconds() + "!" + endSeconds() + ".xml.gz";
    }

    /** The Subject, unfolded: {@code Report Domain: D Submitter: S Report-ID: <id>} (RFC 9990 §3.5.2). */
    public String subject() {
        return "Report Domain: " + policyDomain() + " Submitter: " + reporter.submitter() + " Report-ID: <"
            + reportId() + ">";
    }

    /** The gzip-compressed XML, the attachment's content. */
    public byte[] gzip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(xml());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The report as UTF-8 XML in RFC 9990's namespace. */
    public byte[] xml() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024 + rows.size() * 600);
        try {
            XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(bytes, "UTF-8");
            xml.writeStartDocument("UTF-8", "1.0");
            xml.writeCharacters("\n");
            xml.setDefaultNamespace(NAMESPACE);
            xml.writeStartElement(NAMESPACE, "feedback");
            xml.writeDefaultNamespace(NAMESPACE);
            element(xml, "version", VERSION);
            xml.writeStartElement(NAMESPACE, "report_metadata");
            element(xml, "org_name", reporter.orgName());
            element(xml, "email", reporter.email());
            if (!reporter.extraContactInfo().isEmpty()) {
                element(xml, "extra_contact_info", reporter.extraContactInfo());
            }
            element(xml, "report_id", reportId());
            xml.writeStartElement(NAMESPACE, "date_range");
            element(xml, "begin", Long.toString(beginSeconds()));
            element(xml, "end", Long.toString(endSeconds()));
            xml.writeEndElement();
            element(xml, "generator", reporter.generator());
            xml.writeEndElement();
            policy(xml);
            for (ReportRow row : rows) {
                record(xml, row);
            }
            xml.writeEndElement();
            xml.writeEndDocument();
            xml.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write the report's XML", e);
        }
        return bytes.toByteArray();
    }

    private void policy(XMLStreamWriter xml) throws XMLStreamException {
        xml.writeStartElement(NAMESPACE, "policy_published");
        element(xml, "domain", published.domain());
        element(xml, "p", published.policy().keyword());
        if (published.subdomainPolicy().isPresent()) {
            element(xml, "sp", published.subdomainPolicy().get().keyword());
        }
        if (published.nonExistentPolicy().isPresent()) {
            element(xml, "np", published.nonExistentPolicy().get().keyword());
        }
        element(xml, "adkim", published.strictDkim() ? "s" : "r");
        element(xml, "aspf", published.strictSpf() ? "s" : "r");
        element(xml, "discovery_method", published.discoveryMethod());
        element(xml, "fo", published.fo());
        element(xml, "testing", published.testing() ? "y" : "n");
        xml.writeEndElement();
    }

    private static void record(XMLStreamWriter xml, ReportRow row) throws XMLStreamException {
        xml.writeStartElement(NAMESPACE, "record");
        xml.writeStartElement(NAMESPACE, "row");
        element(xml, "source_ip", row.sourceIp());
        element(xml, "count", Long.toString(row.count()));
        xml.writeStartElement(NAMESPACE, "policy_evaluated");
        element(xml, "disposition", row.disposition());
        element(xml, "dkim", row.dkimAligned() ? "pass" : "fail");
        element(xml, "spf", row.spfAligned() ? "pass" : "fail");
        if (!row.overrideType().isEmpty()) {
            xml.writeStartElement(NAMESPACE, "reason");
            element(xml, "type", row.overrideType());
            if (!row.overrideComment().isEmpty()) {
                element(xml, "comment", row.overrideComment());
            }
            xml.writeEndElement();
        }
        xml.writeEndElement();
        xml.writeEndElement();
        xml.writeStartElement(NAMESPACE, "identifiers");
        element(xml, "header_from", row.headerFrom());
        if (!row.envelopeFrom().isEmpty()) {
            element(xml, "envelope_from", row.envelopeFrom());
        }
        if (!row.envelopeTo().isEmpty()) {
            element(xml, "envelope_to", row.envelopeTo());
        }
        xml.writeEndElement();
        xml.writeStartElement(NAMESPACE, "auth_results");
        for (ReportRow.DkimAuth signature : row.dkim()) {
            xml.writeStartElement(NAMESPACE, "dkim");
            element(xml, "domain", signature.domain());
            element(xml, "selector", signature.selector());
            element(xml, "result", signature.result());
            xml.writeEndElement();
        }
        if (row.spf() != null) {
            xml.writeStartElement(NAMESPACE, "spf");
            element(xml, "domain", row.spf().domain());
            // the schema knows only mfrom; a HELO check is reported without scope
            if (row.spf().scope().equals("mfrom")) {
                element(xml, "scope", "mfrom");
            }
            element(xml, "result", row.spf().result());
            xml.writeEndElement();
        }
        xml.writeEndElement();
        xml.writeEndElement();
    }

    private static void element(XMLStreamWriter xml, String name, String text) throws XMLStreamException {
        xml.writeStartElement(NAMESPACE, name);
        xml.writeCharacters(xmlChars(text));
        xml.writeEndElement();
    }

    /** Drops what XML 1.0 cannot carry (control characters, lone surrogates): the values come from senders. */
    static String xmlChars(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c == '\t' || c == '\n' || c >= 0x20 && c <= 0xD7FF || c >= 0xE000 && c <= 0xFFFD
                || Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))
                || Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
            if (c == '\r') {
                // a reader turns CR LF and a lone CR into LF (XML 1.0 section 2.11): say so here, so the value read back is this one
                if (out == null) {
                    out = new StringBuilder(text.length()).append(text, 0, i);
                }
                if (i + 1 >= text.length() || text.charAt(i + 1) != '\n') {
                    out.append('\n');
                }
            } else if (!ok && out == null) {
                out = new StringBuilder(text.length()).append(text, 0, i);
            } else if (ok && out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

}
