package dev.postino.core.retry;

/**
 * A retry rules text that cannot be used. The message is one line naming the line number, what is wrong with
 * which token and what was expected, then the line itself, e.g.
 * {@code line 3: 'F,2h': expected F,cutoff,interval in "example.com * F,2h"}: the mailet puts it verbatim in
 * James's refusal to start, the command line prints it as is.
 */
public final class RetryRuleSyntaxException extends Exception {

    private final int lineNumber;
    private final String line;
    private final String problem;

    public RetryRuleSyntaxException(int lineNumber, String line, String problem) {
        super("line " + lineNumber + ": " + problem + " in \"" + line + "\"");
        this.lineNumber = lineNumber;
        this.line = line;
        this.problem = problem;
    }

    /** 1-based. */
    public int lineNumber() {
        return lineNumber;
    }

    /** The offending line, without its comment. */
    public String line() {
        return line;
    }

    /** What is wrong and what was expected, without the line. */
    public String problem() {
        return problem;
    }
}
