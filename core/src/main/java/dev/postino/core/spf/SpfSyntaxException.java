package dev.postino.core.spf;

/** An SPF record or macro string that does not follow the RFC 7208 grammar; the message names the bad term. */
final class SpfSyntaxException extends Exception {

    SpfSyntaxException(String message) {
        super(message, null, false, false);
    }
}
