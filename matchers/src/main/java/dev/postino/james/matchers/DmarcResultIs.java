package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails whose DMARC result (attribute {@code postino.dmarc.result}, written by
 * {@code dev.postino.james.mailets.AuthenticationCheck}) is one of the listed values: {@code pass fail none
 * temperror permerror skipped}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.DmarcResultIs=permerror" class="ToRepository">...}</pre>
 */
public class DmarcResultIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return AuthenticationAttributes.DMARC_RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return AuthenticationAttributes.DMARC_RESULTS;
    }
}
