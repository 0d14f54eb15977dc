package dev.postino.core.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

class AuthorDomainsTest {

    @Test
    void oneAddressInItsForms() {
        for (String value : List.of(" alice@Example.TEST", " Alice <alice@example.test>",
            " \"Smith, <Alice>\" <alice@example.test> (work, home)", " (c) alice@example.test.",
            " =?utf-8?q?Al=C3=AFce?= <@route.test:alice@example.test>", " \"a@b\"@example.test",
            "\r\n\tAlice\r\n <alice@example.test>")) {
            AuthorDomains authors = AuthorDomains.of(List.of(value));
            assertThat(authors.isSingle()).as(value).isTrue();
            assertThat(authors.domains()).as(value).containsExactly("example.test");
        }
    }

    @Test
    void internationalizedDomainsBecomeALabels() {
        assertThat(AuthorDomains.of(List.of(" a@bücher.test")).domains()).containsExactly("xn--bcher-kva.test");
    }

    @Test
    void everyMultipleCaseIsFlagged() {
        assertThat(AuthorDomains.of(List.of()).problem()).isEqualTo("no From field");
        assertThat(AuthorDomains.of(List.of(" a@x.test", " a@x.test")).problem()).isEqualTo("2 From fields");
        assertThat(AuthorDomains.of(List.of(" a@x.test, b@y.test")).problem()).isEqualTo("2 addresses in From");
        assertThat(AuthorDomains.of(List.of(" a@x.test, b@y.test")).domains()).containsExactly("x.test", "y.test");
        assertThat(AuthorDomains.of(List.of(" g: a@x.test;")).isSingle()).isTrue();
        assertThat(AuthorDomains.of(List.of(" g:;")).problem()).isEqualTo("no address in From");
        assertThat(AuthorDomains.of(List.of(" nobody")).problem()).isEqualTo("no address in From");
        assertThat(AuthorDomains.of(List.of(" <nobody>")).problem()).isEqualTo("From address has no valid domain");
        assertThat(AuthorDomains.of(List.of(" Smith, John <j@x.test>")).isSingle()).isTrue();
        assertThat(AuthorDomains.of(List.of(" a@-bad-.test")).domains()).isEmpty();
        assertThat(AuthorDomains.of(List.of(" <a@x.test")).domains()).containsExactly("x.test");
    }

    @Test
    void fromFieldsAreReadFromTheHeaderSectionOnly() {
        byte[] message = ("Received: x\r\nFROM: a@x.test,\r\n b@y.test\r\nSubject: s\r\nfrom : c@z.test\r\n\r\n"
            + "From: body@w.test\r\n").getBytes(StandardCharsets.UTF_8);

        assertThat(AuthorDomains.fromFields(message)).containsExactly(" a@x.test,\r\n b@y.test", " c@z.test");
    }
}
