package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.ReturnPathAttributes;

/**
 * Matches mails whose bounce verdict (attribute {@code postino.bounce.verdict}, written by
 * {@code dev.postino.james.mailets.BounceClassifier}) is one of the listed values: {@code genuine forged unreferenced
 * unknown none}. The sample quarantines {@code forged} bounces: reports about mail we never sent.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.BounceVerdictIs=forged" class="ToRepository">}</pre>
 */
public class BounceVerdictIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return ReturnPathAttributes.BOUNCE_VERDICT;
    }

    @Override
    protected List<String> possibleValues() {
        return ReturnPathAttributes.VERDICTS;
    }
}
