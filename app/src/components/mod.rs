//! Reusable pieces of the pages.

mod findings;
mod step_card;

pub use findings::Findings;
pub use step_card::{status_label, StepCard};
