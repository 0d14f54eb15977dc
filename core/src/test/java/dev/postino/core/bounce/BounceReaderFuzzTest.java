package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.postino.core.fuzzing.LinearAllocation;

/**
 * Coverage-guided fuzzing of {@link BounceReader#read(byte[])} with raw message octets. Seeds:
 * {@code BounceReaderFuzzTestInputs/read/} (a Postfix DSN, a qmail bounce, an ARF report, an auto-reply, an Exim
 * notice with X-Failed-Recipients, a nested message/rfc822 and a mismatched boundary).
 *
 * <p>Invariants: nothing throws; memory stays linear in the input; {@code bounce} is true exactly when some
 * recipient's reason is a failure; a report of kind none names no recipient; every status is empty or X.Y.Z;
 * hard follows Sisimai's rule; the recipients never outnumber the limit; reading is deterministic.
 */
class BounceReaderFuzzTest {

    /**
     * While fuzzing, Jazzer's hooks on String.contains and indexOf allocate on every call, and the phrase table makes
     * a few thousand such calls per message: 6 MB counted against 150 KB without them (input
     * {@code allocation-under-instrumentation}). So memory is judged when the inputs are replayed, uninstrumented,
     * in {@code mvn test}, every input the fuzzer keeps included.
     */
    private static final boolean FUZZING = System.getenv("JAZZER_FUZZ") != null;

    @FuzzTest
    void read(byte[] input) {
        if (!FUZZING) {
            LinearAllocation.check(input.length, "BounceReader.read", () -> BounceReader.read(input));
        }
        BounceReport report = BounceReader.read(input);
        assertThat(report.bounce()).isEqualTo(report.recipients().stream().anyMatch(r -> r.reason().isFailure()));
        if (report.kind() == BounceReport.Kind.NONE) {
            assertThat(report.recipients()).isEmpty();
        }
        assertThat(report.recipients().size()).isLessThanOrEqualTo(BounceReader.Limits.DEFAULT.maxRecipients());
        for (BouncedRecipient r : report.recipients()) {
            assertThat(r.status()).satisfiesAnyOf(s -> assertThat(s).isEmpty(),
                    s -> assertThat(RecipientFacts.isStatus(s)).as(s).isTrue());
            boolean temporary = r.status().startsWith("4");
            assertThat(r.hard()).as(r.toString()).isEqualTo(r.reason().isHard(temporary));
        }
        assertThat(BounceReader.read(input)).isEqualTo(report);
    }
}
