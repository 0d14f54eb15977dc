package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SpfRecordCacheTest {

    @Test
    void theSameTextGivesTheSameParsedRecord() throws Exception {
        SpfRecordCache cache = new SpfRecordCache(10);

        assertThat(cache.parse("v=spf1 a -all")).isSameAs(cache.parse("v=spf1 a -all"))
            .isNotSameAs(cache.parse("v=spf1 mx -all"));
    }

    @Test
    void syntaxErrorsComeBackEveryTime() {
        SpfRecordCache cache = new SpfRecordCache(10);

        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> cache.parse("v=spf1 ip4:1.2.3 -all")).isInstanceOf(SpfSyntaxException.class)
                .hasMessageContaining("ip4:1.2.3");
        }
    }

    @Test
    void staysWithinItsCapacityAndKeepsParsingCorrectly() throws Exception {
        SpfRecordCache cache = new SpfRecordCache(2);

        for (int i = 0; i < 10; i++) {
            assertThat(cache.parse("v=spf1 ip4:192.0.2." + i + " -all").text()).isEqualTo("v=spf1 ip4:192.0.2." + i + " -all");
            assertThat(cache.size()).isLessThanOrEqualTo(2);
        }
    }
}
