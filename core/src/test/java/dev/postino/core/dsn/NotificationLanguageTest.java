package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class NotificationLanguageTest {

    private static final Set<String> AVAILABLE = Set.of("en", "it");
    private final NotificationLanguage rules = new NotificationLanguage(
        NotificationLanguage.parseMap("bob@example.com=it; example.org=it,en; .corp.test=en"),
        NotificationLanguage.BUILT_IN_TLDS, List.of("en"));

    private static OriginalMessage message(String header) {
        return OriginalMessage.parse((header + "Subject: x\n\nbody\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void senderAddressThenDomainThenParentDomainComeFirst() {
        OriginalMessage german = message("Content-Language: de\n");
        assertThat(rules.choose("<Bob@Example.com>", german, AVAILABLE)).containsExactly("it");
        assertThat(rules.choose("ann@mail.example.org", german, AVAILABLE)).containsExactly("it", "en");
        assertThat(rules.choose("ann@x.corp.test", message("Content-Language: it\n"), AVAILABLE)).containsExactly("en");
    }

    @Test
    void thenTheOriginalsContentLanguageThenAcceptLanguage() {
        assertThat(rules.choose("ann@example.com", message("Content-Language: fr, it-IT, en\n"), AVAILABLE)).containsExactly("it");
        assertThat(rules.choose("ann@example.com", message("Accept-Language: de-DE, en;q=0.5, it;q=0.8, fr;q=0\n"), AVAILABLE))
            .containsExactly("it");
        assertThat(rules.choose("ann@example.it", message("Accept-Language: en-GB\n"), AVAILABLE)).containsExactly("en");
    }

    @Test
    void thenTheSenderTldThenTheDefault() {
        assertThat(rules.choose("ann@comune.roma.it", message(""), AVAILABLE)).containsExactly("it");
        assertThat(rules.choose("ann@example.de", message("Content-Language: de\n"), AVAILABLE)).containsExactly("en");
        NotificationLanguage bilingualDefault = NotificationLanguage.withDefaults(List.of("it", "en"));
        assertThat(bilingualDefault.choose("ann@example.com", message(""), AVAILABLE)).containsExactly("it", "en");
    }

    @Test
    void unavailableLanguagesAreSkippedEverywhere() {
        NotificationLanguage onlyGerman = new NotificationLanguage(Map.of("example.com", List.of("de")), Map.of(), List.of("de"));
        assertThat(onlyGerman.choose("a@example.com", null, AVAILABLE)).containsExactly("en");
    }

    @Test
    void badMapEntriesAreRefusedByName() {
        assertThatThrownBy(() -> NotificationLanguage.parseMap("example.com")).hasMessageContaining("'example.com' is not KEY=LANGUAGE");
        assertThatThrownBy(() -> NotificationLanguage.parseMap("example.com=,")).hasMessageContaining("'example.com=,'");
        assertThat(NotificationLanguage.parseList(" IT-it , en_US,it, 1x ")).containsExactly("it", "en");
    }
}
