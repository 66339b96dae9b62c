//! Formats defined in the config by a regular expression with named captures.
