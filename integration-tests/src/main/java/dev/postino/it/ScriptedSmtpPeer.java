package dev.postino.it;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A remote SMTP server for tests, on 127.0.0.1 with an ephemeral port, that answers each RCPT and each
 * DATA with the reply a test scripted, per recipient and per attempt: the n-th RCPT for a recipient gets
 * the n-th scripted reply (the last one repeats), likewise the n-th DATA. Unscripted recipients and DATA
 * get {@code 250}. It records every command and every accepted message. A scripted DATA reply of
 * {@link #DROP} reads the whole message and then closes the connection without any reply. With
 * {@link #startTlsReply} it offers STARTTLS and answers it with that reply, never starting TLS (a downgrade).
 */
public final class ScriptedSmtpPeer implements AutoCloseable {

    /** A message the peer accepted: envelope and raw content (dot-unstuffed, CRLF line ends). */
    public record Delivery(String mailFrom, List<String> recipients, String mailParameters,
                           Map<String, String> rcptParameters, byte[] content) {
        public String contentAsString() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    /** As a DATA reply: hang up after the message, so the client cannot know whether it was taken. */
    public static final String DROP = "DROP";

    private static final Pattern PATH = Pattern.compile("(?i)^(MAIL FROM|RCPT TO):\\s*<([^>]*)>\\s*(.*)$");
    private static final int MAX_CONNECTIONS = 32;

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
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final Semaphore connectionSlots = new Semaphore(MAX_CONNECTIONS);
    private volatile List<String> ehloExtensions = List.of("8BITMIME", "PIPELINING", "SIZE 10485760", "DSN", "SMTPUTF8");
    private volatile String greeting = "220 peer.test ESMTP scripted";
    private volatile String startTlsReply;
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

    /** Offers STARTTLS and answers it with {@code reply} (e.g. {@code 250 ok}) without starting TLS; null: no STARTTLS. */
    public ScriptedSmtpPeer startTlsReply(String reply) {
        this.startTlsReply = reply;
        return this;
    }

    public ScriptedSmtpPeer ehloExtensions(List<String> extensions) {
        this.ehloExtensions = List.copyOf(extensions);
        return this;
    }

    public List<String> commands() {
        return List.copyOf(commands);
    }

    public List<Delivery> deliveries() {
        return List.copyOf(deliveries);
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

    /** Forgets the recorded commands, deliveries and attempt counts; the scripts stay. */
    public ScriptedSmtpPeer reset() {
        commands.clear();
        deliveries.clear();
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
            Thread handler = new Thread(() -> {
                try {
                    serve(socket);
                } finally {
                    connections.remove(socket);
                    connectionSlots.release();
                    closeQuietly(socket);
                }
            }, "scripted-smtp-session");
            handler.setDaemon(true);
            handler.start();
        }
    }

    private void serve(Socket socket) {
        try {
            socket.setSoTimeout(30_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            reply(out, greeting);
            if (!greeting.startsWith("220")) {
                return;
            }
            String mailFrom = null;
            String mailParameters = "";
            List<String> recipients = new ArrayList<>();
            Map<String, String> rcptParameters = new ConcurrentHashMap<>();
            for (int lineCount = 0; lineCount < 10_000; lineCount++) {
                String line = in.readLine();
                if (line == null) {
                    return;
                }
                commands.add(line);
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(Locale.ROOT) : line.toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        StringBuilder response = new StringBuilder();
                        List<String> lines = new ArrayList<>();
                        lines.add(hostname + " greets you");
                        lines.addAll(ehloExtensions);
                        if (startTlsReply != null) {
                            lines.add("STARTTLS");
                        }
                        for (int i = 0; i < lines.size(); i++) {
                            response.append("250").append(i < lines.size() - 1 ? "-" : " ").append(lines.get(i)).append("\r\n");
                        }
                        out.write(response.toString().getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                    case "HELO" -> reply(out, "250 " + hostname);
                    case "MAIL" -> {
                        Matcher m = PATH.matcher(line);
                        if (!m.matches()) {
                            reply(out, "501 5.5.4 syntax: MAIL FROM:<address>");
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
                            reply(out, response);
                        }
                    }
                    case "DATA" -> {
                        if (recipients.isEmpty()) {
                            reply(out, "554 5.5.1 no valid recipients");
                            continue;
                        }
                        reply(out, "354 end data with <CR><LF>.<CR><LF>");
                        byte[] content = readData(in);
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
                            return;
                        }
                        if (response.startsWith("2")) {
                            deliveries.add(new Delivery(mailFrom, List.copyOf(recipients), mailParameters,
                                Map.copyOf(rcptParameters), content));
                        }
                        mailFrom = null;
                        recipients.clear();
                        reply(out, response);
                    }
                    case "RSET" -> {
                        mailFrom = null;
                        recipients.clear();
                        reply(out, "250 2.0.0 reset");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 ok");
                    case "STAR" -> {
                        String answer = startTlsReply;
                        reply(out, answer != null && line.equalsIgnoreCase("STARTTLS") ? answer : "502 5.5.2 command not implemented");
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 command not implemented");
                }
            }
        } catch (IOException endOfSession) {
            // the client went away or the peer is closing
        }
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

    private static byte[] readData(BufferedReader in) throws IOException {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (int lines = 0; lines < 10_000_000; lines++) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed in DATA");
            }
            if (line.equals(".")) {
                return content.toByteArray();
            }
            String unstuffed = line.startsWith(".") ? line.substring(1) : line;
            content.write((unstuffed + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        throw new IOException("DATA over 10,000,000 lines");
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
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
