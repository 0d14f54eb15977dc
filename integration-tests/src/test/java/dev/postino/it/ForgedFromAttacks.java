package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.mail.MessagingException;

import org.apache.james.mailrepository.api.MailKey;
import org.apache.james.mailrepository.api.MailRepositoryUrl;
import org.apache.james.utils.MailRepositoryProbeImpl;
import org.apache.mailet.AttributeName;
import org.apache.mailet.Mail;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import dev.postino.core.dns.testing.TestDnsServer;

/**
 * The ways a forged From of a {@code p=reject} domain has reached the inbox (issue 10, points 1 to 7), each
 * sent to a real James with the sample configuration by a client that is not trusted, next to its control:
 * the same mail, honest, which must still be delivered with {@code dmarc=pass}. Subclasses run them with
 * smtpserver.xml's DmarcRejectHook (refused at the end of DATA) and without it (routed after acceptance by
 * mailetcontainer.xml's disposition matchers); this class holds the mail and the DNS, which do not depend on
 * where DMARC is enforced.
 *
 * <p>The attacker sends from {@value #CLIENT} with an envelope sender at evil.test, whose SPF record passes for
 * that address; each test uses its own envelope sender so that its mail can be found wherever it went. bank.test
 * ({@code p=reject}) signs its own mail with a key the attacker does not have: the attacks replay or wrap mail
 * bank.test really signed. The signatures are made by {@link TestDkimSigner}, which shares no code with the
 * verifier.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ForgedFromAttacks {

    static final String CLIENT = "127.0.0.2";
    static final String RECIPIENT = "alice@postino.test";
    static final MailRepositoryUrl REJECTED = MailRepositoryUrl.from("memory://var/mail/dmarc-reject/");
    static final MailRepositoryUrl QUARANTINED = MailRepositoryUrl.from("memory://var/mail/dmarc-quarantine/");
    private static final List<MailRepositoryUrl> KEPT = List.of(REJECTED, QUARANTINED,
        MailRepositoryUrl.from("memory://var/mail/spf-fail/"), MailRepositoryUrl.from("memory://var/mail/error/"));
    private static final List<String> SIGNED = List.of("from", "to", "subject", "date", "message-id",
        "mime-version", "content-type");

    TestDnsServer dns;
    JamesMemoryServer james;
    ImapMailbox inbox;
    private TestDkimSigner bank;
    private TestDkimSigner evil;
    private TestDkimSigner example;

    /** The sample configuration, as this class runs it. */
    abstract JamesMemoryServer.Builder configure(JamesMemoryServer.Builder sample);

    /**
     * A forged mail whose strictest readable policy is {@code reject} got {@code reply} at the end of DATA:
     * asserts it was refused there, or else routed to the dmarc-reject repository and not delivered.
     *
     * @param refusalStatus the enhanced status codes the refusal may carry, as a regular expression
     * @return the mail as kept in the repository when it was accepted, empty when it was refused
     */
    abstract Optional<Mail> assertRejected(String envelopeSender, SmtpSession.Reply reply, String refusalStatus)
        throws Exception;

    @BeforeAll
    void start() throws Exception {
        bank = TestDkimSigner.rsa("bank.test", "s1");
        evil = TestDkimSigner.rsa("evil.test", "s1");
        example = TestDkimSigner.rsa("example.test", "s1");
        dns = TestDnsServer.start();
        dns.addTxt("evil.test", "v=spf1 ip4:" + CLIENT + " -all")
            .addTxt("_dmarc.evil.test", "v=DMARC1; p=none")
            .addTxt(evil.keyName(), evil.keyRecord())
            .addTxt("bank.test", "v=spf1 -all")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject")
            .addTxt(bank.keyName(), bank.keyRecord())
            // RFC 9989 §4.10: the Organizational Domain example.test asks for reject; dept.example.test for none
            .addTxt("_dmarc.example.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.dept.example.test", "v=DMARC1; p=none")
            .addTxt(example.keyName(), example.keyRecord())
            // RFC 9989 §4.7: an invalid p= is p=none only with a valid rua, otherwise no policy at all
            .addTxt("_dmarc.badp.test", "v=DMARC1; p=bogus")
            .addTxt("_dmarc.badprua.test", "v=DMARC1; p=bogus; rua=mailto:dmarc-reports@badprua.test");
        james = configure(JamesMemoryServer.builder().systemProperty("postino.dns.servers", dns.hostPort())).start();
        james.addUser(RECIPIENT, "alice-secret");
        inbox = new ImapMailbox(james.imapPort(), RECIPIENT, "alice-secret");
    }

    @AfterAll
    void stop() {
        if (james != null) {
            james.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    // ---- 1. bare CR: one reader ends the header section at CR CR LF, the other does not ----

    @Test
    void aCrCrLfLineBetweenASmuggledFromAndASignedMailIsRefused() throws Exception {
        String signed = bankSigned("Bank News <news@bank.test>", "bare CR line", MULTIPART_BODY, SIGNED);
        // javax.mail reads CR CR LF as one line end, so this line is the empty one that ends the header section:
        // the From it shows is the attacker's, and bank.test's signed fields below become the body. A reader
        // that ends lines at LF only sees a line holding a CR and reads on, into the signed fields.
        String forged = "From: Bank Security <security@bank.test>\r\n"
            + "Content-Type: multipart/mixed; boundary=\"smuggled\"\r\n"
            + "\r\r\n" + signed;
        assertThat(new String(SmtpSession.dotStuff(bytes(forged)), StandardCharsets.ISO_8859_1))
            .as("the CR CR LF is sent as it is").contains("\"smuggled\"\r\n\r\r\nDKIM-Signature:");

        String sender = "bare-cr-line@evil.test";
        assertRejected(sender, send(sender, forged), "5\\.6\\.\\d+|5\\.7\\.26");
    }

    @Test
    void aCrCrLfEndingAFieldAboveASignedMailIsRefused() throws Exception {
        String signed = bankSigned("Bank News <news@bank.test>", "bare CR field end", MULTIPART_BODY, SIGNED);
        // one line end for javax.mail, a field value ending in CR for a reader that ends lines at LF only
        String forged = "From: Bank Security <security@bank.test>\r\n"
            + "Content-Type: multipart/mixed; boundary=\"smuggled\"\r\r\n" + signed;
        assertThat(new String(SmtpSession.dotStuff(bytes(forged)), StandardCharsets.ISO_8859_1))
            .as("the CR CR LF is sent as it is").contains("\"smuggled\"\r\r\nDKIM-Signature:");

        String sender = "bare-cr-field@evil.test";
        assertRejected(sender, send(sender, forged), "5\\.6\\.\\d+|5\\.7\\.26");
    }

    /** The control of 1, 4 and 5: bank.test's signed mail as it was signed, replayed by anyone, passes. */
    @Test
    void bankSignedMailReplayedAsItWasSignedIsDelivered() throws Exception {
        String signed = bankSigned("Bank News <news@bank.test>", "replayed", MULTIPART_BODY, SIGNED);

        String delivered = assertDelivered("replay@evil.test", send("replay@evil.test", signed));

        assertResult(delivered, "dkim", "pass", "header.d", "bank.test");
        assertResult(delivered, "dmarc", "pass", "header.from", "bank.test");
    }

    // ---- 2. two angle-addrs in one mailbox ----

    @Test
    void twoAngleAddrsInOneMailboxAreRefused() throws Exception {
        String forged = evilSigned("\"CEO\" <ceo@bank.test> <attacker@evil.test>", "two angle-addrs");

        assertRejected("angle@evil.test", send("angle@evil.test", forged), "5\\.7\\.26");
    }

    // ---- 3. a group where RFC 5322 allows only mailboxes ----

    @Test
    void aGroupInFromIsRefused() throws Exception {
        String forged = evilSigned("ceo@bank.test: attacker@evil.test;", "group");

        assertRejected("group@evil.test", send("group@evil.test", forged), "5\\.7\\.26");
    }

    /** The control of 2 and 3: the attacker's own mail, signed by evil.test and honest about it, passes. */
    @Test
    void evilTestSignedMailWithOneHonestFromIsDelivered() throws Exception {
        String honest = evilSigned("\"CEO\" <attacker@evil.test>", "honest evil.test");

        String delivered = assertDelivered("honest@evil.test", send("honest@evil.test", honest));

        assertResult(delivered, "dkim", "pass", "header.d", "evil.test");
        assertResult(delivered, "dmarc", "pass", "header.from", "evil.test");
    }

    // ---- 4. several From fields, or a From nobody can parse ----

    @Test
    void anUnsignedFromAddedOnTopOfAReplayedSignatureIsRefused() throws Exception {
        String signed = bankSigned("Bank News <news@bank.test>", "added From", MULTIPART_BODY, SIGNED);
        String forged = "From: \"Bank CEO\" <ceo@bank.test>\r\n" + signed;

        assertRejected("added-from@evil.test", send("added-from@evil.test", forged), "5\\.7\\.26");
    }

    @Test
    void aFromWithoutAnyReadableAddressIsRefused() throws Exception {
        // IMAP clients decode it to ceo@bank.test; as an RFC 5322 mailbox it has no domain at all
        String forged = evilSigned("=?utf-8?q?ceo=40bank.test?=", "encoded-word From");

        assertRejected("no-domain@evil.test", send("no-domain@evil.test", forged), "5\\.7\\.26");
    }

    /** The control of the encoded-word case: an encoded display name before a real address passes. */
    @Test
    void anEncodedDisplayNameBeforeASignedAddressIsDelivered() throws Exception {
        String honest = bankSigned("=?utf-8?q?CEO?= <ceo@bank.test>", "encoded display name", "Hello.\r\n", SIGNED);

        String delivered = assertDelivered("display-name@evil.test", send("display-name@evil.test", honest));

        assertResult(delivered, "dmarc", "pass", "header.from", "bank.test");
    }

    // ---- 5. more From fields than the signature's h= covers (RFC 6376 §8.15) ----

    @Test
    void aSecondFromNotCoveredByTheSignatureMakesDkimFail() throws Exception {
        String signed = bankSigned("Bank News <news@bank.test>", "second From", "Hello.\r\n", SIGNED);
        // the same From again: nothing a reader sees changes, but the signer vouched for one From field only
        String forged = "From: Bank News <news@bank.test>\r\n" + signed;

        Optional<Mail> kept = assertRejected("second-from@evil.test", send("second-from@evil.test", forged), "5\\.7\\.26");

        if (kept.isPresent()) {
            assertThat(kept.get().getAttribute(AttributeName.of("postino.dkim.result"))
                .map(a -> String.valueOf(a.getValue().value())))
                .as("DKIM result of a mail with 2 From fields signed with h= listing from once")
                .hasValueSatisfying(result -> assertThat(result).isIn("fail", "policy"));
        }
    }

    /** The control of 5: over-signing (h= lists from twice for one From field) still passes. */
    @Test
    void anOverSignedFromIsDelivered() throws Exception {
        List<String> overSigned = new ArrayList<>(SIGNED);
        overSigned.add("from");
        String signed = bankSigned("Bank News <news@bank.test>", "over-signed", "Hello.\r\n", overSigned);

        String delivered = assertDelivered("over-signed@evil.test", send("over-signed@evil.test", signed));

        assertResult(delivered, "dkim", "pass", "header.d", "bank.test");
        assertResult(delivered, "dmarc", "pass", "header.from", "bank.test");
    }

    // ---- 6. RFC 9989 §4.10: the Organizational Domain's policy, not the first record on the way up ----

    @Test
    void theOrganizationalDomainsPolicyAppliesToASubdomainWithoutARecord() throws Exception {
        String forged = message("Boss <boss@team.dept.example.test>", "org domain policy", "Hello.\r\n");

        assertRejected("org-policy@evil.test", send("org-policy@evil.test", forged), "5\\.7\\.26");
    }

    /** The control of 6: the same mail signed by the Organizational Domain aligns (relaxed) and passes. */
    @Test
    void aSubdomainMailSignedByItsOrganizationalDomainIsDelivered() throws Exception {
        String honest = example.sign(message("Boss <boss@team.dept.example.test>", "org domain signed", "Hello.\r\n"),
            SIGNED);

        String delivered = assertDelivered("org-signed@evil.test", send("org-signed@evil.test", honest));

        assertResult(delivered, "dkim", "pass", "header.d", "example.test");
        assertResult(delivered, "dmarc", "pass", "header.from", "team.dept.example.test");
    }

    // ---- 7. a record with an invalid p= ----

    @Test
    void anInvalidPolicyWithoutRuaIsNoPolicy() throws Exception {
        String mail = message("news@badp.test", "invalid p", "Hello.\r\n");

        String delivered = assertDelivered("bad-p@evil.test", send("bad-p@evil.test", mail));

        assertResult(delivered, "dmarc", "none", "header.from", "badp.test");
    }

    @Test
    void anInvalidPolicyWithAValidRuaIsPolicyNone() throws Exception {
        String mail = message("news@badprua.test", "invalid p with rua", "Hello.\r\n");

        String delivered = assertDelivered("bad-p-rua@evil.test", send("bad-p-rua@evil.test", mail));

        assertResult(delivered, "dmarc", "fail", "header.from", "badprua.test");
        assertThat(unfoldedHeader(delivered)).containsPattern("dmarc=fail\\s*\\(p=none dis=none");
    }

    // ---- the mail ----

    private static final String MULTIPART_BODY = "--smuggled\r\nContent-Type: text/plain\r\n\r\n"
        + "Your account is locked: confirm your password at http://evil.test/login\r\n--smuggled--\r\n";

    /** A plain message to alice, CRLF line ends; {@code subject} makes its Message-ID. */
    static String message(String from, String subject, String body) {
        return "From: " + from + "\r\n"
            + "To: " + RECIPIENT + "\r\n"
            + "Subject: " + subject + "\r\n"
            + "Date: Wed, 02 Dec 2026 09:00:00 +0000\r\n"
            + "Message-ID: <" + subject.replaceAll("[^A-Za-z0-9]", "-") + "@mail.test>\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\n"
            + "\r\n" + body;
    }

    private String bankSigned(String from, String subject, String body, List<String> signedFields) {
        return bank.sign(message(from, subject, body), signedFields);
    }

    private String evilSigned(String from, String subject) {
        return evil.sign(message(from, subject, "Please wire the money today.\r\n"), SIGNED);
    }

    private static byte[] bytes(String message) {
        return message.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** One transaction from {@value #CLIENT} as {@code envelopeSender}; returns the reply at the end of DATA. */
    SmtpSession.Reply send(String envelopeSender, String message) throws Exception {
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), CLIENT)) {
            assertThat(smtp.command("EHLO mx.evil.test").isPositive()).isTrue();
            assertThat(smtp.command("MAIL FROM:<" + envelopeSender + ">").isPositive()).isTrue();
            assertThat(smtp.command("RCPT TO:<" + RECIPIENT + ">").isPositive()).isTrue();
            return smtp.data(bytes(message));
        }
    }

    /** Asserts the mail was accepted and delivered to alice's INBOX, and returns it as IMAP serves it. */
    String assertDelivered(String envelopeSender, SmtpSession.Reply reply) throws Exception {
        assertThat(reply.code()).as("reply at the end of DATA: %s", reply).isEqualTo(250);
        Destination destination = awaitDestination(envelopeSender);
        assertThat(destination.where()).as("where the mail went (%s)", destination.summary()).isEqualTo("INBOX");
        return destination.message();
    }

    /**
     * Where an accepted mail went: the INBOX (with the message as IMAP serves it) or a repository (with the mail
     * as kept there).
     */
    record Destination(String where, Mail kept, String message) {

        /** What DMARC said about it: the Authentication-Results fields, or the attributes of a kept mail. */
        String summary() {
            if (kept == null) {
                return unfoldedHeader(message).lines().filter(l -> l.startsWith("Authentication-Results:")).toList().toString();
            }
            return "dmarc=" + attribute(kept, "postino.dmarc.result") + " disposition="
                + attribute(kept, "postino.dmarc.disposition") + " reason=" + attribute(kept, "postino.dmarc.reason");
        }
    }

    /**
     * Waits (up to 60 s) until the mail of {@code envelopeSender} is in alice's INBOX or in one of the sample's
     * repositories, so that a mail routed the wrong way fails the test at once, saying where it went.
     */
    Destination awaitDestination(String envelopeSender) throws Exception {
        MailRepositoryProbeImpl repositories = james.guiceServer().getProbe(MailRepositoryProbeImpl.class);
        String returnPath = "Return-Path: <" + envelopeSender + ">";
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            for (MailRepositoryUrl url : KEPT) {
                for (MailKey key : repositories.listMailKeys(url)) {
                    Mail mail = repositories.getMail(url, key);
                    if (mail != null && mail.getMaybeSender().asString().equals(envelopeSender)) {
                        return new Destination(url.asString(), mail, null);
                    }
                }
            }
            for (byte[] raw : inboxNowOrEmpty(deadline)) {
                String message = new String(raw, StandardCharsets.UTF_8);
                if (message.contains(returnPath)) {
                    return new Destination("INBOX", null, message);
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("the mail of " + envelopeSender + " is nowhere after 60 s");
            }
            Thread.sleep(200);
        }
    }

    /** One fetch of the INBOX; a slow or broken IMAP exchange before the deadline counts as nothing yet. */
    private List<byte[]> inboxNowOrEmpty(long deadline) throws Exception {
        try {
            return inbox.fetchAll();
        } catch (MessagingException | IOException slow) {
            if (System.nanoTime() >= deadline) {
                throw slow;
            }
            return List.of();
        }
    }

    static String attribute(Mail mail, String name) {
        return mail.getAttribute(AttributeName.of(name)).map(a -> String.valueOf(a.getValue().value())).orElse("");
    }

    /** The header section with its folding undone. */
    static String unfoldedHeader(String message) {
        int end = message.indexOf("\r\n\r\n");
        return (end < 0 ? message : message.substring(0, end)).replaceAll("\r\n[ \t]+", " ");
    }

    /** Asserts an Authentication-Results field holds {@code method=result ... property=value} (value maybe quoted). */
    static void assertResult(String message, String method, String result, String property, String value) {
        List<String> fields = unfoldedHeader(message).lines().filter(l -> l.startsWith("Authentication-Results:")).toList();
        Pattern expected = Pattern.compile("\\b" + Pattern.quote(method + "=" + result) + "\\b[^;]*\\s"
            + Pattern.quote(property) + "=\"?" + Pattern.quote(value) + "\"?(;|\\s|$)");
        // comments hold "; " too (the reason): without them, one result ends at the next ';'
        assertThat(fields.stream().map(ForgedFromAttacks::withoutComments).anyMatch(f -> expected.matcher(f).find()))
            .withFailMessage("no %s=%s with %s=%s in the Authentication-Results of the delivered mail: %s",
                method, result, property, value, fields)
            .isTrue();
    }

    /** {@code text} without its RFC 5322 comments (nested, with quoted-pairs); quoted strings kept. */
    static String withoutComments(String text) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length()) {
                if (depth == 0) {
                    out.append(c).append(text.charAt(i + 1));
                }
                i++;
            } else if (quoted) {
                out.append(c);
                quoted = c != '"';
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0) {
                out.append(c);
                quoted = c == '"';
            }
        }
        return out.toString();
    }
}
