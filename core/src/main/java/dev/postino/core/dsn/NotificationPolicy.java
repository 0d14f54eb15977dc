package dev.postino.core.dsn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who hears of what: the one set of rules that remote delivery asks when it makes notices and the bounce mailet asks
 * when it turns them into notifications, so that the two cannot disagree.
 * <ul>
 *   <li>NOTIFY (RFC 3461 §4.1): {@code NEVER} hears of nothing; a recipient with NOTIFY hears of exactly the events
 *       it names; without NOTIFY failures are reported, successes are not, and delays when
 *       {@code warnWithoutNotify} (default {@code true}) says so.</li>
 *   <li>Delay warnings are decided once, where they are made ({@link #warnsOfDelay}); a delay that reaches the
 *       notification was made under that rule, so there ({@link #reports}) only the recipient's own NOTIFY can still
 *       leave it out.</li>
 *   <li>ORCPT (RFC 3461 §4.2, RFC 3464 §2.3.1): an outcome reports the original recipient the sender gave.</li>
 *   <li>Never notified: the null reverse-path and {@code MAILER-DAEMON} (RFC 5321 §4.5.5: a notification about a
 *       notification loops), an automatic message (a report or {@code Auto-Submitted}), and, with the backscatter
 *       guard on (default), a mail whose authentication left an attribute of {@code backscatterAttributes} (default
 *       {@code postino.spf.result=fail}, {@code postino.dmarc.result=fail}): its sender is likely forged.</li>
 * </ul>
 * Immutable.
 */
public final class NotificationPolicy {

    /** Whether recipients without NOTIFY hear of delays. */
    public static final boolean DEFAULT_WARN_WITHOUT_NOTIFY = true;
    /** The attribute values that mark a likely forged sender. */
    public static final Map<String, String> DEFAULT_BACKSCATTER_ATTRIBUTES = defaultBackscatterAttributes();

    private final boolean warnWithoutNotify;
    private final boolean backscatterGuard;
    private final Map<String, String> backscatterAttributes;

    private NotificationPolicy(boolean warnWithoutNotify, boolean backscatterGuard, Map<String, String> backscatterAttributes) {
        this.warnWithoutNotify = warnWithoutNotify;
        this.backscatterGuard = backscatterGuard;
        // in the configured order: the first that matches is the one named
        this.backscatterAttributes = Collections.unmodifiableMap(new LinkedHashMap<>(
            Objects.requireNonNull(backscatterAttributes, "backscatterAttributes")));
    }

    public static NotificationPolicy defaults() {
        return new NotificationPolicy(DEFAULT_WARN_WITHOUT_NOTIFY, true, DEFAULT_BACKSCATTER_ATTRIBUTES);
    }

    public NotificationPolicy withWarnWithoutNotify(boolean warn) {
        return new NotificationPolicy(warn, backscatterGuard, backscatterAttributes);
    }

    /**
     * @param guard      whether a matching attribute stops the notification
     * @param attributes attribute name to the value (any case) that marks a likely forged sender
     */
    public NotificationPolicy withBackscatterGuard(boolean guard, Map<String, String> attributes) {
        return new NotificationPolicy(warnWithoutNotify, guard, attributes);
    }

    public boolean warnWithoutNotify() {
        return warnWithoutNotify;
    }

    /**
     * Whether a delay warning is made for a recipient whose delivery is being retried: never for a sender that is
     * never notified; with NOTIFY when it names DELAY; without, when {@code warnWithoutNotify}.
     *
     * @param sender the reverse-path, empty for the null sender
     */
    public boolean warnsOfDelay(String sender, RecipientDsn dsn) {
        return !neverNotified(sender) && (dsn.notifyGiven() ? dsn.notifyOn().contains(Notify.DELAY) : warnWithoutNotify);
    }

    /**
     * Whether a delivered recipient is reported as {@code relayed}: when the next hop took the message without
     * offering DSN, so that it cannot take the request over (RFC 3461 §6.2.1), and the sender asked for SUCCESS.
     */
    public boolean reportsRelay(String sender, boolean nextHopOffersDsn, RecipientDsn dsn) {
        return !nextHopOffersDsn && !neverNotified(sender) && dsn.notifyOn().contains(Notify.SUCCESS);
    }

    /**
     * Whether a notification tells the sender about an outcome with {@code action} for a recipient: {@code NEVER}
     * never; with NOTIFY, the event's keyword decides; without, failures and delays yes (delays were made only where
     * {@link #warnsOfDelay} allowed), successes no.
     */
    public boolean reports(DeliveryAction action, RecipientDsn dsn) {
        Notify event = switch (action) {
            case FAILED -> Notify.FAILURE;
            case DELAYED -> Notify.DELAY;
            default -> Notify.SUCCESS;
        };
        return dsn.notifyGiven() ? dsn.notifyOn().contains(event) : event != Notify.SUCCESS;
    }

    /** The outcome as a notification reports it: with the original recipient the sender gave, unless it has one. */
    public DeliveryOutcome withOriginalRecipient(DeliveryOutcome outcome, RecipientDsn dsn) {
        return dsn.original() == null || outcome.originalRecipient() != null ? outcome
            : outcome.withOriginalRecipient(dsn.original().toString());
    }

    /**
     * Why a mail's sender must get no notification at all, or empty when it may get one.
     *
     * @param sender    the reverse-path, empty for the null sender
     * @param automatic whether the mail is itself a notification or an automatic reply
     * @param attribute the mail's attribute values by name, as text
     */
    public Optional<String> whyNoNotification(String sender, boolean automatic, Function<String, Optional<String>> attribute) {
        if (sender.isEmpty()) {
            return Optional.of("null reverse-path");
        }
        if (neverNotified(sender)) {
            return Optional.of("sender is a MAILER-DAEMON");
        }
        if (automatic) {
            return Optional.of("the mail is itself a notification or an automatic reply");
        }
        if (backscatterGuard) {
            for (Map.Entry<String, String> guard : backscatterAttributes.entrySet()) {
                if (attribute.apply(guard.getKey()).filter(v -> v.trim().equalsIgnoreCase(guard.getValue())).isPresent()) {
                    return Optional.of("backscatter guard: " + guard.getKey() + "=" + guard.getValue()
                        + " (the sender is likely forged)");
                }
            }
        }
        return Optional.empty();
    }

    /** The null reverse-path and MAILER-DAEMON: a notification to them could only loop. */
    public static boolean neverNotified(String sender) {
        int at = sender.lastIndexOf('@');
        return sender.isEmpty() || (at < 0 ? sender : sender.substring(0, at)).equalsIgnoreCase("MAILER-DAEMON");
    }

    private static Map<String, String> defaultBackscatterAttributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("postino.spf.result", "fail");
        attributes.put("postino.dmarc.result", "fail");
        return Collections.unmodifiableMap(attributes);
    }
}
