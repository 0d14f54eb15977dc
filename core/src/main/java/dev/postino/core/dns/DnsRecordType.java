package dev.postino.core.dns;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Record;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * The record types the engines ask for, each with the plain Java value it yields, so that no
 * engine sees a dnsjava type.
 *
 * @param <T> the value of one record
 */
public final class DnsRecordType<T> {

    public static final DnsRecordType<InetAddress> A =
        new DnsRecordType<>("A", Type.A, r -> ((ARecord) r).getAddress());
    public static final DnsRecordType<InetAddress> AAAA =
        new DnsRecordType<>("AAAA", Type.AAAA, r -> ((AAAARecord) r).getAddress());
    public static final DnsRecordType<MxRecord> MX = new DnsRecordType<>("MX", Type.MX,
        r -> new MxRecord(((MXRecord) r).getPriority(), hostName(((MXRecord) r).getTarget())));
    /**
     * A TXT record's character-strings concatenated with nothing between them (as SPF, DKIM and DMARC
     * read them), each octet mapped to one char (ISO-8859-1) so that non-ASCII input stays visible.
     */
    public static final DnsRecordType<String> TXT = new DnsRecordType<>("TXT", Type.TXT, DnsRecordType::joinTxt);
    public static final DnsRecordType<String> PTR =
        new DnsRecordType<>("PTR", Type.PTR, r -> hostName(((PTRRecord) r).getTarget()));

    private final String name;
    private final int code;
    private final Function<Record, T> decoder;

    private DnsRecordType(String name, int code, Function<Record, T> decoder) {
        this.name = name;
        this.code = code;
        this.decoder = decoder;
    }

    /** The mnemonic, e.g. {@code TXT}. */
    public String name() {
        return name;
    }

    int code() {
        return code;
    }

    T decode(Record record) {
        return decoder.apply(record);
    }

    @Override
    public String toString() {
        return name;
    }

    private static String joinTxt(Record record) {
        StringBuilder joined = new StringBuilder();
        for (byte[] part : ((TXTRecord) record).getStringsAsByteArrays()) {
            joined.append(new String(part, StandardCharsets.ISO_8859_1));
        }
        return joined.toString();
    }

    static String hostName(Name name) {
        String text = name.toString(true);
        return text.toLowerCase(java.util.Locale.ROOT);
    }
}
