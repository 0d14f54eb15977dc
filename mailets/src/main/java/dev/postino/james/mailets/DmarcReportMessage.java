package dev.postino.james.mailets;

import java.time.Instant;
import java.util.Date;
import java.util.Properties;

import javax.activation.DataHandler;
import javax.mail.MessagingException;
import javax.mail.Session;
import javax.mail.internet.InternetAddress;
import javax.mail.internet.MimeBodyPart;
import javax.mail.internet.MimeMessage;
import javax.mail.internet.MimeMultipart;
import javax.mail.internet.MimeUtility;
import javax.mail.util.ByteArrayDataSource;

import dev.postino.core.dmarc.report.AggregateReport;

/**
 * The mail that carries one aggregate report (RFC 9990 §3.5.2): From the reporting address, the RFC's Subject
 * ({@code Report Domain: ... Submitter: ... Report-ID: <...>}, folded), the Report-ID as Message-ID, a short text
 * part, and the gzip as an {@code application/gzip} attachment named {@code receiver!domain!begin!end.xml.gz}.
 */
public final class DmarcReportMessage {

    private DmarcReportMessage() {
    }

    /** The message for {@code report} with content {@code gzip}, to {@code to}. */
    public static MimeMessage build(AggregateReport report, byte[] gzip, String from, String to, Instant now)
        throws MessagingException {
        MimeMessage message = new ReportIdMessage(Session.getInstance(new Properties()), "<" + report.reportId() + ">");
        message.setFrom(new InternetAddress(from));
        message.setRecipient(MimeMessage.RecipientType.TO, new InternetAddress(to));
        message.setHeader("Subject", MimeUtility.fold(9, report.subject()));
        message.setSentDate(Date.from(now));
        MimeBodyPart text = new MimeBodyPart();
        text.setText("This is a DMARC aggregate report (RFC 9990) from " + report.reporter().orgName() + " for "
            + report.policyDomain() + ", " + report.rows().size() + " record(s), " + report.messages()
            + " message(s).\r\n", "UTF-8");
        MimeBodyPart attachment = new MimeBodyPart();
        attachment.setDataHandler(new DataHandler(new ByteArrayDataSource(gzip, "application/gzip")));
        attachment.setFileName(report.fileName());
        attachment.setDisposition(MimeBodyPart.ATTACHMENT);
        attachment.setHeader("Content-Type", "application/gzip; name=\"" + report.fileName() + "\"");
        attachment.setHeader("Content-Transfer-Encoding", "base64");
        MimeMultipart body = new MimeMultipart("mixed");
        body.addBodyPart(text);
        body.addBodyPart(attachment);
        message.setContent(body);
        message.saveChanges();
        return message;
    }

    /** Keeps the Message-ID we give (javax.mail would make its own on saveChanges). */
    private static final class ReportIdMessage extends MimeMessage {
        private final String messageId;

        ReportIdMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
