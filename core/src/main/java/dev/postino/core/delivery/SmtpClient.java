package dev.postino.core.delivery;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

import dev.postino.core.retry.FailureClass;
import dev.postino.core.smtp.EnhancedStatusCode;
import dev.postino.core.smtp.SmtpPhase;
import dev.postino.core.smtp.SmtpReply;
import dev.postino.core.dsn.OriginalRecipient;
import dev.postino.core.smtp.Xtext;

/**
 * One SMTP session with one remote host, on plain JDK sockets, that keeps every reply: the greeting, EHLO (HELO
 * when EHLO is refused), STARTTLS (see {@link TlsRequirement}), AUTH PLAIN or LOGIN for a smarthost, MAIL with
 * SIZE, BODY=8BITMIME, SMTPUTF8 and the DSN parameters RET and ENVID, one RCPT per recipient with NOTIFY and ORCPT,
 * DATA with dot-stuffing, and the end-of-data reply. With PIPELINING (RFC 2920), MAIL, the RCPTs and DATA go in one
 * write; without, one command at a time. Thread-safe:
 * each {@link #deliver} call opens its own connection.
 *
 * <p>Every outcome names the host and the phase. A failure before any recipient got a reply of its own (no
 * connection, a refused greeting or EHLO, TLS, a temporary MAIL refusal, a lost connection) is marked
 * {@linkplain HostAttempt#tryNextHost() worth trying the next host}; once a recipient has its reply, the answer
 * stands.
 *
 * <p>Timeouts are deadlines ({@link SmtpTimeouts}): before every read the socket waits only for what is left of the
 * reply's time and of the session's, so that a server sending one byte at a time cannot hold the session open.
 *
 * <p>A session the client gives up on while it can still speak (a refused greeting, EHLO or MAIL, TLS required and
 * not offered, a message over SIZE, every recipient refused) ends with {@code QUIT} and its reply (RFC 5321 section
 * 4.1.1.10), as does every transaction; only a session that is broken (lost, timed out, a malformed reply, a failed
 * handshake, a message cut off in the middle of DATA) is just closed.
 *
 * <p>The message is streamed from its {@link MessageContent} to the socket in blocks of 64 KiB through
 * {@link SmtpDataStream} (line ends, long lines, dot-stuffing), never copied whole. Envelope values are checked
 * before any command: a sender address with a control character (CR, LF, NUL, any C0 or C1 control, DEL) fails
 * every recipient with {@code 5.1.7}, an ENVID with one with {@code 5.5.4}, a recipient address or ORCPT with one
 * that recipient with {@code 5.1.3}; ORCPT and ENVID are sent as xtext (RFC 3461 section 4).
 */
public final class SmtpClient {

    /** One address of one MX host (or of the smarthost), and the port to use. */
    public record RemoteHost(String name, InetAddress address, int port) {
        public RemoteHost {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
        }

        /** {@code mx.example.com [192.0.2.1]:25}: what outcomes name as the remote host. */
        public String label() {
            return name + " [" + address.getHostAddress() + "]" + (port == 25 ? "" : ":" + port);
        }
    }

    /**
     * The result of one session: an outcome per recipient, in the message's order.
     *
     * @param tryNextHost whether the failure happened before any recipient's own reply, so that another host may do better
     * @param dsnOffered  whether the host offered DSN, so that a success means {@code delivered} rather than {@code relayed}
     * @param tlsActive   whether the session ran over TLS (what TLS reports count)
     */
    public record HostAttempt(List<AttemptOutcome> outcomes, boolean tryNextHost, boolean dsnOffered, AttemptTrace trace,
                              boolean tlsActive) {
        public HostAttempt(List<AttemptOutcome> outcomes, boolean tryNextHost, boolean dsnOffered) {
            this(outcomes, tryNextHost, dsnOffered, null, false);
        }

        HostAttempt withTrace(AttemptTrace other) {
            return new HostAttempt(outcomes, tryNextHost, dsnOffered, other, tlsActive);
        }
    }

    private static final int MAX_LINE = 8192;
    private static final int MAX_REPLY_LINES = 200;
    private static final int CHUNK = 64 * 1024;
    /** RFC 3463 X.7.4 "security features not supported": STARTTLS missing or refused where TLS is required. */
    static final EnhancedStatusCode TLS_UNAVAILABLE = new EnhancedStatusCode(4, 7, 4);
    /** RFC 3463 X.7.5 "cryptographic failure": the handshake or the certificate failed. */
    static final EnhancedStatusCode TLS_FAILED = new EnhancedStatusCode(4, 7, 5);
    /** RFC 3463 X.1.7 "bad sender's mailbox address syntax". */
    static final EnhancedStatusCode BAD_SENDER = new EnhancedStatusCode(5, 1, 7);
    /** RFC 3463 X.1.3 "bad destination mailbox address syntax". */
    static final EnhancedStatusCode BAD_RECIPIENT = new EnhancedStatusCode(5, 1, 3);
    /** RFC 3463 X.5.4 "invalid command arguments". */
    static final EnhancedStatusCode BAD_ARGUMENT = new EnhancedStatusCode(5, 5, 4);
    /** How long the reply to QUIT is waited for, within what is left of the session. */
    private static final Duration QUIT_REPLY = Duration.ofSeconds(5);
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "postino-smtp-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    private final DeliveryOptions options;
    private final Clock clock;

