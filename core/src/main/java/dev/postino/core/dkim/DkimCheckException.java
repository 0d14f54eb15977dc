package dev.postino.core.dkim;

/**
 * A check that decides a signature's verdict before the end (syntax error, unusable key...). Internal: the
 * verifier turns it into a {@link DkimResult}; it never leaves the package's public API.
 */
final class DkimCheckException extends Exception {

    private final DkimVerdict verdict;

    DkimCheckException(DkimVerdict verdict, String reason) {
        super(reason, null, false, false);
        this.verdict = verdict;
    }

    static DkimCheckException permerror(String reason) {
        return new DkimCheckException(DkimVerdict.PERMERROR, reason);
    }

    DkimVerdict verdict() {
        return verdict;
    }
}
