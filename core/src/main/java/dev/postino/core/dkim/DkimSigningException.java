package dev.postino.core.dkim;

/** A message {@link DkimSigner} refuses to sign, with the reason in one line. */
public final class DkimSigningException extends Exception {

    public DkimSigningException(String reason) {
        super(reason, null, false, false);
    }
}
