package dev.postino.cli;

/** A usage or input error: exit status 2 and one line on standard error. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
