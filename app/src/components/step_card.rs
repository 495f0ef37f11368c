use leptos::prelude::*;
use oauthlab::exercises::refresh::{Step, StepStatus};

pub fn status_label(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Locked => "locked",
        StepStatus::Current => "current",
        StepStatus::Passed => "passed",
    }
}

/// One step of an exercise, shown locked, current or passed.
#[component]
pub fn StepCard(step: Step, #[prop(into)] status: Signal<StepStatus>, children: Children) -> impl IntoView {
    let label = move || match status.get() {
        StepStatus::Locked => "Locked",
        StepStatus::Current => "Current step",
        StepStatus::Passed => "Passed",
    };
    view! {
        <section
            id=format!("step-{}", step.slug())
            class=move || format!("step step--{}", status_label(status.get()))
            data-testid=format!("step-{}", step.slug())
            data-status=move || status_label(status.get())
            aria-labelledby=format!("step-{}-title", step.slug())
        >
            <header class="step-header">
                <span class="step-number" aria-hidden="true">{step.number()}</span>
                <h2 id=format!("step-{}-title", step.slug())>{step.title()}</h2>
                <span class="step-badge">{label}</span>
            </header>
            <div class="step-body">{children()}</div>
        </section>
    }
}
