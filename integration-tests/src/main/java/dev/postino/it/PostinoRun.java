package dev.postino.it;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.apache.james.utils.DataProbeImpl;

/**
 * {@code ./postino run}: James 3.8.1 (memory) with the drop-in jar and conf-samples/, on loopback, with a
 * sample domain and user, until Ctrl-C. The same harness the end-to-end tests use, with the samples' ports.
 */
public final class PostinoRun {

    static final String DOMAIN = "postino.test";
    static final String USER = "alice@" + DOMAIN;
    static final String PASSWORD = "alice";

    private PostinoRun() {
    }

    public static void main(String[] args) throws Exception {
        Path conf = Path.of("conf-samples");
        Path jar = Path.of("extension/target/postino-extension.jar");
        Path work = Path.of("run");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conf" -> conf = Path.of(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--work" -> work = Path.of(args[++i]);
                default -> {
                    System.err.println("postino run: unknown option " + args[i] + " (known: --conf DIR, --jar FILE, --work DIR)");
                    System.exit(2);
                }
            }
        }
        long started = System.nanoTime();
        JamesMemoryServer james = JamesMemoryServer.builder()
            .confSamples(conf)
            .extensionJar(jar)
            .workingDirectory(work)
            .ephemeralPorts(false)
            .start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\npostino run: stopping James ...");
            james.close();
            stopped.countDown();
        }, "postino-run-shutdown"));

        DataProbeImpl data = james.guiceServer().getProbe(DataProbeImpl.class);
        if (!data.containsDomain(DOMAIN)) {
            data.addDomain(DOMAIN);
        }
        if (!java.util.Arrays.asList(data.listUsers()).contains(USER)) {
            data.addUser(USER, PASSWORD);
        }
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        System.out.println();
        System.out.println("Postino is running in Apache James 3.8.1 (memory server), started in " + seconds + " s");
        System.out.println("  configuration  " + conf.toAbsolutePath().normalize() + " (copied to " + work.resolve("conf") + ")");
        System.out.println("  drop-in jar    " + work.resolve("extensions-jars").resolve(jar.getFileName()));
        System.out.println("  SMTP           127.0.0.1:" + james.smtpPort());
        System.out.println("  IMAP           127.0.0.1:" + james.imapPort() + "   user " + USER + ", password " + PASSWORD);
        System.out.println("  WebAdmin       http://127.0.0.1:8000");
        System.out.println();
        System.out.println("Try it:");
        System.out.println("  swaks --server 127.0.0.1:" + james.smtpPort() + " --from bob@example.com --to " + USER);
        System.out.println("then read the message (with its X-Postino-Iprev header) over IMAP as " + USER + ".");
        System.out.println("Ctrl-C stops James.");
        stopped.await();
    }
}
