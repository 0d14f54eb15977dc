package dev.postino.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.james.core.MailAddress;
import org.apache.james.server.core.MailImpl;
import org.apache.james.server.core.MimeMessageInputStreamSource;
import org.apache.james.server.core.MimeMessageWrapper;
import org.apache.mailet.Mail;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import dev.postino.core.delivery.AttemptOutcome;
import dev.postino.core.delivery.DeliveryOptions;
import dev.postino.core.delivery.OutboundMessage;
import dev.postino.core.delivery.SmtpClient;
import dev.postino.core.delivery.SmtpTimeouts;
import dev.postino.james.mailets.MailMessageContent;

/**
 * Heap allocated per delivery of one large message, the way {@code PolicyRemoteDelivery} delivers it: a James
 * {@link Mail} whose message is a {@code MimeMessageWrapper} over a file-backed {@code MimeMessageInputStreamSource}
 * (as James's spool and queues hand it over), read through {@link MailMessageContent} into a new
 * {@link OutboundMessage} (one scan for SIZE and 8BITMIME, then the send), and delivered by {@link SmtpClient} to a
 * sink SMTP server on 127.0.0.1 in the same JVM that reads into one fixed buffer. JMH's GC profiler counts the
 * allocations of every thread (client, sink, watchdog), so {@code gc.alloc.rate.norm} is what one delivery costs the
 * heap. The goal (issue 11): under twice the message's size; a copy-free path is far under.
 *
 * <pre>
 * mvn -B -q -pl benchmarks -am package -DskipTests
 * java -cp benchmarks/target/postino-benchmarks.jar dev.postino.benchmarks.LargeMessageDeliveryBenchmark
 * </pre>
 * JMH options pass through (e.g. {@code -p megabytes=10 -i 3}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
public class LargeMessageDeliveryBenchmark {

    @Param({"50"})
    public int megabytes;

    private SinkServer sink;
    private MimeMessageInputStreamSource source;
    private Mail mail;
    private SmtpClient client;
    private SmtpClient.RemoteHost host;
    private long messageSize;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        sink = SinkServer.start();
        byte[] header = ("From: Joe Sender <joe@example.test>\r\nTo: Ann <ann@example.net>\r\nSubject: the archive\r\n"
            + "Date: Wed, 2 Dec 2026 10:00:00 +0000\r\nMessage-ID: <big-1@example.test>\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
        long lines = (long) megabytes * 1024 * 1024 / 78;
        messageSize = header.length + lines * 78;
        // James spools the message once (to a temporary file at this size); every delivery reads it from there.
        source = MimeMessageInputStreamSource.create("benchmark-" + megabytes,
            new SequenceInputStream(new java.io.ByteArrayInputStream(header), new Base64Lines(lines)));
        mail = MailImpl.builder().name("big").sender(new MailAddress("joe@example.test"))
            .addRecipient(new MailAddress("ann@example.net")).mimeMessage(new MimeMessageWrapper(source)).build();
        client = new SmtpClient(DeliveryOptions.defaults("postino.test")
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(60))), Clock.systemUTC());
        host = new SmtpClient.RemoteHost("sink.test", InetAddress.getByName("127.0.0.1"), sink.port());
        AttemptOutcome first = deliver();
        if (first.result() != AttemptOutcome.Result.DELIVERED || sink.lastMessageOctets() < messageSize) {
            throw new IllegalStateException("the sink did not get the message: " + first + ", "
                + sink.lastMessageOctets() + " of " + messageSize + " octets");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        sink.close();
        org.apache.james.lifecycle.api.LifecycleUtil.dispose(mail);
        source.dispose();
    }

    private AttemptOutcome deliver() {
        OutboundMessage message = new OutboundMessage("joe@example.test",
            List.of(OutboundMessage.Recipient.of("ann@example.net")), null, null, MailMessageContent.of(mail));
        return client.deliver(host, message, false, null).outcomes().get(0);
    }

    @Benchmark
    public AttemptOutcome deliverOneMessage() {
        AttemptOutcome outcome = deliver();
        if (outcome.result() != AttemptOutcome.Result.DELIVERED) {
            throw new IllegalStateException(outcome.toString());
        }
        return outcome;
    }

    /** Base64-looking lines of 76 octets and CR LF, made on the fly. */
    private static final class Base64Lines extends InputStream {
        private final byte[] line = new byte[78];
        private long linesLeft;
        private int position = 78;

        Base64Lines(long lines) {
            this.linesLeft = lines;
            byte[] alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 76; i++) {
                line[i] = alphabet[(i * 7) % 64];
            }
            line[76] = '\r';
            line[77] = '\n';
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position == line.length) {
                if (linesLeft == 0) {
                    return -1;
                }
                linesLeft--;
                position = 0;
            }
            int n = Math.min(len, line.length - position);
            System.arraycopy(line, position, b, off, n);
            position += n;
            return n;
        }
    }

    /**
     * An SMTP server that says yes to everything and keeps nothing: commands and DATA are read into one buffer per
     * session, the replies are prepared once, so that its own allocations stay out of the measurement.
     */
    static final class SinkServer implements AutoCloseable {
        private static final byte[] GREETING = bytes("220 sink.test ESMTP\r\n");
        private static final byte[] EHLO = bytes("250-sink.test\r\n250-SIZE 1000000000\r\n250-8BITMIME\r\n250 PIPELINING\r\n");
        private static final byte[] OK = bytes("250 2.0.0 ok\r\n");
        private static final byte[] GO = bytes("354 go ahead\r\n");
        private static final byte[] BYE = bytes("221 bye\r\n");
        private static final byte[] WHAT = bytes("502 5.5.2 not here\r\n");

        private final ServerSocket listener;
        private final AtomicLong lastMessageOctets = new AtomicLong();

        private SinkServer(ServerSocket listener) {
            this.listener = listener;
            Thread acceptor = new Thread(this::accept, "sink-smtp");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        static SinkServer start() throws IOException {
            ServerSocket listener = new ServerSocket();
            listener.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            return new SinkServer(listener);
        }

        int port() {
            return listener.getLocalPort();
        }

        long lastMessageOctets() {
            return lastMessageOctets.get();
        }

        private static byte[] bytes(String text) {
            return text.getBytes(StandardCharsets.US_ASCII);
        }

        private void accept() {
            byte[] buffer = new byte[256 * 1024];
            while (true) {
                try (Socket socket = listener.accept()) {
                    new Session(socket.getInputStream(), socket.getOutputStream(), buffer).serve();
                } catch (IOException e) {
                    if (listener.isClosed()) {
                        return;
                    }
                }
            }
        }

        /** One session over a shared buffer holding {@code buffer[start, end)} not yet read. */
        private final class Session {
            private final InputStream in;
            private final OutputStream out;
            private final byte[] buffer;
            private int start;
            private int end;

            Session(InputStream in, OutputStream out, byte[] buffer) {
                this.in = in;
                this.out = out;
                this.buffer = buffer;
            }

            /** Commands line by line; in DATA, octets until CR LF . CR LF. */
            void serve() throws IOException {
                out.write(GREETING);
                while (true) {
                    int lf = indexOf((byte) '\n');
                    if (lf < 0) {
                        if (!fill()) {
                            return;
                        }
                        continue;
                    }
                    int verb = start + 4 <= lf ? (buffer[start] | 0x20) << 24 | (buffer[start + 1] | 0x20) << 16
                        | (buffer[start + 2] | 0x20) << 8 | (buffer[start + 3] | 0x20) : 0;
                    start = lf + 1;
                    if (verb == word("ehlo")) {
                        out.write(EHLO);
                    } else if (verb == word("mail") || verb == word("rcpt")) {
                        out.write(OK);
                    } else if (verb == word("data")) {
                        out.write(GO);
                        consumeData();
                        out.write(OK);
                    } else if (verb == word("quit")) {
                        out.write(BYE);
                        return;
                    } else {
                        out.write(WHAT);
                    }
                }
            }

            /** More octets after what is left unread, which moves to the front; false at the end of the stream. */
            private boolean fill() throws IOException {
                if (start > 0) {
                    System.arraycopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                int n = in.read(buffer, end, buffer.length - end);
                if (n < 0) {
                    return false;
                }
                end += n;
                return true;
            }

            private int indexOf(byte b) {
                for (int i = start; i < end; i++) {
                    if (buffer[i] == b) {
                        return i;
                    }
                }
                return -1;
            }

            /** Reads past CR LF . CR LF (the message's start counts as a line start), counting the octets before it. */
            private void consumeData() throws IOException {
                int state = 2;
                long octets = 0;
                while (true) {
                    for (int i = start; i < end; i++) {
                        byte b = buffer[i];
                        state = switch (state) {
                            case 0 -> b == '\r' ? 1 : 0;
                            case 1 -> b == '\n' ? 2 : b == '\r' ? 1 : 0;
                            case 2 -> b == '.' ? 3 : b == '\r' ? 1 : 0;
                            case 3 -> b == '\r' ? 4 : 0;
                            default -> b == '\n' ? 5 : b == '\r' ? 1 : 0;
                        };
                        if (state == 5) {
                            octets += i + 1 - start;
                            lastMessageOctets.set(octets - 3);
                            start = i + 1;
                            return;
                        }
                    }
                    octets += end - start;
                    start = end;
                    if (!fill()) {
                        throw new IOException("the client left in the middle of DATA");
                    }
                }
            }
        }

        private static int word(String verb) {
            return verb.charAt(0) << 24 | verb.charAt(1) << 16 | verb.charAt(2) << 8 | verb.charAt(3);
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder().parent(new CommandLineOptions(args))
            .include(LargeMessageDeliveryBenchmark.class.getSimpleName()).addProfiler(GCProfiler.class).build()).run();
        for (RunResult result : results) {
            Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            int mb = Integer.parseInt(result.getParams().getParam("megabytes"));
            long size = (long) mb * 1024 * 1024;
            System.out.printf(Locale.ROOT, "%d MB message: %,.0f bytes allocated per delivery (%.3f of the message's size;"
                + " goal under 2), %.0f ms per delivery%n", mb, alloc.getScore(), alloc.getScore() / size,
                result.getPrimaryResult().getScore());
        }
    }
}
