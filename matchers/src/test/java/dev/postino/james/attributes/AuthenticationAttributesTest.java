package dev.postino.james.attributes;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.apache.mailet.Attribute;
import org.apache.mailet.AttributeValue;
import org.apache.mailet.Mail;
import org.apache.mailet.base.test.FakeMail;
import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.iprev.IprevResult;
import dev.postino.core.spf.SpfVerdict;

class AuthenticationAttributesTest {

    private static Mail mail() throws Exception {
        return FakeMail.builder().name("m").recipients("a@example.test").build();
    }

    @Test
    void dkimVerdictsComeBackAsTheyWereWrittenHeaderIIncluded() throws Exception {
        List<DkimResult> written = List.of(
            new DkimResult(DkimVerdict.PASS, "example.test", "sel", "rsa-sha256", "joe@mail.example.test",
                "abcdefgh", "signature verified", false, true),
            new DkimResult(DkimVerdict.PASS, "partial.test", "s2", "ed25519-sha256", "@partial.test",
                "ijklmnop", "signature verified", true, false),
            new DkimResult(DkimVerdict.PERMERROR, "", "", "", "", "", "no d= tag", false, false));
        Mail mail = mail();

        AuthenticationAttributes.writeDkim(mail, written);

        assertThat(AuthenticationAttributes.readDkim(mail)).contains(written);
        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.DKIM_RESULT)).contains("pass");
        // l= leaving content unsigned does not count as a pass for routing
        assertThat(AuthenticationAttributes.dkimPassDomains(mail)).containsExactly("example.test");
    }

    @Test
    void aDkimFailureLeavesNoSignaturesSoALaterStepVerifiesAgain() throws Exception {
        Mail mail = mail();

        AuthenticationAttributes.writeDkimFailure(mail, DkimVerdict.TEMPERROR);

        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.DKIM_RESULT)).contains("temperror");
        assertThat(AuthenticationAttributes.readDkim(mail)).isEmpty();
        assertThat(AuthenticationAttributes.dkimPassDomains(mail)).isEmpty();
    }

    @Test
    void unreadableOrForeignValuesReadAsAbsent() throws Exception {
        Mail mail = mail();
        mail.setAttribute(new Attribute(AuthenticationAttributes.DKIM_SIGNATURES, AttributeValue.of("[{\"result\": 7}")));
        mail.setAttribute(new Attribute(AuthenticationAttributes.SPF_RESULT, AttributeValue.of(42)));
        mail.setAttribute(new Attribute(AuthenticationAttributes.IPREV_RESULT, AttributeValue.of("none")));

        assertThat(AuthenticationAttributes.readDkim(mail)).isEmpty();
        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.SPF_RESULT)).isEmpty();
        assertThat(AuthenticationAttributes.spfVerdict(mail)).isEmpty();
        // "none": no client address was checked, so there is no iprev verdict to report
        assertThat(AuthenticationAttributes.iprev(mail)).isEmpty();
    }

    @Test
    void spfAndIprevVerdictsAreReadBack() throws Exception {
        Mail mail = mail();
        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_RESULT, "softfail");
        AuthenticationAttributes.writeIprev(mail, new IprevResult(IprevResult.Verdict.PASS, "mx.example.test", "ok"), "");

        assertThat(AuthenticationAttributes.spfVerdict(mail)).contains(SpfVerdict.SOFTFAIL);
        assertThat(AuthenticationAttributes.iprev(mail))
            .contains(new IprevResult(IprevResult.Verdict.PASS, "mx.example.test", "ok"));

        AuthenticationAttributes.write(mail, AuthenticationAttributes.SPF_RESULT, "skipped");
        AuthenticationAttributes.writeIprev(mail, null, "no remote address");
        assertThat(AuthenticationAttributes.spfVerdict(mail)).isEmpty();
        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.IPREV_RESULT)).contains("none");
        assertThat(AuthenticationAttributes.read(mail, AuthenticationAttributes.IPREV_REASON)).contains("no remote address");
    }

    @Test
    void theAggregateDkimVerdictIsTheBestPassElseTheWorst() {
        DkimResult fail = new DkimResult(DkimVerdict.FAIL, "a.test", "s", "", "", "", "", false, false);
        DkimResult neutral = new DkimResult(DkimVerdict.NEUTRAL, "a.test", "s", "", "", "", "", false, false);
        DkimResult pass = new DkimResult(DkimVerdict.PASS, "a.test", "s", "", "", "", "", false, false);

        assertThat(AuthenticationAttributes.dkimAggregate(List.of())).isEqualTo("none");
        assertThat(AuthenticationAttributes.dkimAggregate(List.of(neutral, fail))).isEqualTo("fail");
        assertThat(AuthenticationAttributes.dkimAggregate(List.of(fail, pass))).isEqualTo("pass");
        assertThat(AuthenticationAttributes.DKIM_RESULTS).containsAll(List.of("none", "pass", "fail", "neutral"));
    }
}
