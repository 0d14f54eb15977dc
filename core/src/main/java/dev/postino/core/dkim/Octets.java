package dev.postino.core.dkim;

import java.util.Arrays;

/** A growable run of octets, written a char at a time (chars are octets here, ISO-8859-1). Not thread-safe. */
final class Octets {

    private byte[] bytes;
    private int length;

    Octets(int capacity) {
        bytes = new byte[Math.max(16, capacity)];
    }

    int length() {
        return length;
    }

    /** The backing array: valid up to {@link #length()}. */
    byte[] array() {
        return bytes;
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, length);
    }

    void truncate(int newLength) {
        length = newLength;
    }

    /** Room for {@code n} more octets: the backing array, to write from {@link #length()} on, then {@link #truncate}. */
    byte[] reserve(int n) {
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
        return bytes;
    }

    void put(int octet) {
        if (length == bytes.length) {
            bytes = Arrays.copyOf(bytes, bytes.length * 2);
        }
        bytes[length++] = (byte) octet;
    }

    void put(String text, int from, int to) {
        int n = to - from;
        if (length + n > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
        }
        for (int i = from; i < to; i++) {
            bytes[length++] = (byte) text.charAt(i); // chars are octets here
        }
    }
}
