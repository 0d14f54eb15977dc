package dev.postino.core.delivery.testing;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small SMTP server for the delivery engine's tests, on 127.0.0.1 with an ephemeral port: fixed replies per
 * recipient and at the end of DATA, a chosen greeting and EHLO keywords, and a mode that hangs up right after the
 * message instead of replying, STARTTLS with a given key (or a STARTTLS that answers anything but 220), and a slow
 * mode that writes replies one byte at a time. It records the commands and the raw (still dot-stuffed) DATA it
 * received.
 */
public final class LocalSmtpServer implements AutoCloseable {

    private final ServerSocket listener;
    private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
    /** Every command line received, in order. */
    public final List<String> commands = new CopyOnWriteArrayList<>();
    /** Each message's DATA as received, still dot-stuffed, with CR LF line ends. */
    public final List<String> data = new CopyOnWriteArrayList<>();
    public volatile String greeting = "220 local.test ESMTP";
    /** When set, the whole reply to EHLO (e.g. a 500 to see the HELO fallback). */
    public volatile String ehloReply = null;
    public volatile List<String> extensions = List.of("SIZE 1000000", "8BITMIME", "DSN", "SMTPUTF8");
    public volatile String dataReply = "250 2.0.0 queued";
    public volatile boolean hangUpAfterData;
    /** When set, STARTTLS is offered and done with this context's key. */
    public volatile SSLContext tls;
    /** STARTTLS is answered with 220 and then the connection closes, as a broken TLS set-up would. */
    public volatile boolean breakTls;
    /** How many MAIL commands arrived with more commands right behind them (PIPELINING). */
    public final AtomicInteger pipelinedBatches = new AtomicInteger();
    /** How many TLS handshakes completed. */
    public final AtomicInteger tlsSessions = new AtomicInteger();
    /** When set, STARTTLS is offered and answered with this reply, and the session goes on in the clear. */
    public volatile String startTlsReply;
    /** When above 0, every reply is written one byte at a time, this many milliseconds apart. */
    public volatile long dripMillis;
    /** When set, the greeting is a multi-line {@code 220-} reply that never ends (until 30 s have passed). */
    public volatile boolean endlessGreeting;
    /** Sessions that ended because the client closed the connection while the server was still talking or waiting. */
    public final AtomicInteger closedByClient = new AtomicInteger();

    /** The longest a slow reply goes on, so that a client without deadlines fails a test instead of hanging it. */
    private static final long SLOW_REPLY_LIMIT_MILLIS = 30_000;

    private LocalSmtpServer(ServerSocket listener) {
        this.listener = listener;
        Thread acceptor = new Thread(this::accept, "local-smtp-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public static LocalSmtpServer start() throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return new LocalSmtpServer(listener);
    }

    public int port() {
        return listener.getLocalPort();
    }

    public LocalSmtpServer onRcpt(String recipient, String reply) {
        rcptReplies.put(recipient.toLowerCase(Locale.ROOT), reply);
        return this;
    }

    private void accept() {
        for (int sessions = 0; sessions < 100; sessions++) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException closed) {
                return;
            }
            try (socket) {
                socket.setSoTimeout(10_000);
                if (!serve(socket)) {
                    closedByClient.incrementAndGet();
                }
            } catch (java.net.SocketTimeoutException idle) {
                // the client went quiet: not a close
            } catch (IOException reset) {
                // a write or read that failed because the client closed the connection
                closedByClient.incrementAndGet();
            }
        }
    }

    /** Serves one session; false when the client closed the connection before QUIT or in the middle of a reply. */
    private boolean serve(Socket plain) throws IOException {
        Socket socket = plain;
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        OutputStream out = socket.getOutputStream();
        if (endlessGreeting) {
            long end = System.currentTimeMillis() + SLOW_REPLY_LIMIT_MILLIS;
            while (System.currentTimeMillis() < end) {
                reply(out, "220-still greeting you, slowly");
            }
            return true;
        }
        reply(out, greeting);
        int accepted = 0;
        for (int count = 0; count < 1000; count++) {
            String line = in.readLine();
            if (line == null) {
                return false;
            }
            commands.add(line);
            String verb = line.split("[ :]", 2)[0].toUpperCase(Locale.ROOT);
            switch (verb) {
                case "EHLO" -> {
                    if (ehloReply != null) {
                        reply(out, ehloReply);
                    } else {
                        StringBuilder lines = new StringBuilder("250-local.test");
                        extensions.forEach(e -> lines.append("\r\n250-").append(e));
                        if ((tls != null || startTlsReply != null) && !(socket instanceof SSLSocket)) {
                            lines.append("\r\n250-STARTTLS");
                        }
                        reply(out, lines.toString().replaceFirst("250-([^\r]*)$", "250 $1"));
                    }
                }
                case "MAIL" -> {
                    accepted = 0;
                    if (in.ready()) {
                        pipelinedBatches.incrementAndGet();
                    }
                    reply(out, "250 ok");
                }
                case "RCPT" -> {
                    String address = line.replaceFirst("(?i)^RCPT TO:<([^>]*)>.*$", "$1").toLowerCase(Locale.ROOT);
                    String answer = rcptReplies.getOrDefault(address, "250 2.1.5 ok");
                    accepted += answer.startsWith("2") ? 1 : 0;
                    reply(out, answer);
                }
                case "DATA" -> {
                    if (accepted == 0) {
                        reply(out, "554 5.5.1 no valid recipients");
                        continue;
                    }
                    reply(out, "354 go ahead");
                    ByteArrayOutputStream message = new ByteArrayOutputStream();
                    for (String l = in.readLine(); l != null && !l.equals("."); l = in.readLine()) {
                        message.writeBytes((l + "\r\n").getBytes(StandardCharsets.UTF_8));
                    }
                    data.add(message.toString(StandardCharsets.UTF_8));
                    if (hangUpAfterData) {
                        return true;
                    }
                    reply(out, dataReply);
                }
                case "STARTTLS" -> {
                    if (startTlsReply != null) {
                        reply(out, startTlsReply);
                        continue;
                    }
                    reply(out, "220 2.0.0 ready to start TLS");
                    if (breakTls) {
                        return true;
                    }
                    SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                    secure.setUseClientMode(false);
                    secure.startHandshake();
                    tlsSessions.incrementAndGet();
                    socket = secure;
                    in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                    out = socket.getOutputStream();
                }
                case "AUTH" -> reply(out, "235 2.7.0 authenticated");
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return true;
                }
                default -> reply(out, verb.equals("HELO") || verb.equals("RSET") ? "250 ok"
                    : "502 5.5.2 not implemented");
            }
        }
        return true;
    }

    private void reply(OutputStream out, String text) throws IOException {
        byte[] bytes = (text + "\r\n").getBytes(StandardCharsets.UTF_8);
        long drip = dripMillis;
        if (drip <= 0) {
            out.write(bytes);
            out.flush();
            return;
        }
        for (byte b : bytes) {
            out.write(b);
            out.flush();
            try {
                Thread.sleep(drip);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
