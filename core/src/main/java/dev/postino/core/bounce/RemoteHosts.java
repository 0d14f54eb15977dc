package dev.postino.core.bounce;

import java.util.List;
import java.util.Locale;

/**
 * Providers whose replies carry their own vocabulary (error labels such as Facebook's RCP-P2 or La Poste's
 * LPN007_426, or documented sentences): when the refusing host, the recipient's domain or the reporting host
 * is one of theirs, their documented meaning decides the reason. The providers and meanings follow Sisimai's
 * remote-host classes, which collect the providers' published error tables.
 */
final class RemoteHosts {

    private record Rule(BounceReason reason, String phrase) {
    }

    /** A Microsoft rule: the status code (exact, or a prefix with a range of its last number) and a phrase. */
    private record CodedRule(BounceReason reason, String status, int min, int max, String phrase) {
    }

    private enum Provider {
        AOL(".mail.aol.com", ".mx.aol.com"),
        FACEBOOK(".facebook.com"),
        FRANCEPTT(".laposte.net", ".orange.fr", ".wanadoo.fr"),
        GODADDY("smtp.secureserver.net", "mailstore1.secureserver.net"),
        GOOGLE("aspmx.l.google.com", "gmail-smtp-in.l.google.com"),
        GSUITE("googlemail.com"),
        KDDI(".ezweb.ne.jp", "msmx.au.com"),
        MESSAGELABS(".messagelabs.com"),
        MICROSOFT(".prod.outlook.com", ".protection.outlook.com", ".onmicrosoft.com", ".exchangelabs.com"),
        MIMECAST(".mimecast.com"),
        NTTDOCOMO("mfsmax.docomo.ne.jp"),
        OUTLOOK(".hotmail.com"),
        TENCENT(".qq.com"),
        YAHOOINC(".yahoodns.net");

        final List<String> hosts;

        Provider(String... hosts) {
            this.hosts = List.of(hosts);
        }
    }

    private static Rule r(BounceReason reason, String phrase) {
        return new Rule(reason, phrase);
    }

    private static CodedRule c(BounceReason reason, String status, String phrase) {
        return new CodedRule(reason, status, -1, -1, phrase);
    }

    private static CodedRule c(BounceReason reason, String prefix, int min, int max, String phrase) {
        return new CodedRule(reason, prefix, min, max, phrase);
    }

    private static final List<Rule> AOL_RULES = List.of(
            r(BounceReason.HOSTUNKNOWN, "host or domain name not found"),
            r(BounceReason.NOTACCEPT, "type=mx: malformed or unexpected name server reply"));

    private static final String[][] FACEBOOK_LABELS = {
        {"authfailure", "pol-p7"}, {"blocked", "pol-p1", "pol-p2", "pol-p3", "pol-p4", "pol-t1", "pol-t2", "pol-t3"},
        {"contenterror", "msg-p2"}, {"filtered", "rcp-p2", "rcp-p3"}, {"mesgtoobig", "msg-p1", "int-p2"},
        {"notcompliantrfc", "msg-p3"}, {"rejected", "dns-p1", "dns-p2", "dns-t1"}, {"requireptr", "dns-p3", "dns-t2"},
        {"spamdetected", "pol-p6"}, {"suspend", "rcp-t4"}, {"systemerror", "rcp-t1"},
        {"toomanyconn", "con-t1", "con-t2", "con-t3", "con-t4", "msg-t1"},
        {"userunknown", "rcp-p1", "int-p1", "int-p3", "int-p4"}, {"virusdetected", "pol-p5"},
    };

    /** La Poste / Orange error numbers (the digits after LPN, OFR or OUK labels). */
    private static final String[][] FRANCEPTT_CODES = {
        {"101", "blocked"}, {"102", "blocked"}, {"103", "blocked"}, {"104", "toomanyconn"}, {"305", "securityerror"},
        {"401", "authfailure"}, {"402", "securityerror"}, {"403", "rejected"}, {"405", "rejected"}, {"415", "rejected"},
        {"416", "userunknown"}, {"417", "mailboxfull"}, {"420", "suspend"}, {"421", "rejected"}, {"426", "suspend"},
        {"505", "systemerror"}, {"506", "spamdetected"}, {"510", "blocked"}, {"514", "mesgtoobig"},
        {"517", "authfailure"}, {"630", "policyviolation"}, {"999", "blocked"},
    };

