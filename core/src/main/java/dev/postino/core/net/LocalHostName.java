package dev.postino.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This host's name as the system knows it: the default wherever Postino names itself (HELO name, SPF
 * receiver, authserv-id, Reporting-MTA). A name that is not a valid host name (letters, digits, dots,
 * hyphens) becomes {@code localhost}, so that it can never break a protocol line or a header field.
 */
public final class LocalHostName {

    private LocalHostName() {
    }

    public static String get() {
        try {
            String name = InetAddress.getLocalHost().getHostName();
            return name.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?") ? name : "localhost";
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
