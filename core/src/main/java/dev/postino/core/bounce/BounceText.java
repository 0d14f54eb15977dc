package dev.postino.core.bounce;

import java.util.Locale;

/** Small linear scans over report text: line ends, addresses, status codes, reply codes. No regular expressions. */
final class BounceText {

    private BounceText() {
    }

    /** Octets as ISO-8859-1 text (one char per octet) with CRLF and bare CR turned into LF. */
    static String fromOctets(byte[] octets, int from, int to) {
        boolean cr = false;
        for (int i = from; i < to; i++) {
            if (octets[i] == '\r') {
                cr = true;
                break;
            }
        }
        if (!cr) {
            return new String(octets, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        char[] out = new char[to - from];
        int n = 0;
        for (int i = from; i < to; i++) {
            int b = octets[i] & 0xff;
            if (b == '\r') {
                out[n++] = '\n';
                if (i + 1 < to && octets[i + 1] == '\n') {
                    i++;
                }
            } else {
                out[n++] = (char) b;
            }
        }
        return new String(out, 0, n);
    }

    static String lineEnds(String text) {
        if (text.indexOf('\r') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r') {
                out.append('\n');
                if (i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static boolean isAddressChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '-' || c == '_' || c == '+' || c == '=' || c == '\'' || c == '/'
                || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '*' || c == '?'
                || c == '^' || c == '`' || c == '{' || c == '|' || c == '}' || c == '~' || c >= 0x80;
    }

    private static boolean isDomainChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'
                || c == '_' || c == '[' || c == ']' || c == ':' || c >= 0x80;
    }

    /**
     * The first e-mail address in text[from, to), as [start, end) of the address, or null. An address is
     * local@domain where the domain has a dot (or is a literal).
     */
    static int[] findAddress(String text, int from, int to) {
        int pos = from;
        while (pos < to) {
            int at = text.indexOf('@', pos);
            if (at < 0 || at >= to) {
                return null;
            }
            int s = at;
            while (s > from && isAddressChar(text.charAt(s - 1)) && at - s < 256) {
                s--;
            }
            int e = at + 1;
            while (e < to && isDomainChar(text.charAt(e)) && e - at < 256) {
                e++;
            }
            while (e > at + 1 && (text.charAt(e - 1) == '.' || text.charAt(e - 1) == ':'
                    || text.charAt(e - 1) == '-')) {
                e--;
            }
            while (s < at && (text.charAt(s) == '.' || text.charAt(s) == '\'' || text.charAt(s) == '/'
                    || text.charAt(s) == '=')) {
                s++;
            }
            String domain = text.substring(at + 1, e);
            if (s < at && e > at + 1 && (domain.indexOf('.') > 0 || domain.startsWith("["))
                    && !domain.startsWith(".")) {
                return new int[] {s, e};
            }
            pos = at + 1;
        }
        return null;
    }

    /** The address in a field value such as "rfc822; <a@b>" or "Name <a@b>", or the value trimmed. */
    static String addressIn(String value) {
        String v = value;
        int semi = v.indexOf(';');
        if (semi >= 0 && semi < 20 && v.indexOf('@') > semi) {
            v = v.substring(semi + 1);
        }
        String bare = v.trim();
        if (bare.startsWith("<") && bare.endsWith(">")) {
            bare = bare.substring(1, bare.length() - 1).trim();
        }
        if (bare.indexOf('@') > 0 && bare.indexOf(' ') < 0 && bare.indexOf('\t') < 0 && bare.indexOf('<') < 0) {
            return bare;
        }
        int[] a = findAddress(v, 0, v.length());
        if (a != null) {
            return v.substring(a[0], a[1]);
        }
        v = v.trim();
        if (v.startsWith("<") && v.endsWith(">")) {
            v = v.substring(1, v.length() - 1);
        }
        return v.trim();
    }

    /**
     * The first enhanced status code (RFC 3463, class 2, 4 or 5) in text, or "". A code is digit.digits.digits
     * standing alone (not part of an IP address or a version number).
     */
    static String findStatus(String text) {
        String first = "";
        int from = 0;
        for (int tries = 0; tries < 64; tries++) {
            int at = nextStatus(text, from);
            if (at < 0) {
                break;
            }
            String status = codeAt(text, at);
            if (first.isEmpty()) {
                first = status;
            }
            if (status.charAt(0) != '2') {
                return status; // a transcript's failure, not the 250 before it
            }
            from = at + status.length();
        }
        return first;
    }

    private static String codeAt(String text, int i) {
        int j = i + 2;
        while (j < text.length() && (isDigit(text.charAt(j)) || text.charAt(j) == '.')) {
            j++;
        }
        String s = text.substring(i, j);
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** Where the next enhanced status code at or after from starts, or -1. */
    private static int nextStatus(String text, int from) {
        int n = text.length();
        for (int i = from; i + 4 < n; i++) {
            char c = text.charAt(i);
            if ((c != '2' && c != '4' && c != '5') || text.charAt(i + 1) != '.') {
                continue;
            }
            if (i > 0) {
                char p = text.charAt(i - 1);
                if (Character.isLetterOrDigit(p) || p == '.' || p == '-' || p == '/' || p == ':' || p == '_') {
                    continue;
                }
            }
            int j = i + 2;
            int d1 = j;
            while (j < n && j - d1 < 3 && isDigit(text.charAt(j))) {
                j++;
            }
            if (j == d1 || j >= n || text.charAt(j) != '.') {
                continue;
            }
            j++;
            int d2 = j;
            while (j < n && j - d2 < 3 && isDigit(text.charAt(j))) {
                j++;
            }
            if (j == d2) {
                continue;
            }
            if (j < n) {
                char a = text.charAt(j);
                if (isDigit(a) || Character.isLetter(a) || a == '-' || a == '@' || a == '_') {
                    continue;
                }
                if (a == '.' && j + 1 < n && isDigit(text.charAt(j + 1))) {
                    continue;
                }
            }
            return i;
        }
        return -1;
    }

    /** The first SMTP reply code (2xx, 4xx, 5xx standing alone) in text, or "". */
    static String findReplyCode(String text) {
        int n = text.length();
        for (int i = 0; i + 2 < n; i++) {
            char c = text.charAt(i);
            if ((c != '2' && c != '4' && c != '5') || !isDigit(text.charAt(i + 1)) || !isDigit(text.charAt(i + 2))) {
                continue;
            }
            if (i > 0) {
                char p = text.charAt(i - 1);
                if (Character.isLetterOrDigit(p) || p == '.' || p == '-' || p == '#' || p == '/' || p == ':'
                        || p == '[' || p == '=' || p == '_' || p == '+') {
                    continue;
                }
            }
            if (i + 3 < n) {
                char a = text.charAt(i + 3);
                if (a != ' ' && a != '-' && a != '\n' && a != '\t' && a != '"' && a != ')' && a != ';'
                        && a != ',') {
                    continue;
                }
            }
            if (text.charAt(i + 1) > '5') {
                continue;
            }
            return text.substring(i, i + 3);
        }
        return "";
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Lowercase with every run of white space (and line ends) folded to one space. */
    static String squash(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean space = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                space = out.length() > 0;
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** Text with line breaks folded into single spaces, trimmed: a one-line diagnostic. */
    static String oneLine(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean space = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                space = out.length() > 0;
                continue;
            }
            if (c < 0x20 || c == 0x7f) {
                continue;
            }
            if (space) {
                out.append(' ');
                space = false;
            }
            out.append(c);
        }
        return out.toString();
    }
}
