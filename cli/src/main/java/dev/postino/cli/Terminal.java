package dev.postino.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** Standard input, output and error of one run, so tests can drive the command in-process. */
record Terminal(InputStream in, PrintStream out, PrintStream err) {
}
