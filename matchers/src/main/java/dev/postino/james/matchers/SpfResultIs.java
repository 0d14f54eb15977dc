package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails whose SPF verdict for the MAIL FROM identity (attribute {@code postino.spf.result}, written
 * by {@code dev.postino.james.mailets.SpfCheck}, or by the authentication step that checked SPF first) is one of the listed values: {@code pass fail softfail
 * neutral none temperror permerror skipped}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.SpfResultIs=fail" class="ToRepository">...}</pre>
 */
public class SpfResultIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return AuthenticationAttributes.SPF_RESULT;
    }

    @Override
    protected List<String> possibleValues() {
        return AuthenticationAttributes.SPF_RESULTS;
    }
}
