package dev.postino.it;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.google.common.net.InetAddresses;

/**
 * The options of {@code ./postino run}, parsed from its arguments; paths are resolved against the caller's
 * folder, the defaults against the repository ({@code home}).
 *
 * @param conf    the configuration folder copied to {@code work/conf/}
 * @param jar     the drop-in jar copied to {@code work/extensions-jars/}
 * @param work    James's working folder (its {@code logs/} holds the log files)
 * @param dns     resolvers for James and every Postino mailet, empty for the configuration's own
 * @param demoDns serve {@code samples/demo.zone} on 127.0.0.1 and use it as the only resolver
 * @param help    print the usage and stop
 */
record RunOptions(Path conf, Path jar, Path work, List<InetSocketAddress> dns, boolean demoDns, boolean help) {

    /** Where {@code --demo-dns} serves, fixed so that the README's {@code ./postino ... --dns} commands can name it. */
    static final int DEMO_DNS_PORT = 10053;

    static final String USAGE = """
        Usage: ./postino run [--conf DIR] [--work DIR] [--jar FILE] [--dns HOST:PORT[,HOST:PORT...] | --demo-dns]

        Starts Apache James 3.8.1 (memory server) with Postino's drop-in jar on loopback, adds the domain
        postino.test and the user alice@postino.test (password alice), and runs until Ctrl-C.

          --conf DIR   James configuration folder, copied to WORK/conf/ at each start
                       (default: conf-samples/). Its logback.xml is used when it has one,
                       else conf-samples/logback.xml.
          --work DIR   James's working folder (default: run/): conf/, extensions-jars/, and logs/ for the
                       log files (the delivery log among them). Mail is in memory, gone at stop.
          --jar FILE   the drop-in jar, copied to WORK/extensions-jars/
                       (default: extension/target/postino-extension.jar, built when missing or stale)
          --dns HOST:PORT[,HOST:PORT...]
                       resolvers (IP addresses) for James's DNS service and every Postino mailet and hook:
                       written into WORK/conf/dnsservice.xml and over every <dnsServers> in
                       mailetcontainer.xml and smtpserver.xml (default: what the configuration says,
                       for conf-samples/ the system's resolvers)
          --demo-dns   serve samples/demo.zone from a DNS server on 127.0.0.1:10053 and use it as the
                       only resolver, as --dns 127.0.0.1:10053 would: the README's demo works offline
          --help       this text
        """;

    static RunOptions parse(String[] args, Path home, Path callerDir) {
        Path conf = home.resolve("conf-samples");
        Path jar = home.resolve("extension/target/postino-extension.jar");
        Path work = home.resolve("run");
        List<InetSocketAddress> dns = List.of();
        boolean demoDns = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--conf" -> conf = callerDir.resolve(value(args, ++i, option));
                case "--jar" -> jar = callerDir.resolve(value(args, ++i, option));
                case "--work" -> work = callerDir.resolve(value(args, ++i, option));
                case "--dns" -> dns = resolvers(value(args, ++i, option));
                case "--demo-dns" -> demoDns = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option " + option
                    + " (known: --conf DIR, --work DIR, --jar FILE, --dns HOST:PORT[,...], --demo-dns, --help)");
            }
        }
        if (demoDns && !dns.isEmpty()) {
            throw new IllegalArgumentException("--dns and --demo-dns exclude each other: --demo-dns is the resolver");
        }
        return new RunOptions(conf.normalize(), jar.normalize(), work.normalize(), dns, demoDns, help);
    }

    /** {@code HOST:PORT[,HOST:PORT...]} with IP addresses ({@code [v6]:PORT} for IPv6), as the mailets take them. */
    static List<InetSocketAddress> resolvers(String text) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String item : text.split(",", -1)) {
            String server = item.strip();
            int colon = server.lastIndexOf(':');
            if (colon <= 0 || colon == server.length() - 1) {
                throw new IllegalArgumentException("--dns '" + text + "': expected HOST:PORT[,HOST:PORT...], not '" + server + "'");
            }
            String host = server.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw new IllegalArgumentException("--dns '" + text + "': an IPv6 address goes in brackets, [" + host + "]:PORT");
            }
            if (!InetAddresses.isInetAddress(host)) {
                throw new IllegalArgumentException("--dns '" + text + "': expected an IP address, not '" + host
                    + "' (a resolver must be reachable without DNS)");
            }
            int port = port(server.substring(colon + 1), text);
            servers.add(new InetSocketAddress(InetAddresses.forString(host), port));
        }
        return List.copyOf(servers);
    }

    /** The logback configuration: the one in {@code --conf} when it has one, else the sample's. */
    Path logbackConfiguration(Path home) {
        Path own = conf.resolve("logback.xml");
        return java.nio.file.Files.isRegularFile(own) ? own : home.resolve("conf-samples/logback.xml");
    }

    Path logs() {
        return work.resolve("logs");
    }

    Optional<String> dnsServersText() {
        return dns.isEmpty() ? Optional.empty() : Optional.of(ResolverRewrite.hostPorts(dns));
    }

    private static int port(String text, String whole) {
        try {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--dns '" + whole + "': expected a port from 1 to 65535, not '" + text + "'");
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
