package dev.postino.james.mailets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import javax.mail.MessagingException;

import org.apache.james.core.MailAddress;
import org.apache.james.core.builder.MimeMessageBuilder;
import org.apache.james.metrics.dropwizard.DropWizardGaugeRegistry;
import org.apache.james.metrics.dropwizard.DropWizardMetricFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.apache.mailet.base.test.FakeMailContext;
import org.apache.mailet.base.test.FakeMailetConfig;
import org.junit.jupiter.api.Test;

import com.codahale.metrics.MetricRegistry;

/** Postino's metrics over James's own Dropwizard MetricFactory and GaugeRegistry. */
class PostinoMetricsTest {

    private final MetricRegistry registry = new MetricRegistry();
    private final PostinoMetrics metrics = new PostinoMetrics(new DropWizardMetricFactory(registry),
        new DropWizardGaugeRegistry(registry), registry);

    @Test
    void namesMadeFromValuesAreBounded() {
        assertThat(PostinoMetrics.word("PermError")).isEqualTo("permerror");
        assertThat(PostinoMetrics.word("5.1")).isEqualTo("5_1");
        assertThat(PostinoMetrics.word("pass\nfail")).isEqualTo("other");
        assertThat(PostinoMetrics.word("x".repeat(25))).isEqualTo("other");
        assertThat(PostinoMetrics.word("")).isEqualTo("other");
        assertThat(PostinoMetrics.word(null)).isEqualTo("other");
    }

    @Test
    void countersTimersAndTheLatestGauge() {
        metrics.count("postino_test_counted");
        metrics.count("postino_test_counted");
        metrics.record("postino_test_time", Duration.ofSeconds(3));
        metrics.record("postino_test_time", Duration.ofSeconds(-1));
        assertThat(metrics.time("postino_test_call", () -> "done")).isEqualTo("done");
        metrics.gauge("postino_test_gauge", () -> 1);
        metrics.gauge("postino_test_gauge", () -> 2); // a re-initialized mailet's

        assertThat(registry.meter("postino_test_counted").getCount()).isEqualTo(2);
        assertThat(registry.timer("postino_test_time").getCount()).isEqualTo(1);
        assertThat(registry.timer("postino_test_call").getCount()).isEqualTo(1);
        assertThat(registry.getGauges().get("postino_test_gauge").getValue()).isEqualTo(2);
    }

    @Test
    void notificationsSentAndWithheldAreCounted() throws Exception {
        LocalizedBounce mailet = new LocalizedBounce(metrics);
        mailet.init(FakeMailetConfig.builder().mailetName("LocalizedBounce").mailetContext(FakeMailContext.builder()
            .postmaster(new MailAddress("postmaster@postino.test")).build()).build());

        mailet.service(notice(new MailAddress("mario@example.it")));
        mailet.service(notice(null));

        assertThat(registry.meter("postino_notifications_sent").getCount()).isEqualTo(1);
        assertThat(registry.meter("postino_notifications_withheld").getCount()).isEqualTo(1);
    }

    private static Mail notice(MailAddress sender) throws Exception {
        FakeMail.Builder mail = FakeMail.builder().name("notice").recipient("bob@remote.example")
            .mimeMessage(MimeMessageBuilder.mimeMessageBuilder().addHeader("From", "mario@example.it").setSubject("s")
                .setText("b"));
        return sender == null ? mail.build() : mail.sender(sender).build();
    }

    @Test
    void anUnknownLogFormatRefusesTheStartNamingIt() {
        LocalizedBounce mailet = new LocalizedBounce(metrics);

        assertThatThrownBy(() -> mailet.init(FakeMailetConfig.builder().mailetName("LocalizedBounce")
            .setProperty("deliveryLogFormat", "yaml").build())).isInstanceOf(MessagingException.class)
            .hasMessageContaining("deliveryLogFormat").hasMessageContaining("yaml");
    }
}
