package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One small message per format, per reason rule and per kind of bad input. */
class BounceReaderTest {

    private static BounceReport read(String message) {
        return BounceReader.read(message.getBytes(StandardCharsets.UTF_8));
    }

    private static String dsn(String status, String diagnostic, String prose) {
        return "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
                + "To: sender@example.org\nSubject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
                + "Content-Type: multipart/report; report-type=delivery-status; boundary=\"XX\"\n\n"
                + "--XX\nContent-Type: text/plain\n\n" + prose + "\n\n"
                + "--XX\nContent-Type: message/delivery-status\n\n"
                + "Reporting-MTA: dns; mx.example.net\nOriginal-Envelope-Id: env+2B1\n\n"
                + "Final-Recipient: rfc822; rcpt@example.com\nOriginal-Recipient: rfc822;Rcpt@example.com\n"
                + "Action: failed\nStatus: " + status + "\nRemote-MTA: dns; mx.example.com\n"
                + (diagnostic.isEmpty() ? "" : "Diagnostic-Code: smtp; " + diagnostic + "\n") + "\n"
                + "--XX\nContent-Type: text/rfc822-headers\n\nFrom: sender@example.org\nTo: rcpt@example.com\n"
                + "Message-ID: <orig-1@example.org>\nSubject: hello\n\n--XX--\n";
    }

