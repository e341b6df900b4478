"""One module per `nianbao` subcommand (or group). Each stays thin: it parses options and calls
the stage package (crawler, archive, parsers, catalog, sandbox) that does the work."""
