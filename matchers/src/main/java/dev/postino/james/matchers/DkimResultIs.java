package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails whose aggregate DKIM verdict (attribute {@code postino.dkim.result}, written by
 * {@code dev.postino.james.mailets.DkimVerify}, or by the authentication step that verified DKIM first) is one of the listed values: {@code none pass fail permerror
 * temperror policy neutral}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.DkimResultIs=fail,permerror" class="...">}</pre>
 */
public class DkimResultIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return AuthenticationAttributes.DKIM_RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return AuthenticationAttributes.DKIM_RESULTS;
    }
}
