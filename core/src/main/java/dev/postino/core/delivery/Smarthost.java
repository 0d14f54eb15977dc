package dev.postino.core.delivery;

import java.util.Objects;

/**
 * A relay host that takes every message instead of the recipients' MX hosts, optionally with AUTH PLAIN or LOGIN.
 * The password goes only over TLS whose certificate is valid for {@code host} (see {@link TlsRequirement#of}),
 * unless a lab set-up says otherwise.
 *
 * @param host              a host name or an IP address literal: the name the certificate must carry
 * @param port              its SMTP port
 * @param username          for AUTH, or null for none
 * @param password          for AUTH (null when {@code username} is)
 * @param authWithoutTls    whether AUTH may send the password on a connection without TLS (default: never)
 * @param verifyTls         whether AUTH needs the certificate verified against {@code host} (default: yes); false
 *                          still needs TLS but accepts any certificate
 */
public record Smarthost(String host, int port, String username, String password, boolean authWithoutTls,
                        boolean verifyTls) {

    public Smarthost {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, was " + port);
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("a username goes with a password");
        }
    }

    /**
     * Parses {@code host:port} ({@code [v6]:port} for an IPv6 literal); the port defaults to 25.
     *
     * @throws IllegalArgumentException naming the text and the expected form
     */
    public static Smarthost parse(String text) {
        String t = text.strip();
        String host = t;
        String port = null;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            host = close < 0 ? "" : t.substring(1, close);
            port = close >= 0 && t.length() > close + 1 && t.charAt(close + 1) == ':' ? t.substring(close + 2) : null;
        } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
            host = t.substring(0, t.indexOf(':'));
            port = t.substring(t.indexOf(':') + 1);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9.:_-]+")) {
            throw new IllegalArgumentException("'" + text + "' is not a smarthost: expected host:port such as relay.example.com:587");
        }
        int number = 25;
        if (port != null) {
            try {
                number = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                number = -1;
            }
            if (number < 1 || number > 65535) {
                throw new IllegalArgumentException("'" + text + "' is not a smarthost: expected a port from 1 to 65535 after ':'");
            }
        }
        return new Smarthost(host, number, null, null, false, true);
    }

    public Smarthost withCredentials(String user, String secret, boolean allowWithoutTls) {
        return new Smarthost(host, port, user, secret, allowWithoutTls, verifyTls);
    }

    /** For lab set-ups whose smarthost has a certificate no trust store knows: TLS still, any certificate. */
    public Smarthost withTlsVerify(boolean verify) {
        return new Smarthost(host, port, username, password, authWithoutTls, verify);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
        return host + ":" + port + (username == null ? "" : " (AUTH as " + username + ")");
    }
}
