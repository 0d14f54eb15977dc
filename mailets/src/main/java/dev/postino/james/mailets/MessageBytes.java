package dev.postino.james.mailets;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

import javax.mail.MessagingException;
import javax.mail.internet.MimeMessage;

/** The first octets of a message, without holding more than that in memory however large the message is. */
final class MessageBytes {

    private MessageBytes() {
    }

    static byte[] prefix(MimeMessage message, int max) throws MessagingException {
        Prefix out = new Prefix(max);
        try {
            message.writeTo(out);
        } catch (Full enough) {
            // the rest is not read
        } catch (IOException e) {
            throw new MessagingException("cannot read the message", e);
        }
        return out.bytes.toByteArray();
    }

    private static final class Full extends IOException {
        private static final long serialVersionUID = 1L;

        Full() {
            super("prefix full", null);
        }
    }

    private static final class Prefix extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final int max;

        Prefix(int max) {
            this.max = max;
        }

        @Override
        public void write(int b) throws IOException {
            if (bytes.size() >= max) {
                throw new Full();
            }
            bytes.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            int room = max - bytes.size();
            bytes.write(b, off, Math.min(room, len));
            if (len > room) {
                throw new Full();
            }
        }
    }
}
