package dev.postino.core.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.postino.core.delivery.AttemptOutcome.Result;
import dev.postino.core.delivery.testing.LocalSmtpServer;

/**
 * The message goes from its source to the socket as it is read: a 50 MB message passes with a bounded amount held
 * (what the source has handed out is at the peer but for the socket buffers) and without the heap allocation a copy
 * would need. Sizes and octet counts, no clocks.
 */
class StreamingDeliveryTest {

    private static final int MESSAGE_SIZE = 50 * 1024 * 1024;
    /** What may be in flight between the source and the peer: our 64 KiB block and the kernel's socket buffers. */
    private static final long IN_FLIGHT_BOUND = 16L * 1024 * 1024;

    private LocalSmtpServer smtp;
    private SmtpClient client;
    private SmtpClient.RemoteHost host;

    @BeforeEach
    void start() throws Exception {
        smtp = LocalSmtpServer.start();
        smtp.discardData = true;
        smtp.extensions = List.of("SIZE 100000000", "8BITMIME", "PIPELINING");
        client = new SmtpClient(DeliveryOptions.defaults("postino.test")
            .withTimeouts(SmtpTimeouts.all(Duration.ofSeconds(60))), Clock.systemUTC());
        host = new SmtpClient.RemoteHost("mx.example.test", InetAddress.getByName("127.0.0.1"), smtp.port());
    }

    @AfterEach
    void stop() throws Exception {
        smtp.close();
    }

    /**
     * {@code size} octets of 78-octet lines, one in 100 starting with a dot, written from one reused line; on the
     * second pass (the first is the scan) it checks before every line that the peer has what was handed out but
     * {@link #IN_FLIGHT_BOUND}, waiting for it if need be.
     */
    private final class GeneratedMessage implements MessageContent.Source {
        final AtomicInteger passes = new AtomicInteger();
        long largestInFlight;
        final int lines;

        GeneratedMessage(int size) {
            lines = size / 78;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            boolean sending = passes.incrementAndGet() == 2;
            byte[] line = new byte[78];
            Arrays.fill(line, (byte) 'x');
            line[76] = '\r';
            line[77] = '\n';
            long handedOut = 0;
            for (int i = 0; i < lines; i++) {
                if (sending) {
                    awaitPeer(handedOut);
                }
                line[0] = (byte) (i % 100 == 0 ? '.' : 'x');
                out.write(line);
                handedOut += line.length;
            }
        }

        private void awaitPeer(long handedOut) throws IOException {
            long received = smtp.dataOctets.get();
            // Bounded wait for the peer to catch up: a client that held the message would never let it.
            for (int i = 0; handedOut - received > IN_FLIGHT_BOUND && i < 30_000; i++) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                received = smtp.dataOctets.get();
            }
            largestInFlight = Math.max(largestInFlight, handedOut - received);
        }
    }

    private static long allocatedByThisThread() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
            .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void fiftyMegabytesPassWithABoundedAmountHeldAndWithoutACopyOnTheHeap() {
        GeneratedMessage source = new GeneratedMessage(MESSAGE_SIZE);
        OutboundMessage message = new OutboundMessage("a@postino.test", List.of(OutboundMessage.Recipient.of("b@example.test")),
            null, null, MessageContent.streamed(source));
        long before = allocatedByThisThread();

        SmtpClient.HostAttempt attempt = client.deliver(host, message, false, null);

        long allocated = allocatedByThisThread() - before;
        assertThat(attempt.outcomes().get(0).result()).as(attempt.outcomes().get(0).toString()).isEqualTo(Result.DELIVERED);
        assertThat(source.passes).as("one scan, one send").hasValue(2);
        long octets = (long) source.lines * 78;
        assertThat(smtp.dataOctets).as("every octet and one dot per dotted line").hasValue(octets + (source.lines + 99) / 100);
        assertThat(smtp.commands).contains("MAIL FROM:<a@postino.test> SIZE=" + octets);
        assertThat(source.largestInFlight).as("octets handed out and not yet at the peer").isLessThanOrEqualTo(IN_FLIGHT_BOUND);
        // A copy of the message would be 50 MB at least; the scan and the session together allocate a few hundred KB.
        assertThat(allocated).as("bytes allocated by the delivering thread").isLessThan(MESSAGE_SIZE / 10);
    }

    @Test
    void aMessageThatCannotBeReadIsNeverEndedWithTheFinalDot() {
        smtp.discardData = false;
        AtomicInteger passes = new AtomicInteger();
        MessageContent content = MessageContent.streamed(out -> {
            out.write("Subject: s\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (passes.incrementAndGet() == 2) {
                out.write(new byte[200_000]);
                throw new IOException("spool file gone");
            }
        });
        OutboundMessage message = new OutboundMessage("a@postino.test", List.of(OutboundMessage.Recipient.of("b@example.test")),
            null, null, content);

        assertThatThrownBy(() -> client.deliver(host, message, false, null)).isInstanceOf(UncheckedIOException.class)
            .hasMessageContaining("spool file gone");

        assertThat(smtp.commands).contains("DATA").doesNotContain("QUIT");
        // The connection was dropped mid-DATA: the server never saw the end of the message.
        assertThat(smtp.data).isEmpty();
    }

    @Test
    void aMessageThatCannotBeScannedMeansNoConnection() {
        OutboundMessage message = new OutboundMessage("a@postino.test", List.of(OutboundMessage.Recipient.of("b@example.test")),
            null, null, MessageContent.streamed(out -> {
                throw new IOException("unreadable");
            }));

        assertThatThrownBy(() -> client.deliver(host, message, false, null)).isInstanceOf(UncheckedIOException.class);
        assertThat(smtp.commands).isEmpty();
    }
}
