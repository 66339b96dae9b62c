//! Links the `vigil` binary as a position-dependent executable on Linux.
//!
//! A position-independent executable of vigil's size carries some 57,000 relative relocations
//! that the loader applies at every start, copying 1.5 MB of pages on write: 1.5 ms of the 3 ms a
//! bare `vigil --version` takes on the project's machine, and a third of what a `vigil search`
//! may cost (the search benchmark times the whole command). The binary is then loaded at a fixed
//! address (no address randomisation of its own code; libraries, heap and stack keep theirs).
//! Set `VIGIL_PIE=1` when building to keep the default.

fn main() {
    println!("cargo:rerun-if-env-changed=VIGIL_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let gnu = std::env::var("CARGO_CFG_TARGET_ENV").is_ok_and(|env| env == "gnu");
    if linux && gnu && std::env::var_os("VIGIL_PIE").is_none() {
        println!("cargo:rustc-link-arg-bin=vigil=-no-pie");
    }
}
