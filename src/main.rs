//! The `vigil` binary: parses the command line, dispatches, maps errors to exit codes.

fn main() {}
