package dev.postino.core.delivery.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small SMTP server for the delivery engine's tests, on 127.0.0.1 with an ephemeral port: fixed replies per
 * recipient and at the end of DATA, a chosen greeting and EHLO keywords, and a mode that hangs up right after the
 * message instead of replying, STARTTLS with a given key (or a STARTTLS that answers anything but 220), and a slow
 * mode that writes replies one byte at a time. It records the commands and the raw (still dot-stuffed) DATA it
 * received, octet for octet (only LF ends a line it reads, so a bare CR arrives as it was sent), or with
 * {@link #discardData} only counts the octets, for messages too big to keep.
 */
public final class LocalSmtpServer implements AutoCloseable {

    private final ServerSocket listener;
    private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
    /** Every command line received, in order. */
    public final List<String> commands = new CopyOnWriteArrayList<>();
    /** Each message's DATA as received, still dot-stuffed, with CR LF line ends. */
    public final List<String> data = new CopyOnWriteArrayList<>();
    /** Each message's DATA as received, octet for octet, still dot-stuffed, without the final {@code .} line. */
    public final List<byte[]> rawData = new CopyOnWriteArrayList<>();
    /** When set, DATA is read and counted into {@link #dataOctets}, not kept. */
    public volatile boolean discardData;
    /** The octets of DATA received so far in all sessions, the final {@code .} line excluded. */
    public final AtomicLong dataOctets = new AtomicLong();
    /** The reply to HELO. */
    public volatile String heloReply = "250 ok";
    /** The reply to MAIL; after a refusal, RCPT and DATA are answered 503 as a real server does. */
    public volatile String mailReply = "250 ok";
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
        LineReader in = new LineReader(socket.getInputStream());
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
        boolean mail = false;
        for (int count = 0; count < 1000; count++) {
            String line = in.readCommand();
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
                    String answer = mailReply;
                    mail = answer.startsWith("2");
                    reply(out, answer);
                }
                case "RCPT" -> {
                    if (!mail) {
                        reply(out, "503 5.5.1 MAIL first");
                        continue;
                    }
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
                    mail = false;
                    if (discardData) {
                        for (long n = in.skipLine(); n != 3 || !in.lastLineWasDot(); n = in.skipLine()) {
                            if (n < 0) {
                                return false;
                            }
                            dataOctets.addAndGet(n);
                        }
                    } else {
                        ByteArrayOutputStream message = new ByteArrayOutputStream();
                        for (byte[] l = in.readLine(); !isDotLine(l); l = in.readLine()) {
                            if (l == null) {
                                return false;
                            }
                            message.writeBytes(l);
                        }
                        dataOctets.addAndGet(message.size());
                        rawData.add(message.toByteArray());
                        data.add(message.toString(StandardCharsets.UTF_8));
                    }
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
                    in = new LineReader(socket.getInputStream());
                    out = socket.getOutputStream();
                }
                case "AUTH" -> reply(out, "235 2.7.0 authenticated");
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return true;
                }
                case "HELO" -> reply(out, heloReply);
                default -> reply(out, verb.equals("RSET") ? "250 ok" : "502 5.5.2 not implemented");
            }
        }
        return true;
    }

    private static boolean isDotLine(byte[] line) {
        return line != null && line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n';
    }

    /** Lines ended by LF only, as octets, from a buffer of its own (a bare CR stays inside its line). */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;
        private final byte[] dot = new byte[3];

        LineReader(InputStream in) {
            this.in = in;
        }

        /** Whether more octets are already here (a client pipelining). */
        boolean ready() throws IOException {
            return position < limit || in.available() > 0;
        }

        private boolean fill() throws IOException {
            if (position < limit) {
                return true;
            }
            int n = in.read(buffer);
            if (n < 0) {
                return false;
            }
            position = 0;
            limit = n;
            return true;
        }

        /** The next line with its line end, or null at the end of the stream. */
        byte[] readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (fill()) {
                byte b = buffer[position++];
                line.write(b);
                if (b == '\n') {
                    return line.toByteArray();
                }
            }
            return line.size() == 0 ? null : line.toByteArray();
        }

        /** A command line without its CR LF, or null at the end of the stream. */
        String readCommand() throws IOException {
            byte[] line = readLine();
            if (line == null) {
                return null;
            }
            int end = line.length;
            while (end > 0 && (line[end - 1] == '\n' || line[end - 1] == '\r')) {
                end--;
            }
            return new String(line, 0, end, StandardCharsets.UTF_8);
        }

        /** Reads past the next line, keeping nothing but its first 3 octets; its length, or -1 at the end of the stream. */
        long skipLine() throws IOException {
            long n = 0;
            while (fill()) {
                byte b = buffer[position++];
                if (n < 3) {
                    dot[(int) n] = b;
                }
                n++;
                if (b == '\n') {
                    return n;
                }
            }
            return -1;
        }

        boolean lastLineWasDot() {
            return dot[0] == '.' && dot[1] == '\r' && dot[2] == '\n';
        }
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
