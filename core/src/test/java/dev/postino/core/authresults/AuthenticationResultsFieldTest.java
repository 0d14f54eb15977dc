package dev.postino.core.authresults;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.postino.core.dkim.DkimResult;
import dev.postino.core.dkim.DkimVerdict;
import dev.postino.core.dmarc.DmarcPolicy;
import dev.postino.core.dmarc.DmarcResult;
import dev.postino.core.dmarc.DmarcVerdict;
import dev.postino.core.spf.SpfRequest;
import dev.postino.core.spf.SpfResult;
import dev.postino.core.spf.SpfVerdict;

class AuthenticationResultsFieldTest {

    private static SpfResult spf(String mailFrom, SpfVerdict verdict, String reason) throws Exception {
        SpfRequest request = SpfRequest.mailFrom(InetAddress.getByName("192.0.2.1"), mailFrom, "mx.example.test");
        return new SpfResult(request, verdict, "", request.domain(), 1, "", reason);
    }

    @Test
    void allMethodsInOneField() throws Exception {
        DkimResult dkim = new DkimResult(DkimVerdict.PASS, "example.test", "sel", "rsa-sha256", "@example.test",
            "abcdefgh", "signature verified", false, false);
        DmarcResult dmarc = new DmarcResult(DmarcVerdict.PASS, "example.test", "example.test", DmarcPolicy.REJECT,
            DmarcPolicy.NONE, false, true, "example.test", "aligned SPF pass");

        String value = new AuthenticationResultsField("mx.postino.test")
            .spf(spf("alice@example.test", SpfVerdict.PASS, "matched ip4"))
            .dkim(List.of(dkim))
            .dmarc(dmarc)
            .iprev("pass", "192.0.2.1", "mail.example.test")
            .value();

        assertThat(value).isEqualTo("mx.postino.test;"
            + " spf=pass (matched ip4) smtp.mailfrom=alice@example.test;"
            + " dkim=pass (signature verified) header.d=example.test header.i=@example.test header.s=sel"
            + " header.a=rsa-sha256 header.b=abcdefgh;"
            + " dmarc=pass (p=reject dis=none d=example.test; aligned SPF pass) header.from=example.test;"
            + " iprev=pass (mail.example.test) policy.iprev=192.0.2.1");
    }

    @Test
    void nothingIsNoneAndNullSenderUsesHelo() throws Exception {
        assertThat(new AuthenticationResultsField("mx.postino.test").value()).isEqualTo("mx.postino.test; none");
        assertThat(new AuthenticationResultsField("mx").spf(spf("", SpfVerdict.NONE, "")).dkim(List.of()).value())
            .isEqualTo("mx; spf=none smtp.helo=mx.example.test; dkim=none (no signature)");
    }

    @Test
    void foldedValueBreaksBeforeEachResult() throws Exception {
        String folded = new AuthenticationResultsField("mx").spf(spf("a@example.test", SpfVerdict.FAIL, "x"))
            .dkim(List.of()).foldedValue();

        assertThat(folded).isEqualTo("mx;\r\n\tspf=fail (x) smtp.mailfrom=a@example.test;\r\n\tdkim=none (no signature)");
    }

    @Test
    void hostileInputStaysInsideItsValueOrComment() throws Exception {
        String evil = "x\"; dkim=pass header.d=bank.test\r\nAuthentication-Results: mx; dmarc=pass (\\) ) é";
        DkimResult dkim = new DkimResult(DkimVerdict.FAIL, evil, evil, "rsa-sha256", "", "", evil, false, false);
        DmarcResult dmarc = new DmarcResult(DmarcVerdict.FAIL, evil, "", DmarcPolicy.NONE, DmarcPolicy.NONE, false,
            false, "", evil);

        String value = new AuthenticationResultsField("mx").spf(spf("\"a;b\"@evil.test", SpfVerdict.FAIL, evil))
            .dkim(List.of(dkim)).dmarc(dmarc).value();

        assertThat(value).doesNotContain("\r").doesNotContain("\n").doesNotContain("é");
        // outside quoted strings and comments, exactly the three separators we wrote remain; a d=, s= or From
        // domain that is no domain name is left out rather than shown
        assertThat(structure(value)).isEqualTo("mx; spf=fail  smtp.mailfrom=; dkim=fail  header.a=rsa-sha256;"
            + " dmarc=fail ");
    }

