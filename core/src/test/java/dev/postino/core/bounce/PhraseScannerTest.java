package dev.postino.core.bounce;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The one-pass phrase scanner against String.contains, and the reason table read through it against phrase by phrase. */
class PhraseScannerTest {

    @Test
    void findsExactlyThePhrasesContainsFinds() {
        Random random = new Random(1896);
        String alphabet = "ab c\u00e9\u4e2d"; // few letters: many overlaps, prefixes and suffixes of one another
        for (int round = 0; round < 500; round++) {
            List<String> phrases = new ArrayList<>();
            int count = 1 + random.nextInt(30);
            for (int i = 0; i < count; i++) {
                phrases.add(word(random, alphabet, 1 + random.nextInt(6)));
            }
            if (random.nextBoolean()) {
                phrases.add(phrases.get(random.nextInt(phrases.size()))); // listed twice
            }
            PhraseScanner scanner = new PhraseScanner(phrases);
            for (int t = 0; t < 20; t++) {
                String text = word(random, alphabet, random.nextInt(80));
                BitSet present = scanner.present(text);
                for (int id = 0; id < phrases.size(); id++) {
                    assertThat(present.get(id)).as("'%s' in '%s' (phrases %s)", phrases.get(id), text, phrases)
                        .isEqualTo(text.contains(phrases.get(id)));
                }
            }
        }
    }

    @Test
    void anEmptyPhraseIsRefused() {
        assertThatThrownBy(() -> new PhraseScanner(List.of("a", ""))).isInstanceOf(IllegalArgumentException.class);
    }

    /** Texts made of pieces of the real phrases (whole, cut, run together) and noise: both readings agree. */
    @Test
    void theReasonTableReadInOnePassSaysWhatItSaysPhraseByPhrase() {
        Random random = new Random(3464);
        List<String> pieces = List.of("user unknown", "mailbox full", "quota exceeded", "spam", "blocked", "blacklisted",
            "no such user", "relay", "denied", "message too large", "over quota", "rejected", "host not found",
            "does not exist", "temporarily", "try again later", "policy", "tls", "dmarc", "sorry", "5.1.1", "4.2.2",
            "550", "452", "account", "disabled", "suspended", "vacation", "out of the office", "too many connections");
        Set<BounceReason> seen = EnumSet.noneOf(BounceReason.class);
        for (int round = 0; round < 3000; round++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(8);
            for (int i = 0; i < n; i++) {
                String piece = pieces.get(random.nextInt(pieces.size()));
                if (random.nextInt(4) == 0) {
                    piece = piece.substring(0, random.nextInt(piece.length() + 1));
                }
                text.append(piece).append(random.nextBoolean() ? " " : random.nextBoolean() ? ": " : "");
            }
            String lower = text.toString();
            Set<BounceReason> phraseByPhrase = EnumSet.noneOf(BounceReason.class);
            for (BounceReason reason : BounceReason.values()) {
                if (ReasonPhrases.says(reason, lower)) {
                    phraseByPhrase.add(reason);
                }
            }
            assertThat(ReasonPhrases.allSaid(lower)).as(lower).isEqualTo(phraseByPhrase);
            seen.addAll(phraseByPhrase);
        }
        assertThat(seen).as("the texts make many reasons speak, not none").hasSizeGreaterThanOrEqualTo(8);
    }

    private static String word(Random random, String alphabet, int length) {
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
