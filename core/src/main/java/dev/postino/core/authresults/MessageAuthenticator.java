package dev.postino.core.authresults;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerifier;
import dev.postino.core.dmarc.AuthenticatedIdentifiers;
import dev.postino.core.dmarc.DmarcEvaluator;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.mime.HeaderSection;
import dev.postino.core.mime.HeaderSectionReader;
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;

/**
 * SPF, DKIM and DMARC for one message, as the authentication mailet, the SMTP hook and {@code postino auth} run
 * them: SPF's lookups start first, the header section is read once ({@link HeaderSectionReader}) and gives DMARC
 * its From fields, so DMARC's policy discovery starts while DKIM verifies the rest of the message as it streams
 * past (its key lookups start once the header section is read); DMARC aligns once SPF and DKIM are done.
 * Thread-safe.
 */
public final class MessageAuthenticator {

    private final SpfEvaluator spf;
    private final DkimVerifier dkim;
    private final DmarcEvaluator dmarc;

    public MessageAuthenticator(SpfEvaluator spf, DkimVerifier dkim, DmarcEvaluator dmarc) {
        this.spf = Objects.requireNonNull(spf, "spf");
        this.dkim = Objects.requireNonNull(dkim, "dkim");
        this.dmarc = Objects.requireNonNull(dmarc, "dmarc");
    }

    /** The three verdicts of one message. */
    public record Outcome(SpfResult spf, List<DkimResult> dkim, DmarcResult dmarc) {

        public Outcome {
            dkim = List.copyOf(dkim);
        }

        /** The Authentication-Results field for these verdicts. */
        public AuthenticationResultsField field(String authservId) {
            return new AuthenticationResultsField(authservId).spf(spf).dkim(dkim).dmarc(dmarc);
        }
    }

    /** Opens the raw message; called at most once. */
    @FunctionalInterface
    public interface MessageSource {
        InputStream open() throws IOException;
    }

    /**
     * Authenticates one message, read once: its header section gives DMARC its From fields (and whether the
     * section is malformed, see {@link HeaderSection#problem()}), and DKIM continues with the body.
     *
     * @param clientIp the SMTP client's address
     * @param mailFrom the reverse-path (empty for the null one)
     * @param helo     the HELO/EHLO name
     * @param message  the raw message as received; not closed
     * @throws IOException only when reading {@code message} fails
     */
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, InputStream message)
        throws IOException {
        return authenticate(clientIp, mailFrom, helo, null, null, () -> unclosed(message));
    }

    /**
     * {@link #authenticate(InetAddress, String, String, InputStream)} reusing the SPF and DKIM verdicts an earlier
     * step left (a step does not redo what the previous one did).
     *
     * @param knownSpf  the SPF verdict already computed, or null to check SPF now
     * @param knownDkim the DKIM verdicts already computed, or null to verify now
     * @param message   opened (and closed) once; only its header section is read when {@code knownDkim} is given
     * @throws IOException only when reading the message fails
     */
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, SpfResult knownSpf,
                                List<DkimResult> knownDkim, MessageSource message) throws IOException {
        CompletableFuture<SpfResult> spfCheck = spfCheck(clientIp, mailFrom, helo, knownSpf);
        CompletableFuture<AuthenticatedIdentifiers> identifiers = new CompletableFuture<>();
        try (InputStream in = message.open()) {
            HeaderSectionReader reader = new HeaderSectionReader(in);
            HeaderSection headers;
            try {
                headers = dkim.readHeaderSection(reader);
            } catch (IOException | RuntimeException e) {
                identifiers.completeExceptionally(e);
                throw e;
            }
            CompletableFuture<DmarcResult> dmarcCheck = dmarc.evaluate(headers.authorFieldValues(),
                headers.problem().orElse(""), identifiers);
            List<DkimResult> signatures = knownDkim != null ? knownDkim : verify(() -> dkim.verify(reader), identifiers);
            return finish(spfCheck, signatures, identifiers, dmarcCheck);
        }
    }

    /**
     * Authenticates one message whose From field values were read apart from it.
     *
     * @deprecated the From fields are then not read as DKIM reads the message, and a malformed header section
     *             is not seen by DMARC; use {@link #authenticate(InetAddress, String, String, InputStream)}
     */
    @Deprecated
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, List<String> fromFields,
                                InputStream message) throws IOException {
        return authenticate(clientIp, mailFrom, helo, fromFields, null, null, () -> unclosed(message));
    }

    /**
     * Authenticates one message whose From field values were read apart from it, reusing known verdicts.
     *
     * @deprecated as {@link #authenticate(InetAddress, String, String, List, InputStream)}; use
     *             {@link #authenticate(InetAddress, String, String, SpfResult, List, MessageSource)}
     */
    @Deprecated
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, List<String> fromFields,
                                SpfResult knownSpf, List<DkimResult> knownDkim, MessageSource message)
        throws IOException {
        CompletableFuture<SpfResult> spfCheck = spfCheck(clientIp, mailFrom, helo, knownSpf);
        CompletableFuture<AuthenticatedIdentifiers> identifiers = new CompletableFuture<>();
        CompletableFuture<DmarcResult> dmarcCheck = dmarc.evaluate(fromFields, identifiers);
        List<DkimResult> signatures = knownDkim != null ? knownDkim : verify(() -> {
            try (InputStream in = message.open()) {
                return dkim.verify(in);
            }
        }, identifiers);
        return finish(spfCheck, signatures, identifiers, dmarcCheck);
    }

    private CompletableFuture<SpfResult> spfCheck(InetAddress clientIp, String mailFrom, String helo, SpfResult known) {
        return known != null ? CompletableFuture.completedFuture(known)
            : spf.evaluate(SpfRequest.mailFrom(clientIp, mailFrom, helo));
    }

    private static Outcome finish(CompletableFuture<SpfResult> spfCheck, List<DkimResult> signatures,
                                  CompletableFuture<AuthenticatedIdentifiers> identifiers,
                                  CompletableFuture<DmarcResult> dmarcCheck) {
        SpfResult spfResult = spfCheck.join();
        identifiers.complete(new AuthenticatedIdentifiers(spfResult.domain(), spfResult.verdict(), signatures));
        return new Outcome(spfResult, signatures, dmarcCheck.join());
    }

    /** Runs DKIM; a failure also settles the identifiers DMARC waits for. */
    private static List<DkimResult> verify(Verification verification,
                                           CompletableFuture<AuthenticatedIdentifiers> identifiers) throws IOException {
        try {
            return verification.run();
        } catch (IOException | RuntimeException e) {
            identifiers.completeExceptionally(e);
            throw e;
        }
    }

    @FunctionalInterface
    private interface Verification {
        List<DkimResult> run() throws IOException;
    }

    private static InputStream unclosed(InputStream message) {
        return new FilterInputStream(message) {
            @Override
            public void close() {
                // the caller owns the stream
            }
        };
    }
}
