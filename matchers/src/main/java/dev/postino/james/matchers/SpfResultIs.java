package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

/**
 * Matches mails whose SPF verdict for the MAIL FROM identity (attribute {@code postino.spf.result}, written
 * by {@code dev.postino.james.mailets.SpfCheck}) is one of the listed values: {@code pass fail softfail
 * neutral none temperror permerror skipped}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.SpfResultIs=fail" class="ToRepository">...}</pre>
 */
public class SpfResultIs extends AttributeValueIs {

    private static final AttributeName RESULT = AttributeName.of("postino.spf.result");

    @Override
    protected AttributeName attribute() {
        return RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return List.of("pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "skipped");
    }
}
