package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.postino.core.dns.MxRecord;

class MxRouteTest {

    @Test
    void preferenceOrderWithRandomOrderAmongEquals() {
        List<MxRecord> records = List.of(new MxRecord(20, "c.test"), new MxRecord(10, "a.test"), new MxRecord(10, "b.test"),
            new MxRecord(30, "d.test"));
        Set<List<String>> orders = new HashSet<>();
        Random random = new Random(3);
        for (int i = 0; i < 50; i++) {
            orders.add(MxRoute.ordered(records, random));
        }
        assertThat(orders).containsExactlyInAnyOrder(List.of("a.test", "b.test", "c.test", "d.test"),
            List.of("b.test", "a.test", "c.test", "d.test"));
    }

    @Test
    void aHostListedTwiceIsTriedOnce() {
        List<String> order = MxRoute.ordered(List.of(new MxRecord(10, "a.test"), new MxRecord(20, "a.test")), new Random(1));

        assertThat(order).containsExactly("a.test");
    }
}