    private static final String[][] GODADDY_CODES = {
        {"ib401", "securityerror"}, {"ib501", "notcompliantrfc"}, {"ib502", "notcompliantrfc"}, {"ib506", "rejected"},
        {"ib508", "authfailure"}, {"ib108", "requireptr"}, {"ib212", "spamdetected"}, {"ib705", "virusdetected"},
        {"ib605", "toomanyconn"}, {"ib007", "toomanyconn"}, {"ib101", "speeding"}, {"ib110", "blocked"},
        {"ib111", "blocked"}, {"ib112", "blocked"}, {"ib113", "blocked"}, {"ib504", "speeding"}, {"ib510", "speeding"},
        {"ib607", "speeding"}, {"ib103", "badreputation"}, {"ib104", "blocked"}, {"ib105", "blocked"},
        {"ib106", "blocked"},
    };

    /** Google's documented replies: the reply code, the status code and a phrase, all three must match. */
    private static final String[][] GOOGLE_RULES = {
        {"authfailure", "451", "4.7.24", "the spf record of the sending domain"},
        {"authfailure", "550", "5.7.24", "the spf record of the sending domain"},
        {"authfailure", "421", "4.7.26", "senders to authenticate with either spf or dkim"},
        {"authfailure", "550", "5.7.26", "senders to authenticate with either spf or dkim"},
        {"authfailure", "550", "5.7.26", "fails to pass spf checks for an spf record with a hard fail"},
        {"authfailure", "550", "5.7.26", "has an spf record with a hard fail policy"},
        {"authfailure", "451", "4.7.26", "is not accepted due to domain's dmarc policy"},
        {"authfailure", "550", "5.7.26", "is not accepted due to domain's dmarc policy"},
        {"authfailure", "550", "5.7.1", "fails to pass authentication checks"},
        {"authfailure", "550", "5.7.26", "fails to pass authentication checks"},
        {"authfailure", "421", "4.7.27", "senders to authenticate with spf"},
        {"authfailure", "550", "5.7.27", "senders to authenticate with spf"},
        {"authfailure", "421", "4.7.30", "senders to authenticate their email with dkim"},
        {"authfailure", "550", "5.7.30", "senders to authenticate with dkim"},
        {"authfailure", "421", "4.7.32", "aligned with either the authenticated spf or dkim"},
        {"badreputation", "421", "4.7.0", "very low reputation of the sending ip address"},
        {"badreputation", "421", "4.7.0", "very low reputation of the sending domain"},
        {"badreputation", "550", "5.7.1", "due to the very low reputation of the sending ip address"},
        {"badreputation", "550", "5.7.1", "due to the very low reputation of the sending domain"},
        {"blocked", "421", "4.7.0", "ip not in whitelist for rcpt domain"},
        {"blocked", "421", "4.7.0", "try again later, closing connection."},
        {"blocked", "501", "5.5.4", "helo/ehlo argument is invalid"},
        {"blocked", "421", "4.7.0", "an unusual rate of unsolicited mail"},
        {"blocked", "421", "4.7.28", "an unusual rate of mail"},
        {"blocked", "550", "5.7.1", "an unusual rate of unsolicited mail"},
        {"blocked", "550", "5.7.28", "an unusual rate of unsolicited mail"},
        {"exceedlimit", "552", "5.2.3", "exceeded google's message size limits"},
        {"expired", "421", "4.7.0", "connection expired"},
        {"expired", "451", "4.4.2", "timeout - closing connection"},
        {"failedstarttls", "530", "5.7.0", "must issue a starttls command first"},
        {"failedstarttls", "421", "4.7.0", "tls required for rcpt domain"},
        {"mailboxfull", "452", "4.2.2", "inbox is out of storage space"},
        {"mailboxfull", "552", "5.2.2", "inbox is out of storage space and inactive"},
        {"mailboxfull", "452", "4.2.2", "is over quota"},
        {"mailboxfull", "552", "5.2.2", "is over quota"},
        {"mesgtoobig", "552", "5.3.4", "exceeded google's message size limits"},
        {"networkerror", "554", "5.4.6", "message exceeded 50 hops"},
        {"norelaying", "550", "5.7.0", "mail relay denied"},
        {"norelaying", "550", "5.7.1", "invalid credentials for relay"},
        {"norelaying", "550", "5.7.1", "is not authorized to send email directly to our servers"},
        {"notcompliantrfc", "550", "5.7.1", "missing a valid address in the from: header"},
        {"notcompliantrfc", "550", "5.7.1", "multiple addresses in from: header are not accepted"},
        {"notcompliantrfc", "550", "5.7.1", "is not rfc 5322 compliant"},
        {"notcompliantrfc", "550", "5.7.1", "missing a valid message-id: header"},
        {"notcompliantrfc", "554", "5.6.0", "mail message is malformed"},
        {"policyviolation", "552", "5.7.0", "illegal attachment on your message"},
        {"policyviolation", "552", "5.7.0", "blocked because its content presents a potential security issue"},
        {"policyviolation", "550", "5.7.1", "you are sending to (or from) has a policy that prohibited"},
        {"rejected", "550", "5.7.0", "mail sending denied"},
        {"rejected", "550", "5.7.1", "unauthenticated email is not accepted"},
        {"requireptr", "421", "4.7.0", "does not have a ptr record"},
        {"requireptr", "421", "4.7.23", " have a ptr record, or the ptr record"},
        {"requireptr", "550", "5.7.25", "does not have a ptr record"},
        {"requireptr", "550", "5.7.25", "does not match the ip address of the hostname"},
        {"securityerror", "530", "5.5.1", "authentication required."},
        {"securityerror", "535", "5.7.8", "username and password not accepted"},
        {"spamdetected", "421", "4.7.0", "due to the nature of the content or the links within"},
        {"spamdetected", "550", "5.7.1", "likely unsolicited mail"},
        {"speeding", "450", "4.2.1", "is receiving mail too quickly"},
        {"speeding", "450", "4.2.1", "rate that prevents additional messages from being delivered"},
        {"speeding", "550", "5.2.1", "rate that prevents additional messages from being delivered"},
        {"speeding", "550", "5.4.5", "daily sending quota exceeded"},
        {"suspend", "550", "5.2.1", "account that you tried to reach is disabled"},
        {"suspend", "550", "5.2.1", "account that you tried to reach is inactive"},
        {"syntaxerror", "503", "5.5.1", "bad sequence of commands"},
        {"systemerror", "421", "4.3.0", "temporary system problem"},
        {"systemerror", "421", "4.7.0", "temporary system problem"},
        {"systemerror", "421", "4.4.5", "server busy"},
        {"toomanyconn", "452", "4.5.3", "your message has too many recipients"},
        {"userunknown", "550", "5.1.1", "the email account that you tried to reach does not exist"},
        {"userunknown", "550", "5.1.1", "email account that you tried to reach does not exist"},
    };

