package dev.postino.james.mailets;

import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;

import javax.mail.MessagingException;

import org.apache.james.filesystem.api.FileSystem;
import org.apache.james.metrics.api.GaugeRegistry;
import org.apache.james.queue.api.MailQueue;
import org.apache.james.queue.api.MailQueueFactory;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.postino.core.deferral.DeferralStore;
import dev.postino.core.net.LocalHostName;
import dev.postino.core.store.PostinoStore;
import dev.postino.james.store.JamesStores;

/**
 * Where {@link PolicyRemoteDelivery} puts a mail that is due later: back into its queue with the delay ({@code queue
 * delays}), or, for a queue that cannot delay, into the deferral store until due ({@code deferral store},
 * {@link DeferralScheduler}). Chosen at start by the {@code deferral} init parameter: {@code auto} (default: the
 * store when {@link QueueDelaySupport} finds that the queue ignores delays), {@code queue} or {@code store} (e.g. to
 * run a single node the way a cluster does). One log line names the mode.
 */
interface Deferral extends AutoCloseable {

    /** The init parameters read here ({@link PolicyRemoteDelivery} lists them). */
    Set<String> PARAMETERS = Set.of("deferral", "deferralPoll", "deferralBatch", "deferralLease", "deferralProbeWait");

    /** Queues {@code mail} again, to be taken no earlier than {@code delay} from now. */
    void later(Mail mail, Duration delay) throws MessagingException;

    @Override
    void close();

    /** The known parameter names with this one's added. */
    static Set<String> withParameters(Set<String> known) {
        Set<String> all = new HashSet<>(known);
        all.addAll(PARAMETERS);
        return all;
    }

    /**
     * Reads the deferral parameters, finds the mode and starts it.
     *
     * @param gauges James's gauges, or null (no metrics)
     */
    static Deferral start(MailetConfig config, MailQueueFactory<?> factory, MailQueue queue, FileSystem fileSystem,
                          GaugeRegistry gauges, Clock clock) throws MessagingException {
        Logger log = LoggerFactory.getLogger(PolicyRemoteDelivery.class);
        Set<String> present = new HashSet<>();
        for (Iterator<String> names = config.getInitParameterNames(); names.hasNext(); ) {
            present.add(names.next());
        }
        // unknown names were refused by RemoteDeliveryParameters already
        MailetParameters p = MailetParameters.read(config, present);
        String setting = p.string("deferral", "auto").trim().toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "queue", "store").contains(setting)) {
            throw p.invalid("deferral", setting, "auto, queue or store");
        }
        Duration poll = p.duration("deferralPoll", Duration.ofSeconds(1));
        int batch = p.integer("deferralBatch", 20, 1, 10_000);
        Duration lease = p.duration("deferralLease", Duration.ofMinutes(2));
        Duration probeWait = p.duration("deferralProbeWait", Duration.ofSeconds(2));
        String queueName = queue.getName().asString();
        boolean store;
        String why;
        if (setting.equals("auto")) {
            QueueDelaySupport.Detection detection = QueueDelaySupport.detect(factory, queue, probeWait);
            store = !detection.honoursDelays();
            why = (detection.honoursDelays() ? "the queue honours delays (" : "the queue ignores delays (") + detection.how() + ")";
        } else {
            store = setting.equals("store");
            why = "deferral=" + setting;
        }
        if (!store) {
            log.info("PolicyRemoteDelivery runs in queue delays mode on queue {}: {}", queueName, why);
            if (setting.equals("queue")) {
                log.warn("PolicyRemoteDelivery: deferral=queue; a queue that ignores delays makes every deferred mail loop"
                    + " through it until due");
            }
            return new Deferral() {
                @Override
                public void later(Mail mail, Duration delay) throws MessagingException {
                    queue.enQueue(mail, delay);
                }

                @Override
                public void close() {
                }
            };
        }
        PostinoStore postino = JamesStores.acquire(fileSystem);
        try {
            String node = LocalHostName.get() + "/" + ProcessHandle.current().pid() + "/"
                + Integer.toHexString(System.identityHashCode(config) & 0xffff);
            DeferralStore deferred = new DeferralStore(postino, node);
            DeferralScheduler scheduler = new DeferralScheduler(deferred, queue, clock, poll, batch, lease, () -> JamesStores.release(postino));
            log.info("PolicyRemoteDelivery runs in deferral store mode on queue {}: {}; deferred mail waits in {} (node {}),"
                + " released every {} ms", queueName, why, postino.config(), node, poll.toMillis());
            if (gauges != null) {
                DeferralMetrics.register(gauges, deferred);
            }
            scheduler.start();
            return scheduler;
        } catch (RuntimeException e) {
            JamesStores.release(postino);
            throw e;
        }
    }
}
