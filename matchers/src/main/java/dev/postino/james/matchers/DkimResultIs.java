package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

/**
 * Matches mails whose aggregate DKIM verdict (attribute {@code postino.dkim.result}, written by
 * {@code dev.postino.james.mailets.DkimVerify}) is one of the listed values: {@code none pass fail permerror
 * temperror policy neutral}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.DkimResultIs=fail,permerror" class="...">}</pre>
 */
public class DkimResultIs extends AttributeValueIs {

    private static final AttributeName RESULT = AttributeName.of("postino.dkim.result");

    @Override
    protected AttributeName attribute() {
        return RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return List.of("none", "pass", "fail", "permerror", "temperror", "policy", "neutral");
    }
}
