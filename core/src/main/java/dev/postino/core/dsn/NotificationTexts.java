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
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
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

    /**
     * Keys a bundle may leave out, with the English (neutral) typography as their default: an added language written
     * for an earlier version keeps loading. {@code typography.colon} follows a label in the plain-text details
     * ({@code :}; French puts a no-break space before it), {@code typography.kilobytes} and {@code typography.megabytes}
     * are the size units ({@code KB}, {@code MB}; French {@code Ko}, {@code Mo}), and {@code typography.first-of-month}
     * is how {@code date.pattern}'s day {@code d} is written on the first of a month (French {@code 1er}; absent: 1).
     */
    static final String TYPOGRAPHY = "typography.";
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
                if (!bundle.containsKey(key) && !key.startsWith(TYPOGRAPHY)) {
                    throw new IllegalArgumentException(source(folder, name) + ": missing key " + key);
                }
            }
            try {
                dateFormats.put(language, dateFormat(bundle.get("date.pattern"), Locale.forLanguageTag(language),
                    bundle.get(TYPOGRAPHY + "first-of-month")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(source(folder, name) + ": date.pattern: " + e.getMessage(), e);
            }
            for (Map.Entry<String, String> typography : reference.entrySet()) {
                if (typography.getKey().startsWith(TYPOGRAPHY)) {
                    bundle.putIfAbsent(typography.getKey(), typography.getValue());
                }
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

    /** {@code time} written with the language's {@code date.pattern} (and its {@code typography.first-of-month}). */
    String formatDate(String language, ZonedDateTime time) {
        return dateFormats.get(language).format(time);
    }

    /** What follows a label in the plain-text details: {@code :}, or the language's {@code typography.colon}. */
    String colon(String language) {
        return text(language, TYPOGRAPHY + "colon");
    }

    /** A size in the language's digits and units: whole kilobytes below 1 MB, else megabytes to one decimal. */
    String formatSize(String language, long octets) {
        Locale locale = Locale.forLanguageTag(language);
        return octets < 1024 * 1024
            ? String.format(locale, "%,d %s", (octets + 1023) / 1024, text(language, TYPOGRAPHY + "kilobytes"))
            : String.format(locale, "%,.1f %s", octets / (1024.0 * 1024.0), text(language, TYPOGRAPHY + "megabytes"));
    }

    /**
     * The formatter of a {@code date.pattern}; with {@code firstOfMonth}, its day ({@code d}, outside quotes) is
     * written so on the first of a month, which no pattern letter can express.
     */
    static DateTimeFormatter dateFormat(String pattern, Locale locale, String firstOfMonth) {
        int day = firstOfMonth == null ? -1 : singleDayLetter(pattern);
        if (day < 0) {
            return DateTimeFormatter.ofPattern(pattern, locale);
        }
        Map<Long, String> days = new java.util.HashMap<>();
        for (long d = 1; d <= 31; d++) {
            days.put(d, d == 1 ? firstOfMonth : Long.toString(d));
        }
        return new DateTimeFormatterBuilder().appendPattern(pattern.substring(0, day))
            .appendText(ChronoField.DAY_OF_MONTH, days).appendPattern(pattern.substring(day + 1)).toFormatter(locale);
    }

    /** Where the pattern has the day of month as a lone {@code d} outside quotes, or -1. */
    private static int singleDayLetter(String pattern) {
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == 'd' && (i == 0 || pattern.charAt(i - 1) != 'd')
                && (i + 1 == pattern.length() || pattern.charAt(i + 1) != 'd')) {
                return i;
            }
        }
        return -1;
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
