package dev.postino.core.dsn;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import com.github.mustachejava.MustacheException;

/**
 * The words and layouts of notifications: one {@code texts_LANG.properties} bundle per language (UTF-8) and
 * two Mustache layouts, {@code notification.txt.mustache} (plain text, nothing escaped) and
 * {@code notification.html.mustache} (every {@code {{value}}} HTML-escaped). The built-in ones ship in this
 * package; an administrator's folder overrides them file by file, and may add languages.
 *
 * <p>An override of a built-in language needs only the keys it changes: the built-in bundle gives the others, so an
 * override written for an earlier version keeps working when texts are added. Everything is checked when loaded: a
 * bundle of an added language that lacks a key of the English one, a bad date pattern or a layout that does not
 * compile is refused with the file (and for layouts the line) named.
 */
public final class NotificationTexts {

    /** The languages that ship with Postino. */
    public static final List<String> BUILT_IN_LANGUAGES = List.of("de", "en", "es", "fr", "it", "pt");

    static final String TEXT_LAYOUT = "notification.txt.mustache";
    static final String HTML_LAYOUT = "notification.html.mustache";

    private static final Pattern FRENCH_FIRST_DAY = Pattern.compile(
        "(?<![0-9])1(?=[ \\u00a0]+(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)(?![\\p{L}.]))",
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    private static final Pattern BUNDLE_NAME = Pattern.compile("texts_([a-z]{2,3})\\.properties");

    private final Map<String, Map<String, String>> bundles;
    private final Map<String, DateTimeFormatter> dateFormats;
    private final Mustache textLayout;
    private final Mustache htmlLayout;

    private NotificationTexts(Map<String, Map<String, String>> bundles, Map<String, DateTimeFormatter> dateFormats,
                              Mustache textLayout, Mustache htmlLayout) {
        this.bundles = bundles;
        this.dateFormats = dateFormats;
        this.textLayout = textLayout;
        this.htmlLayout = htmlLayout;
    }

    /** The built-in texts and layouts. */
    public static NotificationTexts builtIn() {
        return load(null);
    }

    /**
     * The built-in texts and layouts, each overridden by the file of the same name in {@code folder} when there
     * is one (a built-in language's texts key by key); {@code texts_LANG.properties} files in the folder for other
     * languages add those languages.
     *
     * @param folder null for the built-in ones only
     * @throws IllegalArgumentException naming the file (and line) of a missing key or a broken layout
     */
    public static NotificationTexts load(Path folder) {
        if (folder != null && !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("template folder " + folder + " is not a directory");
        }
        Set<String> languages = new TreeSet<>(BUILT_IN_LANGUAGES);
        if (folder != null) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "texts_*.properties")) {
                for (Path file : files) {
                    Matcher m = BUNDLE_NAME.matcher(file.getFileName().toString());
                    if (m.matches()) {
                        languages.add(m.group(1));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + folder, e);
            }
        }
        Map<String, String> reference = bundle(read(null, "texts_en.properties"), "texts_en.properties");
        Map<String, Map<String, String>> bundles = new TreeMap<>();
        Map<String, DateTimeFormatter> dateFormats = new TreeMap<>();
        for (String language : languages) {
            String name = "texts_" + language + ".properties";
            Map<String, String> bundle = bundle(read(folder, name), name);
            if (BUILT_IN_LANGUAGES.contains(language) && folder != null && Files.isRegularFile(folder.resolve(name))) {
                // An override written for an earlier version lacks the keys added since: the built-in texts fill them in.
                Map<String, String> merged = bundle(read(null, name), name);
                merged.putAll(bundle);
                bundle = merged;
            }
            for (String key : reference.keySet()) {
                if (!bundle.containsKey(key)) {
                    throw new IllegalArgumentException(source(folder, name) + ": missing key " + key);
                }
            }
            try {
                dateFormats.put(language, DateTimeFormatter.ofPattern(bundle.get("date.pattern"), Locale.forLanguageTag(language)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source(folder, name) + ": date.pattern: " + e.getMessage(), e);
            }
            bundles.put(language, bundle);
        }
        return new NotificationTexts(bundles, dateFormats,
            compile(new PlainTextFactory(), folder, TEXT_LAYOUT), compile(new DefaultMustacheFactory(), folder, HTML_LAYOUT));
    }

    /** The languages with texts. */
    public Set<String> languages() {
        return bundles.keySet();
    }

    /** The text for {@code key} in {@code language}, with each {@code {name}} replaced by its value. */
    String text(String language, String key, Map<String, String> values) {
        String text = bundles.get(language).get(key);
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("{" + value.getKey() + "}", value.getValue());
        }
        return text;
    }

    String text(String language, String key) {
        return bundles.get(language).get(key);
    }

    DateTimeFormatter dateFormat(String language) {
        return dateFormats.get(language);
    }

    /**
     * {@code time} written with the language's {@code date.pattern}. French writes the first day of a month as
     * an ordinal ("1er décembre"), which no pattern letter can express.
     */
    String formatDate(String language, ZonedDateTime time) {
        String text = dateFormats.get(language).format(time);
        if (language.equals("fr") && time.getDayOfMonth() == 1) {
            text = FRENCH_FIRST_DAY.matcher(text).replaceFirst("1er");
        }
        return text;
    }

    String renderText(Object model) {
        return render(textLayout, model);
    }

    String renderHtml(Object model) {
        return render(htmlLayout, model);
    }

    private static String render(Mustache layout, Object model) {
        StringWriter out = new StringWriter();
        layout.execute(out, model);
        return out.toString();
    }

    private static Mustache compile(DefaultMustacheFactory factory, Path folder, String name) {
        try {
            return factory.compile(new StringReader(read(folder, name)), source(folder, name));
        } catch (MustacheException e) {
            throw new IllegalArgumentException(source(folder, name) + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> bundle(String text, String name) {
        Properties properties = new Properties();
        try (Reader reader = new StringReader(text)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new TreeMap<>();
        properties.stringPropertyNames().forEach(key -> map.put(key, properties.getProperty(key).trim()));
        return map;
    }

    private static String source(Path folder, String name) {
        return folder != null && Files.isRegularFile(folder.resolve(name)) ? folder.resolve(name).toString() : name;
    }

    /** The file from {@code folder} when it is there, else the built-in resource. */
    private static String read(Path folder, String name) {
        try {
            if (folder != null && Files.isRegularFile(folder.resolve(name))) {
                return Files.readString(folder.resolve(name), StandardCharsets.UTF_8);
            }
            try (InputStream in = NotificationTexts.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalArgumentException(name + ": no such built-in file");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    /** Renders values as they are: the plain-text layout must not carry HTML entities. */
    private static final class PlainTextFactory extends DefaultMustacheFactory {
        @Override
        public void encode(String value, Writer writer) {
            try {
                writer.write(value);
            } catch (IOException e) {
                throw new MustacheException("cannot write", e);
            }
        }
    }

    /** For tests: the keys every bundle must have. */
    static List<String> requiredKeys() {
        return new ArrayList<>(bundle(read(null, "texts_en.properties"), "texts_en.properties").keySet());
    }
}
