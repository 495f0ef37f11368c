//! Reusable pieces of the pages.

mod copy;
mod exchange;
mod findings;
mod paste_form;
mod step_card;

pub use copy::{CodeBlock, CommandBlock, CopyButton, Fill};
pub use exchange::BrowserExchange;
pub use findings::Findings;
pub use paste_form::{OtherActions, PasteForm};
pub use step_card::{status_label, StepCard};
