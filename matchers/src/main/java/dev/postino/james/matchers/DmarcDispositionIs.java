package dev.postino.james.matchers;

import java.util.List;

import org.apache.mailet.AttributeName;

import dev.postino.james.attributes.AuthenticationAttributes;

/**
 * Matches mails whose DMARC disposition (attribute {@code postino.dmarc.disposition}, written by
 * {@code dev.postino.james.mailets.AuthenticationCheck}: the sender domain's policy for a failing mail, one step
 * lower under {@code t=y}) is one of the listed values: {@code none quarantine reject}.
 *
 * <pre>{@code <mailet match="dev.postino.james.matchers.DmarcDispositionIs=reject" class="ToRepository">...}</pre>
 */
public class DmarcDispositionIs extends AttributeValueIs {

    @Override
    protected AttributeName attribute() {
        return AuthenticationAttributes.DMARC_DISPOSITION;
    }

    @Override
    protected List<String> possibleValues() {
        return AuthenticationAttributes.DMARC_POLICIES;
    }
}
