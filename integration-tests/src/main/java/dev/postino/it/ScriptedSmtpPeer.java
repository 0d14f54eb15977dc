package dev.postino.it;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A remote SMTP server for tests, on 127.0.0.1 with an ephemeral port, that answers each RCPT and each
 * DATA with the reply a test scripted, per recipient and per attempt: the n-th RCPT for a recipient gets
 * the n-th scripted reply (the last one repeats), likewise the n-th DATA. Unscripted recipients and DATA
 * get {@code 250}. It records every command, every accepted message (also as the octets that came over the
 * wire) and what happened to each connection ({@link #events}). A scripted DATA reply of {@link #DROP} reads
 * the whole message and then closes the connection without any reply. A scripted reply of {@link #DRIP}
 * (RCPT, DATA or the greeting) never completes: the peer sends a multi-line reply one octet at a time, every
 * {@link #dripInterval}, until the client hangs up (the slow peer that holds a delivery thread). With
 * {@link #startTlsReply} it offers STARTTLS and answers it with that reply, never starting TLS (a downgrade); with
 * {@link #startTls} it offers STARTTLS and starts TLS with that context's certificate ({@link Delivery#tls} tells).
 * With a {@code SIZE} extension it refuses a larger {@code MAIL ... SIZE=} and a larger message, as RFC 1870 says.
 */
public final class ScriptedSmtpPeer implements AutoCloseable {

    /**
     * A message the peer accepted: envelope, content (dot-unstuffed, every CR, LF or CR LF read as a line end and
     * written CR LF, as a lenient server would store it) and {@code wire}, the octets of DATA exactly as the client
     * sent them (still dot-stuffed, without the final {@code .} line), for checks on the wire form itself; {@code tls}
     * whether the message came over TLS ({@link #startTls}).
     */
    public record Delivery(String mailFrom, List<String> recipients, String mailParameters,
                           Map<String, String> rcptParameters, byte[] content, byte[] wire, boolean tls) {
        public String contentAsString() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** What happened on a connection, in order; {@code nanoTime} is {@link System#nanoTime()} when the peer saw it. */
    public record Event(int session, Kind kind, String detail, long nanoTime) {
        public enum Kind {
            CONNECTED,
            /** A command line, as {@link #commands} records it. */
            COMMAND,
            /** A TLS handshake after STARTTLS completed ({@code detail}: the protocol) or failed ({@code detail}: why). */
            TLS_STARTED,
            TLS_FAILED,
            /** A {@link #DRIP} reply began. */
            DRIP_STARTED,
            /** The client closed or reset the connection (seen on a read, or on a write while dripping). */
            CLIENT_CLOSED,
            /** The peer ended the session: after QUIT, a refusing greeting, {@link #DROP}, its own timeout or close. */
            PEER_CLOSED
        }
    }

    /** As a DATA reply: hang up after the message, so the client cannot know whether it was taken. */
    public static final String DROP = "DROP";

    /** As a reply: an endless multi-line reply, one octet every {@link #dripInterval}, until the client hangs up. */
    public static final String DRIP = "DRIP";

    private static final Pattern PATH = Pattern.compile("(?i)^(MAIL FROM|RCPT TO):\\s*<([^>]*)>\\s*(.*)$");
    private static final Pattern SIZE_PARAMETER = Pattern.compile("(?i)(?:^|\\s)SIZE=([0-9]{1,18})(?:\\s|$)");
    private static final int MAX_CONNECTIONS = 32;
    private static final int MAX_LINE = 1 << 20;
    /** A drip ends by itself after this long, so that a forgotten one cannot hold a thread for ever. */
    private static final Duration MAX_DRIP = Duration.ofMinutes(10);
    private static final byte[] DRIP_LINE = "250-still thinking\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket listener;
    private final String hostname;
    private final Map<String, List<String>> rcptScripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> rcptAttempts = new ConcurrentHashMap<>();
    private final List<String> dataScript = new CopyOnWriteArrayList<>();
    private final AtomicInteger dataAttempts = new AtomicInteger();
    private final Map<String, List<String>> dataScriptsByRecipient = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> dataAttemptsByRecipient = new ConcurrentHashMap<>();
    private final List<String> commands = new CopyOnWriteArrayList<>();
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final List<Event> events = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger sessions = new AtomicInteger();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final Semaphore connectionSlots = new Semaphore(MAX_CONNECTIONS);
    private volatile List<String> ehloExtensions = List.of("8BITMIME", "PIPELINING", "SIZE 10485760", "DSN", "SMTPUTF8");
    private volatile String greeting = "220 peer.test ESMTP scripted";
    private volatile String startTlsReply;
    private volatile javax.net.ssl.SSLContext tlsContext;
    private volatile Duration dripInterval = Duration.ofMillis(200);
    private volatile boolean running = true;
    private final Thread acceptor;

    private ScriptedSmtpPeer(ServerSocket listener, String hostname) {
        this.listener = listener;
        this.hostname = hostname;
        this.acceptor = new Thread(this::accept, "scripted-smtp-peer-" + listener.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    public static ScriptedSmtpPeer start() throws IOException {
        return start("peer.test");
    }

    public static ScriptedSmtpPeer start(String hostname) throws IOException {
        ServerSocket listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        return new ScriptedSmtpPeer(listener, hostname);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Replies to RCPT TO for {@code recipient}, one per attempt; e.g. {@code "452 4.2.2 Mailbox full", "250 OK"}. */
    public ScriptedSmtpPeer onRcpt(String recipient, String... replies) {
        rcptScripts.put(recipient.toLowerCase(Locale.ROOT), List.of(replies));
        return this;
    }

    /**
     * Replies at the end of DATA for transactions that include {@code recipient}, one per such transaction; they
     * take precedence over {@link #onData}.
     */
    public ScriptedSmtpPeer onDataFor(String recipient, String... replies) {
        dataScriptsByRecipient.put(recipient.toLowerCase(Locale.ROOT), List.of(replies));
        return this;
    }

    /** Replies at the end of DATA, one per attempt. */
    public ScriptedSmtpPeer onData(String... replies) {
        dataScript.clear();
        dataScript.addAll(List.of(replies));
        return this;
    }

    public ScriptedSmtpPeer greeting(String reply) {
        this.greeting = reply;
        return this;
    }

    /** Offers STARTTLS and starts TLS with {@code context}'s key and certificate; null: as before. */
    public ScriptedSmtpPeer startTls(javax.net.ssl.SSLContext context) {
        this.tlsContext = context;
        return this;
    }

    /** Offers STARTTLS and answers it with {@code reply} (e.g. {@code 250 ok}) without starting TLS; null: no STARTTLS. */
    public ScriptedSmtpPeer startTlsReply(String reply) {
        this.startTlsReply = reply;
        return this;
    }

    /** The EHLO keywords; {@code SIZE n} also makes the peer refuse messages over {@code n} octets. */
    public ScriptedSmtpPeer ehloExtensions(List<String> extensions) {
        this.ehloExtensions = List.copyOf(extensions);
        return this;
    }

    /** The pause between two octets of a {@link #DRIP} reply (default 200 ms). */
    public ScriptedSmtpPeer dripInterval(Duration interval) {
        this.dripInterval = interval;
        return this;
    }

    public List<String> commands() {
        return List.copyOf(commands);
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** Every connection's events, in the order the peer saw them. */
    public List<Event> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The events of one connection ({@link Event#session}), in order. */
    public List<Event> events(int session) {
        return events().stream().filter(e -> e.session() == session).toList();
    }

    public int rcptAttempts(String recipient) {
        AtomicInteger count = rcptAttempts.get(recipient.toLowerCase(Locale.ROOT));
        return count == null ? 0 : count.get();
    }

    public int dataAttempts() {
        return dataAttempts.get();
    }

    /** How many messages were accepted (since the start or the last {@link #reset}). */
    public int deliveryCount() {
        return deliveries.size();
    }

    /** Forgets the recorded commands, deliveries, events and attempt counts; the scripts stay. */
    public ScriptedSmtpPeer reset() {
        commands.clear();
        deliveries.clear();
        events.clear();
        rcptAttempts.clear();
        dataAttempts.set(0);
        dataAttemptsByRecipient.clear();
        return this;
    }

    /** Waits (polling, bounded by {@code timeout}) until {@code count} messages were accepted. */
    public List<Delivery> awaitDeliveries(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (deliveries.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        if (deliveries.size() < count) {
            throw new AssertionError("peer accepted " + deliveries.size() + " messages in " + timeout.toMillis()
                + " ms, expected " + count + "; commands: " + commands);
        }
        return deliveries();
    }

    private void accept() {
        while (running) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException closed) {
                return;
            }
            if (!connectionSlots.tryAcquire()) {
                closeQuietly(socket); // over the bound: refuse rather than grow without limit
                continue;
            }
            connections.add(socket);
            int session = sessions.incrementAndGet();
            Thread handler = new Thread(() -> {
                try {
                    serve(socket, session);
                } finally {
                    connections.remove(socket);
                    connectionSlots.release();
                    closeQuietly(socket);
                }
            }, "scripted-smtp-session-" + session);
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void event(int session, Event.Kind kind, String detail) {
        events.add(new Event(session, kind, detail, System.nanoTime()));
    }

    /** Thrown when the client hung up while the peer was writing. */
    private static final class ClientGone extends IOException {
        ClientGone(IOException cause) {
            super(cause);
        }
    }

    private void serve(Socket socket, int session) {
        event(session, Event.Kind.CONNECTED, socket.getRemoteSocketAddress().toString());
        try {
            socket.setSoTimeout(30_000);
            LineReader in = new LineReader(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            boolean tls = false;
            String greetingReply = greeting;
            if (!respond(out, greetingReply, session)) {
                return;
            }
            if (!greetingReply.startsWith("220")) {
                event(session, Event.Kind.PEER_CLOSED, "greeting " + greetingReply);
                return;
            }
            String mailFrom = null;
            String mailParameters = "";
            List<String> recipients = new ArrayList<>();
            Map<String, String> rcptParameters = new ConcurrentHashMap<>();
            for (int lineCount = 0; lineCount < 10_000; lineCount++) {
                byte[] raw = in.next();
                if (raw == null) {
                    event(session, Event.Kind.CLIENT_CLOSED, "end of stream");
                    return;
                }
                String line = withoutLineEnd(new String(raw, StandardCharsets.UTF_8));
                commands.add(line);
                event(session, Event.Kind.COMMAND, line);
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        StringBuilder response = new StringBuilder();
                        List<String> lines = new ArrayList<>();
                        lines.add(hostname + " greets you");
                        lines.addAll(ehloExtensions);
                        if (!tls && (startTlsReply != null || tlsContext != null)) {
                            lines.add("STARTTLS");
                        }
                        for (int i = 0; i < lines.size(); i++) {
                            response.append("250").append(i < lines.size() - 1 ? "-" : " ").append(lines.get(i)).append("\r\n");
                        }
                        write(out, response.toString().getBytes(StandardCharsets.UTF_8));
                    }
                    case "HELO" -> reply(out, "250 " + hostname);
                    case "MAIL" -> {
                        Matcher m = PATH.matcher(line);
                        Matcher size = SIZE_PARAMETER.matcher(line);
                        long limit = sizeLimit();
                        if (!m.matches()) {
                            reply(out, "501 5.5.4 syntax: MAIL FROM:<address>");
                        } else if (limit > 0 && size.find() && Long.parseLong(size.group(1)) > limit) {
                            reply(out, "552 5.3.4 message size exceeds fixed maximum message size");
                        } else {
                            mailFrom = m.group(2);
                            mailParameters = m.group(3).trim();
                            recipients.clear();
                            rcptParameters.clear();
                            reply(out, "250 2.1.0 sender ok");
                        }
                    }
                    case "RCPT" -> {
                        Matcher m = PATH.matcher(line);
                        if (mailFrom == null) {
                            reply(out, "503 5.5.1 MAIL first");
                        } else if (!m.matches()) {
                            reply(out, "501 5.5.4 syntax: RCPT TO:<address>");
                        } else {
                            String recipient = m.group(2);
                            String response = scripted(recipient);
                            if (response.startsWith("2")) {
                                recipients.add(recipient);
                                rcptParameters.put(recipient, m.group(3).trim());
                            }
                            if (!respond(out, response, session)) {
                                return;
                            }
                        }
                    }
                    case "DATA" -> {
                        if (recipients.isEmpty()) {
                            reply(out, "554 5.5.1 no valid recipients");
                            continue;
                        }
                        reply(out, "354 end data with <CR><LF>.<CR><LF>");
                        byte[] wire = readData(in);
                        int attempt = dataAttempts.getAndIncrement();
                        String response = dataScript.isEmpty() ? "250 2.0.0 queued"
                            : dataScript.get(Math.min(attempt, dataScript.size() - 1));
                        for (String recipient : recipients) {
                            List<String> script = dataScriptsByRecipient.get(recipient.toLowerCase(Locale.ROOT));
                            if (script != null && !script.isEmpty()) {
                                int n = dataAttemptsByRecipient.computeIfAbsent(recipient.toLowerCase(Locale.ROOT),
                                    k -> new AtomicInteger()).getAndIncrement();
                                response = script.get(Math.min(n, script.size() - 1));
                                break;
                            }
                        }
                        if (response.equals(DROP)) {
                            event(session, Event.Kind.PEER_CLOSED, "dropped after DATA");
                            return;
                        }
                        long limit = sizeLimit();
                        if (limit > 0 && wire.length > limit && response.startsWith("2")) {
                            response = "552 5.3.4 message size exceeds fixed maximum message size";
                        }
                        if (response.startsWith("2")) {
                            deliveries.add(new Delivery(mailFrom, List.copyOf(recipients), mailParameters,
                                Map.copyOf(rcptParameters), content(wire), wire, tls));
                        }
                        mailFrom = null;
                        recipients.clear();
                        if (!respond(out, response, session)) {
                            return;
                        }
                    }
                    case "RSET" -> {
                        mailFrom = null;
                        recipients.clear();
                        reply(out, "250 2.0.0 reset");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 ok");
                    case "STAR" -> {
                        String answer = startTlsReply;
                        javax.net.ssl.SSLContext context = tlsContext;
                        if (context != null && !tls && answer == null && line.equalsIgnoreCase("STARTTLS")) {
                            reply(out, "220 2.0.0 ready to start TLS");
                            javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) context.getSocketFactory()
                                .createSocket(socket, null, socket.getPort(), true);
                            secure.setUseClientMode(false);
                            try {
                                secure.startHandshake();
                            } catch (IOException e) {
                                event(session, Event.Kind.TLS_FAILED, e.toString());
                                return;
                            }
                            event(session, Event.Kind.TLS_STARTED, secure.getSession().getProtocol());
                            in = new LineReader(secure.getInputStream());
                            out = secure.getOutputStream();
                            tls = true;
                            mailFrom = null;
                            recipients.clear();
                            continue;
                        }
                        reply(out, answer != null && line.equalsIgnoreCase("STARTTLS") ? answer : "502 5.5.2 command not implemented");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        event(session, Event.Kind.PEER_CLOSED, "after QUIT");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 command not implemented");
                }
            }
            event(session, Event.Kind.PEER_CLOSED, "too many commands");
        } catch (ClientGone | java.net.SocketException gone) {
            event(session, running ? Event.Kind.CLIENT_CLOSED : Event.Kind.PEER_CLOSED, gone.toString());
        } catch (java.net.SocketTimeoutException idle) {
            event(session, Event.Kind.PEER_CLOSED, "idle " + idle.getMessage());
        } catch (IOException endOfSession) {
            event(session, running ? Event.Kind.CLIENT_CLOSED : Event.Kind.PEER_CLOSED, endOfSession.toString());
        }
    }

    /** The SIZE the peer announces, or 0 when it announces none or no number. */
    private long sizeLimit() {
        for (String extension : ehloExtensions) {
            String[] words = extension.trim().split("\\s+");
            if (words[0].equalsIgnoreCase("SIZE") && words.length == 2 && words[1].matches("[0-9]{1,18}")) {
                return Long.parseLong(words[1]);
            }
        }
        return 0;
    }

    /**
     * Sends {@code response}, or drips for {@link #DRIP}.
     *
     * @return false when the session is over (the drip ended)
     */
    private boolean respond(OutputStream out, String response, int session) throws IOException {
        if (!response.equals(DRIP)) {
            reply(out, response);
            return true;
        }
        event(session, Event.Kind.DRIP_STARTED, dripInterval.toMillis() + " ms per octet");
        long end = System.nanoTime() + MAX_DRIP.toNanos();
        for (int i = 0; System.nanoTime() < end && running; i++) {
            write(out, new byte[] {DRIP_LINE[i % DRIP_LINE.length]});
            try {
                TimeUnit.NANOSECONDS.sleep(dripInterval.toNanos());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        event(session, Event.Kind.PEER_CLOSED, "drip over");
        return false;
    }

    private String scripted(String recipient) {
        String key = recipient.toLowerCase(Locale.ROOT);
        int attempt = rcptAttempts.computeIfAbsent(key, k -> new AtomicInteger()).getAndIncrement();
        List<String> script = rcptScripts.get(key);
        if (script == null || script.isEmpty()) {
            return "250 2.1.5 recipient ok";
        }
        return script.get(Math.min(attempt, script.size() - 1));
    }

    /** The DATA octets up to the line holding only {@code .} (CR LF or a bare LF after it), as they came. */
    private static byte[] readData(LineReader in) throws IOException {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (int lines = 0; lines < 10_000_000; lines++) {
            byte[] line = in.next();
            if (line == null) {
                throw new IOException("connection closed in DATA");
            }
            if (withoutLineEnd(new String(line, StandardCharsets.ISO_8859_1)).equals(".")) {
                return wire.toByteArray();
            }
            wire.write(line);
        }
        throw new IOException("DATA over 10,000,000 lines");
    }

    /** The content as a lenient server stores it: CR LF, a bare CR and a bare LF each end a line; dots unstuffed. */
    static byte[] content(byte[] wire) {
        ByteArrayOutputStream content = new ByteArrayOutputStream(wire.length + 64);
        int start = 0;
        int i = 0;
        while (i < wire.length) {
            byte b = wire[i];
            if (b == '\r' || b == '\n') {
                appendLine(content, wire, start, i);
                i += b == '\r' && i + 1 < wire.length && wire[i + 1] == '\n' ? 2 : 1;
                start = i;
            } else {
                i++;
            }
        }
        if (start < wire.length) {
            appendLine(content, wire, start, wire.length);
        }
        return content.toByteArray();
    }

    private static void appendLine(ByteArrayOutputStream content, byte[] wire, int start, int end) {
        String line = new String(wire, start, end - start, StandardCharsets.UTF_8);
        String unstuffed = line.startsWith(".") ? line.substring(1) : line;
        content.writeBytes((unstuffed + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static String withoutLineEnd(String line) {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\n') {
            end--;
            if (end > 0 && line.charAt(end - 1) == '\r') {
                end--;
            }
        }
        return line.substring(0, end);
    }

    private static void reply(OutputStream out, String line) throws IOException {
        write(out, (line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void write(OutputStream out, byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new ClientGone(e);
        }
    }

    /** Lines as octets, each with its LF (or CR LF); a bare CR stays inside the line, as on the wire. */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[8192];
        private int position;
        private int limit;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line with its end, or what is left before the end of the stream; null at the end. */
        byte[] next() throws IOException {
            ByteArrayOutputStream line = null;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        return line == null || line.size() == 0 ? null : line.toByteArray();
                    }
                }
                int from = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                boolean complete = position < limit;
                if (complete) {
                    position++; // the LF
                }
                if (line == null && complete) {
                    byte[] whole = new byte[position - from];
                    System.arraycopy(buffer, from, whole, 0, whole.length);
                    return whole;
                }
                if (line == null) {
                    line = new ByteArrayOutputStream();
                }
                line.write(buffer, from, position - from);
                if (complete) {
                    return line.toByteArray();
                }
                if (line.size() > MAX_LINE) {
                    throw new IOException("line over " + MAX_LINE + " octets");
                }
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        running = false;
        listener.close();
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
