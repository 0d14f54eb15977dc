package dev.postino.james.matchers;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMatcherConfig;
import org.junit.jupiter.api.Test;

class HasDkimPassTest {

    private static HasDkimPass matcher(String condition) throws Exception {
        HasDkimPass matcher = new HasDkimPass();
        matcher.init(FakeMatcherConfig.builder().matcherName("HasDkimPass").condition(condition).build());
        return matcher;
    }

    private static Mail mailWith(String passDomains) throws Exception {
        FakeMail.Builder builder = FakeMail.builder().name("m").recipients("a@example.test");
        if (passDomains != null) {
            builder.attribute(new Attribute(AttributeName.of("postino.dkim.pass.domains"), AttributeValue.of(passDomains)));
        }
        return builder.build();
    }

    @Test
    void withoutConditionAnyPassingSignatureMatches() throws Exception {
        assertThat(matcher(null).match(mailWith("example.com"))).hasSize(1);
        assertThat(matcher(null).match(mailWith(""))).isEmpty();
        assertThat(matcher(null).match(mailWith(null))).isEmpty();
    }

    @Test
    void withDomainsOnlyTheirSignaturesCount() throws Exception {
        HasDkimPass bank = matcher("Bank.example, bank.example.net");

        assertThat(bank.match(mailWith("mailer.test,bank.example"))).hasSize(1);
        assertThat(bank.match(mailWith("mailer.test"))).isEmpty();
        assertThat(bank.match(mailWith("evil.bank.example"))).as("exact d= only").isEmpty();
    }
}
