package dev.postino.it.bench;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.mail.Session;
import javax.mail.internet.MimeMessage;

import org.apache.james.core.MailAddress;
import org.apache.james.dnsservice.api.DNSService;
import org.apache.james.lifecycle.api.LifecycleUtil;
import org.apache.james.server.core.MailImpl;
import org.apache.james.transport.mailets.DSNBounce;
import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeName;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.DsnParameters;
import org.apache.mailet.Mail;
import org.apache.mailet.MailetConfig;
import org.apache.mailet.MailetContext;
import org.apache.mailet.base.GenericMailet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.slf4j.LoggerFactory;

import dev.postino.james.mailets.LocalizedBounce;

/**
 * Notifications per second for a 100 KB original refused by the remote server, with RET=HDRS and RET=FULL:
 * Postino's {@code LocalizedBounce} beside James 3.8.1's {@code DSNBounce}, on the same mail, in the same
 * run. Each notification is written out in full, as James's mail queue does with what a mailet sends.
 *
 * <p>Run by hand (it takes about two minutes):
 * <pre>
 * mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench-classpath.txt -pl integration-tests -am
 * java -cp integration-tests/target/test-classes:extension/target/postino-extension.jar:$(cat integration-tests/target/bench-classpath.txt) \
 *     org.openjdk.jmh.Main NotificationBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dlogback.configurationFile=logback-bench.xml")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NotificationBenchmark {

    @Param({"HDRS", "FULL"})
    public String ret;

    private byte[] original;
    private GenericMailet dsnBounce;
    private GenericMailet localizedBounce;
    private Mail mail;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        StringBuilder text = new StringBuilder("From: Mario Rossi <mario@example.it>\r\nTo: bob@remote.example\r\n"
            + "Subject: Preventivo\r\nMessage-ID: <orig-1@example.it>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\n"
            + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n");
        while (text.length() < 100 * 1024) {
            text.append("Ciao Bob, ecco il preventivo per la fornitura di caffe' del mese prossimo, riga ").append(text.length()).append("\r\n");
        }
        original = text.toString().getBytes(StandardCharsets.UTF_8);
        MailetContext context = context();
        dsnBounce = new DSNBounce(dns());
        dsnBounce.init(config("DSNBounce", context, Map.of()));
        localizedBounce = new LocalizedBounce();
        localizedBounce.init(config("LocalizedBounce", context, Map.of("reportingMta", "mx.postino.test", "maxReturnedSize", "1048576")));
        newMail();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        LifecycleUtil.dispose(mail);
    }

    /** Both mailets only set the mail's state, so one mail serves every invocation. */
    private void newMail() throws Exception {
        MailAddress bob = new MailAddress("bob@remote.example");
        mail = MailImpl.builder().name("m1").sender("mario@example.it").addRecipient(bob)
            .mimeMessage(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(original)))
            .addAttribute(new Attribute(AttributeName.of("delivery-error"),
                AttributeValue.of("550 5.1.1 <bob@remote.example>: Recipient address rejected: User unknown")))
            .build();
        mail.setDsnParameters(DsnParameters.builder().ret(DsnParameters.Ret.valueOf(ret)).build().orElseThrow());
    }

    @Benchmark
    public Mail jamesDsnBounce() throws Exception {
        dsnBounce.service(mail);
        return mail;
    }

    @Benchmark
    public Mail postinoLocalizedBounce() throws Exception {
        localizedBounce.service(mail);
        return mail;
    }

    /** A mailet context that writes every sent message out, as the mail queue would, and keeps nothing. */
    private static MailetContext context() throws Exception {
        MailAddress postmaster = new MailAddress("postmaster@postino.test");
        return (MailetContext) Proxy.newProxyInstance(NotificationBenchmark.class.getClassLoader(),
            new Class<?>[] {MailetContext.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "sendMail" -> {
                        MimeMessage message = args[0] instanceof Mail m ? m.getMessage() : (MimeMessage) args[args.length > 2 ? 2 : 0];
                        message.writeTo(OutputStream.nullOutputStream());
                        // James's own context disposes what was sent once it is queued.
                        LifecycleUtil.dispose(args[0]);
                        return null;
                    }
                    case "getPostmaster" -> {
                        return postmaster;
                    }
                    case "getLogger" -> {
                        return LoggerFactory.getLogger("benchmark");
                    }
                    case "getAttribute" -> {
                        return null;
                    }
                    case "getAttributeNames" -> {
                        return Collections.emptyIterator();
                    }
                    case "isLocalServer", "isLocalUser", "isLocalEmail" -> {
                        return false;
                    }
                    case "getServerInfo" -> {
                        return "benchmark";
                    }
                    default -> {
                        return method.getReturnType() == int.class ? 0 : null;
                    }
                }
            });
    }

    private static DNSService dns() {
        return (DNSService) Proxy.newProxyInstance(NotificationBenchmark.class.getClassLoader(),
            new Class<?>[] {DNSService.class}, (proxy, method, args) -> switch (method.getName()) {
                case "getLocalHost" -> InetAddress.getLoopbackAddress();
                case "getHostName" -> "mx.postino.test";
                case "getByName" -> InetAddress.getLoopbackAddress();
                default -> List.of();
            });
    }

    private static MailetConfig config(String name, MailetContext context, Map<String, String> parameters) {
        return new MailetConfig() {
            @Override
            public String getInitParameter(String parameter) {
                return parameters.get(parameter);
            }

            @Override
            public Iterator<String> getInitParameterNames() {
                return parameters.keySet().iterator();
            }

            @Override
            public MailetContext getMailetContext() {
                return context;
            }

            @Override
            public String getMailetName() {
                return name;
            }
        };
    }

    /** For a quick check without JMH: both mailets send one notification each for both RET values. */
    public static void main(String[] args) throws Exception {
        for (String ret : List.of("HDRS", "FULL")) {
            NotificationBenchmark benchmark = new NotificationBenchmark();
            benchmark.ret = ret;
            benchmark.setUp();
            benchmark.jamesDsnBounce();
            benchmark.postinoLocalizedBounce();
            benchmark.tearDown();
            System.out.println(ret + ": both mailets ran");
        }
    }

}
