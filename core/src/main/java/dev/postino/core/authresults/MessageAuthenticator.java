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
import dev.postino.core.spf.SpfEvaluator;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;

/**
 * SPF, DKIM and DMARC for one message, as the authentication mailet and {@code postino auth} run them: SPF's
 * lookups and DMARC's policy discovery start first, DKIM verifies while the message streams past (its key
 * lookups start once the header section is read), and DMARC aligns once SPF and DKIM are done. Thread-safe.
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

    /** Opens the raw message; called at most once, and only when DKIM must run. */
    @FunctionalInterface
    public interface MessageSource {
        InputStream open() throws IOException;
    }

    /**
     * Authenticates one message.
     *
     * @param clientIp   the SMTP client's address
     * @param mailFrom   the reverse-path (empty for the null one)
     * @param helo       the HELO/EHLO name
     * @param fromFields the raw values of the message's From fields (see
     *                   {@link dev.postino.core.dmarc.AuthorDomains#fromFields})
     * @param message    the raw message, read once for DKIM; not closed
     * @throws IOException only when reading {@code message} fails
     */
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, List<String> fromFields,
                                InputStream message) throws IOException {
        InputStream unclosed = new FilterInputStream(message) {
            @Override
            public void close() {
                // the caller owns the stream
            }
        };
        return authenticate(clientIp, mailFrom, helo, fromFields, null, null, () -> unclosed);
    }

    /**
     * Authenticates one message, reusing the SPF and DKIM verdicts an earlier step left (a step does not redo
     * what the previous one did).
     *
     * @param knownSpf  the SPF verdict already computed, or null to check SPF now
     * @param knownDkim the DKIM verdicts already computed, or null to verify now
     * @param message   opened (and closed) only when {@code knownDkim} is null
     * @throws IOException only when reading the message fails
     */
    public Outcome authenticate(InetAddress clientIp, String mailFrom, String helo, List<String> fromFields,
                                SpfResult knownSpf, List<DkimResult> knownDkim, MessageSource message)
        throws IOException {
        CompletableFuture<SpfResult> spfCheck = knownSpf != null ? CompletableFuture.completedFuture(knownSpf)
            : spf.evaluate(SpfRequest.mailFrom(clientIp, mailFrom, helo));
        CompletableFuture<AuthenticatedIdentifiers> identifiers = new CompletableFuture<>();
        CompletableFuture<DmarcResult> dmarcCheck = dmarc.evaluate(fromFields, identifiers);
        List<DkimResult> signatures;
        try {
            signatures = knownDkim != null ? knownDkim : verify(message);
        } catch (IOException | RuntimeException e) {
            identifiers.completeExceptionally(e);
            throw e;
        }
        SpfResult spfResult = spfCheck.join();
        identifiers.complete(new AuthenticatedIdentifiers(spfResult.domain(), spfResult.verdict(), signatures));
        return new Outcome(spfResult, signatures, dmarcCheck.join());
    }

    private List<DkimResult> verify(MessageSource source) throws IOException {
        try (InputStream in = source.open()) {
            return dkim.verify(in);
        }
    }
}