    public SmtpClient(DeliveryOptions options, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Delivers {@code message} to {@code host}. Never throws for anything the remote host does: every failure is an
     * outcome. Recipients refused by {@link #envelopeRefusals} get their refusal without a command being sent.
     *
     * @param requireTls whether the recipients' domain requires TLS verified against {@code host}'s name
     * @param smarthost  the smarthost whose credentials AUTH uses, or null for an MX host
     * @throws UncheckedIOException when the message itself cannot be read; nothing was delivered (a session that had
     *                              begun the message is dropped before its final dot, so the server discards it)
     */
    public HostAttempt deliver(RemoteHost host, OutboundMessage message, boolean requireTls, Smarthost smarthost) {
        List<AttemptOutcome> refused = envelopeRefusals(message, now());
        List<OutboundMessage.Recipient> sendable = new ArrayList<>();
        for (int i = 0; i < refused.size(); i++) {
            if (refused.get(i) == null) {
                sendable.add(message.recipients().get(i));
            }
        }
        if (sendable.isEmpty()) {
            return new HostAttempt(refused, false, false);
        }
        if (sendable.size() == refused.size()) {
            return attempt(host, message, requireTls, smarthost);
        }
        HostAttempt attempt = attempt(host, message.withRecipients(sendable), requireTls, smarthost);
        List<AttemptOutcome> outcomes = new ArrayList<>(refused);
        int next = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == null) {
                outcomes.set(i, attempt.outcomes().get(next++));
            }
        }
        return new HostAttempt(outcomes, attempt.tryNextHost(), attempt.dsnOffered(), attempt.trace(), attempt.tlsActive());
    }

    /**
     * One outcome per recipient of {@code message}, in its order: a permanent refusal for a recipient whose envelope
     * values cannot be written into a command, null for one that may be sent. Control characters would end the
     * command line or confuse the server's parser (RFC 5321 section 4.1.2 allows none in a path; RFC 3461 sections
     * 4.2 and 4.4 allow only printable text in ORCPT and ENVID), so they refuse rather than being sent or dropped.
     */
    static List<AttemptOutcome> envelopeRefusals(OutboundMessage message, Instant now) {
        AttemptOutcome all = null;
        if (hasControl(message.sender())) {
            all = AttemptOutcome.permanent("", BAD_SENDER, "the sender address holds a control character ("
                + controls(message.sender()) + "); nothing was sent", "", SmtpPhase.MAIL, now);
        } else if (message.envelopeId() != null && hasControl(message.envelopeId())) {
            all = AttemptOutcome.permanent("", BAD_ARGUMENT, "the envelope ID (ENVID) holds a control character ("
                + controls(message.envelopeId()) + "); nothing was sent", "", SmtpPhase.MAIL, now);
        }
        List<AttemptOutcome> outcomes = new ArrayList<>();
        for (OutboundMessage.Recipient recipient : message.recipients()) {
            String orcpt = recipient.orcpt();
            int semicolon = orcpt == null ? -1 : orcpt.indexOf(';');
            String problem = hasControl(recipient.address()) ? "the recipient address holds a control character ("
                + controls(recipient.address()) + ")"
                : orcpt != null && hasControl(orcpt) ? "its original recipient (ORCPT) holds a control character ("
                + controls(orcpt) + ")"
                : orcpt != null && semicolon > 0 && !orcpt.substring(0, semicolon).matches("[A-Za-z0-9][A-Za-z0-9-]*")
                ? "its original recipient (ORCPT) has no valid address type" : null;
            outcomes.add(all != null ? all.forRecipient(recipient.address()) : problem == null ? null
                : AttemptOutcome.permanent(recipient.address(), BAD_RECIPIENT, problem + "; it was not sent", "",
                SmtpPhase.RCPT, now));
        }
        return outcomes;
    }

    /** Whether {@code text} holds a C0 or C1 control character or DEL (Unicode category Cc). */
    static boolean hasControl(String text) {
        return text.codePoints().anyMatch(c -> Character.getType(c) == Character.CONTROL);
    }

    /** The control characters of {@code text} as {@code U+000D}, for the diagnostic (never the characters themselves). */
    private static String controls(String text) {
        return String.join(" ", text.codePoints().filter(c -> Character.getType(c) == Character.CONTROL).distinct()
            .mapToObj(c -> String.format("U+%04X", c)).toList());
    }

