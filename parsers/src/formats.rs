//! The registry of formats: a format's name to a parser, and the sniffer behind `--format auto`.
