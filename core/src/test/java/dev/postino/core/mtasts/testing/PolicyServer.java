package dev.postino.core.mtasts.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * MTA-STS policy hosts for tests: one JDK {@link HttpsServer} on 127.0.0.1 answering {@code /.well-known/mta-sts.txt}
 * per {@code Host} header as scripted ({@link #serve}), behind an HTTP {@code CONNECT} proxy on 127.0.0.1 ({@link
 * #proxy}) that tunnels every scripted host name to it, and refuses ({@code 502}) names not scripted or marked
 * {@link #down}. The fetcher reaches {@code https://mta-sts.DOMAIN/} by name through the proxy, so that the host name
 * check, SNI and the {@code Host} header are the real ones, without any DNS.
 */
public final class PolicyServer implements AutoCloseable {

    /** A scripted answer. */
    public record Response(int status, String contentType, byte[] body, Duration delay) {
        public static Response policy(String text) {
            return new Response(200, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Duration.ZERO);
        }

        public Response delayed(Duration wait) {
            return new Response(status, contentType, body, wait);
        }
    }

    /** A POST the server received (a TLS report upload). */
    public record Upload(String host, String path, String contentType, byte[] body) {
    }

    private static final int MAX_TUNNELS = 32;
    private static final int MAX_UPLOAD = 1 << 20;

    private final HttpsServer https;
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final ServerSocket proxy;
    private final Map<String, Response> responses = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
    private final java.util.Set<String> uploadHosts = ConcurrentHashMap.newKeySet();
    private final List<Upload> uploads = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Semaphore tunnels = new Semaphore(MAX_TUNNELS);
    private volatile boolean running = true;

    private PolicyServer(SSLContext tls) throws IOException {
        https = HttpsServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.setExecutor(executor);
        https.createContext("/", exchange -> {
            String host = exchange.getRequestHeaders().getFirst("Host");
            host = host == null ? "" : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
            if (exchange.getRequestMethod().equals("POST") && uploadHosts.contains(host)) {
                byte[] body = exchange.getRequestBody().readNBytes(MAX_UPLOAD);
                uploads.add(new Upload(host, exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body));
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
                return;
            }
            fetches.computeIfAbsent(host, h -> new AtomicInteger()).incrementAndGet();
            Response response = exchange.getRequestURI().getPath().equals("/.well-known/mta-sts.txt")
                ? responses.get(host) : null;
            try {
                if (response == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                if (!response.delay().isZero()) {
                    Thread.sleep(response.delay().toMillis());
                }
                if (response.contentType() != null) {
                    exchange.getResponseHeaders().add("Content-Type", response.contentType());
                }
                if (response.status() / 100 == 3) {
                    exchange.getResponseHeaders().add("Location", "https://elsewhere.test/.well-known/mta-sts.txt");
                }
                exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
                if (response.body().length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(response.body());
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException clientGone) {
                // the fetcher may hang up on a large or slow answer
            } finally {
                exchange.close();
            }
        });
        https.start();
        proxy = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(this::accept, "policy-proxy-" + proxy.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A server whose certificate {@code tls} presents (for all the names the tests use). */
    public static PolicyServer start(SSLContext tls) throws IOException {
        return new PolicyServer(tls);
    }

    /** Answers for {@code mta-sts.DOMAIN} with {@code response}. */
    public PolicyServer serve(String domain, Response response) {
        responses.put("mta-sts." + domain.toLowerCase(Locale.ROOT), response);
        return this;
    }

    /** Makes the proxy refuse {@code mta-sts.DOMAIN}, as an unreachable host. */
    public PolicyServer down(String domain) {
        responses.remove("mta-sts." + domain.toLowerCase(Locale.ROOT));
        return this;
    }

    /** Takes POSTs (TLS report uploads) for {@code host}, e.g. {@code reports.example}. */
    public PolicyServer acceptUploads(String host) {
        uploadHosts.add(host.toLowerCase(Locale.ROOT));
        return this;
    }

    /** The POSTs received, in order. */
    public List<Upload> uploads() {
        return List.copyOf(uploads);
    }

    /** How many requests reached {@code mta-sts.DOMAIN}. */
    public int fetches(String domain) {
        AtomicInteger n = fetches.get("mta-sts." + domain.toLowerCase(Locale.ROOT));
        return n == null ? 0 : n.get();
    }

    /** The CONNECT proxy the fetcher is to use. */
    public InetSocketAddress proxy() {
        return new InetSocketAddress("127.0.0.1", proxy.getLocalPort());
    }

    private void accept() {
        while (running) {
            Socket client;
            try {
                client = proxy.accept();
            } catch (IOException closed) {
                return;
            }
            if (!tunnels.tryAcquire()) {
                close(client);
                continue;
            }
            sockets.add(client);
            Thread thread = new Thread(() -> {
                try {
                    tunnel(client);
                } finally {
                    tunnels.release();
                    close(client);
                    sockets.remove(client);
                }
            }, "policy-proxy-tunnel");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void tunnel(Socket client) {
        try {
            client.setSoTimeout(60_000);
            InputStream in = client.getInputStream();
            String request = head(in);
            String[] words = request.split("\\s+");
            String host = words.length >= 2 && words[0].equals("CONNECT") ? words[1].replaceFirst(":\\d+$", "")
                .toLowerCase(Locale.ROOT) : "";
            OutputStream out = client.getOutputStream();
            if (!responses.containsKey(host) && !uploadHosts.contains(host)) {
                out.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            try (Socket server = new Socket(InetAddress.getByName("127.0.0.1"), https.getAddress().getPort())) {
                sockets.add(server);
                server.setSoTimeout(60_000);
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread back = new Thread(() -> pump(server, client), "policy-proxy-back");
                back.setDaemon(true);
                back.start();
                pump(client, server);
                back.join(60_000);
            } finally {
                sockets.removeIf(Socket::isClosed);
            }
        } catch (IOException | InterruptedException e) {
            // the tunnel ends with either side
        }
    }

    /** The request head, up to the blank line (at most 8 KB). */
    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (head.size() < 8192) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            state = b == '\n' ? state + 1 : b == '\r' ? state : 0;
            if (state == 2) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // either side closed
        } finally {
            close(to);
            close(from);
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        proxy.close();
        sockets.forEach(PolicyServer::close);
        https.stop(0);
        executor.shutdownNow();
    }
}