    @Test
    void aMalformedSignatureShowsNoEmptyOrMadeUpIdentifier() {
        DkimResult noTags = new DkimResult(DkimVerdict.PERMERROR, "", "", "", "", "", "no d= tag", false, false);
        DkimResult garbage = new DkimResult(DkimVerdict.PERMERROR, "exa mple.test", "-sel", "rsa sha256", "joe",
            "ab cd", "bad tags", false, false);
        DkimResult blank = new DkimResult(DkimVerdict.PERMERROR, " ", "\t", " ", " ", " ", "blank tags", false, false);

        String value = new AuthenticationResultsField("mx").dkim(List.of(noTags, garbage, blank)).value();

        assertThat(value).isEqualTo("mx; dkim=permerror (no d= tag); dkim=permerror (bad tags);"
            + " dkim=permerror (blank tags)");
        assertThat(value).doesNotContain("header.");
    }

    @Test
    void valuesAreBareOnlyWhenRfc8601AllowsItElseQuoted() throws Exception {
        DkimResult dkim = new DkimResult(DkimVerdict.PASS, "example.test", "s_2024.eu", "ed25519-sha256",
            "\"joe smith\"@example.test", "ab/c+d==", "ok", false, false);

        String value = new AuthenticationResultsField("mx@example.test")
            .spf(spf("a@b@example.test", SpfVerdict.PASS, ""))
            .dkim(List.of(dkim))
            .add("auth", "pass", "", "smtp.auth", "alice", "smtp.mailfrom", "bob@localhost", "policy.x", "a.b-c_d+e")
            .value();

        // '@' is a tspecial (RFC 2045): an authserv-id with it is quoted, an address only when not local@domain
        assertThat(value).isEqualTo("\"mx@example.test\"; spf=pass smtp.mailfrom=\"a@b@example.test\";"
            + " dkim=pass (ok) header.d=example.test header.i=\"\\\"joe smith\\\"@example.test\" header.s=s_2024.eu"
            + " header.a=ed25519-sha256 header.b=\"ab/c+d==\";"
            + " auth=pass smtp.auth=alice smtp.mailfrom=\"bob@localhost\" policy.x=a.b-c_d+e");
    }

    @Test
    void longValuesAreCut() {
        String value = new AuthenticationResultsField("mx").add("dmarc", "fail", "x".repeat(5000),
            "header.from", "y".repeat(5000)).value();

        assertThat(value.length()).isLessThan(500);
    }

    @Test
    void recognisesFieldsClaimingAnAuthservId() {
        assertThat(AuthenticationResultsField.claims("mx.postino.test; dmarc=pass", "MX.postino.test")).isTrue();
        assertThat(AuthenticationResultsField.claims(" (forged) \"mx.postino.test\" 1; spf=pass", "mx.postino.test")).isTrue();
        assertThat(AuthenticationResultsField.claims("\r\n\tmx.postino.test;none", "mx.postino.test")).isTrue();
        assertThat(AuthenticationResultsField.claims("mx.postino.test.evil; spf=pass", "mx.postino.test")).isFalse();
        assertThat(AuthenticationResultsField.claims("other.test; spf=pass", "mx.postino.test")).isFalse();
        assertThat(AuthenticationResultsField.claims("  ", "mx.postino.test")).isFalse();
        assertThat(AuthenticationResultsField.claims("(unclosed mx.postino.test; spf=pass", "mx.postino.test")).isFalse();
    }

    /** The value with quoted strings and comments emptied: what a parser sees as structure. */
    private static String structure(String value) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if ((quoted || depth > 0) && c == '\\') {
                i++;
            } else if (quoted) {
                quoted = c != '"';
            } else if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if (depth == 0 && c == '"') {
                quoted = true;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