    @Test
    void readsAnRfc3464ReportWithItsIdentifiers() {
        BounceReport r = read(dsn("5.1.1", "550 5.1.1 <rcpt@example.com>: Recipient address rejected: User unknown",
                "<rcpt@example.com>: host mx.example.com said: 550 5.1.1 <rcpt@example.com>: Recipient address"
                        + " rejected: User unknown (in reply to RCPT TO command)"));
        assertThat(r.bounce()).isTrue();
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.DSN);
        assertThat(r.originalMessageId()).contains("<orig-1@example.org>");
        assertThat(r.originalEnvelopeId()).contains("env+1");
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.address()).isEqualTo("rcpt@example.com");
            assertThat(x.action()).isEqualTo("failed");
            assertThat(x.status()).isEqualTo("5.1.1");
            assertThat(x.reason()).isEqualTo(BounceReason.USERUNKNOWN);
            assertThat(x.hard()).isTrue();
            assertThat(x.remoteMta()).contains("mx.example.com");
            assertThat(x.diagnostic()).contains("User unknown");
        });
    }

    @ParameterizedTest(name = "{0} / {1} -> {2} hard={3}")
    @CsvSource(delimiter = '|', value = {
        "5.2.2|552 5.2.2 Mailbox full|mailboxfull|false",
        "4.2.2|452 4.2.2 Mailbox full|mailboxfull|false",
        "5.1.2|550 5.1.2 Host or domain name not found|hostunknown|true",
        "5.7.1|554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org|blocked|false",
        "5.3.4|552 5.3.4 Message size exceeds fixed limit|mesgtoobig|false",
        "5.7.1|550 5.7.1 Message rejected as spam by Content Filtering|spamdetected|false",
        "5.7.1|554 5.7.1 <rcpt@example.com>: Relay access denied|norelaying|false",
        "5.7.26|550 5.7.26 This message does not pass authentication checks (SPF and DKIM both do not pass)|authfailure|false",
        "4.4.7|Delivery time expired|expired|false",
        "5.1.6|550 5.1.6 Recipient has moved|hasmoved|true",
        "5.3.2|521 5.3.2 This host does not accept mail|notaccept|true",
        "4.3.2|421 4.3.2 System not accepting network messages|notaccept|false",
        "5.2.1|550 5.2.1 The email account that you tried to reach is disabled|suspend|false",
        "5.0.0|550 5.0.0 Too many connections|toomanyconn|false",
        "5.6.0|554 5.6.0 Message content not accepted|contenterror|false",
        "5.6.0|550 5.6.0 Duplicate header Message-ID|notcompliantrfc|false",
    })
    void decidesTheReasonAndHardFlagAsSisimaiDoes(String status, String diagnostic, String reason, boolean hard) {
        BouncedRecipient r = read(dsn(status, diagnostic, "")).recipients().get(0);
        assertThat(r.reason().word()).isEqualTo(reason);
        assertThat(r.hard()).isEqualTo(hard);
    }

    @Test
    void unknownUserTextWithoutTheRcptCommandIsFiltered() {
        // Sisimai: "user unknown" after DATA (or without a command) is a filter, not a missing mailbox
        BouncedRecipient r = read(dsn("5.0.0", "550 rcpt@example.com... User unknown", "")).recipients().get(0);
        assertThat(r.reason()).isEqualTo(BounceReason.FILTERED);
        assertThat(r.hard()).isFalse();
    }

    @Test
    void aGeneralStatusGivesWayToThePreciseOneInTheReply() {
        BouncedRecipient r = read(dsn("5.0.0", "550 5.1.1 <rcpt@example.com> no such user", "")).recipients().get(0);
        assertThat(r.status()).isEqualTo("5.1.1");
        assertThat(r.reason()).isEqualTo(BounceReason.USERUNKNOWN);
    }

    @Test
    void readsAGlobalDeliveryStatusInBase64() {
        String fields = "Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: utf-8; j\u00f6rg@example.com\n"
                + "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n";
        String b64 = java.util.Base64.getMimeEncoder().encodeToString(fields.getBytes(StandardCharsets.UTF_8));
        BounceReport r = read("From: MAILER-DAEMON@mx.example.net\nSubject: Undeliverable\n"
                + "Content-Type: multipart/report; report-type=global-delivery-status; boundary=b\n\n"
                + "--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/global-delivery-status\n"
                + "Content-Transfer-Encoding: base64\n\n" + b64 + "\n--b--\n");
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.DSN);
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.address()).isEqualTo("j\u00f6rg@example.com");
            assertThat(x.reason()).isEqualTo(BounceReason.USERUNKNOWN);
        });
    }

    @Test
    void readsAQmailBounceWithCrLineEndsAsTheLfOne() {
        String qmail = "From: MAILER-DAEMON@mx.example.net\nSubject: failure notice\n\n"
                + "Hi. This is the qmail-send program at mx.example.net.\n"
                + "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
                + "<a@example.com>:\n192.0.2.1 does not like recipient.\n"
                + "Remote host said: 550 5.1.1 <a@example.com>... User Unknown\nGiving up on 192.0.2.1.\n\n"
                + "<b@example.com>:\nThis address no longer accepts mail.\n\n"
                + "--- Below this line is a copy of the message.\n\nFrom: sender@example.org\nTo: c@example.com\n"
                + "Message-ID: <q-1@example.org>\n\nhi\n";
        BounceReport lf = read(qmail);
        BounceReport cr = read(qmail.replace("\n", "\r"));
        BounceReport mixed = read(qmail.replace("Hi.", "\r\nHi.").replace("Giving", "\rGiving"));
        assertThat(lf.kind()).isEqualTo(BounceReport.Kind.NON_STANDARD);
        assertThat(lf.originalMessageId()).contains("<q-1@example.org>");
        assertThat(lf.recipients()).extracting(BouncedRecipient::address).containsExactly("a@example.com",
                "b@example.com");
        assertThat(lf.recipients()).extracting(BouncedRecipient::reason)
                .containsExactly(BounceReason.USERUNKNOWN, BounceReason.SUSPEND);
        assertThat(cr).isEqualTo(lf);
        assertThat(mixed.recipients()).extracting(BouncedRecipient::reason)
                .containsExactly(BounceReason.USERUNKNOWN, BounceReason.SUSPEND);
    }

    @Test
    void readsAnEximNoticeByItsFailedRecipientsHeader() {
        BounceReport r = read("From: Mail Delivery System <Mailer-Daemon@mx.example.net>\n"
                + "X-Failed-Recipients: full@example.com\nSubject: Mail delivery failed: returning message to sender\n\n"
                + "This message was created automatically by mail delivery software.\n\n"
                + "A message that you sent could not be delivered to one or more of its\n"
                + "recipients. This is a permanent error. The following address(es) failed:\n\n"
                + "  full@example.com\n    host mx.example.com [192.0.2.2]\n"
                + "    SMTP error from remote mail server after RCPT TO:<full@example.com>:\n"
                + "    452 4.2.2 Mailbox quota exceeded\n\n"
                + "------ This is a copy of the message, including all the headers. ------\n\nSubject: x\n\nbody\n");
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.reason()).isEqualTo(BounceReason.MAILBOXFULL);
            assertThat(x.status()).isEqualTo("4.2.2");
            assertThat(x.hard()).isFalse();
            assertThat(x.remoteMta()).contains("mx.example.com");
        });
    }

    @Test
    void givesSisimaisOwnCodeWhenTheTextHasNone() {
        BounceReport r = read("From: MAILER-DAEMON@mx.example.net\nSubject: Returned mail: User unknown\n\n"
                + "The following addresses had delivery errors\n\nann@example.com: mailbox is full\n");
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.reason()).isEqualTo(BounceReason.MAILBOXFULL);
            assertThat(x.status()).isEqualTo("5.0.922");
        });
    }

    @Test
    void readsAFeedbackReportAsAComplaintNotABounce() {
        BounceReport r = read("From: feedback@arf.example.net\nSubject: FW: offer\n"
                + "Content-Type: multipart/report; report-type=feedback-report; boundary=f\n\n"
                + "--f\nContent-Type: text/plain\n\nThis is an abuse report\n"
                + "--f\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: x/1\nVersion: 1\n"
                + "Original-Rcpt-To: victim@example.net\n"
                + "--f\nContent-Type: message/rfc822\n\nFrom: sender@example.org\nTo: other@example.net\n"
                + "Message-ID: <sent-9@example.org>\n\nbuy\n--f--\n");
        assertThat(r.bounce()).isFalse();
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.FEEDBACK);
        assertThat(r.complaint()).isTrue();
        assertThat(r.originalMessageId()).contains("<sent-9@example.org>");
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.address()).isEqualTo("victim@example.net");
            assertThat(x.reason()).isEqualTo(BounceReason.FEEDBACK);
            assertThat(x.action()).isEmpty();
            assertThat(x.status()).isEmpty();
        });
    }

    @Test
    void readsAnAutoReplyAsVacationNotABounce() {
        BounceReport r = read("From: Ann <ann@example.net>\nTo: sender@example.org\nSubject: Automatic reply: hello\n"
                + "Auto-Submitted: auto-replied\n\nI am out of the office until Monday.\n");
        assertThat(r.bounce()).isFalse();
        assertThat(r.kind()).isEqualTo(BounceReport.Kind.AUTOREPLY);
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.address()).isEqualTo("ann@example.net");
            assertThat(x.reason()).isEqualTo(BounceReason.VACATION);
        });
    }

    @Test
    void ordinaryMailIsNoReport() {
        BounceReport r = read("From: Bob <bob@example.org>\nTo: ann@example.net\nSubject: lunch?\n\n"
                + "Are you free on Tuesday? Write to bob@example.org.\n");
        assertThat(r).isEqualTo(BounceReport.none(Optional.empty()));
    }

    @Test
    void aBounceLikeSubjectAloneDoesNotMakeOrdinaryMailABounce() {
        BounceReport r = read("From: Carol <carol@example.org>\nTo: ops@example.net\nSubject: Re: our bounce rates\n\n"
                + "Dave <dave@example.com> thinks the numbers are fine; ask erin@example.com.\n");
        assertThat(r.bounce()).isFalse();
        assertThat(r.recipients()).isEmpty();
    }

    @Test
    void readsAnAmazonSesBounceNotification() {
        BounceReport r = read("From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
                + "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":"
                + "\"General\",\"bouncedRecipients\":[{\"emailAddress\":\"x@example.com\",\"action\":\"failed\","
                + "\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],\"reportingMTA\":"
                + "\"dsn; a1.smtp-out.amazonses.com\"},\"mail\":{\"messageId\":\"m\",\"headers\":[{\"name\":"
                + "\"Message-ID\",\"value\":\"<ses-1@example.org>\"}]}}\n");
        assertThat(r.bounce()).isTrue();
        assertThat(r.originalMessageId()).contains("<ses-1@example.org>");
        assertThat(r.recipients()).singleElement().satisfies(x -> {
            assertThat(x.reason()).isEqualTo(BounceReason.USERUNKNOWN);
            assertThat(x.hard()).isTrue();
        });
    }

    @Test
    void aFiftyMegabyteBounceIsReadFromItsFirstOctetsOnly() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(51 << 20);
        byte[] head = dsn("5.1.1", "550 5.1.1 user unknown", "").replace("--XX--\n", "")
                .getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(head);
        byte[] line = "--XX\nContent-Type: application/octet-stream\n\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                .getBytes(StandardCharsets.US_ASCII);
        while (out.size() < 50 << 20) {
            out.writeBytes(line);
        }
        BounceReport r = BounceReader.read(out.toByteArray());
        assertThat(r.bounce()).isTrue();
        assertThat(r.recipients()).hasSize(1);
        assertThat(r.note()).hasValueSatisfying(n -> assertThat(n).contains("only the first"));
    }

    @Test
    void deepNestingStopsAtTheLimitWithANote() {
        StringBuilder m = new StringBuilder("From: MAILER-DAEMON@x.example\nSubject: Undelivered\n");
        for (int i = 0; i < 200; i++) {
            m.append("Content-Type: multipart/mixed; boundary=b").append(i).append("\n\n--b").append(i).append('\n');
        }
        m.append("Content-Type: text/plain\n\nnothing\n");
        BounceReport r = read(m.toString());
        assertThat(r.bounce()).isFalse();
        assertThat(r.note()).hasValueSatisfying(n -> assertThat(n).contains("MIME nesting"));
    }

    @Test
    void manyRecipientsAreCappedAtTheLimit() {
        StringBuilder m = new StringBuilder(dsn("5.1.1", "550 user unknown", "").replace("--XX--\n", ""));
        m.append("--XX\nContent-Type: message/delivery-status\n\n");
        for (int i = 0; i < 50; i++) {
            m.append("Final-Recipient: rfc822; u").append(i).append("@example.com\nAction: failed\nStatus: 5.1.1\n\n");
        }
        BounceReport capped = BounceReader.read(m.toString().getBytes(StandardCharsets.US_ASCII),
                new BounceReader.Limits(1 << 20, 8, 64, 10));
        assertThat(capped.recipients()).hasSize(1); // the first delivery-status part is the report's
        BounceReport few = BounceReader.read(dsn("5.1.1", "x", "").getBytes(StandardCharsets.US_ASCII),
                new BounceReader.Limits(1 << 20, 8, 64, 1));
        assertThat(few.recipients()).hasSize(1);
    }

    @Test
    void truncatedAndBrokenInputNeverThrows() {
        String whole = dsn("5.1.1", "550 5.1.1 user unknown", "<rcpt@example.com>: said: 550 no");
        for (int cut = 0; cut < whole.length(); cut += 7) {
            BounceReport r = read(whole.substring(0, cut));
            assertThat(r.bounce()).isEqualTo(r.recipients().stream().anyMatch(x -> x.reason().isFailure()));
        }
        assertThat(BounceReader.read(new byte[0]).kind()).isEqualTo(BounceReport.Kind.NONE);
        assertThat(BounceReader.read(new byte[] {0, (byte) 0xff, '\r', '@', '\n', '-', '-'}).bounce()).isFalse();
    }
}
