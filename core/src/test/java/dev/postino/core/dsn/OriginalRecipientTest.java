package dev.postino.core.dsn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** ORCPT's three forms come from one value. */
class OriginalRecipientTest {

    @Test
    void storedParameterAndFieldForms() {
        OriginalRecipient orcpt = OriginalRecipient.rfc822("bob+tag=x@example.com");

        assertThat(orcpt).hasToString("rfc822;bob+tag=x@example.com");
        assertThat(orcpt.asParameter()).isEqualTo("rfc822;bob+2Btag+3Dx@example.com");
        assertThat(orcpt.asField()).isEqualTo("rfc822; bob+tag=x@example.com");
        assertThat(OriginalRecipient.parse(orcpt.toString())).isEqualTo(orcpt);
        assertThat(OriginalRecipient.parse(orcpt.asField())).isEqualTo(orcpt);
    }

    @Test
    void textWithoutATypeIsAnInternetAddressAndOtherTypesAreKept() {
        assertThat(OriginalRecipient.parse("bob@example.com")).isEqualTo(OriginalRecipient.rfc822("bob@example.com"));
        assertThat(OriginalRecipient.parse("utf-8;bób@example.com").asParameter()).isEqualTo("utf-8;b+C3+B3b@example.com");
    }

    @Test
    void xtextEncodesSpacesControlsPlusAndEquals() {
        assertThat(OriginalRecipient.rfc822("a b\r\n+=~!").asParameter()).isEqualTo("rfc822;a+20b+0D+0A+2B+3D~!");
    }

    @Test
    void aBadTypeOrNoAddressIsRefused() {
        assertThatThrownBy(() -> OriginalRecipient.parse("rfc 822;bob@example.com")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OriginalRecipient.parse("rfc822; ")).isInstanceOf(IllegalArgumentException.class);
    }
}