    private static final List<Rule> GODADDY_RULES = List.of(
            r(BounceReason.BLOCKED, "rbl reject"), r(BounceReason.BLOCKED, "www.spamhaus.org/query/bl?ip="),
            r(BounceReason.EXPIRED, "has been in the queue too long"), r(BounceReason.EXPIRED, "delivery timeout"),
            r(BounceReason.MAILBOXFULL, "account storage limit"),
            r(BounceReason.SPAMDETECTED, "message rejected for spam or virus content"),
            r(BounceReason.SUSPEND, "account disabled"), r(BounceReason.SYSTEMERROR, "message is looping"),
            r(BounceReason.USERUNKNOWN, "recipient not found"), r(BounceReason.USERUNKNOWN, "account does not exist"));

    private static final List<Rule> MESSAGELABS_RULES = List.of(
            r(BounceReason.AUTHFAILURE, "domain authentication fail"),
            r(BounceReason.BADREPUTATION, "connection rejected by policy"),
            r(BounceReason.BLOCKED, "mail rejected because your ip is in the pbl"),
            r(BounceReason.BLOCKED, "your ip address has been "),
            r(BounceReason.CONTENTERROR, "stray linefeeds in message"),
            r(BounceReason.FAILEDSTARTTLS, "tls/sslv3 connection required"),
            r(BounceReason.NORELAYING, " as a relay, "),
            r(BounceReason.NOTCOMPLIANTRFC, "550 requested action aborted [4]"),
            r(BounceReason.NOTCOMPLIANTRFC, "has detected that this message is not rfc 5322"),
            r(BounceReason.REJECTED, "sender envelope domain not allowed for sender ip address"),
            r(BounceReason.REJECTED, "your domain has been blocked"),
            r(BounceReason.REJECTED, "your email address has been blocked"),
            r(BounceReason.REJECTED, "your envelope sender is in my badmailfrom list"),
            r(BounceReason.REJECTED, "your email address has been blacklisted"),
            r(BounceReason.REJECTED, "your domain has been blacklisted"),
            r(BounceReason.SECURITYERROR, "please turn on smtp authentication in your mail client"),
            r(BounceReason.SPAMDETECTED, "message filtered"), r(BounceReason.SPAMDETECTED, "filtered by outbound scanning"),
            r(BounceReason.TOOMANYCONN, "too many recipients received this hour"),
            r(BounceReason.TOOMANYCONN, "too many messages"),
            r(BounceReason.USERUNKNOWN, "no such user"), r(BounceReason.USERUNKNOWN, "invalid recipient"),
            r(BounceReason.USERUNKNOWN, "mailbox is not allowed"));

