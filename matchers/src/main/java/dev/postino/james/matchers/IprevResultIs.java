package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

/**
 * Matches mails whose iprev verdict (attribute {@code postino.iprev.result}, written by
 * {@code dev.postino.james.mailets.IprevCheck}) is one of the listed values:
 * {@code pass}, {@code fail}, {@code temperror}, {@code permerror}, {@code none}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.IprevResultIs=fail,permerror" class="...">}</pre>
 */
public class IprevResultIs extends AttributeValueIs {

    private static final AttributeName RESULT = AttributeName.of("postino.iprev.result");

    @Override
    protected AttributeName attribute() {
        return RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return List.of("pass", "fail", "temperror", "permerror", "none");
    }
}
