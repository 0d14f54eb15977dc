package dev.postino.core.dmarc.report.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** Reads aggregate reports back for tests: gunzip, validation against RFC 9990's schema, the DOM, its rows. */
public final class ReportXml {

    public static final String NAMESPACE = "urn:ietf:params:xml:ns:dmarc-2.0";

    private static final Schema SCHEMA = load();

    private ReportXml() {
    }

    private static Schema load() {
        try {
            SchemaFactory factory = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            URL xsd = ReportXml.class.getResource("/dev/postino/core/dmarc/report/rfc9990.xsd");
            return factory.newSchema(xsd);
        } catch (Exception e) {
            throw new IllegalStateException("cannot load RFC 9990's schema", e);
        }
    }

    /** The decompressed content of a gzip. */
    public static byte[] gunzip(byte[] gzip) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Validates against RFC 9990's XSD; throws {@link org.xml.sax.SAXException} (wrapped) naming the first problem. */
    public static void validate(byte[] xml) {
        try {
            SCHEMA.newValidator().validate(new StreamSource(new ByteArrayInputStream(xml)));
        } catch (Exception e) {
            throw new AssertionError("not valid against RFC 9990's schema: " + e.getMessage(), e);
        }
    }

    /** The namespace-aware DOM. */
    public static Document parse(byte[] xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML", e);
        }
    }

    /** The text of the first descendant {@code name} (in RFC 9990's namespace) of {@code parent}, or null. */
    public static String text(Node parent, String name) {
        Node node = parent instanceof Document d ? d.getDocumentElement() : parent;
        var list = ((Element) node).getElementsByTagNameNS(NAMESPACE, name);
        return list.getLength() == 0 ? null : list.item(0).getTextContent();
    }

    /** One {@code record} element, flattened. */
    public record Row(String sourceIp, long count, String disposition, String dkim, String spf, String reasonType,
                      String headerFrom, String envelopeFrom, String envelopeTo, List<String> dkimResults,
                      String spfResult) {
    }

    /** Every {@code record} of the report, in document order. */
    public static List<Row> rows(Document document) {
        List<Row> rows = new ArrayList<>();
        var records = document.getDocumentElement().getElementsByTagNameNS(NAMESPACE, "record");
        for (int i = 0; i < records.getLength(); i++) {
            Element record = (Element) records.item(i);
            Element evaluated = (Element) record.getElementsByTagNameNS(NAMESPACE, "policy_evaluated").item(0);
            Element identifiers = (Element) record.getElementsByTagNameNS(NAMESPACE, "identifiers").item(0);
            Element auth = (Element) record.getElementsByTagNameNS(NAMESPACE, "auth_results").item(0);
            List<String> dkim = new ArrayList<>();
            var signatures = auth.getElementsByTagNameNS(NAMESPACE, "dkim");
            for (int j = 0; j < signatures.getLength(); j++) {
                Node s = signatures.item(j);
                dkim.add(text(s, "domain") + "/" + text(s, "selector") + "=" + text(s, "result"));
            }
            var spf = auth.getElementsByTagNameNS(NAMESPACE, "spf");
            String spfResult = spf.getLength() == 0 ? null : text(spf.item(0), "domain") + "=" + text(spf.item(0), "result");
            rows.add(new Row(text(record, "source_ip"), Long.parseLong(text(record, "count")),
                text(evaluated, "disposition"), text(evaluated, "dkim"), text(evaluated, "spf"),
                text(evaluated, "type"), text(identifiers, "header_from"), text(identifiers, "envelope_from"),
                text(identifiers, "envelope_to"), dkim, spfResult));
        }
        return rows;
    }
}