    private static final List<CodedRule> MICROSOFT_RULES = List.of(
            c(BounceReason.AUTHFAILURE, "4.7.26", "must pass either spf or dkim validation, this message is not signed"),
            c(BounceReason.AUTHFAILURE, "5.7.23", "the message was rejected because of sender policy framework violation"),
            c(BounceReason.AUTHFAILURE, "5.7.509", "does not pass dmarc verification"),
            c(BounceReason.AUTHFAILURE, "5.7.515", "doesn't meet the required authentication level"),
            c(BounceReason.BADREPUTATION, "4.7.650", "has been temporarily rate limited due to ip reputation"),
            c(BounceReason.BLOCKED, "4.4.2", "connection dropped"),
            c(BounceReason.BLOCKED, "4.7.", 850, 899, "access denied, please try again later"),
            c(BounceReason.BLOCKED, "5.7.25", "must have a reverse dns record"),
            c(BounceReason.BLOCKED, "5.7.506", "access denied, bad helo"),
            c(BounceReason.BLOCKED, "5.7.507", "access denied, rejected by recipient"),
            c(BounceReason.BLOCKED, "5.7.510", "does not accept email over ipv6"),
            c(BounceReason.BLOCKED, "5.7.511", "access denied, banned sender"),
            c(BounceReason.BLOCKED, "5.7.513", "using customer block list"),
            c(BounceReason.BLOCKED, "5.7.", 606, 649, "access denied, banned sending ip "),
            c(BounceReason.BLOCKED, "4.7.", 500, 699, "access denied, please try again later"),
            c(BounceReason.BLOCKED, "5.5.4", "invalid domain name"),
            c(BounceReason.BLOCKED, "5.7.1", "part of their network is on our block list (s3150)"),
            c(BounceReason.CONTENTERROR, "5.3.0", "too many related errors"),
            c(BounceReason.CONTENTERROR, "5.6.11", "invalid characters"),
            c(BounceReason.CONTENTERROR, "5.4.11", "agent generated message depth exceeded"),
            c(BounceReason.CONTENTERROR, "5.5.6", "invalid message content"),
            c(BounceReason.MESGTOOBIG, "5.2.3", "resolver.rst.recipsizelimit; message too large for this recipient"),
            c(BounceReason.MESGTOOBIG, "5.3.4", "message size exceeds fixed maximum message size"),
            c(BounceReason.MESGTOOBIG, "5.3.4", "message too big for system"),
            c(BounceReason.EXPIRED, "4.4.1", "connection timed out"),
            c(BounceReason.EXPIRED, "4.4.7", "message delayed"),
            c(BounceReason.EXPIRED, "4.4.7", "queue expired; message expired"),
            c(BounceReason.EXPIRED, "4.4.7", "message expired"),
            c(BounceReason.EXPIRED, "5.4.300", "message expired"),
            c(BounceReason.EXPIRED, "5.4.316", "message expired"),
            c(BounceReason.FAILEDSTARTTLS, "4.4.8", " failed mta-sts validation"),
            c(BounceReason.FAILEDSTARTTLS, "5.4.8", " failed mta-sts validation"),
            c(BounceReason.FAILEDSTARTTLS, "4.4.317", "starttls is required to send mail"),
            c(BounceReason.FAILEDSTARTTLS, "5.4.317", "starttls is required to send mail"),
            c(BounceReason.MAILBOXFULL, "5.2.2", "mailbox full"),
            c(BounceReason.NETWORKERROR, "5.4.4", "smtpsend.dns.nonexistentdomain; nonexistent domain"),
            c(BounceReason.NETWORKERROR, "5.4.6", "hop count exceeded - possible mail loop"),
            c(BounceReason.NETWORKERROR, "4.4.312", "dns query failed"),
            c(BounceReason.NETWORKERROR, "5.4.312", "dns query failed"),
            c(BounceReason.NETWORKERROR, "4.4.316", "connection refused"),
            c(BounceReason.NETWORKERROR, "5.4.316", "connection refused"),
            c(BounceReason.NETWORKERROR, "5.4.4", "invalid arguments"),
            c(BounceReason.NETWORKERROR, "5.4.6", "routing loop detected"),
            c(BounceReason.NETWORKERROR, "5.4.14", "routing loop detected"),
            c(BounceReason.NORELAYING, "5.7.1", "unable to relay"),
            c(BounceReason.NORELAYING, "5.7.1", "client was not authenticated"),
            c(BounceReason.NORELAYING, "5.4.1", "relay access denied"),
            c(BounceReason.NORELAYING, "5.7.64", "tenantattribution; relay access denied"),
            c(BounceReason.NORELAYING, "5.4.310", "does not exist"),
            c(BounceReason.NOTACCEPT, "4.3.2", "system not accepting network messages"),
            c(BounceReason.NOTACCEPT, "4.4.4", "hosted tenant which has no mail-enabled subscriptions"),
            c(BounceReason.NOTACCEPT, "5.3.2", "storedrv.deliver: missing or bad storedriver mdb properties"),
            c(BounceReason.POLICYVIOLATION, "5.0.350", "x-dg-ref header is too long"),
            c(BounceReason.POLICYVIOLATION, "5.0.350", "requested action not taken: policy violation detected (as345)"),
            c(BounceReason.POLICYVIOLATION, "5.7.", 900, 999, "delivery not authorized, message refused"),
            c(BounceReason.REJECTED, "5.1.7", "invalid address"),
            c(BounceReason.REJECTED, "5.1.7", "unknown sender address"),
            c(BounceReason.REJECTED, "5.1.0", "sender denied"),
            c(BounceReason.REJECTED, "5.1.8", "access denied, bad outbound sender"),
            c(BounceReason.REJECTED, "5.7.1", "delivery not authorized"),
            c(BounceReason.REJECTED, "5.7.12", "sender was not authenticated by organization"),
            c(BounceReason.REJECTED, "5.7.124", "sender not in allowed-senders list"),
            c(BounceReason.REJECTED, "5.7.133", "sender not authenticated for group"),
            c(BounceReason.REJECTED, "5.7.134", "sender was not authenticated for mailbox"),
            c(BounceReason.REJECTED, "5.7.135", "sender was not authenticated for public folder"),
            c(BounceReason.REJECTED, "5.7.136", "sender was not authenticated"),
            c(BounceReason.REJECTED, "5.7.", 501, 503, "access denied, spam abuse detected"),
            c(BounceReason.REJECTED, "5.7.512", "access denied, message must be rfc 5322 section 3.6.2 compliant"),
            c(BounceReason.SECURITYERROR, "5.7.3", "cannot achieve exchange server authentication"),
            c(BounceReason.SECURITYERROR, "5.7.3", "not authorized"),
            c(BounceReason.SECURITYERROR, "5.7.57", "client was not authenticated to send anonymous mail during mail from"),
            c(BounceReason.SPAMDETECTED, "5.2.1", "content filter agent quarantined this message"),
            c(BounceReason.TOOMANYCONN, "5.5.3", "too many recipients"),
            c(BounceReason.TOOMANYCONN, "4.5.3", "too many recipients"),
            c(BounceReason.TOOMANYCONN, "4.7.652", "has exceeded the maximum number of connections"),
            c(BounceReason.SPEEDING, "4.3.2", "storedrv.deliver; recipient thread limit exceeded"),
            c(BounceReason.SPEEDING, "5.1.90", "reached your daily limit for message recipients"),
            c(BounceReason.SPEEDING, "5.2.2", "submission quota exceeded"),
            c(BounceReason.SPEEDING, "5.2.121", "recipient's per hour message receive limit"),
            c(BounceReason.SPEEDING, "5.2.122", "recipient's per hour message receive limit"),
            c(BounceReason.SPEEDING, "5.7.508", "has exceeded permitted limits within"),
            c(BounceReason.SUSPEND, "5.7.504", "recipient address rejected: access denied"),
            c(BounceReason.SUSPEND, "5.7.505", "access denied, banned recipient"),
            c(BounceReason.SUSPEND, "5.2.1", "mailbox cannot be accessed"),
            c(BounceReason.SYNTAXERROR, "5.3.3", "unrecognized command"),
            c(BounceReason.SYNTAXERROR, "5.5.2", "send hello first"),
            c(BounceReason.SYSTEMERROR, "4.3.2", "service not available"),
            c(BounceReason.SYSTEMERROR, "4.3.2", "service not active"),
            c(BounceReason.SYSTEMERROR, "5.3.5", "system incorrectly configured"),
            c(BounceReason.SYSTEMERROR, "5.1.4", "destination mailbox address ambiguous"),
            c(BounceReason.SYSTEMERROR, "5.2.4", "mailing list expansion problem"),
            c(BounceReason.SYSTEMERROR, "5.2.14", "misconfigured forwarding address"),
            c(BounceReason.SYSTEMERROR, "4.4.", 22, 28, "message failed to be replicated:"),
            c(BounceReason.SYSTEMERROR, "4.4.318", "(suspiciousremoteservererror)"),
            c(BounceReason.SYSTEMERROR, "5.4.318", "(suspiciousremoteservererror)"),
            c(BounceReason.SYSTEMERROR, "4.7.500", "server busy. please try again later from "),
            c(BounceReason.SYSTEMFULL, "4.3.1", "insufficient system resources"),
            c(BounceReason.USERUNKNOWN, "5.1.1", "resolver.adr.exrecipnotfound; not found"),
            c(BounceReason.USERUNKNOWN, "5.1.1", "user unknown"),
            c(BounceReason.USERUNKNOWN, "5.1.3", "storedrv.submit; invalid recipient address"),
            c(BounceReason.USERUNKNOWN, "5.1.", 4, 5, "recipient address reserved by rfc 2606"),
            c(BounceReason.USERUNKNOWN, "5.1.6", "recipient addresses in single label domains not accepted"),
            c(BounceReason.USERUNKNOWN, "5.1.1", "bad destination mailbox address"),
            c(BounceReason.USERUNKNOWN, "5.1.10", "recipient not found"),
            c(BounceReason.USERUNKNOWN, "5.4.1", "recipient address rejected: access denied"),
            c(BounceReason.USERUNKNOWN, "5.5.0", "requested action not taken: mailbox unavailable"),
            c(BounceReason.USERUNKNOWN, "5.1.2", "invalid x.400 address"),
            c(BounceReason.USERUNKNOWN, "5.1.351", "remote server returned unknown recipient or mailbox unavailable"));

