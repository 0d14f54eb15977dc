package dev.postino.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.apache.james.utils.WebAdminGuiceProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.postino.core.dns.testing.TestDnsServer;

/**
 * The delivery log, the authentication log and the metrics, from a real James running the sample configuration (with
 * WebAdmin and its /metrics route on a free loopback port): mail relayed to a scripted peer is accepted, deferred then
 * accepted, refused and expired, and the delivery log is read back line by line; a stranger's mail passes DMARC and
 * another is refused at SMTP time; then /metrics carries the counts those mails made.
 */
class ObservabilityIT {

    private static final String STRANGER = "127.0.0.2";
    private static final String HOSTILE = "5.1.1 <nobody@relay.test> unknown) status=sent relay=evil (x=y";
    private static final String RULES = """
        giveup.test  *      F,5s,2s
        *            *      F,1m,2s
        """;

    private static TestDnsServer dns;
    private static ScriptedSmtpPeer peer;
    private static JamesMemoryServer james;
    private static ListAppender<ILoggingEvent> deliveryLog;
    private static ListAppender<ILoggingEvent> authLog;

    @BeforeAll
    static void start() throws Exception {
        deliveryLog = capture("postino.delivery");
        authLog = capture("postino.auth");
        dns = TestDnsServer.start();
        for (String domain : List.of("relay.test", "giveup.test")) {
            dns.add(domain + ". 300 IN MX 10 mx." + domain + ".").add("mx." + domain + ". 300 IN A 127.0.0.1");
        }
        dns.addTxt("pass.test", "v=spf1 ip4:" + STRANGER + " -all")
            .addTxt("_dmarc.pass.test", "v=DMARC1; p=reject")
            .addTxt("_dmarc.bank.test", "v=DMARC1; p=reject");
        peer = ScriptedSmtpPeer.start("mx.relay.test");
        peer.onRcpt("grey@relay.test", "451 4.7.1 greylisted, try again", "250 2.1.5 ok");
        peer.onRcpt("nobody@relay.test", "550 " + HOSTILE);
        peer.onRcpt("late@giveup.test", "451 4.3.0 try later");
        james = JamesMemoryServer.builder()
            .systemProperty("postino.dns.servers", dns.hostPort())
            .replaceFile("e2e-retry-rules.conf", RULES)
            .editFile("mailetcontainer.xml", xml -> xml
                .replace("<retryRules>retry-rules.conf</retryRules>", "<retryRules>e2e-retry-rules.conf</retryRules>"
                    + "<port>" + peer.port() + "</port><heloName>james.test</heloName><connectTimeout>2s</connectTimeout>"))
            // the sample's WebAdmin with its /metrics route, on a port James picks (0), on loopback
            .editFile("webadmin.properties", p -> p.replaceAll("(?m)^enabled=.*$", "enabled=true")
                .replaceAll("(?m)^port=.*$", "port=0"))
            .start();
        james.addUser("alice@postino.test", "alice-secret");
    }

