package dev.postino.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain SMTP client for tests: one command at a time, every reply visible, so a test can assert what the
 * server answered at each step (including a reject at RCPT or at the end of DATA).
 */
public final class SmtpSession implements AutoCloseable {

    /** One SMTP reply: its code and its text lines (without the code). */
    public record Reply(int code, List<String> lines) {
        public String text() {
            return String.join(" ", lines);
        }

        public boolean isPositive() {
            return code >= 200 && code < 400;
        }

        @Override
        public String toString() {
            return code + " " + text();
        }
    }

    private final Socket socket;
    private final BufferedReader in;
    private final OutputStream out;
    private final Reply greeting;

    private SmtpSession(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
        this.out = socket.getOutputStream();
        this.greeting = readReply();
    }

    public static SmtpSession connect(String host, int port) throws IOException {
        return connect(host, port, null);
    }

    /**
     * Connects from {@code localAddress} (e.g. 127.0.0.2: any 127/8 address works on loopback), so the
     * server sees another client address; null lets the system choose.
     */
    public static SmtpSession connect(String host, int port, String localAddress) throws IOException {
        Socket socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(localAddress, 0));
        }
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setSoTimeout(30_000);
        return new SmtpSession(socket);
    }

    public Reply greeting() {
        return greeting;
    }

    public Reply command(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readReply();
    }

    /** DATA, then the message (dot-stuffed, CRLF line ends), then the final reply; the 354 must come first. */
    public Reply data(byte[] message) throws IOException {
        Reply go = command("DATA");
        if (go.code() != 354) {
            return go;
        }
        out.write(dotStuff(message));
        out.write(".\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readReply();
    }

    /**
     * DATA, then {@code wire} exactly as given (the caller dot-stuffs it and ends it with {@code CR LF . CR LF}, or
     * does not, to see what a server makes of that), then the final reply; the 354 must come first.
     */
    public Reply dataAsIs(byte[] wire) throws IOException {
        Reply go = command("DATA");
        if (go.code() != 354) {
            return go;
        }
        out.write(wire);
        out.flush();
        return readReply();
    }

    /**
     * A whole transaction; throws unless every step is accepted.
     *
     * @return the reply at the end of DATA
     */
    public Reply send(String helo, String from, List<String> to, byte[] message) throws IOException {
        expect(command("EHLO " + helo), "EHLO");
        expect(command("MAIL FROM:<" + from + ">"), "MAIL");
        for (String rcpt : to) {
            expect(command("RCPT TO:<" + rcpt + ">"), "RCPT " + rcpt);
        }
        return expect(data(message), "end of DATA");
    }

    private static Reply expect(Reply reply, String step) throws IOException {
        if (!reply.isPositive()) {
            throw new IOException(step + " refused: " + reply);
        }
        return reply;
    }

    private Reply readReply() throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed by the server; got " + lines);
            }
            if (line.length() < 3) {
                throw new IOException("malformed reply line '" + line + "'");
            }
            lines.add(line.length() > 4 ? line.substring(4) : "");
            if (line.length() == 3 || line.charAt(3) != '-') {
                return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
            }
        }
        throw new IOException("reply of over 1000 lines");
    }

    /** CRLF line ends (bare LF accepted), a leading '.' doubled, and a final CRLF. */
    static byte[] dotStuff(byte[] message) {
        String text = new String(message, StandardCharsets.ISO_8859_1).replace("\r\n", "\n");
        StringBuilder stuffed = new StringBuilder();
        String[] lines = text.split("\n", -1);
        int count = text.endsWith("\n") ? lines.length - 1 : lines.length;
        for (int i = 0; i < count; i++) {
            String line = lines[i];
            stuffed.append(line.startsWith(".") ? "." : "").append(line).append("\r\n");
        }
        return stuffed.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        try {
            if (!socket.isClosed()) {
                command("QUIT");
            }
        } catch (IOException ignored) {
            // closing anyway
        } finally {
            socket.close();
        }
    }
}
