package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotificationTextsTest {

    @TempDir
    Path folder;

    private static String builtIn(String name) throws IOException {
        try (InputStream in = NotificationTexts.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyBuiltInLanguageHasEveryKeyAndNoEmptyCause() {
        NotificationTexts texts = NotificationTexts.builtIn();

        assertThat(texts.languages()).containsExactly("de", "en", "es", "fr", "it", "pt");
        for (String language : texts.languages()) {
            for (String key : NotificationTexts.requiredKeys()) {
                boolean mayBeEmpty = key.endsWith(".advice") && key.matches("cause\\.(delivered|relayed|expanded)\\.advice");
                assertThat(texts.text(language, key)).as(language + " " + key).matches(mayBeEmpty ? "(?s).*" : "(?s).*\\S.*");
            }
        }
    }

    @Test
    void aFolderOverridesFileByFileAndAddsLanguages() throws IOException {
        Files.writeString(folder.resolve("texts_it.properties"),
            builtIn("texts_it.properties").replace("from.name=Sistema di consegna della posta", "from.name=Il postino"));
        Files.writeString(folder.resolve("texts_nl.properties"),
            builtIn("texts_en.properties").replace("from.name=Mail Delivery System", "from.name=Postbezorgsysteem"));
        Files.writeString(folder.resolve(NotificationTexts.TEXT_LAYOUT), "{{#sections}}[{{about}}]{{/sections}}");

        NotificationTexts texts = NotificationTexts.load(folder);

        assertThat(texts.languages()).containsExactly("de", "en", "es", "fr", "it", "nl", "pt");
        assertThat(texts.text("it", "from.name")).isEqualTo("Il postino");
        assertThat(texts.text("nl", "from.name")).isEqualTo("Postbezorgsysteem");
        assertThat(texts.text("en", "from.name")).isEqualTo("Mail Delivery System");
        assertThat(texts.renderText(Map.of("sections", Map.of("about", "<x> & y")))).isEqualTo("[<x> & y]");
        assertThat(texts.renderHtml(Map.of("title", "<x> & y"))).contains("<title>&lt;x&gt; &amp; y</title>");
    }

    @Test
    void anAddedLanguageMissingAKeyIsRefusedNamingTheFileAndKey() throws IOException {
        Files.writeString(folder.resolve("texts_nl.properties"),
            builtIn("texts_en.properties").replaceAll("(?m)^cause\\.nouser\\.advice=.*$", ""));

        assertThatThrownBy(() -> NotificationTexts.load(folder)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage(folder.resolve("texts_nl.properties") + ": missing key cause.nouser.advice");
    }

    @Test
    void typographyIsTheBundlesAndAnAddedLanguageWithoutItGetsTheNeutralOne() throws IOException {
        Files.writeString(folder.resolve("texts_nl.properties"), builtIn("texts_en.properties")
            .replaceAll("(?m)^typography\\..*$", "").replace("date.pattern=d MMMM yyyy 'at'", "date.pattern=dd MMMM yyyy 'om'"));
        Files.writeString(folder.resolve("texts_xx.properties"), builtIn("texts_en.properties")
            .replace("typography.colon=:", "typography.colon= -").concat("\ntypography.first-of-month=1st\n"));
        java.time.ZonedDateTime first = java.time.ZonedDateTime.parse("2026-12-01T09:05:00+01:00");

        NotificationTexts texts = NotificationTexts.load(folder);

        assertThat(texts.colon("nl")).isEqualTo(":");
        assertThat(texts.formatSize("nl", 10_240)).isEqualTo("10 KB");
        assertThat(texts.formatDate("nl", first)).startsWith("01 december 2026 om");
        assertThat(texts.colon("xx")).isEqualTo("-");
        assertThat(texts.formatDate("xx", first)).startsWith("1st ").doesNotContain("1st1");
        assertThat(texts.formatDate("xx", first.plusDays(1))).startsWith("2 ");
        assertThat(texts.colon("fr")).isEqualTo("\u00a0:");
        assertThat(texts.formatSize("fr", 3 * 1024 * 1024 / 2)).isEqualTo("1,5 Mo");
        assertThat(texts.formatDate("fr", first)).startsWith("1er décembre 2026");
        assertThat(texts.formatDate("it", first)).startsWith("1 dicembre 2026");
    }

    @Test
    void anOverrideOfABuiltInLanguageNeedsOnlyTheKeysItChanges() throws IOException {
        // as written for an earlier version: without the keys added since (and without one it does not change)
        Files.writeString(folder.resolve("texts_it.properties"), builtIn("texts_it.properties")
            .replaceAll("(?m)^(action|phase|details|advice)\\..*$", "").replaceAll("(?m)^cause\\.(refused|dns|tls)\\..*$", "")
            .replace("from.name=Sistema di consegna della posta", "from.name=Il postino"));

        NotificationTexts texts = NotificationTexts.load(folder);

        assertThat(texts.text("it", "from.name")).isEqualTo("Il postino");
        assertThat(texts.text("it", "action.failed")).isEqualTo("non consegnato");
        assertThat(texts.text("it", "cause.refused.headline")).isEqualTo("Il server di posta del destinatario ha rifiutato la connessione");
    }

    @Test
    void aBrokenLayoutIsRefusedNamingTheFileAndLine() throws IOException {
        Files.writeString(folder.resolve(NotificationTexts.HTML_LAYOUT), "<html>\n<body>\n{{#sections}}\n<p>{{about}}</p>\n</body>\n");

        assertThatThrownBy(() -> NotificationTexts.load(folder)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith(folder.resolve(NotificationTexts.HTML_LAYOUT).toString())
            .hasMessageContaining(":3");
    }

    @Test
    void aBadDatePatternIsRefused() throws IOException {
        Files.writeString(folder.resolve("texts_en.properties"),
            builtIn("texts_en.properties").replaceAll("(?m)^date\\.pattern=.*$", "date.pattern=d MMMM {bad"));

        assertThatThrownBy(() -> NotificationTexts.load(folder)).hasMessageContaining("texts_en.properties: date.pattern:");
    }
}