    private static final String[][] MIMECAST_RULES = {
        {"authfailure", "550", "spf sender invalid - envelope rejected"},
        {"authfailure", "550", "dkim sender invalid - envelope rejected"},
        {"authfailure", "550", "dmarc sender invalid - envelope rejected"},
        {"badreputation", "451", "internal resources are temporarily unavailable"},
        {"badreputation", "550", "local ct ip reputation - (reject)"},
        {"blocked", "421", "sender address blocked"}, {"blocked", "451", "recipient temporarily unavailable"},
        {"blocked", "451", "ip temporarily blacklisted"},
        {"failedstarttls", "553", "this route requires encryption (tls)"},
        {"failedstarttls", "553", "this route requires tls version 1.2 or greater"},
        {"failedstarttls", "553", "this route requires high-strength ciphers"},
        {"mesgtoobig", "554", "maximum email size exceeded"},
        {"networkerror", "451", "the incorrect hostname used for inbounds"},
        {"networkerror", "550", "the incorrect hostname used for inbounds"}, {"networkerror", "554", "mail loop detected"},
        {"norelaying", "451", "open relay not allowed"}, {"norelaying", "451", "open relay is not allowed"},
        {"notaccept", "451", "account inbounds disabled"},
        {"policyviolation", "550", "anti-spoofing policy - inbound not allowed"},
        {"policyviolation", "550", "rejected by header-based anti-spoofing policy"},
        {"policyviolation", "554", "host network not allowed"}, {"policyviolation", "554", "host network, not allowed"},
        {"rejected", "550", "administrative prohibition envelope blocked"},
        {"rejected", "550", "envelope blocked - user entry"}, {"rejected", "550", "envelope blocked - user domain entry"},
        {"rejected", "550", "envelope rejected - block policy for envelope from address"},
        {"securityerror", "535", "incorrect authentication data"},
        {"securityerror", "550", "submitter failed to authenticate"},
        {"systemerror", "451", "unable to process connection at this time"}, {"systemerror", "451", "message ended early"},
        {"toomanyconn", "451", "account service is temporarily unavailable"},
        {"toomanyconn", "452", "too many recipients"}, {"toomanyconn", "550", "exceeding outbound thread limit"},
        {"userunknown", "501", "invalid address"}, {"userunknown", "503", "user unknown"},
        {"userunknown", "550", "invalid recipient"},
    };

