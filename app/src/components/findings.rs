use leptos::prelude::*;
use oauthlab::verdict::{Finding, Level};

/// How a finding is shown, from whether it held and its level: its class, its icon, and
/// what a screen reader says before its message in place of the icon.
struct Look {
    class: &'static str,
    icon: &'static str,
    spoken: &'static str,
}

fn look_of(f: &Finding) -> Look {
    let (class, icon, spoken) = match (f.ok, f.level) {
        (true, Level::Info) => ("finding finding--info", "i", "Note: "),
        (true, _) => ("finding finding--ok", "✓", "Passed: "),
        (false, Level::Error) => ("finding finding--error", "✗", "Failed: "),
        (false, _) => ("finding finding--warning", "!", "Warning: "),
    };
    Look { class, icon, spoken }
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
                                let look = look_of(&f);
                                view! {
                                    <li class=look.class data-finding=f.id.clone()>
                                        <span class="finding-icon" aria-hidden="true">{look.icon}</span>
                                        <div class="finding-body">
                                            <span class="finding-message">
                                                <span class="visually-hidden">{look.spoken}</span>
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
                                .into_any()
                            })
                            .collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        })
    }
}
