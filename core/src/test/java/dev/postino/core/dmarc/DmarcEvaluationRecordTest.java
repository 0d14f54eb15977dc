package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.json.Json;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;

class DmarcEvaluationRecordTest {

    @Test
    void oneJsonLineWithTheReportFields() throws Exception {
        SpfRequest request = SpfRequest.mailFrom(InetAddress.getByName("192.0.2.1"), "a@bounce.example.test", "mx");
        SpfResult spf = new SpfResult(request, SpfVerdict.PASS, "", "bounce.example.test", 1, "", "");
        DkimResult dkim = new DkimResult(DkimVerdict.FAIL, "example.test", "sel", "rsa-sha256", "", "", "", false, false);
        DmarcResult dmarc = new DmarcResult(DmarcVerdict.PASS, "example.test", "example.test", DmarcPolicy.REJECT,
            DmarcPolicy.NONE, false, true, "", "aligned \"SPF\"\npass");

        String line = new DmarcEvaluationRecord(Instant.parse("2026-11-23T00:00:00Z"), "192.0.2.1", spf, List.of(dkim),
            dmarc).toJson();

        assertThat(line).doesNotContain("\n");
        Map<?, ?> json = (Map<?, ?>) Json.read(line);
        assertThat(json.get("time")).isEqualTo("2026-11-23T00:00:00Z");
        assertThat(json.get("source_ip")).isEqualTo("192.0.2.1");
        assertThat(json.get("header_from")).isEqualTo("example.test");
        assertThat(json.get("disposition")).isEqualTo("none");
        assertThat(json.get("spf")).isEqualTo(Map.of("domain", "bounce.example.test", "result", "pass", "scope", "mfrom"));
        assertThat(json.get("envelope_from")).isEqualTo("bounce.example.test");
        assertThat(json.get("envelope_to")).isEqualTo("");
        assertThat(json.containsKey("published")).isFalse();
        assertThat(json.get("dkim")).isEqualTo(List.of(Map.of("domain", "example.test", "selector", "sel", "result", "fail")));
        assertThat(json.get("reason")).isEqualTo("aligned \"SPF\"\npass");
    }

    @Test
    void theLineCarriesThePublishedPolicyTheEnvelopeAndTheOverride() throws Exception {
        SpfRequest request = SpfRequest.mailFrom(InetAddress.getByName("192.0.2.1"), "", "mx.example.test");
        SpfResult spf = new SpfResult(request, SpfVerdict.NONE, "", "mx.example.test", 1, "", "");
        PublishedPolicy published = new PublishedPolicy("example.test", DmarcPolicy.QUARANTINE,
            java.util.Optional.of(DmarcPolicy.REJECT), java.util.Optional.empty(), true, false, true, "1", "treewalk",
            List.of("mailto:a@example.test!10m"));
        DmarcResult dmarc = new DmarcResult(DmarcVerdict.FAIL, "example.test", "example.test", DmarcPolicy.QUARANTINE,
            DmarcPolicy.NONE, true, false, "", "no aligned identifier", java.util.Optional.of(published));

        Map<?, ?> json = (Map<?, ?>) Json.read(new DmarcEvaluationRecord(Instant.parse("2026-11-23T00:00:00Z"),
            "192.0.2.1", spf, List.of(), dmarc, "Receiver.Test", "mailing_list", "list.example.test").toJson());

        assertThat(json.get("envelope_from")).isEqualTo("");
        assertThat(((Map<?, ?>) json.get("spf")).get("scope")).isEqualTo("helo");
        assertThat(json.get("envelope_to")).isEqualTo("receiver.test");
        assertThat(json.get("override")).isEqualTo(Map.of("type", "mailing_list", "comment", "list.example.test"));
        Map<?, ?> policy = (Map<?, ?>) json.get("published");
        assertThat(policy.get("p")).isEqualTo("quarantine");
        assertThat(policy.get("sp")).isEqualTo("reject");
        assertThat(policy.containsKey("np")).isFalse();
        assertThat(policy.get("adkim")).isEqualTo("s");
        assertThat(policy.get("aspf")).isEqualTo("r");
        assertThat(policy.get("testing")).isEqualTo("y");
        assertThat(policy.get("rua")).isEqualTo(List.of("mailto:a@example.test!10m"));
        assertThat(PublishedPolicy.fromMap(policy)).isEqualTo(published);
    }
}
