package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class DmarcRecordTest {

    @Test
    void readsEveryTag() {
        DmarcRecord record = DmarcRecord.parse("v=DMARC1; p=Reject; sp=quarantine; np=none; psd=n; t=y; adkim=s;"
            + " aspf=s; rua=mailto:a@example.test, mailto:b@example.test; ruf=mailto:f@example.test; fo=1:d").orElseThrow();

        assertThat(record.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(record.subdomainPolicy()).contains(DmarcPolicy.QUARANTINE);
        assertThat(record.nonExistentPolicy()).contains(DmarcPolicy.NONE);
        assertThat(record.psd()).isEqualTo('n');
        assertThat(record.testing()).isTrue();
        assertThat(record.strictDkim()).isTrue();
        assertThat(record.strictSpf()).isTrue();
        assertThat(record.rua()).containsExactly("mailto:a@example.test", "mailto:b@example.test");
        assertThat(record.ruf()).containsExactly("mailto:f@example.test");
        assertThat(record.fo()).isEqualTo("1:d");
    }

    @Test
    void defaultsAndLeniency() {
        DmarcRecord record = DmarcRecord.parse("v=DMARC1;pct=5;foo=bar;p=bogus;junk;t=n").orElseThrow();

        assertThat(record.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(record.subdomainPolicy()).isEmpty();
        assertThat(record.psd()).isEqualTo('u');
        assertThat(record.testing()).isFalse();
        assertThat(record.strictSpf()).isFalse();
    }

    @Test
    void unusablePolicyTagsAreNotedForPolicyDiscovery() {
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject").orElseThrow().invalidPolicyTags()).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1; rua=mailto:a@x.test").orElseThrow().invalidPolicyTags()).containsExactly("p");
        DmarcRecord record = DmarcRecord.parse("v=DMARC1; p=; sp=maybe; np=bogus").orElseThrow();
        assertThat(record.invalidPolicyTags()).containsExactly("p", "sp", "np");
        DmarcRecord np = DmarcRecord.parse("v=DMARC1; p=reject; np=bogus").orElseThrow();
        assertThat(np.policyTagsValid(true)).isFalse();
        assertThat(np.policyTagsValid(false)).as("RFC 7489 has no np").isTrue();
        DmarcRecord monitoring = DmarcRecord.parse("v=DMARC1; p=bogus; sp=reject; adkim=s; rua=mailto:a@x.test")
            .orElseThrow().monitoringOnly();
        assertThat(monitoring.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(monitoring.subdomainPolicy()).contains(DmarcPolicy.REJECT);
        assertThat(monitoring.strictDkim()).isTrue();
        assertThat(monitoring.invalidPolicyTags()).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC1; p=reject; sp=bogus; rua=mailto:a@x.test").orElseThrow().monitoringOnly()
            .subdomainPolicy()).isEmpty();
    }

    @Test
    void reportingUrisAreCheckedForUriSyntax() {
        for (String uri : List.of("mailto:d@example.test", "mailto:d@example.test!10m", "https://r.example.test/x?a=b",
            "mailto:%64@example.test")) {
            assertThat(DmarcRecord.isValidReportingUri(uri)).as(uri).isTrue();
        }
        for (String uri : List.of("d@example.test", "mailto:", ":x", "mailto:a b@x.test", "1mailto:a@x.test",
            "mailto:a@x.test!", "mailto:%zz@x.test", "mailto:ä@x.test")) {
            assertThat(DmarcRecord.isValidReportingUri(uri)).as(uri).isFalse();
        }
        assertThat(DmarcRecord.parse("v=DMARC1; rua=bad, mailto:a@x.test").orElseThrow().hasValidReportingUri()).isTrue();
        assertThat(DmarcRecord.parse("v=DMARC1; rua=bad").orElseThrow().hasValidReportingUri()).isFalse();
    }

    @Test
    void onlyRecordsStartingWithTheVersionCount() {
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isEmpty();
        assertThat(DmarcRecord.parse("v=spf1 -all")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC10; p=reject")).isEmpty();
        assertThat(DmarcRecord.parse(" v = DMARC1 ; p=reject")).map(DmarcRecord::policy).isEqualTo(Optional.of(DmarcPolicy.REJECT));
    }
}
