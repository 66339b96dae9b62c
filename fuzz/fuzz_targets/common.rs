//! Shared by every fuzz target: build the parser by name and feed it the input.

pub fn run(format: &str, data: &[u8]) {
    let reference = chrono::DateTime::from_timestamp(1_793_000_000, 0).unwrap_or_default();
    let ctx = vigil_parsers::ParseContext::new("fuzz", "fuzz-host", chrono_tz::Asia::Shanghai, reference);
    let Ok(mut parser) = vigil_parsers::formats::build(format, &vigil_parsers::formats::Options::default()) else {
        return;
    };
    let out = vigil_parsers::parse_text(parser.as_mut(), &ctx, "fuzz", data);
    std::hint::black_box(out);
}
