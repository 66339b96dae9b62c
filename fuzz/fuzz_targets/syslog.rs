//! Fuzzes the `syslog` parser: any bytes, fed line by line, must give events or rejections, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::run("syslog", data);
});
