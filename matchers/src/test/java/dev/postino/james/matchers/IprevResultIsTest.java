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

class IprevResultIsTest {

    private static IprevResultIs matcher(String condition) throws Exception {
        IprevResultIs matcher = new IprevResultIs();
        matcher.init(FakeMatcherConfig.builder().matcherName("IprevResultIs").condition(condition).build());
        return matcher;
    }

    private static Mail mailWith(String verdict) throws Exception {
        FakeMail.Builder builder = FakeMail.builder().name("m").recipients("a@example.test", "b@example.test");
        if (verdict != null) {
            builder.attribute(new Attribute(AttributeName.of("postino.iprev.result"), AttributeValue.of(verdict)));
        }
        return builder.build();
    }

    @Test
    void matchesAllRecipientsForAListedVerdict() throws Exception {
        IprevResultIs matcher = matcher("fail, PermError");

        assertThat(matcher.match(mailWith("fail"))).hasSize(2);
        assertThat(matcher.match(mailWith("permerror"))).hasSize(2);
        assertThat(matcher.match(mailWith("pass"))).isEmpty();
        assertThat(matcher.match(mailWith(null))).isEmpty();
    }

    @Test
    void ignoresANonStringAttribute() throws Exception {
        Mail mail = FakeMail.builder().name("m").recipients("a@example.test")
            .attribute(new Attribute(AttributeName.of("postino.iprev.result"), AttributeValue.of(42))).build();

        assertThat(matcher("fail").match(mail)).isEmpty();
    }

    @Test
    void refusesAVerdictThatCannotOccur() {
        assertThatThrownBy(() -> matcher("fail,failed"))
            .hasMessage("IprevResultIs: condition value 'failed' is not valid: expected one or more of pass,fail,temperror,permerror,none");
        assertThatThrownBy(() -> matcher(""))
            .hasMessageContaining("needs a condition");
    }
}
