use leptos::prelude::*;
use oauthlab::exercises::StepStatus;

use crate::model::StepView;

pub fn status_label(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Locked => "locked",
        StepStatus::Current => "current",
        StepStatus::Passed => "passed",
    }
}

/// One step of an exercise, shown locked, current or passed.
#[component]
pub fn StepCard(step: StepView, children: Children) -> impl IntoView {
    let label = match step.status {
        StepStatus::Locked => "Locked",
        StepStatus::Current => "Current step",
        StepStatus::Passed => "Passed",
    };
    let id = step.id;
    view! {
        <section
            id=format!("step-{id}")
            class=format!("step step--{}", status_label(step.status))
            data-testid=format!("step-{id}")
            data-status=status_label(step.status)
            aria-labelledby=format!("step-{id}-title")
        >
            <header class="step-header">
                <span class="step-number" aria-hidden="true">{step.number}</span>
                <h2 id=format!("step-{id}-title")>{step.title}</h2>
                <span class="step-badge">{label}</span>
            </header>
            <div class="step-body">{children()}</div>
        </section>
    }
}
