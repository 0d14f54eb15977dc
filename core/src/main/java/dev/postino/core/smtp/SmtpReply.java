package dev.postino.core.smtp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One SMTP reply as the remote server gave it: the basic three-digit code (RFC 5321), the RFC 3463 enhanced
 * status code when the reply carries one (null otherwise), and the remaining text.
 */
public record SmtpReply(int code, EnhancedStatusCode enhancedCode, String text) {

    private static final Pattern LINE = Pattern.compile("([2-5][0-9][0-9])(?:[ -](.*))?", Pattern.DOTALL);
    private static final Pattern ENHANCED = Pattern.compile("([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?:[ \\t]+(.*))?", Pattern.DOTALL);

    public SmtpReply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code must be 200-599, was " + code);
        }
        if (enhancedCode != null && enhancedCode.statusClass() != code / 100) {
            throw new IllegalArgumentException("enhanced code " + enhancedCode + " does not agree with reply code " + code);
        }
        text = text == null ? "" : text;
    }

    /**
     * Parses one reply line such as {@code 451 4.7.1 Greylisted, try later} (a trailing CR LF is ignored; a
     * {@code -} after the code, as on the lines of a multi-line reply, is accepted). A code such as
     * {@code 4.7.1} after the basic code is the enhanced status code only when its class agrees with the basic
     * code (RFC 3463 section 2 requires that); otherwise it is kept as text.
     *
     * @throws IllegalArgumentException when the line does not start with a reply code 200-599
     */
    public static SmtpReply parse(String line) {
        String trimmed = line.strip();
        Matcher m = LINE.matcher(trimmed);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + line + "' is not an SMTP reply: expected a code 200-599, then an optional"
                + " enhanced status code and text, such as '451 4.7.1 try again later'");
        }
        int code = Integer.parseInt(m.group(1));
        String rest = m.group(2) == null ? "" : m.group(2).strip();
        Matcher e = ENHANCED.matcher(rest);
        if (e.matches()) {
            EnhancedStatusCode enhanced = EnhancedStatusCode.parse(e.group(1));
            if (enhanced.statusClass() == code / 100) {
                return new SmtpReply(code, enhanced, e.group(2) == null ? "" : e.group(2).strip());
            }
        }
        return new SmtpReply(code, null, rest);
    }

    /** 4xx: the server may accept the same command later. */
    public boolean isTransient() {
        return code / 100 == 4;
    }

    /** 5xx: retrying the same command will not help. */
    public boolean isPermanent() {
        return code / 100 == 5;
    }

    /** The enhanced code when the reply has one, else {@code X.0.0} of the basic code's class. */
    public EnhancedStatusCode statusOrUndefined() {
        return enhancedCode != null ? enhancedCode : EnhancedStatusCode.undefinedOf(code);
    }

    /** The reply as one line, e.g. {@code 451 4.7.1 Greylisted}: what a notification's Diagnostic-Code carries. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder().append(code);
        if (enhancedCode != null) {
            s.append(' ').append(enhancedCode);
        }
        if (!text.isEmpty()) {
            s.append(' ').append(text);
        }
        return s.toString();
    }
}