    private static ListAppender<ILoggingEvent> capture(String name) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        return appender;
    }

    @AfterAll
    static void stop() throws Exception {
        for (String name : List.of("postino.delivery", "postino.auth")) {
            ((Logger) LoggerFactory.getLogger(name)).detachAndStopAllAppenders();
        }
        if (james != null) {
            james.close();
        }
        if (peer != null) {
            peer.close();
        }
        if (dns != null) {
            dns.close();
        }
    }

    private static void relay(String rcptCommand) throws Exception {
        byte[] message = "From: alice@postino.test\r\nSubject: observed\r\n\r\nHello.\r\n".getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort())) {
            assertThat(smtp.command("EHLO client.test").code()).isEqualTo(250);
            assertThat(smtp.command("MAIL FROM:<alice@postino.test>").code()).isEqualTo(250);
            assertThat(smtp.command(rcptCommand).code()).isEqualTo(250);
            assertThat(smtp.data(message).code()).isEqualTo(250);
        }
    }

    private static SmtpSession.Reply fromStranger(String from) throws Exception {
        byte[] message = ("From: " + from + "\r\nTo: alice@postino.test\r\nSubject: stranger\r\n\r\nbody\r\n")
            .getBytes(StandardCharsets.UTF_8);
        try (SmtpSession smtp = SmtpSession.connect("127.0.0.1", james.smtpPort(), STRANGER)) {
            assertThat(smtp.command("EHLO mx.pass.test").isPositive()).isTrue();
            assertThat(smtp.command("MAIL FROM:<bob@pass.test>").isPositive()).isTrue();
            assertThat(smtp.command("RCPT TO:<alice@postino.test>").isPositive()).isTrue();
            return smtp.data(message);
        }
    }

    private static List<Map<String, String>> lines(ListAppender<ILoggingEvent> appender) {
        List<ILoggingEvent> events;
        synchronized (appender) {
            events = new ArrayList<>(appender.list);
        }
        return events.stream().map(e -> parse(e.getFormattedMessage())).toList();
    }

    private static List<Map<String, String>> deliveryLines(String to) {
        return lines(deliveryLog).stream().filter(l -> to.equals(l.get("to"))).toList();
    }

    private static List<Map<String, String>> await(Predicate<List<Map<String, String>>> done, String to) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!done.test(deliveryLines(to)) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(done.test(deliveryLines(to))).as("delivery log for " + to + ": " + deliveryLines(to)).isTrue();
        return deliveryLines(to);
    }

    private static boolean finalStatus(List<Map<String, String>> lines) {
        return lines.stream().anyMatch(l -> !"deferred".equals(l.get("status")));
    }

    /** Every line's common fields, and delays adding up to delay. */
    private static void assertWellFormed(Map<String, String> line, String to) {
        assertThat(line.get("id")).startsWith("Mail");
        assertThat(line).containsEntry("from", "alice@postino.test").containsEntry("to", to).containsEntry("tls", "none")
            .doesNotContainKey("tls_protocol");
        assertThat(line.get("relay")).isEqualTo("mx." + to.substring(to.indexOf('@') + 1) + "[127.0.0.1]:" + peer.port());
        assertThat(line.get("dsn")).matches("[245]\\.\\d{1,3}\\.\\d{1,3}");
        String[] parts = line.get("delays").split("/");
        assertThat(parts).hasSize(4);
        BigDecimal sum = BigDecimal.ZERO;
        for (String part : parts) {
            assertThat(new BigDecimal(part).signum()).isGreaterThanOrEqualTo(0);
            sum = sum.add(new BigDecimal(part));
        }
        assertThat(sum.subtract(new BigDecimal(line.get("delay"))).abs()).as(line.toString())
            .isLessThanOrEqualTo(new BigDecimal("0.03"));
        assertThat(line.get("remark")).isNotBlank();
    }

    @Test
    void theDeliveryLogTellsEachAttemptAndTheMetricsCountThem() throws Exception {
        relay("RCPT TO:<ok@relay.test> ORCPT=rfc822;first@relay.test");
        relay("RCPT TO:<grey@relay.test>");
        relay("RCPT TO:<nobody@relay.test>");
        relay("RCPT TO:<late@giveup.test>");

        List<Map<String, String>> ok = await(ObservabilityIT::finalStatus, "ok@relay.test");
        List<Map<String, String>> grey = await(ObservabilityIT::finalStatus, "grey@relay.test");
        List<Map<String, String>> nobody = await(ObservabilityIT::finalStatus, "nobody@relay.test");
        List<Map<String, String>> late = await(ObservabilityIT::finalStatus, "late@giveup.test");

        assertThat(ok).hasSize(1);
        assertWellFormed(ok.get(0), "ok@relay.test");
        assertThat(ok.get(0)).containsEntry("status", "sent").containsEntry("orig_to", "first@relay.test")
            .containsEntry("attempt", "1").doesNotContainKey("next");
        assertThat(ok.get(0).get("dsn")).startsWith("2.");

        assertThat(grey).extracting(l -> l.get("status")).containsExactly("deferred", "sent");
        grey.forEach(l -> assertWellFormed(l, "grey@relay.test"));
        assertThat(grey.get(0)).containsEntry("dsn", "4.7.1").containsEntry("attempt", "1")
            .containsEntry("remark", "451 4.7.1 greylisted, try again").doesNotContainKey("orig_to");
        Instant next = Instant.parse(grey.get(0).get("next"));
        assertThat(grey.get(1)).containsEntry("attempt", "2");
        // the second attempt waited in the queue for the rule's 2 seconds
        assertThat(new BigDecimal(grey.get(1).get("delays").split("/")[1])).isGreaterThanOrEqualTo(new BigDecimal("1.5"));
        assertThat(next).isBefore(Instant.now());

        assertThat(nobody).hasSize(1);
        assertWellFormed(nobody.get(0), "nobody@relay.test");
        // the hostile reply stays in its parentheses: the status is ours
        assertThat(nobody.get(0)).containsEntry("status", "bounced").containsEntry("dsn", "5.1.1")
            .containsEntry("remark", "550 " + HOSTILE);

        assertThat(late.get(late.size() - 1)).containsEntry("status", "expired").containsEntry("dsn", "4.4.7");
        assertThat(late.subList(0, late.size() - 1)).isNotEmpty().allSatisfy(l -> {
            assertWellFormed(l, "late@giveup.test");
            assertThat(l).containsEntry("status", "deferred").containsEntry("dsn", "4.3.0").containsKey("next");
        });
        for (int i = 0; i < late.size(); i++) {
            assertThat(late.get(i)).containsEntry("attempt", Integer.toString(i + 1));
        }

        // two failure notices to alice, one per failed mail
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (notices().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(notices()).hasSize(2).allSatisfy(n -> assertThat(n).containsEntry("notice", "failed")
            .containsEntry("sender", "alice@postino.test").containsEntry("result", "sent"));

        List<Map<String, String>> all = lines(deliveryLog).stream().filter(l -> l.containsKey("status")).toList();
        Map<String, Double> metrics = metrics();
        assertThat(metrics).containsEntry("postino_delivery_attempts_total", (double) all.size())
            .containsEntry("postino_delivery_status_sent_total", 2.0)
            .containsEntry("postino_delivery_status_bounced_total", 1.0)
            .containsEntry("postino_delivery_status_expired_total", 1.0)
            .containsEntry("postino_delivery_status_deferred_total", (double) (1 + late.size() - 1))
            .containsEntry("postino_delivery_dsn_5_1_total", 1.0)
            .containsEntry("postino_delivery_tls_none_total", (double) all.size())
            .containsEntry("postino_notifications_sent_total", 2.0)
            // one SMTP attempt per line here (one recipient per mail); a total time per final outcome
            .containsEntry("postino_delivery_attempt_time_count", (double) all.size())
            .containsEntry("postino_delivery_total_time_count", 4.0)
            .containsKey("postino_delivery_queue_oldest_age_seconds");
    }

    private static List<Map<String, String>> notices() {
        return lines(deliveryLog).stream().filter(l -> l.containsKey("notice")).toList();
    }

    @Test
    void theAuthenticationLogAndVerdictsCountStrangersMail() throws Exception {
        assertThat(fromStranger("bob@pass.test").code()).isEqualTo(250);
        assertThat(fromStranger("Bank <service@bank.test>").code()).isEqualTo(550);

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (strangers().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Map<String, String>> lines = strangers();
        assertThat(lines).hasSize(2);
        Map<String, String> refused = lines.stream().filter(l -> "smtp".equals(l.get("stage"))).findFirst().orElseThrow();
        assertThat(refused).containsEntry("helo", "mx.pass.test").containsEntry("mail_from", "bob@pass.test")
            .containsEntry("header_from", "bank.test").containsEntry("spf", "pass").containsEntry("spf_domain", "pass.test")
            .containsEntry("dkim", "none").containsEntry("dmarc", "fail").containsEntry("dmarc_policy", "reject")
            .containsEntry("dmarc_disposition", "reject").containsEntry("dmarc_domain", "bank.test")
            .containsEntry("action", "refuse");
        assertThat(refused.get("remark")).startsWith("550 5.7.26 ");
        Map<String, String> accepted = lines.stream().filter(l -> "mailet".equals(l.get("stage"))).findFirst().orElseThrow();
        assertThat(accepted).containsEntry("header_from", "pass.test").containsEntry("spf", "pass")
            .containsEntry("dmarc", "pass").containsEntry("dmarc_disposition", "none").containsEntry("action", "deliver")
            .containsKey("iprev");

        Map<String, Double> metrics = metrics();
        assertThat(metrics).containsEntry("postino_auth_dmarc_pass_total", 1.0)
            .containsEntry("postino_auth_dmarc_fail_total", 1.0)
            .containsEntry("postino_dmarc_disposition_smtp_reject_total", 1.0)
            .containsEntry("postino_dmarc_disposition_after_none_total", 1.0)
            .containsEntry("postino_auth_spf_pass_total", 2.0)
            .containsKey("postino_auth_iprev_" + accepted.get("iprev") + "_total");
        // other mail (the notices of the other test) may be counted too: at least the strangers' two unsigned ones
        assertThat(metrics.get("postino_auth_dkim_none_total")).isGreaterThanOrEqualTo(2.0);
    }

    private static List<Map<String, String>> strangers() {
        return lines(authLog).stream().filter(l -> STRANGER.equals(l.get("client"))).toList();
    }

    /**
     * A line of the log as the README describes it, read independently of Postino's own code: {@code ID: }, then
     * {@code key=value}, {@code key=<address>} and one {@code (remark)}, separated by single spaces; a backslash
     * escapes the next character; a backslash, x and two hex digits, or u and four, stand for a character.
     */
    static Map<String, String> parse(String line) {
        Map<String, String> fields = new java.util.LinkedHashMap<>();
        int colon = line.indexOf(": ");
        assertThat(colon).as(line).isPositive();
        fields.put("id", unescape(line.substring(0, colon)));
        int i = colon + 2;
        while (i < line.length()) {
            int end;
            if (line.charAt(i) == '(') {
                end = closing(line, i + 1, ')');
                fields.put("remark", unescape(line.substring(i + 1, end)));
                end++;
            } else {
                int eq = line.indexOf('=', i);
                String key = line.substring(i, eq);
                assertThat(key).as(line).matches("[a-z_]+");
                if (line.charAt(eq + 1) == '<') {
                    end = closing(line, eq + 2, '>');
                    assertThat(fields.put(key, unescape(line.substring(eq + 2, end)))).as(line).isNull();
                    end++;
                } else {
                    end = line.indexOf(' ', eq);
                    end = end < 0 ? line.length() : end;
                    assertThat(fields.put(key, unescape(line.substring(eq + 1, end)))).as(line).isNull();
                }
            }
            assertThat(end == line.length() || line.charAt(end) == ' ').as(line).isTrue();
            i = end + 1;
        }
        return fields;
    }

    private static int closing(String line, int from, char close) {
        for (int i = from; i < line.length(); i++) {
            if (line.charAt(i) == '\\') {
                i++;
            } else if (line.charAt(i) == close) {
                return i;
            }
        }
        throw new AssertionError("no closing " + close + " in " + line);
    }

    private static String unescape(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
            } else if (text.charAt(i + 1) == 'x') {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 4), 16));
                i += 3;
            } else if (text.charAt(i + 1) == 'u') {
                out.append((char) Integer.parseInt(text.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                out.append(text.charAt(++i));
            }
        }
        return out.toString();
    }

    /** WebAdmin's /metrics, Prometheus's text format: each sample without labels by name. */
    private static Map<String, Double> metrics() throws Exception {
        int port = james.guiceServer().getProbe(WebAdminGuiceProbe.class).getWebAdminPort().getValue();
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        Map<String, Double> samples = new HashMap<>();
        for (String line : response.body().split("\n")) {
            if (!line.startsWith("#") && !line.contains("{") && line.contains(" ")) {
                String[] parts = line.trim().split(" ");
                samples.put(parts[0], Double.parseDouble(parts[1]));
            }
        }
        return samples;
    }
}
