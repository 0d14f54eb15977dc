package dev.postino.core.dns;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Arrays;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;

/**
 * One query to one server within a deadline, on the {@link DnsLoop}: UDP (with EDNS(0) when configured) from
 * a socket of its own (so the source port is the system's random pick, RFC 5452), and the same query over
 * TCP when the UDP answer is truncated. Non-blocking throughout: while it waits it holds a socket and a timer,
 * no thread. Postino's own transport because dnsjava 3.5.2's shared NIO selector was seen to delay or drop
 * concurrent UDP exchanges by up to a second; dnsjava still encodes and decodes the messages.
 *
 * <p>Everything here runs on the loop thread; the listener is told exactly once.
 */
final class DnsExchange implements DnsLoop.Handler {

    /** How the exchange ended. Called on the loop thread. */
    interface Listener {
        void answered(Message answer);

        /** @param timeout true when the server stayed silent until the deadline, false for a network error */
        void failed(boolean timeout, String problem);
    }

    /** Datagrams from the server that do not answer this query (old answers, forgeries) skipped before giving up. */
    private static final int MAX_UNRELATED_DATAGRAMS = 100;

    private final DnsLoop loop;
    private final InetSocketAddress server;
    private final Message query;
    private final byte[] wire;
    private final long deadlineNanos;
    private final Listener listener;
    private DnsLoop.Timer timer;
    private DatagramChannel udp;
    private SocketChannel tcp;
    private SelectionKey key;
    private int unrelated;
    private boolean done;
    // TCP: the framed query going out, then the length and the answer coming in
    private ByteBuffer tcpOut;
    private final ByteBuffer tcpLength = ByteBuffer.allocate(2);
    private ByteBuffer tcpIn;

    private DnsExchange(DnsLoop loop, InetSocketAddress server, Message query, int ednsPayloadSize, long deadlineNanos,
                        Listener listener) {
        this.loop = loop;
        this.server = server;
        this.query = query;
        if (ednsPayloadSize > 0) {
            query.addRecord(new OPTRecord(ednsPayloadSize, 0, 0), Section.ADDITIONAL);
        }
        this.wire = query.toWire();
        this.deadlineNanos = deadlineNanos;
        this.listener = listener;
    }

    /** Sends {@code query} to {@code server}; the listener hears of the answer or the failure later, on the loop. */
    static DnsExchange start(DnsLoop loop, InetSocketAddress server, Message query, int ednsPayloadSize,
                             long deadlineNanos, Listener listener) {
        DnsExchange exchange = new DnsExchange(loop, server, query, ednsPayloadSize, deadlineNanos, listener);
        exchange.timer = loop.schedule(deadlineNanos, () -> exchange.fail(true, "timeout"));
        try {
            exchange.sendUdp();
        } catch (IOException | RuntimeException e) {
            // told on the next turn of the loop, so the caller never sees its listener run inside start()
            loop.execute(() -> exchange.fail(false, networkError(e)));
        }
        return exchange;
    }

    /** Ends the exchange without telling the listener (its lookup ended otherwise). */
    void abandon() {
        done = true;
        cleanUp();
    }

    private void sendUdp() throws IOException {
        udp = DatagramChannel.open();
        udp.configureBlocking(false);
        udp.connect(server);
        if (udp.write(ByteBuffer.wrap(wire)) == 0) {
            throw new IOException("no room in the socket's send buffer");
        }
        key = loop.register(udp, SelectionKey.OP_READ, this);
    }

    @Override
    public void ready(SelectionKey readyKey) {
        if (done) {
            return;
        }
        try {
            if (tcp != null) {
                tcpReady(readyKey);
            } else {
                udpReady();
            }
        } catch (IOException | RuntimeException e) {
            fail(false, networkError(e));
        }
    }

    private void udpReady() throws IOException {
        while (!done) {
            ByteBuffer buffer = loop.receiveBuffer();
            if (udp.read(buffer) <= 0 && buffer.position() == 0) {
                return; // nothing more to read now (a zero-length datagram is no answer either)
            }
            Message answer = parse(buffer.array(), buffer.position());
            if (answer != null && answers(answer)) {
                if (answer.getHeader().getFlag(Flags.TC)) {
                    startTcp();
                } else {
                    succeed(answer);
                }
                return;
            }
            if (++unrelated > MAX_UNRELATED_DATAGRAMS) {
                fail(false, "network error (too many unrelated datagrams)");
                return;
            }
        }
    }

    private void startTcp() throws IOException {
        DnsLoop.closeQuietly(udp);
        udp = null;
        tcpOut = ByteBuffer.allocate(2 + wire.length);
        tcpOut.putShort((short) wire.length).put(wire).flip();
        tcp = SocketChannel.open();
        tcp.configureBlocking(false);
        if (tcp.connect(server)) {
            key = loop.register(tcp, SelectionKey.OP_WRITE, this);
        } else {
            key = loop.register(tcp, SelectionKey.OP_CONNECT, this);
        }
    }

    private void tcpReady(SelectionKey readyKey) throws IOException {
        if (readyKey.isConnectable()) {
            if (!tcp.finishConnect()) {
                return;
            }
            key.interestOps(SelectionKey.OP_WRITE);
        }
        if (tcpOut.hasRemaining() && (readyKey.isWritable() || readyKey.isConnectable())) {
            tcp.write(tcpOut);
            if (!tcpOut.hasRemaining()) {
                key.interestOps(SelectionKey.OP_READ);
            }
            return;
        }
        if (!readyKey.isReadable()) {
            return;
        }
        if (tcpIn == null) {
            if (tcp.read(tcpLength) < 0) {
                throw new IOException("TCP answer from " + address(server) + " ended early");
            }
            if (tcpLength.hasRemaining()) {
                return;
            }
            tcpIn = ByteBuffer.allocate(tcpLength.flip().getShort() & 0xFFFF);
        }
        if (tcp.read(tcpIn) < 0 && tcpIn.hasRemaining()) {
            throw new IOException("TCP answer from " + address(server) + " ended early");
        }
        if (tcpIn.hasRemaining()) {
            return;
        }
        Message answer = parse(tcpIn.array(), tcpIn.capacity());
        if (answer == null || !answers(answer)) {
            throw new IOException("TCP answer from " + address(server) + " does not answer the query");
        }
        succeed(answer);
    }

    private void succeed(Message answer) {
        if (done) {
            return;
        }
        done = true;
        cleanUp();
        listener.answered(answer);
    }

    private void fail(boolean timeout, String problem) {
        if (done) {
            return;
        }
        done = true;
        cleanUp();
        listener.failed(timeout, problem);
    }

    private void cleanUp() {
        if (timer != null) {
            timer.cancel();
        }
        if (key != null) {
            key.cancel();
        }
        DnsLoop.closeQuietly(udp);
        DnsLoop.closeQuietly(tcp);
    }

    private boolean answers(Message answer) {
        return answer.getHeader().getID() == query.getHeader().getID() && answer.getHeader().getFlag(Flags.QR)
            && answer.getQuestion() != null && query.getQuestion() != null
            && answer.getQuestion().getName().equals(query.getQuestion().getName())
            && answer.getQuestion().getType() == query.getQuestion().getType();
    }

    private static Message parse(byte[] buffer, int length) {
        try {
            return new Message(Arrays.copyOf(buffer, length));
        } catch (IOException | RuntimeException malformed) {
            return null; // a datagram anyone could have sent: skipped, not the end of the exchange
        }
    }

    private static String networkError(Throwable e) {
        return "network error (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")";
    }

    static String address(InetSocketAddress address) {
        return address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
