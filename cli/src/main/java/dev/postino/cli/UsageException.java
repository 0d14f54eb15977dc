package dev.postino.cli;

/** A usage or input error: exit status 2 and one line on standard error. */
final class UsageException extends Exception {

    private final boolean showUsage;

    UsageException(String message) {
        this(message, true);
    }

    /** @param showUsage false for a bad input (say, a rules file), where the usage line would only add noise */
    UsageException(String message, boolean showUsage) {
        super(message);
        this.showUsage = showUsage;
    }

    /** Whether the command's usage line follows the message. */
    boolean showUsage() {
        return showUsage;
    }
}
