//! Rendering a [`Story`]: one trial, step by step.

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, num};
use super::json;
use crate::explain::{Because, Shown, Story};

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // A drawn 2009.4 is not shown as 2009 beside the need it
            // rounds up to (2010).
            Shown::Number(x) if x.abs() >= 100.0 && x.fract() != 0.0 => write!(f, "{x:.1}"),
            Shown::Number(x) => f.write_str(&num(*x)),
            Shown::Bool(b) => write!(f, "{b}"),
            Shown::Label(l) => f.write_str(l),
        }
    }
}

/// Personnel: always whole people (95, not 95.00).
fn people(x: f64) -> String {
    if x.is_nan() { "—".into() } else { format!("{x:.0}") }
}

fn percent(p: f64) -> String {
    if p.is_nan() { "—".into() } else { format!("{:.1}%", 100.0 * p) }
}

fn reasons(doc: &mut Doc, rules: &[Because]) {
    for r in rules {
        doc.line(&format!("      · {} ({} → {}) [{}]", r.because, num(r.before), num(r.after), r.rule));
    }
}

impl Render for Story {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title(&format!("{} — trial {} of seed {}: {}", self.scenario, self.trial, self.seed, self.outcome));

        doc.heading("The crisis as drawn");
        for v in &self.variables {
            doc.line(&format!("  {} = {}", v.name, v.value));
        }
        if !self.correlated.is_empty() {
            let names: Vec<&str> = self.correlated.iter().map(|c| c.name.as_str()).collect();
            doc.line(&format!("  Drawn together (crisis.correlate): {}.", names.join(", ")));
            doc.line("  Each draws a normal score from its own stream; the scores are mixed to");
            doc.line("  carry the rank correlations; each takes its value at the mixed percentile.");
            for c in &self.correlated {
                doc.line(&format!(
                    "      · {}: own score {:+.2} → mixed {:+.2} → percentile {}",
                    c.name,
                    c.own_score,
                    c.mixed_score,
                    percent(c.percentile)
                ));
            }
        }

        doc.heading("The host's request");
        let r = &self.request;
        let asked = if r.requested { "asked for collective help" } else { "did not ask for help" };
        doc.line(&format!("  P(request) = {}; the host {asked}.", percent(r.probability)));
        reasons(&mut doc, &r.rules);

        if !self.votes.is_empty() {
            doc.heading("The council's vote");
            for v in &self.votes {
                doc.line(&format!(
                    "  {}: {} (P(support) {}, P(block | not support) {})",
                    v.member,
                    v.vote,
                    percent(v.support_probability),
                    percent(v.block_probability)
                ));
                reasons(&mut doc, &v.rules);
            }
        }
        if let Some(c) = &self.council {
            let verdict = if c.passed { "troops approved" } else { "troops not approved" };
            doc.line(&format!(
                "  Result after {} days: {verdict}; P({}) {} → {}",
                num(c.days),
                if c.passed { "mission only" } else { "non-military fallback" },
                percent(c.mission_probability),
                self.outcome
            ));
            reasons(&mut doc, &c.rules);
        }

        if let Some(p) = &self.pool {
            doc.heading("The pool against the caps");
            let caps: Vec<String> = p.caps.iter().map(|(id, cap)| format!("{id} {cap}")).collect();
            doc.line(&format!(
                "  need {} personnel; caps: {}; chosen: {} (cap {})",
                people(p.need),
                caps.join(", "),
                p.pool,
                p.cap
            ));
        }

        if !self.contributions.is_empty() {
            doc.heading("Contributions, in the declared order");
            for c in &self.contributions {
                let what = if c.personnel > 0.0 {
                    let trimmed = if c.trimmed > 0.0 {
                        format!(", {} trimmed at the cap", people(c.trimmed))
                    } else {
                        String::new()
                    };
                    format!(
                        "sends {} personnel, arriving {} days after the decision{trimmed}",
                        people(c.personnel),
                        num(c.arrival_day)
                    )
                } else {
                    "sends no one".to_string()
                };
                doc.line(&format!("  {} (P = {}): {what}", c.member, percent(c.probability)));
                reasons(&mut doc, &c.rules);
            }
        }

        if let Some(d) = &self.deployment {
            doc.heading("The deployment");
            doc.line(&format!(
                "  {} deployed against a need of {}: shortfall {}{}",
                people(d.deployed),
                people(d.need),
                people(d.shortfall),
                if d.trimmed > 0.0 { format!(", {} trimmed at the cap", people(d.trimmed)) } else { String::new() }
            ));
            if let (Some(first), Some(full)) = (d.first_arrival, d.full_strength) {
                doc.line(&format!(
                    "  first boots on the ground on day {}, full strength on day {}",
                    num(first),
                    num(full)
                ));
            }
        }

        if !self.timeline.is_empty() {
            doc.heading("Day by day (days from the request)");
            for (day, what) in &self.timeline {
                doc.line(&format!("  day {:>6}: {what}", num(*day)));
            }
        }

        if !self.outcomes.is_empty() {
            doc.heading("Outcomes");
            for o in &self.outcomes {
                doc.line(&format!("  {} = {}", o.name, o.value));
            }
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["step", "who", "what", "value"]);
        let mut push_text = |step: &str, who: &str, what: &str, value: &str| rows.row([step, who, what, value]);
        let shown = |v: &Shown| match v {
            Shown::Number(x) => field(*x),
            other => other.to_string(),
        };
        for v in &self.variables {
            push_text("variable", "", &v.name, &shown(&v.value));
        }
        for c in &self.correlated {
            for (what, value) in
                [("own_score", c.own_score), ("mixed_score", c.mixed_score), ("percentile", c.percentile)]
            {
                push_text("correlation", &c.name, what, &field(value));
            }
        }
        let mut push = |step: &str, who: &str, what: &str, value: f64| push_text(step, who, what, &field(value));
        push("request", "host", "probability", self.request.probability);
        push("request", "host", "requested", f64::from(u8::from(self.request.requested)));
        for v in &self.votes {
            push("vote", &v.member, &v.vote, v.support_probability);
        }
        for c in &self.contributions {
            push("contribution", &c.member, "personnel", c.personnel);
            push("contribution", &c.member, "arrival_day", c.arrival_day);
        }
        if let Some(d) = &self.deployment {
            push("deployment", "", "deployed", d.deployed);
            push("deployment", "", "shortfall", d.shortfall);
        }
        for o in &self.outcomes {
            push_text("outcome", "", &o.name, &shown(&o.value));
        }
        rows.finish()
    }
}
