package dev.postino.core.dkim.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Independent DKIM verifiers, run as processes: dkimpy (Debian {@code python3-dkim}, keys given as a map, through
 * {@code dkim/dkimpy-oracle.py}) and Mail::DKIM (Debian {@code libmail-dkim-perl}, keys from a DNS server, through
 * {@code dkim/maildkim-verify.pl}). Each run is bounded to 60 seconds.
 */
public final class DkimInteropVerifiers {

    private static final Pattern RESULTS = Pattern.compile("\"results\":\\s*\\[([^\\]]*)\\]");

    private DkimInteropVerifiers() {
    }

    public static boolean dkimpyAvailable() {
        String python = dkimpyPython();
        return python != null && run(null, python, "-c", "import dkim").exit == 0;
    }

    /** The Python that runs Debian's {@code dkimverify} (the one with the dkim module), from its first line; null without. */
    public static String dkimpyPython() {
        String path = System.getenv("PATH");
        for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path tool = Path.of(dir, "dkimverify");
            if (Files.isExecutable(tool)) {
                try {
                    String first = Files.readAllLines(tool, StandardCharsets.UTF_8).get(0);
                    return first.startsWith("#!") ? first.substring(2).strip().split("\\s+")[0] : null;
                } catch (IOException | IndexOutOfBoundsException unreadable) {
                    return null;
                }
            }
        }
        return null;
    }

    public static boolean mailDkimAvailable() {
        return onPath("perl") && run(null, "perl", "-MMail::DKIM::Verifier", "-MNet::DNS", "-e", "1").exit == 0;
    }

    /**
     * dkimpy's verdicts, one per DKIM-Signature field, top first: true when it verifies.
     *
     * @param keys key records by name ({@code selector._domainkey.domain}); dkimpy asks nothing else
     */
    public static List<Boolean> dkimpy(byte[] message, Map<String, String> keys) {
        StringBuilder request = new StringBuilder("{\"id\":1,\"message\":\"")
            .append(Base64.getEncoder().encodeToString(message)).append("\",\"keys\":{");
        String separator = "";
        for (Map.Entry<String, String> key : keys.entrySet()) {
            request.append(separator).append('"').append(key.getKey().toLowerCase()).append("\":\"")
                .append(key.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            separator = ",";
        }
        request.append("}}\n");
        Outcome outcome = run(request.toString().getBytes(StandardCharsets.US_ASCII), dkimpyPython(),
            script("dkim/dkimpy-oracle.py").toString(), "verify");
        Matcher m = RESULTS.matcher(outcome.out);
        if (outcome.exit != 0 || !m.find()) {
            throw new IllegalStateException("dkimpy answered " + outcome.out + " " + outcome.err);
        }
        List<Boolean> results = new ArrayList<>();
        for (String word : m.group(1).split(",")) {
            if (!word.isBlank()) {
                results.add(Boolean.parseBoolean(word.trim()));
            }
        }
        return results;
    }

    /**
     * Mail::DKIM's results, one per DKIM-Signature field, top first: {@code pass}, {@code fail}, {@code invalid},
     * {@code temperror}..., each followed by the algorithm and its detail.
     */
    public static List<String> mailDkim(byte[] message, String dnsHost, int dnsPort) {
        Outcome outcome = run(message, "perl", script("dkim/maildkim-verify.pl").toString(), dnsHost,
            String.valueOf(dnsPort));
        if (outcome.exit != 0) {
            throw new IllegalStateException("Mail::DKIM failed: " + outcome.err);
        }
        return outcome.out.lines().filter(l -> !l.isBlank()).toList();
    }

    private static Path script(String resource) {
        try (InputStream in = DkimInteropVerifiers.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + resource);
            }
            Path file = Files.createTempFile("postino-", resource.substring(resource.lastIndexOf('/') + 1));
            file.toFile().deleteOnExit();
            Files.write(file, in.readAllBytes());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Outcome(int exit, String out, String err) {
    }

    private static Outcome run(byte[] stdin, String... command) {
        try {
            File errors = File.createTempFile("postino-interop", ".err");
            errors.deleteOnExit();
            Process process = new ProcessBuilder(command).redirectError(errors).start();
            Thread writer = new Thread(() -> {
                try (OutputStream in = process.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin);
                    }
                } catch (IOException ignored) {
                    // the process ended early; its exit status says why
                }
            });
            writer.start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 60 s");
            }
            writer.join(10_000);
            String err = Files.readString(errors.toPath(), StandardCharsets.ISO_8859_1);
            Files.deleteIfExists(errors.toPath());
            return new Outcome(process.exitValue(), out, err);
        } catch (IOException e) {
            return new Outcome(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
