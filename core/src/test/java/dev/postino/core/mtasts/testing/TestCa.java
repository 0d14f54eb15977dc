package dev.postino.core.mtasts.testing;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made at test time (EC P-256, BouncyCastle), with server certificates it signs for given host
 * names, and the trust store a test passes to the code under test. Nothing touches the JVM's own trust store.
 */
public final class TestCa {

    public static final char[] PASSWORD = "changeit".toCharArray();
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    private final KeyPair key;
    private final X509Certificate certificate;
    private final X500Name name;

    private TestCa(KeyPair key, X509Certificate certificate, X500Name name) {
        this.key = key;
        this.certificate = certificate;
        this.name = name;
    }

    /** A new CA named {@code CN=commonName}, valid from a day ago for a week. */
    public static TestCa create(String commonName) throws Exception {
        KeyPair key = keyPair();
        X500Name name = new X500Name("CN=" + commonName);
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(),
            Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(7))), name, key.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new TestCa(key, sign(builder, key), name);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A trust store holding this CA only. */
    public KeyStore trustStore() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, PASSWORD);
        store.setCertificateEntry("test-ca", certificate);
        return store;
    }

    /** {@link #trustStore} written as a PKCS12 file with password {@link #PASSWORD}. */
    public Path writeTrustStore(Path file) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            trustStore().store(out, PASSWORD);
        }
        return file;
    }

    /** A client context trusting this CA only. */
    public SSLContext clientContext() throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trustStore());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A server context with a certificate of this CA for {@code hostNames}, valid from a day ago for a week. */
    public SSLContext serverContext(String... hostNames) throws Exception {
        Instant now = Instant.now();
        return serverContext(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(7)), hostNames);
    }

    /** A server context with a certificate of this CA for {@code hostNames}, valid from {@code notBefore} to {@code notAfter}. */
    public SSLContext serverContext(Instant notBefore, Instant notAfter, String... hostNames) throws Exception {
        KeyPair leaf = keyPair();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
            Date.from(notAfter), new X500Name("CN=" + hostNames[0]), leaf.getPublic());
        GeneralName[] names = new GeneralName[hostNames.length];
        for (int i = 0; i < hostNames.length; i++) {
            names[i] = new GeneralName(GeneralName.dNSName, hostNames[i]);
        }
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        X509Certificate certificate = sign(builder, key);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, PASSWORD);
        store.setKeyEntry("server", leaf.getPrivate(), PASSWORD, new X509Certificate[] {certificate, this.certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static KeyPair keyPair() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
        return generator.generateKeyPair();
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) throws Exception {
        ContentSigner contentSigner = new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }
}
