package dev.postino.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Set;

import dev.postino.core.dkim.DkimAlgorithm;
import dev.postino.core.dkim.DkimSigner;
import dev.postino.core.dkim.DkimSigningException;
import dev.postino.core.dkim.DkimSigningKey;

/**
 * {@code postino dkim sign} and {@code postino dkim keygen}: signs one message as the {@code DkimSign} mailet signs
 * (relaxed/relaxed, its default header list with oversigning unless {@code --headers}), and makes a key pair with
 * the DNS record to publish.
 */
final class DkimSignCommand {

    static final Set<String> SIGN_OPTIONS = Set.of("domain", "selector", "key", "algorithm", "headers");
    static final Set<String> KEYGEN_OPTIONS = Set.of("domain", "selector", "algorithm", "bits", "out");

    static final String SIGN_USAGE = "postino dkim sign --domain DOMAIN --selector SEL --key FILE "
        + "[--algorithm rsa-sha256|ed25519-sha256] [--headers h1:h2:...] FILE";
    static final String KEYGEN_USAGE = "postino dkim keygen --domain DOMAIN --selector SEL "
        + "--algorithm rsa-sha256|ed25519-sha256 [--bits 2048] --out FILE";

    /** TXT character-strings hold at most 255 octets: longer records are written as several. */
    private static final int TXT_STRING = 255;

    private DkimSignCommand() {
    }

    static int sign(Arguments arguments, List<String> files, Terminal terminal) throws UsageException, IOException {
        if (files.size() != 1) {
            throw new UsageException("expected one message FILE (or - for standard input)", true);
        }
        String keyFile = arguments.required("key");
        String pem;
        try {
            pem = Files.readString(Path.of(keyFile), StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new UsageException("no such key file: " + keyFile);
        } catch (IOException e) {
            throw new UsageException("cannot read the key file " + keyFile + ": " + e.getMessage());
        }
        DkimSigningKey key;
        List<String> headers = null;
        try {
            key = DkimSigningKey.fromPem(arguments.required("domain"), arguments.required("selector"),
                arguments.value("algorithm"), pem);
            if (arguments.value("headers") != null) {
                headers = DkimSigner.checkedHeaders(List.of(arguments.value("headers").split(":")));
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        byte[] message;
        try {
            message = Arguments.readMessage(files.get(0), terminal.in());
        } catch (IOException e) {
            throw new UsageException("cannot read " + files.get(0) + ": " + e.getMessage());
        }
        byte[] signed;
        try {
            signed = new DkimSigner(Clock.systemUTC(), null, headers).sign(message, List.of(key));
        } catch (DkimSigningException e) {
            throw new UsageException("will not sign this message: " + e.getMessage());
        }
        terminal.out().write(signed);
        terminal.out().flush();
        return 0;
    }

    static int keygen(Arguments arguments, List<String> extra, Terminal terminal) throws UsageException, IOException {
        if (!extra.isEmpty()) {
            throw new UsageException("unexpected argument '" + extra.get(0) + "'", true);
        }
        DkimSigningKey key;
        try {
            DkimAlgorithm algorithm = DkimSigningKey.signingAlgorithm(arguments.required("algorithm"));
            String bitsText = arguments.value("bits");
            if (bitsText != null && algorithm != DkimAlgorithm.RSA_SHA256) {
                throw new UsageException("--bits is for rsa-sha256 keys only");
            }
            int bits;
            try {
                bits = bitsText == null ? 2048 : Integer.parseInt(bitsText);
            } catch (NumberFormatException e) {
                throw new UsageException("--bits '" + bitsText + "': expected a number of bits, 2048 to 8192");
            }
            key = DkimSigningKey.generate(arguments.required("domain"), arguments.required("selector"), algorithm, bits);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path out = Path.of(arguments.required("out"));
        try {
            Files.writeString(out, key.privateKeyPem(), StandardCharsets.US_ASCII, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new UsageException(out + " exists: a key is never overwritten");
        } catch (NoSuchFileException e) {
            throw new UsageException("cannot write " + out + ": no such folder");
        }
        try {
            Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's own protection applies
        }
        terminal.out().println(zoneLine(key));
        return 0;
    }

    /** {@code SEL._domainkey.DOMAIN. IN TXT "..."}, split into character-strings of at most 255 octets. */
    static String zoneLine(DkimSigningKey key) {
        String record = key.keyRecord();
        StringBuilder line = new StringBuilder(key.recordName()).append(". IN TXT ");
        for (int i = 0; i < record.length(); i += TXT_STRING) {
            line.append(i == 0 ? "" : " ").append('"').append(record, i, Math.min(record.length(), i + TXT_STRING)).append('"');
        }
        return line.toString();
    }
}