    private static final List<Rule> OUTLOOK_RULES = List.of(
            r(BounceReason.HOSTUNKNOWN,
                    "the mail could not be delivered to the recipient because the domain is not reachable"),
            r(BounceReason.USERUNKNOWN, "requested action not taken: mailbox unavailable"));

    private static final List<Rule> TENCENT_RULES = List.of(
            r(BounceReason.AUTHFAILURE, "spf check failed"), r(BounceReason.AUTHFAILURE, "dmarc check failed"),
            r(BounceReason.BLOCKED, "suspected bounce attacks"), r(BounceReason.BLOCKED, "suspected spam ip"),
            r(BounceReason.BLOCKED, "connection denied"), r(BounceReason.MESGTOOBIG, "message too large"),
            r(BounceReason.SPAMDETECTED, "spam is embedded in the email"),
            r(BounceReason.SPAMDETECTED, "mail content denied"), r(BounceReason.REJECTED, "suspected spam"),
            r(BounceReason.REJECTED, "mail is rejected by recipients"),
            r(BounceReason.SPEEDING, "mailbox unavailable or access denined"),
            r(BounceReason.SPEEDING, "frequency of receiving messages is limited"),
            r(BounceReason.SUSPEND, "is a deactivated mailbox"), r(BounceReason.SYNTAXERROR, "bad address syntax"),
            r(BounceReason.TOOMANYCONN, "ip frequency limited"), r(BounceReason.TOOMANYCONN, "domain frequency limited"),
            r(BounceReason.TOOMANYCONN, "sender frequency limited"),
            r(BounceReason.TOOMANYCONN, "connection frequency limited"),
            r(BounceReason.USERUNKNOWN, "mailbox not found"));

