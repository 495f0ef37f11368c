use leptos::prelude::*;
use oauthlab::verdict::{Finding, Level};

fn class_of(f: &Finding) -> &'static str {
    match (f.ok, f.level) {
        (true, Level::Info) => "finding finding--info",
        (true, _) => "finding finding--ok",
        (false, Level::Error) => "finding finding--error",
        (false, _) => "finding finding--warning",
    }
}

/// What a screen reader says before a finding's message, for what the icon shows.
fn spoken_of(f: &Finding) -> &'static str {
    match (f.ok, f.level) {
        (true, Level::Info) => "Note: ",
        (true, _) => "Passed: ",
        (false, Level::Error) => "Failed: ",
        (false, _) => "Warning: ",
    }
}

fn icon_of(f: &Finding) -> &'static str {
    match (f.ok, f.level) {
        (true, Level::Info) => "i",
        (true, _) => "✓",
        (false, Level::Error) => "✗",
        (false, _) => "!",
    }
}

/// A check's findings, failed ones first (the verdict is already sorted that way): each
/// one sentence, with pass or fail said for screen readers too, and its details (why,
/// the RFC, the usual causes) behind *More*. Messages are text, so anything pasted that
/// they quote is shown escaped.
#[component]
pub fn Findings(#[prop(into)] findings: Signal<Option<Vec<Finding>>>, step: &'static str) -> impl IntoView {
    move || {
        findings.get().map(|findings| {
            let passed = !findings.iter().any(Finding::is_blocking);
            view! {
                <div class="verdict" class:verdict--passed=passed role="status"
                    data-testid=format!("verdict-{step}")>
                    <p class="verdict-summary">
                        {if passed { "Correct!" } else { "Not yet: fix what is marked ✗ and check again." }}
                    </p>
                    <ul class="findings">
                        {findings
                            .into_iter()
                            .map(|f| {
                                view! {
                                    <li class=class_of(&f) data-finding=f.id.clone()>
                                        <span class="finding-icon" aria-hidden="true">{icon_of(&f)}</span>
                                        <div class="finding-body">
                                            <span class="finding-message">
                                                <span class="visually-hidden">{spoken_of(&f)}</span>
                                                {f.message.clone()}
                                            </span>
                                            {f.details.clone().map(|details| view! {
                                                <details class="finding-details">
                                                    <summary>"More"<span class="visually-hidden">" about this"</span></summary>
                                                    <p>{details}</p>
                                                </details>
                                            })}
                                        </div>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
        })
    }
}
