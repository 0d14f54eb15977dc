package dev.postino.cli;

/** One {@code postino} subcommand. */
interface Command {

    /** The word after {@code postino}, e.g. {@code spf}. */
    String name();

    /** One usage line, shown by {@code postino help} and with usage errors. */
    String usage();

    /** Usage lines of the command's subcommands, shown by {@code postino help} after {@link #usage()}. */
    default java.util.List<String> moreUsages() {
        return java.util.List.of();
    }

    /**
     * Runs the command. Returns the exit status: 0 when the evaluation ran, whatever its verdict.
     *
     * @throws UsageException for a usage or input error (exit status 2, its message on standard error)
     */
    int run(Arguments arguments, Terminal terminal) throws Exception;
}