    private static final List<Rule> YAHOO_RULES = List.of(
            r(BounceReason.AUTHFAILURE, "yahoo requires all senders to authenticate with either spf or dkim"),
            r(BounceReason.BLOCKED, " because the ip is in spamhaus's list;"),
            r(BounceReason.BLOCKED, "not accepted from ip addresses on spamhaus xbl"),
            r(BounceReason.NORELAYING, "relaying denied for "),
            r(BounceReason.NOTCOMPLIANTRFC, "headers are not rfc compliant"),
            r(BounceReason.POLICYVIOLATION, "not accepted for policy reasons"),
            r(BounceReason.REJECTED, "temporarily deferred due to unexpected volume or user complaints"),
            r(BounceReason.REJECTED, "due to unresolvable rfc.5321 domain"),
            r(BounceReason.REJECTED, " will be permanently deferred"),
            r(BounceReason.SPEEDING, "user is receiving mail too quickly"),
            r(BounceReason.SUSPEND, " is no longer valid."), r(BounceReason.SUSPEND, "this mailbox is disabled"),
            r(BounceReason.SYNTAXERROR, "syntax error in parameters or arguments"),
            r(BounceReason.TOOMANYCONN, "max message per connection reached"),
            r(BounceReason.USERUNKNOWN, "dd this user doesn't have a "), r(BounceReason.USERUNKNOWN, "mailbox not found"));

    private RemoteHosts() {
    }

    /** The provider's reason for this refusal, or null when no provider applies or its tables do not say. */
    static BounceReason find(String recipient, String remoteMta, String reportingMta, String status, String reply,
                             String command, String diagnostic) {
        if (diagnostic.isEmpty()) {
            return null;
        }
        Provider p = provider(recipient, remoteMta, reportingMta);
        if (p == null) {
            return null;
        }
        String lower = BounceText.squash(diagnostic);
        switch (p) {
            case AOL:
                return first(AOL_RULES, lower);
            case FACEBOOK:
                for (String[] row : FACEBOOK_LABELS) {
                    for (int i = 1; i < row.length; i++) {
                        if (lower.contains(row[i])) {
                            return BounceReason.fromWord(row[0]).orElse(null);
                        }
                    }
                }
                return null;
            case FRANCEPTT:
                return francePtt(lower);
            case GODADDY: {
                int ib = lower.indexOf(" ib");
                while (ib >= 0) {
                    String label = lower.substring(ib + 1, Math.min(lower.length(), ib + 6));
                    for (String[] row : GODADDY_CODES) {
                        if (row[0].equals(label)) {
                            return BounceReason.fromWord(row[1]).orElse(null);
                        }
                    }
                    ib = lower.indexOf(" ib", ib + 3);
                }
                return first(GODADDY_RULES, lower);
            }
            case GOOGLE:
                for (String[] row : GOOGLE_RULES) {
                    if (row[1].equals(reply) && row[2].equals(status) && lower.contains(row[3])) {
                        return BounceReason.fromWord(row[0]).orElse(null);
                    }
                }
                return null;
            case GSUITE: {
                char s = status.isEmpty() ? ' ' : status.charAt(0);
                char rc = reply.isEmpty() ? ' ' : reply.charAt(0);
                boolean nx = lower.contains(" responded with code nxdomain") || lower.contains("domain name not found");
                if (nx && s == '5' && rc == '5') {
                    return BounceReason.HOSTUNKNOWN;
                }
                if ((nx || lower.contains(" had no relevant answers.")) && s != '5' && rc != '5') {
                    return BounceReason.NETWORKERROR;
                }
                if (lower.contains("null mx")) {
                    return BounceReason.NOTACCEPT;
                }
                if (lower.contains("because the address couldn't be found. check for typos or unnecessary spaces")) {
                    return BounceReason.USERUNKNOWN;
                }
                return null;
            }
            case KDDI:
                if (lower.contains("550 : user unknown")) {
                    return BounceReason.FILTERED;
                }
                return lower.contains(">: user unknown") ? BounceReason.USERUNKNOWN : null;
            case MESSAGELABS:
                return first(MESSAGELABS_RULES, lower);
            case MICROSOFT:
                return microsoft(status, lower);
            case MIMECAST:
                for (String[] row : MIMECAST_RULES) {
                    if (row[1].equals(reply) && lower.contains(row[2])) {
                        return BounceReason.fromWord(row[0]).orElse(null);
                    }
                }
                return null;
            case NTTDOCOMO:
                return nttDocomo(status, command, lower);
            case OUTLOOK:
                return first(OUTLOOK_RULES, lower);
            case TENCENT:
                return first(TENCENT_RULES, lower);
            case YAHOOINC:
                return first(YAHOO_RULES, lower);
            default:
                return null;
        }
    }

