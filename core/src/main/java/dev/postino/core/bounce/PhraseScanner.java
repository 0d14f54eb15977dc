package dev.postino.core.bounce;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which of a fixed set of phrases occur in a text, found in one pass over the text whatever the number of phrases
 * (an Aho-Corasick automaton): a hostile bounce of a few MB costs one walk over it, not one per phrase. Immutable
 * and thread-safe once built.
 */
final class PhraseScanner {

    private static final int[] NONE = {};

    private final int phraseCount;
    /** Per state: the characters it has a transition on, sorted, and the states they lead to. */
    private final char[][] keys;
    private final int[][] targets;
    private final int[] fail;
    /** Per state: the ids of the phrases that end exactly here (several when a phrase is listed more than once). */
    private final int[][] phrases;
    /** Per state: the nearest state on its failure chain where a phrase ends, or -1. */
    private final int[] nextOutput;

    PhraseScanner(List<String> list) {
        phraseCount = list.size();
        List<Map<Character, Integer>> trie = new ArrayList<>();
        List<List<Integer>> ends = new ArrayList<>();
        trie.add(new TreeMap<>());
        ends.add(new ArrayList<>());
        for (int id = 0; id < list.size(); id++) {
            String p = list.get(id);
            if (p.isEmpty()) {
                throw new IllegalArgumentException("an empty phrase occurs everywhere");
            }
            int state = 0;
            for (int i = 0; i < p.length(); i++) {
                Integer next = trie.get(state).get(p.charAt(i));
                if (next == null) {
                    next = trie.size();
                    trie.add(new TreeMap<>());
                    ends.add(new ArrayList<>());
                    trie.get(state).put(p.charAt(i), next);
                }
                state = next;
            }
            ends.get(state).add(id);
        }
        int n = trie.size();
        keys = new char[n][];
        targets = new int[n][];
        phrases = new int[n][];
        for (int s = 0; s < n; s++) {
            Map<Character, Integer> edges = trie.get(s);
            keys[s] = new char[edges.size()];
            targets[s] = new int[edges.size()];
            int k = 0;
            for (Map.Entry<Character, Integer> e : edges.entrySet()) {
                keys[s][k] = e.getKey();
                targets[s][k++] = e.getValue();
            }
            phrases[s] = ends.get(s).isEmpty() ? NONE : ends.get(s).stream().mapToInt(Integer::intValue).toArray();
        }
        // failure links breadth first: a state's links are known once those of every shallower state are
        fail = new int[n];
        nextOutput = new int[n];
        nextOutput[0] = -1;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        for (int child : targets[0]) {
            nextOutput[child] = -1;
            queue.add(child);
        }
        while (!queue.isEmpty()) {
            int s = queue.poll();
            for (int k = 0; k < keys[s].length; k++) {
                char c = keys[s][k];
                int child = targets[s][k];
                int f = fail[s];
                while (f != 0 && step(f, c) < 0) {
                    f = fail[f];
                }
                fail[child] = Math.max(0, step(f, c));
                nextOutput[child] = phrases[fail[child]].length > 0 ? fail[child] : nextOutput[fail[child]];
                queue.add(child);
            }
        }
    }

    private int step(int state, char c) {
        int k = Arrays.binarySearch(keys[state], c);
        return k >= 0 ? targets[state][k] : -1;
    }

    /** The ids (positions in the list given) of the phrases that occur in {@code text}. */
    BitSet present(String text) {
        BitSet found = new BitSet(phraseCount);
        int state = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int to = step(state, c);
            while (to < 0 && state != 0) {
                state = fail[state];
                to = step(state, c);
            }
            state = Math.max(0, to);
            for (int s = phrases[state].length > 0 ? state : nextOutput[state]; s >= 0; s = nextOutput[s]) {
                for (int id : phrases[s]) {
                    found.set(id);
                }
            }
        }
        return found;
    }
}
