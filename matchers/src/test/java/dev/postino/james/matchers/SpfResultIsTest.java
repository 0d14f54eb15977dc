package dev.postino.james.matchers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;

class SpfResultIsTest {

    private static SpfResultIs matcher(String condition) throws Exception {
        SpfResultIs matcher = new SpfResultIs();
        matcher.init(FakeMatcherConfig.builder().matcherName("SpfResultIs").condition(condition).build());
        return matcher;
    }

    private static Mail mailWith(String verdict) throws Exception {
        return FakeMail.builder().name("m").recipients("a@example.test")
            .attribute(new Attribute(AttributeName.of("postino.spf.result"), AttributeValue.of(verdict))).build();
    }

    @Test
    void selectsByTheMailFromVerdict() throws Exception {
        SpfResultIs matcher = matcher("fail,softfail");

        assertThat(matcher.match(mailWith("fail"))).hasSize(1);
        assertThat(matcher.match(mailWith("softfail"))).hasSize(1);
        assertThat(matcher.match(mailWith("pass"))).isEmpty();
        assertThat(matcher.match(mailWith("skipped"))).isEmpty();
    }

    @Test
    void refusesAWordSpfDoesNotHave() {
        assertThatThrownBy(() -> matcher("hardfail")).hasMessageContaining("'hardfail' is not valid");
    }
}
