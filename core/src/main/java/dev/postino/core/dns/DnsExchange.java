package dev.postino.core.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Section;

/**
 * One query to one server, blocking, within a deadline: UDP (with EDNS(0) when configured), and the same
 * query over TCP when the UDP answer is truncated. Postino's own transport, run on the DNS client's threads,
 * because dnsjava 3.5.2's shared NIO selector was seen to delay or drop concurrent UDP exchanges by up to a
 * second; dnsjava still encodes and decodes the messages.
 */
final class DnsExchange {

    private static final int MAX_UDP_ANSWER = 65535;

    private DnsExchange() {
    }

    /**
     * @param deadlineNanos {@link System#nanoTime()} after which the exchange gives up with a timeout
     * @throws SocketTimeoutException when no answer came in time
     * @throws IOException on a network error or an answer that does not parse
     */
    static Message exchange(InetSocketAddress server, Message query, int ednsPayloadSize, long deadlineNanos)
        throws IOException {
        if (ednsPayloadSize > 0) {
            query.addRecord(new OPTRecord(ednsPayloadSize, 0, 0), Section.ADDITIONAL);
        }
        Message answer = overUdp(server, query, deadlineNanos);
        if (answer.getHeader().getFlag(Flags.TC)) {
            answer = overTcp(server, query, deadlineNanos);
        }
        return answer;
    }

    private static Message overUdp(InetSocketAddress server, Message query, long deadlineNanos) throws IOException {
        byte[] wire = query.toWire();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.send(new DatagramPacket(wire, wire.length));
            byte[] buffer = new byte[MAX_UDP_ANSWER];
            // Bounded: each wait ends at the deadline; datagrams that do not answer this query are skipped.
            for (int skipped = 0; skipped < 100; skipped++) {
                socket.setSoTimeout(remainingMillis(deadlineNanos));
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                Message answer = parse(buffer, packet.getLength());
                if (answer != null && answers(answer, query)) {
                    return answer;
                }
            }
            throw new IOException("too many unrelated datagrams from " + server);
        }
    }

    private static Message overTcp(InetSocketAddress server, Message query, long deadlineNanos) throws IOException {
        byte[] wire = query.toWire();
        try (Socket socket = new Socket()) {
            socket.connect(server, remainingMillis(deadlineNanos));
            socket.setSoTimeout(remainingMillis(deadlineNanos));
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeShort(wire.length);
            out.write(wire);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] buffer = in.readNBytes(length);
            if (buffer.length != length) {
                throw new IOException("TCP answer from " + server + " ended early");
            }
            Message answer = parse(buffer, length);
            if (answer == null || !answers(answer, query)) {
                throw new IOException("TCP answer from " + server + " does not answer the query");
            }
            return answer;
        }
    }

    private static boolean answers(Message answer, Message query) {
        return answer.getHeader().getID() == query.getHeader().getID() && answer.getHeader().getFlag(Flags.QR)
            && answer.getQuestion() != null && query.getQuestion() != null
            && answer.getQuestion().getName().equals(query.getQuestion().getName())
            && answer.getQuestion().getType() == query.getQuestion().getType();
    }

    private static Message parse(byte[] buffer, int length) {
        try {
            return new Message(java.util.Arrays.copyOf(buffer, length));
        } catch (IOException malformed) {
            return null;
        }
    }

    private static int remainingMillis(long deadlineNanos) throws SocketTimeoutException {
        long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
            throw new SocketTimeoutException("timeout");
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }
}
