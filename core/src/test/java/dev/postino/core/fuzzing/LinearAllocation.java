package dev.postino.core.fuzzing;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;

/**
 * The memory bound every fuzz target checks: what one call allocates stays linear in the size of its input.
 * Measured in bytes allocated by the calling thread (not in time), so a super-linear parser fails the target
 * deterministically once the fuzzer reaches inputs of a few kilobytes, without wall-clock flakiness.
 */
public final class LinearAllocation {

    /** Bytes allowed per input byte: generous for substrings, lists and ISO-8859-1 to UTF-16 widening. */
    public static final long PER_INPUT_BYTE = 512;
    /** Bytes allowed whatever the input: reasons quoting up to 600 escaped characters through String.format. */
    public static final long FIXED = 4L << 20;

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Work measured; it may throw (a parser's syntax exception is a result like any other). */
    @FunctionalInterface
    public interface Work {
        void run() throws Exception;
    }

    private LinearAllocation() {
    }

    /**
     * Runs {@code work} and fails when it allocated more than {@code PER_INPUT_BYTE * inputSize + FIXED} bytes.
     * Over the bound, it runs once more and judges that run: the first call on a code path also pays for class
     * loading and initialization, which is no cost of the input. The work must be deterministic.
     */
    public static void check(long inputSize, String what, Work work) {
        long limit = PER_INPUT_BYTE * inputSize + FIXED;
        long allocated = measure(work);
        if (allocated > limit) {
            allocated = measure(work);
        }
        assertThat(allocated).as("bytes allocated by %s for %d bytes of input", what, inputSize)
            .isLessThanOrEqualTo(limit);
    }

    private static long measure(Work work) {
        long start = THREADS.getCurrentThreadAllocatedBytes();
        try {
            work.run();
        } catch (Exception resultOfTheWork) {
            // the caller checks results and exceptions itself; here only the cost counts
        }
        return THREADS.getCurrentThreadAllocatedBytes() - start;
    }
}
