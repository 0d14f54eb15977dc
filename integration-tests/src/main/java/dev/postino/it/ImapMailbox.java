package dev.postino.it;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import javax.mail.Folder;
import javax.mail.Message;
import javax.mail.Session;
import javax.mail.Store;

/** Reads a user's INBOX over real IMAP (javax.mail's IMAP client, as James ships it). */
public final class ImapMailbox {

    private final int port;
    private final String user;
    private final String password;

    public ImapMailbox(int port, String user, String password) {
        this.port = port;
        this.user = user;
        this.password = password;
    }

    /**
     * Waits until the INBOX holds at least {@code count} messages, polling every 100 ms up to {@code timeout},
     * and returns each message's raw bytes, oldest first.
     */
    public List<byte[]> awaitMessages(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<byte[]> messages = fetchWithin(deadline);
        while (messages.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(100);
            messages = fetchWithin(deadline);
        }
        if (messages.size() < count) {
            throw new AssertionError("INBOX of " + user + " holds " + messages.size() + " messages after "
                + timeout.toMillis() + " ms, expected " + count);
        }
        return messages;
    }

    /**
     * Waits until a message whose header block contains {@code Subject: subject} arrives (bounded by
     * {@code timeout}) and returns it as text.
     */
    public String awaitSubject(String subject, Duration timeout) throws Exception {
        return awaitContaining("Subject: " + subject + "\r\n", timeout);
    }

    /** Waits until a message containing {@code text} arrives (bounded by {@code timeout}) and returns it as text. */
    public String awaitContaining(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (byte[] raw : fetchWithin(deadline)) {
                String message = new String(raw, java.nio.charset.StandardCharsets.UTF_8);
                if (message.contains(text)) {
                    return message;
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("no message with '" + text.strip() + "' in the INBOX of " + user
                    + " after " + timeout.toMillis() + " ms");
            }
            Thread.sleep(100);
        }
    }

    /** One fetch; a slow or failed IMAP exchange before the deadline counts as "nothing yet" and is retried. */
    private List<byte[]> fetchWithin(long deadline) throws Exception {
        try {
            return fetchAll();
        } catch (javax.mail.MessagingException | java.io.IOException slow) {
            if (System.nanoTime() >= deadline) {
                throw slow;
            }
            return List.of();
        }
    }

    /**
     * Reads every message of the INBOX. James 3.8.1's IMAP server now and then leaves a FETCH response unflushed
     * (its flush changes, JAMES-3870 and JAMES-3997, came after 3.8.1), so an exchange that stalls is abandoned
     * after {@link #READ_TIMEOUT_MS} and done again on a new connection, at most {@link #ATTEMPTS} times.
     */
    public List<byte[]> fetchAll() throws Exception {
        Exception last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                return fetchOnce();
            } catch (javax.mail.MessagingException | java.io.IOException stalled) {
                last = stalled;
                System.err.println("IMAP fetch for " + user + " failed (attempt " + attempt + " of " + ATTEMPTS
                    + "): " + stalled);
            }
        }
        throw last;
    }

    private static final int ATTEMPTS = 3;
    private static final int READ_TIMEOUT_MS = 10_000;

    private List<byte[]> fetchOnce() throws Exception {
        Properties properties = new Properties();
        properties.setProperty("mail.imap.connectiontimeout", String.valueOf(READ_TIMEOUT_MS));
        properties.setProperty("mail.imap.timeout", String.valueOf(READ_TIMEOUT_MS));
        // one FETCH BODY[] per message rather than 16 KB slices: fewer exchanges that could stall
        properties.setProperty("mail.imap.partialfetch", "false");
        Session session = Session.getInstance(properties);
        Store store = session.getStore("imap");
        store.connect("127.0.0.1", port, user, password);
        try {
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            try {
                List<byte[]> raw = new ArrayList<>();
                for (Message message : inbox.getMessages()) {
                    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                    message.writeTo(bytes);
                    raw.add(bytes.toByteArray());
                }
                return raw;
            } finally {
                if (inbox.isOpen()) {
                    inbox.close(false);
                }
            }
        } finally {
            store.close();
        }
    }
}
