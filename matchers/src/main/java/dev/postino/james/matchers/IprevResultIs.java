package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails whose iprev verdict (attribute {@code postino.iprev.result}, written by
 * {@code dev.postino.james.mailets.IprevCheck}, or by the authentication step that checked iprev first) is one
 * of the listed values: {@code pass}, {@code fail}, {@code temperror}, {@code permerror}, {@code none}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.IprevResultIs=fail,permerror" class="...">}</pre>
 */
public class IprevResultIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return AuthenticationAttributes.IPREV_RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return AuthenticationAttributes.IPREV_RESULTS;
    }
}
