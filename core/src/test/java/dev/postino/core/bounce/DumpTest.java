package dev.postino.core.bounce;

import org.junit.jupiter.api.Test;

class DumpTest {
    @Test
    void dump() {
        String files = System.getProperty("dump", "");
        for (String f : files.split(",")) {
            if (f.isEmpty()) continue;
            BounceReport r = BounceReader.read(BounceCorpusTest.resource("corpus/" + f + (f.endsWith(".eml") ? "" : ".eml")));
            System.out.println("=== " + f + " bounce=" + r.bounce() + " kind=" + r.kind().word() + " id=" + r.originalMessageId() + " note=" + r.note());
            for (BouncedRecipient x : r.recipients()) {
                System.out.println("  " + x.address() + " | " + x.action() + " | " + x.status() + " | " + x.reason().word() + " | " + x.hard() + " | " + x.remoteMta() + " | " + x.diagnostic());
            }
        }
    }
}
