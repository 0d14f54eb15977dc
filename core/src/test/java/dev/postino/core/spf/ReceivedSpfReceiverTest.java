package dev.postino.core.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

class ReceivedSpfReceiverTest {

    private static final String US = "mx.postino.test";

    @Test
    void theRfc7208FormsNameTheirReceiver() {
        assertThat(ReceivedSpfReceiver.claims("pass (mx.postino.test: domain of bob@bank.test designates 192.0.2.1"
            + " as permitted sender) client-ip=192.0.2.1;", US)).isTrue();
        assertThat(ReceivedSpfReceiver.claims("pass client-ip=192.0.2.1; receiver=mx.postino.test;", US)).isTrue();
        assertThat(ReceivedSpfReceiver.claims("pass receiver=\"MX.Postino.Test.\"; identity=mailfrom", US)).isTrue();
    }

    @Test
    void foldingCaseAndOddSpacingDoNotHideAForgery() {
        assertThat(ReceivedSpfReceiver.claims("pass\r\n\t(\r\n  MX.POSTINO.TEST : forged)", US)).isTrue();
        assertThat(ReceivedSpfReceiver.claims("softfail (other.test: x)\r\n receiver = mx.postino.test", US)).isTrue();
        assertThat(ReceivedSpfReceiver.claims("(mx.postino.test) pass", US)).isTrue();
    }

    @Test
    void fieldsOfOtherHostsAreNotOurs() {
        assertThat(ReceivedSpfReceiver.claims("pass (mx.upstream.test: domain of bob@mx.postino.test designates"
            + " 192.0.2.1 as permitted sender) receiver=mx.upstream.test; envelope-from=\"bob@mx.postino.test\"",
            US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims("pass (mx.postino.test.evil.test: x)", US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims("pass x-receiver=mx.postino.test", US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims("pass receiver=mx.postino.testing", US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims("", US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims("pass (mx.postino.test: x)", " ")).isFalse();
    }

    @Test
    void whatWeWriteIsRecognisedAsOurs() throws Exception {
        SpfRequest request = SpfRequest.mailFrom(InetAddress.getByName("192.0.2.1"), "bob@bank.test", "mx.bank.test");
        SpfResult result = new SpfResult(request, SpfVerdict.PASS, "", "bank.test", 1, "ip4", "matched ip4");

        assertThat(ReceivedSpfReceiver.claims(result.receivedSpfHeaderValue(US), US)).isTrue();
        assertThat(ReceivedSpfReceiver.claims(result.receivedSpfHeaderValue("mx.upstream.test"), US)).isFalse();
    }

    @Test
    void aLongRepetitiveFieldIsReadToTheEnd() {
        // receiver=receiver=... : every key is looked at, and its value is read at most 256 characters far
        String hostile = "pass " + "receiver=".repeat(20_000) + "x";

        assertThat(ReceivedSpfReceiver.claims(hostile, US)).isFalse();
        assertThat(ReceivedSpfReceiver.claims(hostile + " receiver=" + US, US)).isTrue();
    }
}