    private HostAttempt attempt(RemoteHost host, OutboundMessage message, boolean requireTls, Smarthost smarthost) {
        TlsRequirement tls = TlsRequirement.of(requireTls, smarthost);
        HostAttempt attempt = session(host, message, tls, smarthost, true);
        AttemptOutcome first = attempt.outcomes().get(0);
        if (attempt.tryNextHost() && !tls.requiresTls() && first.failureClass() == FailureClass.TLS
            && first.phase() == SmtpPhase.STARTTLS) {
            // RFC 7435: a failed opportunistic handshake must not stop delivery; try again in the clear.
            return session(host, message, tls, smarthost, false);
        }
        return attempt;
    }

    private HostAttempt session(RemoteHost host, OutboundMessage message, TlsRequirement tls, Smarthost smarthost,
                                boolean useTls) {
        MessageContent.Scan scan = scan(message);
        Session session = new Session(host, System.nanoTime() + options.timeouts().sessionDeadline(scan.size()).toNanos());
        try {
            HostAttempt attempt = session.run(message, scan, tls, smarthost, useTls);
            return new HostAttempt(attempt.outcomes(), attempt.tryNextHost(), attempt.dsnOffered(), session.trace(),
                session.tlsActive);
        } catch (Failure failure) {
            return new HostAttempt(failure.forAll(message), failure.tryNextHost, session.dsnOffered, session.trace(),
                session.tlsActive);
        } finally {
            session.end();
        }
    }

    private static MessageContent.Scan scan(OutboundMessage message) {
        try {
            return message.content().scan();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the message: " + e.getMessage(), e);
        }
    }

    /** Ends the session for every recipient without a reply of its own. */
    private static final class Failure extends Exception {
        private final AttemptOutcome outcome;
        private final boolean tryNextHost;

        Failure(AttemptOutcome outcome, boolean tryNextHost) {
            super(outcome.text(), null, false, false);
            this.outcome = outcome;
            this.tryNextHost = tryNextHost;
        }

        List<AttemptOutcome> forAll(OutboundMessage message) {
            return message.recipients().stream().map(r -> outcome.forRecipient(r.address())).toList();
        }
    }

    private final class Session {
        private final RemoteHost host;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private boolean tlsActive;
        /** Whether the TLS session's certificate chain was trusted and named {@link #host}. */
        private boolean tlsVerified;
        private boolean dsnOffered;
        private String tlsProtocol;
        private String tlsCipher;
        /** When MAIL FROM went out: connection setup ends, transmission starts (the delivery log's delays). */
        private Instant transmissionStarted;
        /** Whether the server can still read a command from us: connected, and no failure left the session broken. */
        private boolean usable;
        private final AtomicBoolean watchdogFired = new AtomicBoolean();
        /** {@link System#nanoTime()} by which the whole session must be over. */
        private final long sessionDeadline;

        Session(RemoteHost host, long sessionDeadline) {
            this.host = host;
            this.sessionDeadline = sessionDeadline;
        }

        /** The session's part of the delivery log's line: host, TLS, start of transmission. */
        AttemptTrace trace() {
            AttemptTrace.Tls kind = !tlsActive ? AttemptTrace.Tls.NONE : tlsVerified ? AttemptTrace.Tls.VERIFIED
                : AttemptTrace.Tls.ANONYMOUS;
            return new AttemptTrace(AttemptTrace.relay(host), kind, tlsActive ? tlsProtocol : null,
                tlsActive ? tlsCipher : null, null, transmissionStarted, null);
        }

        HostAttempt run(OutboundMessage message, MessageContent.Scan scan, TlsRequirement tls, Smarthost smarthost,
                        boolean useTls) throws Failure {
            connect();
            Reply greeting = read(SmtpPhase.GREETING, options.timeouts().command(), true);
            expect(greeting, 2, SmtpPhase.GREETING, true);
            Map<String, String> extensions = ehlo();
            if (extensions.containsKey("STARTTLS") && useTls) {
                extensions = startTls(tls, extensions);
            } else if (tls.requiresTls()) {
                throw failure(FailureClass.TLS, TLS_UNAVAILABLE, "TLS is required " + (smarthost != null ? "for the smarthost"
                    : "for this domain") + " and " + host.name() + " does not offer STARTTLS", SmtpPhase.STARTTLS, true);
            }
            requireNegotiated(tls, SmtpPhase.STARTTLS);
            if (smarthost != null && smarthost.username() != null) {
                authenticate(smarthost, extensions);
            }
            dsnOffered = extensions.containsKey("DSN");
            return transaction(message, scan, tls, extensions);
        }

