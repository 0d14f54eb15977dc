package dev.postino.core.spf;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Parsed records by their text, shared by every check of one evaluator: the same few policies come back with
 * nearly every mail, and parsing is most of the work of a check whose lookups the DNS cache answers. Syntax
 * errors are kept too. Bounded: when full it starts over, so hostile records cannot grow it.
 */
final class SpfRecordCache {

    private record Parsed(SpfRecord record, String error) {
    }

    private final int capacity;
    private final ConcurrentHashMap<String, Parsed> entries = new ConcurrentHashMap<>();

    SpfRecordCache(int capacity) {
        this.capacity = capacity;
    }

    SpfRecord parse(String text) throws SpfSyntaxException {
        Parsed parsed = entries.get(text);
        if (parsed == null) {
            try {
                parsed = new Parsed(SpfRecord.parse(text), null);
            } catch (SpfSyntaxException e) {
                parsed = new Parsed(null, e.getMessage());
            }
            if (entries.size() >= capacity) {
                entries.clear();
            }
            entries.put(text, parsed);
        }
        if (parsed.error() != null) {
            throw new SpfSyntaxException(parsed.error());
        }
        return parsed.record();
    }

    /** Records kept now; never more than the capacity. */
    int size() {
        return entries.size();
    }
}
