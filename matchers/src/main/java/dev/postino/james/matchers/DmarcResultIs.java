package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

/**
 * Matches mails whose DMARC result (attribute {@code postino.dmarc.result}, written by
 * {@code dev.postino.james.mailets.AuthenticationCheck}) is one of the listed values: {@code pass fail none
 * temperror permerror skipped}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.DmarcResultIs=permerror" class="ToRepository">...}</pre>
 */
public class DmarcResultIs extends AttributeValueIs {

    private static final AttributeName RESULT = AttributeName.of("postino.dmarc.result");

    @Override
    protected AttributeName attribute() {
        return RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return List.of("pass", "fail", "none", "temperror", "permerror", "skipped");
    }
}
