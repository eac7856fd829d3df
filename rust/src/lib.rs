//! clean-corpus's compiled core: the per-word and per-row loops of its stages, in plain Rust
//! (tested by `cargo test`), and their Python bindings (`pipeline._core`, feature `python`).
//!
//! Each function here is the one implementation of what it computes; the Python module that
//! used to compute it now calls it. Python keeps orchestration, spaCy, decisions and reports.

pub mod candidates;
pub mod chunks;
pub mod instances;
pub mod layout;
pub mod lexicon;
pub mod linefeatures;
pub mod lines;
pub mod lm;
pub mod ngrams;
pub mod pychars;
pub mod sitelines;
pub mod spunwords;
pub mod tortured;
pub mod trees;

#[cfg(feature = "python")]
mod python;
