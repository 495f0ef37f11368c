//! OAuth Lab's grading core.
//!
//! Pure Rust: no I/O, no clock, no web or database crates. Every check is a function of
//! its input and the facts it needs, and returns a [`verdict::Verdict`]. It builds for
//! `wasm32-unknown-unknown` too, so the UI can share its types.

pub mod exercises;
pub mod json;
pub mod oauth;
pub mod pasted;
pub mod pkce;
pub mod practice_user;
pub mod text;
pub mod verdict;
mod work;