        /** The last word before anything of the message goes out: the session is as secure as {@code tls} demands. */
        private void requireNegotiated(TlsRequirement tls, SmtpPhase phase) throws Failure {
            if (tls.requiresTls() && !tlsActive || tls == TlsRequirement.VERIFIED && !tlsVerified) {
                throw failure(FailureClass.TLS, TLS_UNAVAILABLE, "TLS " + (tls == TlsRequirement.VERIFIED ? "with a verified"
                    + " certificate " : "") + "is required and the session with " + host.name() + " has none", phase, true);
            }
        }

        private void connect() throws Failure {
            Duration timeout = min(options.timeouts().connect());
            try {
                if (timeout.isZero()) {
                    throw new DeadlineExceeded(sessionExpired());
                }
                socket = new Socket();
                socket.connect(new InetSocketAddress(host.address(), host.port()), millis(timeout));
                streams();
                usable = true;
            } catch (DeadlineExceeded e) {
                throw failure(FailureClass.TIMEOUT, e.getMessage(), SmtpPhase.CONNECT, true);
            } catch (SocketTimeoutException e) {
                throw failure(FailureClass.TIMEOUT, "no answer from " + where() + " within "
                    + timeout.toSeconds() + "s", SmtpPhase.CONNECT, true);
            } catch (ConnectException | NoRouteToHostException e) {
                String why = e.getMessage() == null ? "" : e.getMessage();
                throw failure(FailureClass.REFUSED, why.toLowerCase(Locale.ROOT).contains("refused")
                    ? "connection refused by " + where() : "cannot connect to " + where() + ": " + why, SmtpPhase.CONNECT, true);
            } catch (IOException e) {
                throw failure(FailureClass.LOST_CONNECTION, "cannot connect to " + where() + ": " + e, SmtpPhase.CONNECT, true);
            }
        }

        /** {@code mx.example.com [192.0.2.1]:25}: the host, its address and the port, for diagnostics. */
        private String where() {
            return host.name() + " [" + host.address().getHostAddress() + "]:" + host.port();
        }

        private void streams() throws IOException {
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        }

        private Map<String, String> ehlo() throws Failure {
            Reply reply = command("EHLO " + options.heloName(), SmtpPhase.EHLO, true);
            if (reply.code / 100 == 5) {
                // RFC 5321 section 3.2: a server that does not know EHLO still knows HELO.
                expect(command("HELO " + options.heloName(), SmtpPhase.EHLO, true), 2, SmtpPhase.EHLO, true);
                return Map.of();
            }
            expect(reply, 2, SmtpPhase.EHLO, true);
            Map<String, String> extensions = new LinkedHashMap<>();
            for (String line : reply.lines.subList(1, reply.lines.size())) {
                String[] keyword = line.strip().split("[ =]", 2);
                extensions.put(keyword[0].toUpperCase(Locale.ROOT), keyword.length > 1 ? keyword[1].strip() : "");
            }
            return extensions;
        }

        private Map<String, String> startTls(TlsRequirement requirement, Map<String, String> clearExtensions) throws Failure {
            Reply reply = command("STARTTLS", SmtpPhase.STARTTLS, true);
            if (reply.code != 220) {
                if (requirement.requiresTls()) {
                    // RFC 3207 section 4: only 220 starts TLS; a 250 is a downgrade, whoever sent it.
                    throw failure(FailureClass.TLS, TLS_UNAVAILABLE, "STARTTLS refused: " + reply.asSmtpReply(),
                        SmtpPhase.STARTTLS, true);
                }
                // Opportunistic: carry on in the clear; the session is still in its state after EHLO.
                return clearExtensions;
            }
            boolean verify = requirement == TlsRequirement.VERIFIED;
            ScheduledFuture<?> watchdog = null;
            try {
                SSLContext context = verify ? verifiedContext() : UNVERIFIED_TLS;
                SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host.name(), host.port(), true);
                if (verify) {
                    SSLParameters parameters = tls.getSSLParameters();
                    // The certificate must name the host connected to: the MX name (RFC 7672 checks a DANE-less name
                    // the same way) or the smarthost's.
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(parameters);
                }
                Duration timeout = min(options.timeouts().command());
                // The handshake reads many times: one deadline for all of it, not a timeout per read.
                watchdog = WATCHDOG.schedule(this::abort, Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
                tls.setSoTimeout(millis(timeout));
                tls.startHandshake();
                socket = tls;
                streams();
                tlsActive = true;
                tlsVerified = verify;
                tlsProtocol = tls.getSession().getProtocol();
                tlsCipher = tls.getSession().getCipherSuite();
            } catch (IOException | GeneralSecurityException e) {
                usable = false; // half a handshake: nothing more can be said on this connection
                String reason = watchdogFired.get() ? "no TLS handshake within the deadline" : handshakeFailure(e);
                throw failure(FailureClass.TLS, TLS_FAILED, "TLS with " + host.name() + " failed: " + reason,
                    SmtpPhase.STARTTLS, true);
            } finally {
                if (watchdog != null) {
                    watchdog.cancel(false);
                }
            }
            return ehlo();
        }

