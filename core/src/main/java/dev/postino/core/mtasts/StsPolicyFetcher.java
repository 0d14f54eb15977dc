package dev.postino.core.mtasts;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import dev.postino.core.tlsrpt.TlsResultType;

/**
 * Fetches a domain's MTA-STS policy (RFC 8461 section 3.3) from {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}
 * with the JDK's HttpClient: the certificate must chain to the trust store and name {@code mta-sts.DOMAIN} (the JDK's
 * HTTPS host name check); only a {@code 200} with media type {@code text/plain} counts; redirects are not followed;
 * the body may have at most {@link #MAX_BODY} octets (a larger one is cut off, not read); connecting and the whole
 * exchange each have a deadline. Every failure is a {@link Failed} with its RFC 8460 type, never an exception.
 * Thread-safe; one HttpClient for all fetches.
 */
public final class StsPolicyFetcher implements StsPolicyLookup.Fetcher {

    /** The most octets of a policy (RFC 8461 section 3.3 suggests 64 KB). */
    public static final int MAX_BODY = 64 * 1024;

    /**
     * How the fetcher connects.
     *
     * @param connectTimeout the deadline for the TCP and TLS connection
     * @param totalTimeout   the deadline for the whole fetch, body included
     * @param trustStore     the certificates to trust, or null for the JVM's default ({@code cacerts})
     * @param proxy          an HTTP proxy ({@code CONNECT}) to reach the policy hosts through, or null for none
     */
    public record Options(Duration connectTimeout, Duration totalTimeout, KeyStore trustStore, InetSocketAddress proxy) {
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(totalTimeout, "totalTimeout");
        }

        /** 10 s to connect, 30 s in all, the JVM's trust store, no proxy. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(10), Duration.ofSeconds(30), null, null);
        }
    }

    /** The outcome of one fetch. */
    public sealed interface Result permits Fetched, Failed {
    }

    /** A valid policy. */
    public record Fetched(StsPolicy policy) implements Result {
    }

    /** No policy, and why: the RFC 8460 type and a one-line reason. */
    public record Failed(TlsResultType type, String reason) implements Result {
    }

    private final HttpClient client;
    private final Options options;

    public StsPolicyFetcher(Options options) {
        this.options = Objects.requireNonNull(options, "options");
        HttpClient.Builder builder = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(options.connectTimeout())
            .sslContext(context(options.trustStore()));
        if (options.proxy() != null) {
            builder.proxy(ProxySelector.of(options.proxy()));
        }
        this.client = builder.build();
    }

    private static SSLContext context(KeyStore trustStore) {
        try {
            if (trustStore == null) {
                return SSLContext.getDefault();
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use the trust store: " + e.getMessage(), e);
        }
    }

    /** The client, configured as the options say (trust store, proxy, no redirects), for report uploads too. */
    public HttpClient client() {
        return client;
    }

    /** The policy URI of {@code domain}. */
    public static URI policyUri(String domain) {
        return URI.create("https://mta-sts." + domain.toLowerCase(Locale.ROOT) + "/.well-known/mta-sts.txt");
    }

    @Override
    public Result fetch(String domain) {
        if (!MxPattern.isHostName(domain.toLowerCase(Locale.ROOT))) {
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, "not a domain name: " + domain);
        }
        URI uri = policyUri(domain);
        HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(options.totalTimeout())
            .header("Accept", "text/plain").build();
        CompletableFuture<HttpResponse<Body>> future = client.sendAsync(request, StsPolicyFetcher::handle);
        HttpResponse<Body> response;
        try {
            response = future.get(options.totalTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": no policy within "
                + options.totalTimeout().toSeconds() + "s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(true);
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": interrupted");
        } catch (ExecutionException e) {
            return failure(uri, e.getCause(), options.totalTimeout());
        }
        int status = response.statusCode();
        if (status != 200) {
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": HTTP status " + status
                + (status / 100 == 3 ? " (redirects are not followed)" : ""));
        }
        Body body = response.body();
        if (body.problem != null) {
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": " + body.problem);
        }
        try {
            return new Fetched(StsPolicy.parse(new String(body.octets, StandardCharsets.UTF_8)));
        } catch (InvalidStsPolicyException e) {
            return new Failed(TlsResultType.STS_POLICY_INVALID, uri + ": " + e.getMessage());
        }
    }

    private static Failed failure(URI uri, Throwable cause, Duration total) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLHandshakeException) {
                return new Failed(TlsResultType.STS_WEBPKI_INVALID, uri + ": certificate not valid for "
                    + uri.getHost() + " (" + message(t) + ")");
            }
        }
        if (cause instanceof HttpConnectTimeoutException) {
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": no connection in time");
        }
        if (cause instanceof HttpTimeoutException) {
            return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": no policy within " + total.toSeconds() + "s");
        }
        return new Failed(TlsResultType.STS_POLICY_FETCH_ERROR, uri + ": " + (cause instanceof IOException
            ? message(cause) : String.valueOf(cause)));
    }

    private static String message(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /** The body, or why it was not read (wrong status or type, too long). */
    private record Body(byte[] octets, String problem) {
    }

    private static HttpResponse.BodySubscriber<Body> handle(HttpResponse.ResponseInfo info) {
        if (info.statusCode() != 200) {
            return HttpResponse.BodySubscribers.replacing(new Body(new byte[0], "HTTP status " + info.statusCode()));
        }
        String type = info.headers().firstValue("Content-Type").orElse("");
        String media = type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("text/plain")) {
            return HttpResponse.BodySubscribers.replacing(new Body(new byte[0],
                "media type '" + (type.length() > 80 ? type.substring(0, 80) : type) + "' is not text/plain"));
        }
        return new BoundedBody(MAX_BODY);
    }

    /** Collects at most {@code limit} octets; past that it cancels the download. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<Body> {
        private final CompletableFuture<Body> result = new CompletableFuture<>();
        private final byte[] buffer;
        private int length;
        private Flow.Subscription subscription;

        BoundedBody(int limit) {
            this.buffer = new byte[limit];
        }

        @Override
        public CompletionStage<Body> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            this.subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer item : items) {
                if (item.remaining() > buffer.length - length) {
                    subscription.cancel();
                    result.complete(new Body(new byte[0], "the policy is larger than " + buffer.length + " octets"));
                    return;
                }
                int n = item.remaining();
                item.get(buffer, length, n);
                length += n;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(new Body(java.util.Arrays.copyOf(buffer, length), null));
        }
    }
}
