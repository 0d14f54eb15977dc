package dev.postino.core.bounce;

/** Which SMTP command a server's refusal answered, as the report's text says it. */
final class SmtpCommands {

    private SmtpCommands() {
    }

    /** "RCPT", "MAIL", "DATA", "EHLO", "HELO", "CONN", "STARTTLS", "AUTH" or "". */
    static String find(String text) {
        String lower = BounceText.squash(text);
        if (lower.isEmpty()) {
            return "";
        }
        String[][] said = {
            {"in reply to rcpt to", "RCPT"}, {"after rcpt to", "RCPT"}, {"rcpt to:<", "RCPT"}, {"rcpt to: <", "RCPT"},
            {">>> rcpt to", "RCPT"}, {"in reply to mail from", "MAIL"}, {"after mail from", "MAIL"},
            {">>> mail from", "MAIL"}, {"in reply to end of data", "DATA"}, {"after end of data", "DATA"},
            {"in reply to data", "DATA"}, {"after data", "DATA"}, {">>> data", "DATA"},
            {"in reply to ehlo", "EHLO"}, {"after ehlo", "EHLO"}, {"in reply to helo", "HELO"}, {"after helo", "HELO"},
            {"after initial connection", "CONN"}, {"while connecting", "CONN"}, {"in reply to starttls", "STARTTLS"},
            {"after starttls", "STARTTLS"}, {"does not like recipient", "RCPT"}, {"[rcpt_to]", "RCPT"},
            {"smtp:rcpt ", "RCPT"}, {"our rcpt to", "RCPT"}, {"our final data", "DATA"}, {"our data", "DATA"},
            {"our mail from", "MAIL"}, {"smtp:mail ", "MAIL"}, {"smtp:data ", "DATA"}, {"rcpt to:", "RCPT"}, {"in reply to auth", "AUTH"}, {"after auth", "AUTH"},
        };
        int best = -1;
        String found = "";
        for (String[] s : said) {
            int hit = lower.indexOf(s[0]);
            if (hit >= 0 && (best < 0 || hit < best)) {
                best = hit;
                found = s[1];
            }
        }
        return found;
    }
}