        /** The reason a handshake failed, in the words an administrator looks for. */
        private String handshakeFailure(Exception e) {
            String detail = rootMessage(e);
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                // an expired certificate comes wrapped in a CertPathValidatorException: look for it first
                if (cause instanceof CertificateExpiredException || cause instanceof CertificateNotYetValidException
                    || cause instanceof CertPathValidatorException v && (v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED
                    || v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
                    return "certificate not valid now (" + detail + ")";
                }
            }
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof CertPathValidatorException || cause instanceof CertPathBuilderException) {
                    return "certificate not trusted (" + detail + ")";
                }
                if (cause instanceof CertificateException && cause.getMessage() != null
                    && cause.getMessage().matches("(?s).*(No subject alternative|No name matching).*")) {
                    return "certificate does not name " + host.name() + " (" + detail + ")";
                }
            }
            return "handshake failed (" + detail + ")";
        }

        private SSLContext verifiedContext() throws GeneralSecurityException {
            return options.verifiedTls() != null ? options.verifiedTls() : SSLContext.getDefault();
        }

        private void authenticate(Smarthost smarthost, Map<String, String> extensions) throws Failure {
            boolean safe = tlsActive && (tlsVerified || !smarthost.verifyTls()) || smarthost.authWithoutTls();
            if (!safe) {
                throw failure(FailureClass.TLS, TLS_UNAVAILABLE, "AUTH sends the password only over TLS verified against "
                    + smarthost.host() + " and this session has " + (tlsActive ? "unverified TLS" : "no TLS"), SmtpPhase.EHLO, true);
            }
            String mechanisms = " " + extensions.getOrDefault("AUTH", "").toUpperCase(Locale.ROOT) + " ";
            Reply reply;
            if (mechanisms.contains(" PLAIN ")) {
                String token = "\0" + smarthost.username() + "\0" + smarthost.password();
                reply = command("AUTH PLAIN " + base64(token), SmtpPhase.EHLO, false);
            } else if (mechanisms.contains(" LOGIN ")) {
                reply = command("AUTH LOGIN", SmtpPhase.EHLO, false);
                if (reply.code == 334) {
                    reply = command(base64(smarthost.username()), SmtpPhase.EHLO, false);
                }
                if (reply.code == 334) {
                    reply = command(base64(smarthost.password()), SmtpPhase.EHLO, false);
                }
            } else {
                throw authFailure("the smarthost offers neither AUTH PLAIN nor AUTH LOGIN"
                    + (extensions.containsKey("AUTH") ? " (offers " + extensions.get("AUTH") + ")" : ""));
            }
            if (reply.code != 235) {
                throw authFailure("the smarthost refused authentication: " + reply.asSmtpReply());
            }
        }

        /** A configuration problem at the smarthost: deferred as RFC 4954's temporary failure, never bounced. */
        private Failure authFailure(String text) {
            SmtpReply reply = new SmtpReply(454, new EnhancedStatusCode(4, 7, 0), text);
            return new Failure(AttemptOutcome.ofReply("", reply, host.label(), SmtpPhase.EHLO, now()), true);
        }

        private HostAttempt transaction(OutboundMessage message, MessageContent.Scan scan, TlsRequirement tls,
                                        Map<String, String> extensions) throws Failure {
            requireNegotiated(tls, SmtpPhase.MAIL);
            long size = scan.size();
            String sizeLimit = extensions.get("SIZE");
            if (sizeLimit != null && sizeLimit.matches("[0-9]{1,18}") && Long.parseLong(sizeLimit) > 0
                && size > Long.parseLong(sizeLimit)) {
                throw new Failure(AttemptOutcome.tooBig("", size, Long.parseLong(sizeLimit), host.label(), SmtpPhase.MAIL,
                    now()), false);
            }
            boolean utf8 = message.needsSmtpUtf8();
            if (utf8 && !extensions.containsKey("SMTPUTF8")) {
                throw new Failure(AttemptOutcome.permanent("", new EnhancedStatusCode(5, 6, 7),
                    "an address is not ASCII and the server does not offer SMTPUTF8", host.label(), SmtpPhase.MAIL, now()), false);
            }
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(message.sender()).append('>');
            if (sizeLimit != null) {
                mail.append(" SIZE=").append(size);
            }
            if (extensions.containsKey("8BITMIME") && scan.eightBit()) {
                mail.append(" BODY=8BITMIME");
            }
            if (utf8) {
                mail.append(" SMTPUTF8");
            }
            if (dsnOffered && message.ret() != null) {
                mail.append(" RET=").append(message.ret());
            }
            if (dsnOffered && message.envelopeId() != null) {
                mail.append(" ENVID=").append(Xtext.encode(message.envelopeId()));
            }
            boolean pipelining = extensions.containsKey("PIPELINING");
            transmissionStarted = now();
            if (pipelining) {
                // RFC 2920: MAIL, every RCPT and DATA in one write; the replies come back in the same order.
                List<String> batch = new ArrayList<>();
                batch.add(mail.toString());
                message.recipients().forEach(r -> batch.add(rcpt(r)));
                batch.add("DATA");
                try {
                    write(String.join("\r\n", batch));
                } catch (IOException e) {
                    throw ioFailure(e, SmtpPhase.MAIL, true);
                }
            }
            Reply mailReply = pipelining ? reply(SmtpPhase.MAIL, true) : command(mail.toString(), SmtpPhase.MAIL, true);
            if (pipelining && mailReply.code / 100 != 2) {
                // The RCPTs and DATA are answered too: read those replies so that QUIT's is the next one.
                skipPipelinedReplies(message.recipients().size());
            }
            // A temporary refusal of the sender may be this host's alone; a permanent one stands.
            expect(mailReply, 2, SmtpPhase.MAIL, mailReply.code / 100 == 4);

            List<AttemptOutcome> outcomes = new ArrayList<>();
            List<Integer> accepted = new ArrayList<>();
            for (OutboundMessage.Recipient recipient : message.recipients()) {
                Reply reply;
                try {
                    reply = pipelining ? reply(SmtpPhase.RCPT, false) : command(rcpt(recipient), SmtpPhase.RCPT, false);
                } catch (Failure lost) {
                    // Nothing was delivered: whoever has no final answer yet is retried.
                    return new HostAttempt(keepRefusals(outcomes, lost.forAll(message)), false, dsnOffered);
                }
                outcomes.add(AttemptOutcome.ofReply(recipient.address(), decisive(reply), host.label(), SmtpPhase.RCPT, now()));
                if (reply.code / 100 == 2) {
                    accepted.add(outcomes.size() - 1);
                }
            }
            if (accepted.isEmpty()) {
                if (pipelining) {
                    endRefusedPipelinedData();
                }
                return new HostAttempt(outcomes, false, dsnOffered);
            }
            AttemptOutcome dataOutcome = data(message, pipelining);
            for (int index : accepted) {
                outcomes.set(index, dataOutcome.forRecipient(outcomes.get(index).recipient()));
            }
            return new HostAttempt(outcomes, false, dsnOffered);
        }

        /** A refusal a recipient already got stands; accepted and unanswered ones share the lost connection. */
        private List<AttemptOutcome> keepRefusals(List<AttemptOutcome> answered, List<AttemptOutcome> lost) {
            List<AttemptOutcome> result = new ArrayList<>(lost);
            for (int i = 0; i < answered.size(); i++) {
                if (answered.get(i).result() != AttemptOutcome.Result.DELIVERED) {
                    result.set(i, answered.get(i));
                }
            }
            return result;
        }

        private String rcpt(OutboundMessage.Recipient recipient) {
            StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(recipient.address()).append('>');
            if (dsnOffered && !recipient.notifyOn().isEmpty()) {
                rcpt.append(" NOTIFY=").append(String.join(",", recipient.notifyOn().stream().sorted().toList()));
            }
            if (dsnOffered && recipient.orcpt() != null) {
                rcpt.append(" ORCPT=").append(OriginalRecipient.parse(recipient.orcpt()).asParameter());
            }
            return rcpt.toString();
        }

        /** The pipelined DATA's reply when no recipient was accepted; after a 354, RFC 2920 asks for an empty message. */
        private void endRefusedPipelinedData() {
            try {
                if (reply(SmtpPhase.DATA, false).code == 354) {
                    write(".");
                    reply(SmtpPhase.END_OF_DATA, false);
                }
            } catch (IOException | Failure e) {
                usable = false; // every recipient already has its answer; the session has none left to give
            }
        }

        /** After a pipelined MAIL was refused: the replies to its {@code recipients} RCPTs and to DATA, unused. */
        private void skipPipelinedReplies(int recipients) {
            try {
                for (int i = 0; i < recipients; i++) {
                    reply(SmtpPhase.RCPT, false);
                }
            } catch (Failure e) {
                usable = false;
                return;
            }
            endRefusedPipelinedData();
        }

        /** DATA (already sent when pipelining), the content and the final reply, as one outcome for every accepted recipient. */
        private AttemptOutcome data(OutboundMessage message, boolean pipelined) {
            try {
                Reply go = pipelined ? reply(SmtpPhase.DATA, false) : command("DATA", SmtpPhase.DATA, false);
                if (go.code != 354) {
                    return AttemptOutcome.ofReply("", go.code / 100 == 2 ? protocolError(go) : decisive(go),
                        host.label(), SmtpPhase.DATA, now());
                }
                // From here until the final reply a command would be read as text of the message.
                usable = false;
                SmtpDataStream wire = new SmtpDataStream(this::sendBlock, CHUNK, true);
                try {
                    message.content().writeTo(wire);
                    wire.finish();
                } catch (IOException | RuntimeException e) {
                    IOException network = wireFailure(e);
                    if (network != null) {
                        throw network;
                    }
                    // The message cannot be read: hang up without the final dot, so that nothing is delivered.
                    close();
                    throw e instanceof IOException io ? new UncheckedIOException("cannot read the message: " + e.getMessage(), io)
                        : (RuntimeException) e;
                }
                Reply end = read(SmtpPhase.END_OF_DATA, options.timeouts().endOfData(), false);
                usable = true;
                return AttemptOutcome.ofReply("", decisive(end), host.label(), SmtpPhase.END_OF_DATA, now());
            } catch (Failure failure) {
                return failure.outcome;
            } catch (IOException e) {
                usable = false;
                // RFC 5321 section 6.1: without the final reply the message may or may not have arrived; retrying
                // risks a duplicate, which SMTP accepts, never a loss.
                FailureClass kind = watchdogFired.get() || e instanceof SocketTimeoutException ? FailureClass.TIMEOUT
                    : FailureClass.LOST_CONNECTION;
                String text = watchdogFired.get() && remainingNanos() <= 0 ? sessionExpired() : describe(kind, e);
                return AttemptOutcome.temporary("", kind, text, host.label(), SmtpPhase.DATA, now());
            }
        }

        /** One block of the message to the socket, within the data block's deadline and the session's. */
        private void sendBlock(byte[] block, int length) throws IOException {
            Duration blockTime = min(options.timeouts().dataBlock());
            if (blockTime.isZero()) {
                throw new WireFailure(new DeadlineExceeded(sessionExpired()));
            }
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(this::abort, Math.max(1, blockTime.toMillis()),
                TimeUnit.MILLISECONDS);
            try {
                out.write(block, 0, length);
                out.flush();
            } catch (IOException e) {
                throw new WireFailure(e);
            } finally {
                watchdog.cancel(false);
            }
        }

        private void abort() {
            watchdogFired.set(true);
            close();
        }

        /** QUIT and its reply when the session can still take a command (RFC 5321 section 4.1.1.10), then the close. */
        void end() {
            if (usable && !watchdogFired.get()) {
                usable = false;
                try {
                    write("QUIT");
                    read(SmtpPhase.END_OF_DATA, min(QUIT_REPLY), false);
                } catch (IOException | Failure ignored) {
                    // the session is over; how the server says goodbye does not matter
                }
            }
            close();
        }

        private Reply command(String line, SmtpPhase phase, boolean tryNextHost) throws Failure {
            try {
                write(line);
            } catch (IOException e) {
                throw ioFailure(e, phase, tryNextHost);
            }
            return reply(phase, tryNextHost);
        }

        /** The next reply to a command already sent. */
        private Reply reply(SmtpPhase phase, boolean tryNextHost) throws Failure {
            return read(phase, options.timeouts().command(), tryNextHost);
        }

        private void write(String line) throws IOException {
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        /** One whole reply, within {@code timeout} and the session's deadline however the server spreads its bytes. */
        private Reply read(SmtpPhase phase, Duration timeout, boolean tryNextHost) throws Failure {
            long replyDeadline = System.nanoTime() + timeout.toNanos();
            boolean sessionFirst = sessionDeadline - replyDeadline < 0;
            long deadline = sessionFirst ? sessionDeadline : replyDeadline;
            String expiry = sessionFirst ? sessionExpired() : "no complete reply within " + seconds(timeout);
            try {
                List<String> lines = new ArrayList<>();
                for (int i = 0; i < MAX_REPLY_LINES; i++) {
                    String line = readLine(deadline, expiry);
                    if (line.length() < 3 || !line.substring(0, 3).matches("[2-5][0-9][0-9]")
                        || line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-') {
                        usable = false;
                        throw new Failure(AttemptOutcome.temporary("", FailureClass.LOST_CONNECTION,
                            "malformed reply '" + printable(line) + "'", host.label(), phase, now()), tryNextHost);
                    }
                    lines.add(line.length() > 4 ? line.substring(4) : "");
                    if (line.length() == 3 || line.charAt(3) == ' ') {
                        return new Reply(Integer.parseInt(line.substring(0, 3)), lines);
                    }
                }
                usable = false;
                throw new Failure(AttemptOutcome.temporary("", FailureClass.LOST_CONNECTION,
                    "reply of over " + MAX_REPLY_LINES + " lines", host.label(), phase, now()), tryNextHost);
            } catch (IOException e) {
                throw ioFailure(e, phase, tryNextHost);
            }
        }

        private String readLine(long deadline, String expiry) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (line.size() <= MAX_LINE) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DeadlineExceeded(expiry);
                }
                // A timeout per read would let one byte per timeout go on for ever: wait only for what is left.
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, TimeUnit.NANOSECONDS.toMillis(left))));
                int b;
                try {
                    b = in.read();
                } catch (SocketTimeoutException e) {
                    throw new DeadlineExceeded(expiry);
                }
                if (b < 0) {
                    throw new EOFException("connection closed by the server");
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.UTF_8);
                    return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
                }
                line.write(b);
            }
            throw new IOException("reply line over " + MAX_LINE + " octets");
        }

        private void expect(Reply reply, int statusClass, SmtpPhase phase, boolean tryNextHost) throws Failure {
            if (reply.code / 100 != statusClass) {
                SmtpReply smtp = reply.code / 100 == 4 || reply.code / 100 == 5 ? reply.asSmtpReply() : protocolError(reply);
                throw new Failure(AttemptOutcome.ofReply("", smtp, host.label(), phase, now()), tryNextHost);
            }
        }

        /** A reply that decides: 2xx, 4xx or 5xx as given; a 3xx where none belongs counts as a temporary failure. */
        private SmtpReply decisive(Reply reply) {
            return reply.code / 100 == 3 ? protocolError(reply) : reply.asSmtpReply();
        }

        /** A reply of the wrong kind (e.g. 354 to EHLO): the server is confused; try again later. */
        private SmtpReply protocolError(Reply reply) {
            return new SmtpReply(451, null, "unexpected reply: " + reply.asSmtpReply());
        }

        private Failure ioFailure(IOException e, SmtpPhase phase, boolean tryNextHost) {
            usable = false;
            FailureClass kind = e instanceof SocketTimeoutException || watchdogFired.get() ? FailureClass.TIMEOUT
                : e instanceof SSLException ? FailureClass.TLS : FailureClass.LOST_CONNECTION;
            return new Failure(AttemptOutcome.temporary("", kind, describe(kind, e), host.label(), phase, now()), tryNextHost);
        }

        private Failure failure(FailureClass kind, String text, SmtpPhase phase, boolean tryNextHost) {
            return failure(kind, null, text, phase, tryNextHost);
        }

        private Failure failure(FailureClass kind, EnhancedStatusCode status, String text, SmtpPhase phase, boolean tryNextHost) {
            return new Failure(AttemptOutcome.temporary("", kind, status, text, host.label(), phase, now()), tryNextHost);
        }

        private long remainingNanos() {
            return sessionDeadline - System.nanoTime();
        }

        /** {@code timeout}, or what is left of the session when that is less; zero once the session is over. */
        private Duration min(Duration timeout) {
            long left = remainingNanos();
            return left <= 0 ? Duration.ZERO : left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
        }

        private String sessionExpired() {
            return "session deadline passed (" + seconds(options.timeouts().session()) + " plus the message's transfer time)";
        }

        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** A reply as read: the code and each line's text after the code. */
    private record Reply(int code, List<String> lines) {
        /** As one {@link SmtpReply}: the first line's enhanced code, all lines' texts joined by a space. */
        SmtpReply asSmtpReply() {
            SmtpReply first = SmtpReply.parse(code + " " + lines.get(0));
            StringBuilder text = new StringBuilder(first.text());
            for (String line : lines.subList(1, lines.size())) {
                String rest = SmtpReply.parse(code + " " + line).text();
                text.append(text.length() == 0 || rest.isEmpty() ? "" : " ").append(rest);
            }
            return new SmtpReply(code, first.enhancedCode(), printable(text.toString()));
        }
    }

    /** Writing to the socket failed (as against reading the message): the network's fault, the session's end. */
    private static final class WireFailure extends IOException {
        WireFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** The socket's failure behind {@code e} (a source may wrap what it could not write), or null when it has none. */
    private static IOException wireFailure(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof WireFailure wire) {
                return (IOException) wire.getCause();
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }

    /** A deadline, not an idle timeout, ran out; the message says which. */
    private static final class DeadlineExceeded extends SocketTimeoutException {
        DeadlineExceeded(String message) {
            super(message);
        }
    }

    private static String describe(FailureClass kind, IOException e) {
        if (e instanceof DeadlineExceeded) {
            return e.getMessage();
        }
        return switch (kind) {
            case TIMEOUT -> "timed out waiting for the server";
            case TLS -> "TLS failure: " + e.getMessage();
            default -> e instanceof EOFException ? "connection closed by the server" : "connection lost: " + e.getMessage();
        };
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Remote text goes into logs and notifications: no control characters. */
    private static String printable(String text) {
        return text.replaceAll("[\\p{Cntrl}&&[^\t]]", "?");
    }

    private Instant now() {
        return clock.instant();
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return printable(String.valueOf(root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName()));
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** Opportunistic TLS encrypts against passive eavesdroppers only, so it accepts any certificate (RFC 7435). */
    private static final SSLContext UNVERIFIED_TLS = unverifiedContext();

    private static SSLContext unverifiedContext() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    // a client certificate is never asked of us here
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // opportunistic: any certificate encrypts
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
