//! vigil-report: the monthly IT-meeting report. [`model::build`] reads a month (and the month
//! before, for comparison) through the event store and the checks into one [`model::Report`];
//! the JSON is that model, for other tools; [`markdown::render`] writes it for wikis and meeting
//! documents, in Chinese (headings in the regulation's own words) or English.
//!
//! | module | what it holds |
//! |---|---|
//! | [`model`] | the report's sections, built from the index, the registers, the policy and the backup jobs |
//! | [`html`] | the model as one self-contained page: inline SVG charts (plotters), print CSS for A4, CJK fonts |
//! | [`markdown`] | the model as Markdown, zh or en; log text escaped |

pub mod html;
pub mod markdown;
pub mod model;

pub use model::{Integrity, Report, build};
