package dev.postino.james.matchers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.Matcher;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;

class DmarcMatchersTest {

    private static Matcher matcher(Matcher matcher, String condition) throws Exception {
        matcher.init(FakeMatcherConfig.builder().matcherName("m").condition(condition).build());
        return matcher;
    }

    private static Mail mailWith(String attribute, String value) throws Exception {
        return FakeMail.builder().name("m").recipients("a@example.test")
            .attribute(new Attribute(AttributeName.of(attribute), AttributeValue.of(value))).build();
    }

    @Test
    void dmarcResultIsSelectsByResult() throws Exception {
        Matcher matcher = matcher(new DmarcResultIs(), "fail,permerror");

        assertThat(matcher.match(mailWith("postino.dmarc.result", "fail"))).hasSize(1);
        assertThat(matcher.match(mailWith("postino.dmarc.result", "permerror"))).hasSize(1);
        assertThat(matcher.match(mailWith("postino.dmarc.result", "pass"))).isEmpty();
        assertThat(matcher.match(FakeMail.builder().name("n").recipients("a@example.test").build())).isEmpty();
    }

    @Test
    void dmarcDispositionIsSelectsByDisposition() throws Exception {
        Matcher matcher = matcher(new DmarcDispositionIs(), "reject,quarantine");

        assertThat(matcher.match(mailWith("postino.dmarc.disposition", "reject"))).hasSize(1);
        assertThat(matcher.match(mailWith("postino.dmarc.disposition", "quarantine"))).hasSize(1);
        assertThat(matcher.match(mailWith("postino.dmarc.disposition", "none"))).isEmpty();
    }

    @Test
    void refusesWordsDmarcDoesNotHave() {
        assertThatThrownBy(() -> matcher(new DmarcDispositionIs(), "bounce")).hasMessageContaining("'bounce' is not valid");
        assertThatThrownBy(() -> matcher(new DmarcResultIs(), "softfail")).hasMessageContaining("'softfail' is not valid");
    }
}
