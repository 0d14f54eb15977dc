package dev.postino.core.dns.testing;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Master;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * An in-process authoritative DNS server for tests: UDP and TCP on 127.0.0.1, one ephemeral port for both.
 * It serves records given in code ({@link #add(String)}, {@link #addTxt}) or as master-file text
 * ({@link #loadZone}), answers NXDOMAIN or NODATA with an SOA (so negative answers can be cached), follows
 * CNAMEs within its data, and injects faults per name and type: no answer, SERVFAIL, truncated UDP answer;
 * or no answer at all for a whole zone ({@link #blackHole}).
 *
 * <p>UDP answers larger than 512 octets (or the client's EDNS(0) size) come back truncated, as from a real
 * server. Every query is counted, so tests can see what a cache saved. Close it (try-with-resources).
 */
public final class TestDnsServer implements AutoCloseable {

    /** An injected fault. */
    public enum Fault {
        /** Never answer (the client times out). */
        TIMEOUT,
        /** Answer SERVFAIL. */
        SERVFAIL,
        /** Answer over UDP with TC set and no records, whatever the size; TCP answers normally. */
        TRUNCATE
    }

    private record Key(Name name, int type) {
    }

    private static final long DEFAULT_TTL = 300;

    private final Map<Name, List<Record>> data = new ConcurrentHashMap<>();
    private final Map<Key, Fault> faults = new ConcurrentHashMap<>();
    private final Map<Key, AtomicInteger> counts = new ConcurrentHashMap<>();
    private final Set<Name> blackHoles = ConcurrentHashMap.newKeySet();
    private final AtomicInteger udpQueries = new AtomicInteger();
    private final AtomicInteger tcpQueries = new AtomicInteger();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Socket> connections = new CopyOnWriteArrayList<>();
    private final DatagramSocket udp;
    private final ServerSocket tcp;
    private volatile long negativeTtl = 60;
    private volatile long answerDelayNanos;
    private final ScheduledExecutorService delayed =
        Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "test-dns-delay");
            thread.setDaemon(true);
            return thread;
        });
    private volatile boolean running = true;

    private TestDnsServer(DatagramSocket udp, ServerSocket tcp) {
        this.udp = udp;
        this.tcp = tcp;
    }

    /** Starts a server on 127.0.0.1:{@code port}, UDP and TCP ({@code ./postino run --demo-dns}; tests use {@link #start()}). */
    public static TestDnsServer start(int port) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, port));
        ServerSocket tcp = null;
        try {
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(loopback, port));
            TestDnsServer server = new TestDnsServer(udp, tcp);
            server.startThreads();
            return server;
        } catch (IOException | RuntimeException e) {
            udp.close();
            if (tcp != null) {
                tcp.close();
            }
            throw e;
        }
    }

    /** Starts a server on 127.0.0.1 with an ephemeral port (the same number for UDP and TCP). */
    public static TestDnsServer start() throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        IOException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            DatagramSocket udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
            try {
                ServerSocket tcp = new ServerSocket();
                tcp.setReuseAddress(true);
                tcp.bind(new InetSocketAddress(loopback, udp.getLocalPort()));
                TestDnsServer server = new TestDnsServer(udp, tcp);
                server.startThreads();
                return server;
            } catch (BindException taken) {
                udp.close();
                last = taken;
            }
        }
        throw new IOException("no port free for both UDP and TCP after 20 attempts", last);
    }

    /** The address to give a resolver: 127.0.0.1 and the port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(udp.getLocalAddress(), udp.getLocalPort());
    }

    public int port() {
        return udp.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}, the form the DNS configuration parameters take. */
    public String hostPort() {
        return "127.0.0.1:" + port();
    }

    // ---- data ----

    /** Adds one record in master-file syntax with an absolute owner, e.g. {@code "example.com. 300 IN A 192.0.2.1"}. */
    public TestDnsServer add(String recordLine) {
        return loadZone(recordLine, Name.root);
    }

    /** Adds the records of a master file (with $ORIGIN, $TTL, relative names) read against {@code origin}. */
    public TestDnsServer loadZone(String masterText, String origin) {
        try {
            return loadZone(masterText, Name.fromString(origin.endsWith(".") ? origin : origin + "."));
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad origin " + origin, e);
        }
    }

    private TestDnsServer loadZone(String masterText, Name origin) {
        InputStream in = new ByteArrayInputStream(masterText.getBytes(StandardCharsets.UTF_8));
        try (Master master = new Master(in, origin, DEFAULT_TTL)) {
            Record record;
            while ((record = master.nextRecord()) != null) {
                add(record);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("bad zone text: " + e.getMessage(), e);
        }
        return this;
    }

    public TestDnsServer add(Record record) {
        data.computeIfAbsent(record.getName(), n -> new CopyOnWriteArrayList<>()).add(record);
        return this;
    }

    /**
     * Adds a TXT record whose value is split into 255-octet character-strings, as a publisher of a long
     * record would. The value's chars are taken as octets (ISO-8859-1), so any byte can be served.
     */
    public TestDnsServer addTxt(String name, String value) {
        return addTxt(name, DEFAULT_TTL, value);
    }

    public TestDnsServer addTxt(String name, long ttl, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> parts = new ArrayList<>();
        for (int i = 0; i < bytes.length || parts.isEmpty(); i += 255) {
            parts.add(java.util.Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 255)));
        }
        return add(txtRecord(name(name), ttl, parts));
    }

    /** Adds a TXT record made of exactly these character-strings (each at most 255 octets, chars as octets). */
    public TestDnsServer addTxtStrings(String name, List<String> strings) {
        return add(txtRecord(name(name), DEFAULT_TTL,
            strings.stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toList()));
    }

    /** Built from raw rdata so that no escape processing touches the octets. */
    private static Record txtRecord(Name owner, long ttl, List<byte[]> strings) {
        java.io.ByteArrayOutputStream rdata = new java.io.ByteArrayOutputStream();
        for (byte[] s : strings) {
            if (s.length > 255) {
                throw new IllegalArgumentException("a TXT character-string holds at most 255 octets");
            }
            rdata.write(s.length);
            rdata.write(s, 0, s.length);
        }
        return Record.newRecord(owner, Type.TXT, DClass.IN, ttl, rdata.toByteArray());
    }

    /** Drops all records, faults and black holes, and resets the counters. */
    public void clear() {
        data.clear();
        faults.clear();
        blackHoles.clear();
        counts.clear();
        udpQueries.set(0);
        tcpQueries.set(0);
    }

    /** Every UDP answer leaves this long after its query arrived (a distant server); zero by default. */
    public void setAnswerDelay(Duration delay) {
        answerDelayNanos = delay.toNanos();
    }

    /** TTL and SOA MINIMUM of the SOA added to NXDOMAIN/NODATA answers when the data has no SOA. */
    public void setNegativeTtl(long seconds) {
        this.negativeTtl = seconds;
    }

    // ---- faults ----

    /** Injects {@code fault} for queries of {@code name} and {@code type} (a mnemonic such as "TXT", or "ANY" for all). */
    public void inject(String name, String type, Fault fault) {
        faults.put(new Key(name(name), typeCode(type)), fault);
    }

    public void removeFault(String name, String type) {
        faults.remove(new Key(name(name), typeCode(type)));
    }

    /**
     * Never answers any query for {@code zone} or a name under it, of any type, over UDP or TCP (as a zone
     * whose servers are all gone, or chosen by a sender to hold resolvers up); the queries are still counted.
     */
    public void blackHole(String zone) {
        blackHoles.add(name(zone));
    }

    public void removeBlackHole(String zone) {
        blackHoles.remove(name(zone));
    }

    /** Queries received for {@code zone} and every name under it, of any type (UDP and TCP). */
    public int queriesUnder(String zone) {
        Name apex = name(zone);
        int total = 0;
        for (Map.Entry<Key, AtomicInteger> entry : counts.entrySet()) {
            if (entry.getKey().name().subdomain(apex)) {
                total += entry.getValue().get();
            }
        }
        return total;
    }

    // ---- counters ----

    /** Queries received for {@code name} and {@code type} (UDP and TCP). */
    public int queries(String name, String type) {
        AtomicInteger count = counts.get(new Key(name(name), typeCode(type)));
        return count == null ? 0 : count.get();
    }

    public int udpQueries() {
        return udpQueries.get();
    }

    public int tcpQueries() {
        return tcpQueries.get();
    }

    // ---- serving ----

    private void startThreads() {
        Thread udpThread = new Thread(this::serveUdp, "test-dns-udp-" + port());
        Thread tcpThread = new Thread(this::serveTcp, "test-dns-tcp-" + port());
        for (Thread t : List.of(udpThread, tcpThread)) {
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void serveUdp() {
        byte[] buffer = new byte[65535];
        while (running) {
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            try {
                udp.receive(packet);
            } catch (IOException e) {
                return; // closed
            }
            udpQueries.incrementAndGet();
            byte[] query = java.util.Arrays.copyOf(packet.getData(), packet.getLength());
            byte[] answer = respond(query, true);
            if (answer != null) {
                SocketAddress client = packet.getSocketAddress();
                Runnable send = () -> {
                    try {
                        udp.send(new DatagramPacket(answer, answer.length, client));
                    } catch (IOException e) {
                        // closed, or the client went away
                    }
                };
                long delay = answerDelayNanos;
                if (delay > 0) {
                    // answers wait side by side, so concurrent queries each take one delay, not a queue of them
                    delayed.schedule(send, delay, TimeUnit.NANOSECONDS);
                } else {
                    send.run();
                }
            }
        }
    }

    private void serveTcp() {
        while (running) {
            Socket socket;
            try {
                socket = tcp.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.add(socket);
            Thread handler = new Thread(() -> serveConnection(socket), "test-dns-tcp-conn");
            handler.setDaemon(true);
            threads.add(handler);
            handler.start();
        }
    }

    private void serveConnection(Socket socket) {
        try (socket; DataInputStream in = new DataInputStream(socket.getInputStream())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            while (running) {
                int length = in.readUnsignedShort();
                byte[] query = in.readNBytes(length);
                tcpQueries.incrementAndGet();
                byte[] answer = respond(query, false);
                if (answer == null) {
                    continue; // TIMEOUT fault: stay silent
                }
                DataOutputStream data = new DataOutputStream(out);
                data.writeShort(answer.length);
                data.write(answer);
                data.flush();
            }
        } catch (IOException endOfConnection) {
            // client closed, read timeout, or server closing
        } finally {
            connections.remove(socket);
        }
    }

    /** The wire answer to a wire query, or null to stay silent. */
    private byte[] respond(byte[] wire, boolean overUdp) {
        Message query;
        try {
            query = new Message(wire);
        } catch (IOException malformed) {
            return null;
        }
        Record question = query.getQuestion();
        Message response = new Message(query.getHeader().getID());
        Header header = response.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.AA);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        if (question == null || query.getHeader().getOpcode() != Opcode.QUERY) {
            header.setRcode(Rcode.FORMERR);
            return response.toWire();
        }
        response.addRecord(question, Section.QUESTION);
        Name qname = question.getName();
        int qtype = question.getType();
        counts.computeIfAbsent(new Key(qname, qtype), k -> new AtomicInteger()).incrementAndGet();

        Fault fault = faultFor(qname, qtype);
        if (fault == Fault.TIMEOUT || blackHoled(qname)) {
            return null;
        }
        if (fault == Fault.SERVFAIL) {
            header.setRcode(Rcode.SERVFAIL);
            return response.toWire();
        }
        if (fault == Fault.TRUNCATE && overUdp) {
            header.setFlag(Flags.TC);
            return response.toWire();
        }
        answer(response, qname, qtype);
        if (!overUdp) {
            return response.toWire();
        }
        int limit = 512;
        OPTRecord opt = query.getOPT();
        if (opt != null) {
            limit = Math.max(512, opt.getPayloadSize());
        }
        byte[] full = response.toWire();
        if (full.length <= limit) {
            return full;
        }
        Message truncated = new Message(query.getHeader().getID());
        truncated.getHeader().setFlag(Flags.QR);
        truncated.getHeader().setFlag(Flags.AA);
        truncated.getHeader().setFlag(Flags.TC);
        truncated.addRecord(question, Section.QUESTION);
        return truncated.toWire();
    }

    private boolean blackHoled(Name qname) {
        for (Name zone : blackHoles) {
            if (qname.subdomain(zone)) {
                return true;
            }
        }
        return false;
    }

    private Fault faultFor(Name qname, int qtype) {
        Fault specific = faults.get(new Key(qname, qtype));
        return specific != null ? specific : faults.get(new Key(qname, Type.ANY));
    }

    private void answer(Message response, Name qname, int qtype) {
        Name current = qname;
        for (int hops = 0; hops < 8; hops++) {
            List<Record> records = data.getOrDefault(current, List.of());
            List<Record> matching = records.stream()
                .filter(r -> r.getType() == qtype || qtype == Type.ANY).toList();
            if (!matching.isEmpty()) {
                matching.forEach(r -> response.addRecord(r, Section.ANSWER));
                return;
            }
            Record cname = records.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
            if (cname == null) {
                break;
            }
            response.addRecord(cname, Section.ANSWER);
            current = ((CNAMERecord) cname).getTarget();
        }
        if (!response.getSection(Section.ANSWER).isEmpty()) {
            return; // a CNAME chain that ends without data is still NOERROR
        }
        if (!exists(current)) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        response.addRecord(soaFor(current), Section.AUTHORITY);
    }

    /** A name exists if it owns records or is an empty non-terminal above a name that does. */
    private boolean exists(Name name) {
        if (data.containsKey(name)) {
            return true;
        }
        for (Name owner : data.keySet()) {
            if (owner.subdomain(name)) {
                return true;
            }
        }
        return false;
    }

    private Record soaFor(Name name) {
        for (Name zone = name; ; zone = new Name(zone, 1)) {
            for (Record r : data.getOrDefault(zone, List.of())) {
                if (r.getType() == Type.SOA) {
                    return r;
                }
            }
            if (zone.labels() <= 1) {
                break;
            }
        }
        Name apex = name.labels() > 2 ? new Name(name, name.labels() - 2) : name;
        try {
            return new SOARecord(apex, DClass.IN, negativeTtl, Name.fromString("ns.test."),
                Name.fromString("hostmaster.test."), 1, 3600, 600, 86400, negativeTtl);
        } catch (TextParseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Name name(String name) {
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            throw new IllegalArgumentException("bad name " + name, e);
        }
    }

    private static int typeCode(String type) {
        int code = Type.value(type);
        if (code < 0) {
            throw new IllegalArgumentException("unknown record type " + type);
        }
        return code;
    }

    @Override
    public void close() {
        delayed.shutdownNow();
        running = false;
        udp.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Thread thread : threads) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