    private static Provider provider(String recipient, String remoteMta, String reportingMta) {
        int at = recipient.lastIndexOf('@');
        String domain = at < 0 ? "" : recipient.substring(at + 1).toLowerCase(Locale.ROOT);
        if (!domain.isEmpty()) {
            for (Provider p : Provider.values()) {
                for (String h : p.hosts) {
                    if (h.endsWith(domain) && (h.length() == domain.length() || h.charAt(h.length() - domain.length() - 1) == '.')) {
                        return p;
                    }
                }
            }
        }
        for (String host : new String[] {hostOf(remoteMta), hostOf(reportingMta)}) {
            if (host.isEmpty()) {
                continue;
            }
            for (Provider p : Provider.values()) {
                for (String h : p.hosts) {
                    if (host.endsWith(h)) {
                        return p;
                    }
                }
            }
        }
        return null;
    }

    private static String hostOf(String mta) {
        String v = mta.trim().toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < v.length() && (Character.isLetterOrDigit(v.charAt(end)) || v.charAt(end) == '.'
                || v.charAt(end) == '-')) {
            end++;
        }
        v = v.substring(0, end);
        return v.endsWith(".") ? v.substring(0, v.length() - 1) : v;
    }

    private static BounceReason first(List<Rule> rules, String lower) {
        for (Rule rule : rules) {
            if (lower.contains(rule.phrase)) {
                return rule.reason;
            }
        }
        return null;
    }

    private static BounceReason francePtt(String lower) {
        String text = lower.replace('_', '-');
        for (String label : new String[] {"lpn", "ofr", "ouk"}) {
            int hit = text.lastIndexOf(label);
            if (hit < 0) {
                continue;
            }
            int end = hit;
            while (end < text.length() && text.charAt(end) != ' ') {
                end++;
            }
            String token = text.substring(hit, end);
            for (String[] row : FRANCEPTT_CODES) {
                if (token.endsWith(row[0])) {
                    return BounceReason.fromWord(row[1]).orElse(null);
                }
            }
            return null;
        }
        return lower.contains("spf/dns de votre nom de domaine") ? BounceReason.AUTHFAILURE : null;
    }

    private static BounceReason microsoft(String status, String lower) {
        if (!RecipientFacts.isStatus(status)) {
            return null;
        }
        int third;
        try {
            third = Integer.parseInt(status.substring(status.lastIndexOf('.') + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        for (CodedRule rule : MICROSOFT_RULES) {
            if (rule.min < 0) {
                if (!status.equals(rule.status)) {
                    continue;
                }
            } else if (!status.startsWith(rule.status) || third < rule.min || third > rule.max) {
                continue;
            }
            if (lower.contains(rule.phrase)) {
                return rule.reason;
            }
        }
        return null;
    }

    private static BounceReason nttDocomo(String status, String command, String lower) {
        if (status.equals("5.1.1") || status.equals("5.0.911")) {
            return BounceReason.USERUNKNOWN;
        }
        if (status.equals("5.2.0")) {
            return BounceReason.FILTERED;
        }
        if (lower.contains("552 too much mail data")) {
            return BounceReason.MAILBOXFULL;
        }
        if (lower.contains("503 bad sequence of commands") || lower.contains("504 command parameter not implemented")) {
            return BounceReason.SYNTAXERROR;
        }
        if (lower.contains("552 too many recipients")) {
            return BounceReason.TOOMANYCONN;
        }
        if (status.equals("5.0.0")) {
            if (command.equals("RCPT")) {
                return BounceReason.USERUNKNOWN;
            }
            if (command.equals("DATA")) {
                return BounceReason.REJECTED;
            }
        }
        return null;
    }
}
