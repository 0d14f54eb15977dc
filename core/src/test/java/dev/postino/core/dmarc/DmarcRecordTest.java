package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

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
    void onlyRecordsStartingWithTheVersionCount() {
        assertThat(DmarcRecord.parse("p=reject; v=DMARC1")).isEmpty();
        assertThat(DmarcRecord.parse("v=spf1 -all")).isEmpty();
        assertThat(DmarcRecord.parse("v=DMARC10; p=reject")).isEmpty();
        assertThat(DmarcRecord.parse(" v = DMARC1 ; p=reject")).map(DmarcRecord::policy).isEqualTo(Optional.of(DmarcPolicy.REJECT));
    }
}
