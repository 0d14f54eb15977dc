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
        assertThat(json.get("spf")).isEqualTo(Map.of("domain", "bounce.example.test", "result", "pass"));
        assertThat(json.get("dkim")).isEqualTo(List.of(Map.of("domain", "example.test", "selector", "sel", "result", "fail")));
        assertThat(json.get("reason")).isEqualTo("aligned \"SPF\"\npass");
    }
}
