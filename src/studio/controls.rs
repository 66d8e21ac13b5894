//! The controls a scenario offers — every number `sensitivity` can move as
//! a slider, booleans as switches, member status and the decision rule as
//! choices, grouped as the scenario reads — and the what-if file their
//! values make.

use serde::Serialize;

use crate::scenario::model::{DecisionRule, Scenario, Status};
use crate::scenario::{Leaves, Override};

/// Where the controls come from, as in `sensitivity`'s defaults.
const PLACES: [&str; 4] = ["alliance.", "members.", "crisis.", "decisions."];

/// One control.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Control {
    /// A number.
    Slider {
        /// The `--set` path.
        path: String,
        /// A short label.
        label: String,
        /// The scenario's value.
        value: f64,
        /// The slider's range and step.
        min: f64,
        /// Upper end.
        max: f64,
        /// Step.
        step: f64,
        /// The nearest `because` text above it.
        because: Option<String>,
    },
    /// A boolean.
    Switch {
        /// The `--set` path.
        path: String,
        /// A short label.
        label: String,
        /// The scenario's value.
        value: bool,
        /// The nearest `because` text above it.
        because: Option<String>,
    },
    /// One of a few words.
    Choice {
        /// The `--set` path.
        path: String,
        /// A short label.
        label: String,
        /// The scenario's value.
        value: String,
        /// The words it may take.
        options: Vec<String>,
        /// What it means.
        because: Option<String>,
    },
}

/// Controls under a heading.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The heading ("Alliance", "Member: russia", "Crisis", "Decisions: request").
    pub title: String,
    /// Its controls, in the scenario's order.
    pub controls: Vec<Control>,
}

/// The group a path belongs to.
fn group_title(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["members", id, ..] => format!("Member: {id}"),
        ["decisions", stage, ..] => format!("Decisions: {stage}"),
        ["crisis", ..] => "Crisis".into(),
        _ => "Alliance".into(),
    }
}

/// The path with rule indices replaced by the rules' ids
/// (`decisions.request.rules.3.add` → `…rules.survival.add`), which
/// `--set` and a what-if's `rules: {survival: …}` both take.
pub fn by_id(path: &str, leaves: &Leaves) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for (i, part) in parts.iter().enumerate() {
        let id = part.parse::<usize>().ok().and_then(|_| {
            let key = format!("{}.id", parts[..=i].join("."));
            leaves.strings.iter().find(|(p, _)| *p == key).map(|(_, id)| id.clone())
        });
        out.push(id.unwrap_or_else(|| part.to_string()));
    }
    out.join(".")
}

/// The nearest `because` at or above `path` (by index paths).
fn because(path: &str, leaves: &Leaves) -> Option<String> {
    let mut prefix = path;
    while let Some((up, _)) = prefix.rsplit_once('.') {
        let key = format!("{up}.because");
        if let Some((_, text)) = leaves.strings.iter().find(|(p, _)| *p == key) {
            return Some(text.clone());
        }
        prefix = up;
    }
    None
}

/// A control's label: its path below its group's heading, without the
/// structural words (`members.russia.attributes.alignment` → "alignment",
/// `crisis.variables.severity.beta.alpha` → "severity · beta · alpha").
fn label(path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let below = match parts.as_slice() {
        ["members", _, rest @ ..] | ["decisions", _, rest @ ..] => rest,
        ["crisis", "variables", rest @ ..] | ["crisis", rest @ ..] | ["alliance", rest @ ..] => rest,
        rest => rest,
    };
    let kept: Vec<&str> =
        below.iter().copied().filter(|p| !matches!(*p, "attributes" | "rules" | "pools" | "probability")).collect();
    if kept.is_empty() { path.to_string() } else { kept.join(" · ") }
}

/// A slider's range and step, from what the scenario language accepts at
/// `path`: a probability on [0, 1], a rule's `add` on [−1, 1], a member
/// attribute within the bounds `alliance.attributes` declares for it; a
/// distribution's shape, spread or rate above 0; a uniform or triangular
/// bound on its own side of its siblings (min ≤ mode ≤ max). Anything else
/// (days, personnel, caps) runs from 0 (or below, for a negative value) to
/// twice the value. The step is a 1, 2 or 5 × 10ⁿ that lands exactly on
/// the value as written (0.002 stays 0.002, a lead time of 1.5 stays 1.5).
fn range(path: &str, value: f64, leaves: &Leaves) -> (f64, f64, f64) {
    let parts: Vec<&str> = path.split('.').collect();
    let last = parts.last().copied().unwrap_or_default();
    let parent = parts.len().checked_sub(2).map_or("", |i| parts[i]);
    let sibling = |name: &str| {
        let key = format!("{}.{name}", parts[..parts.len() - 1].join("."));
        leaves.numbers.iter().find(|(p, _)| *p == key).map(|(_, v)| *v)
    };
    let declared = |bound: &str| match parts.as_slice() {
        ["members", _, "attributes", attribute] => {
            let key = format!("alliance.attributes.{attribute}.{bound}");
            leaves.numbers.iter().find(|(p, _)| *p == key).map(|(_, v)| *v)
        }
        _ => None,
    };
    let in_rules = parts.contains(&"rules");
    let span = value.abs().max(1.0);
    let open_hi = (2.0 * span).max(value + 10.0);
    let (lo, hi, positive) = if let (Some(lo), Some(hi)) = (declared("min"), declared("max")) {
        (lo, hi, false)
    } else if matches!(last, "bernoulli" | "probability" | "p" | "share" | "protest_risk" | "alignment")
        || (in_rules && matches!(last, "set" | "base"))
    {
        (0.0, 1.0, false)
    } else if in_rules && last == "add" {
        (-1.0, 1.0, false)
    } else if matches!((parent, last), ("beta", "alpha" | "beta") | ("normal", "sd") | ("lognormal", "sigma"))
        || matches!(last, "rate" | "lambda")
    {
        (0.0, open_hi, true)
    } else if matches!(parent, "uniform" | "triangular") {
        let floor = if value >= 0.0 { 0.0 } else { value - span };
        let below = sibling("mode").or(sibling("min")).filter(|_| last == "max");
        let above = if last == "min" { sibling("mode").or(sibling("max")) } else { None };
        match last {
            "min" => (floor, above.unwrap_or(open_hi), false),
            "max" => (below.unwrap_or(floor), open_hi.max(2.0 * value), false),
            "mode" => (sibling("min").unwrap_or(floor), sibling("max").unwrap_or(open_hi), false),
            _ => (floor, open_hi, false),
        }
    } else if value >= 0.0 {
        (0.0, open_hi, false)
    } else {
        (value - span, span, false)
    };
    let (lo, hi) = (lo.min(value), hi.max(value));
    let step = landing_step(lo, hi, value);
    // Shapes, spreads and rates stay above 0: the slider starts a step up.
    let lo = if positive { step.min(value) } else { lo };
    (lo, hi, step)
}

/// The coarsest 1, 2 or 5 × 10ⁿ step, at most a 200th of `lo..hi`, from
/// which `value` is a whole number of steps above `lo` (`lo` itself on
/// the grid of 0).
fn landing_step(lo: f64, hi: f64, value: f64) -> f64 {
    let rough = ((hi - lo) / 200.0).max(1e-9);
    let on_grid = |step: f64, x: f64| ((x / step) - (x / step).round()).abs() < 1e-7;
    let mut power = 10f64.powf(rough.log10().floor());
    for _ in 0..12 {
        for m in [5.0, 2.0, 1.0] {
            let step = m * power;
            if step <= rough * 1.000_001 && on_grid(step, value) && on_grid(step, lo) {
                return step;
            }
        }
        power /= 10.0;
    }
    rough
}

/// The controls of a scenario, from its merged tree's `leaves` and the
/// compiled `model`.
pub fn controls(leaves: &Leaves, model: &Scenario) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    let mut add = |path: &str, control: Control| {
        let title = group_title(path);
        match groups.iter_mut().find(|g| g.title == title) {
            Some(g) => g.controls.push(control),
            None => groups.push(Group { title, controls: vec![control] }),
        }
    };
    let rule = match model.council.rule {
        DecisionRule::Consensus => "consensus".to_string(),
        DecisionRule::Unanimity => "unanimity".to_string(),
        DecisionRule::Majority => "majority".to_string(),
        DecisionRule::Qualified(f) => format!("{{qualified: {f}}}"),
    };
    let mut rules: Vec<String> = ["consensus", "unanimity", "majority", "{qualified: 0.67}"].map(String::from).to_vec();
    if !rules.contains(&rule) {
        rules.push(rule.clone());
    }
    add(
        "alliance.decision_rule",
        Control::Choice {
            path: "alliance.decision_rule".into(),
            label: "decision rule".into(),
            value: rule,
            options: rules,
            because: Some(
                "How the council decides: consensus (no member blocks), unanimity, a majority or a qualified majority"
                    .into(),
            ),
        },
    );
    for m in &model.members {
        let path = format!("members.{}.status", m.id);
        let value = match m.status {
            Status::Active => "active",
            Status::Frozen => "frozen",
            Status::Withdrawn => "withdrawn",
        };
        add(
            &path,
            Control::Choice {
                label: format!("{} · status", m.id),
                path: path.clone(),
                value: value.into(),
                options: ["active", "frozen", "withdrawn"].map(String::from).to_vec(),
                because: Some("A frozen or withdrawn member neither votes nor contributes".into()),
            },
        );
    }
    let offered = |path: &str| PLACES.iter().any(|p| path.starts_with(p)) && !path.ends_with(".seed");
    for (path, value) in leaves.numbers.iter().filter(|(p, _)| offered(p) && !p.starts_with("alliance.attributes")) {
        let (min, max, step) = range(path, *value, leaves);
        add(
            path,
            Control::Slider {
                path: by_id(path, leaves),
                label: label(&by_id(path, leaves)),
                value: *value,
                min,
                max,
                step,
                because: because(path, leaves),
            },
        );
    }
    for (path, value) in leaves.booleans.iter().filter(|(p, _)| offered(p)) {
        add(
            path,
            Control::Switch {
                path: by_id(path, leaves),
                label: label(&by_id(path, leaves)),
                value: *value,
                because: because(path, leaves),
            },
        );
    }
    groups
}

/// A YAML value as the page sent it: a number, true/false, a plain word or
/// a one-line flow map (`{qualified: 0.67}`) as written; anything else
/// quoted.
fn scalar(value: &str) -> String {
    let v = value.trim();
    if v.starts_with('{') && v.ends_with('}') && !v.contains('\n') {
        return v.to_string();
    }
    let plain = !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if v.parse::<f64>().is_ok_and(f64::is_finite) || plain {
        v.to_string()
    } else {
        serde_json::to_string(v).unwrap_or_default()
    }
}

/// A nested map being written.
#[derive(Default)]
struct Tree(Vec<(String, Entry)>);

enum Entry {
    Leaf(String),
    Map(Tree),
}

impl Tree {
    fn insert(&mut self, keys: &[&str], value: String) {
        let Some((first, rest)) = keys.split_first() else { return };
        let position = self.0.iter().position(|(k, _)| k == first);
        if rest.is_empty() {
            match position {
                Some(i) => self.0[i].1 = Entry::Leaf(value),
                None => self.0.push((first.to_string(), Entry::Leaf(value))),
            }
            return;
        }
        let i = position.unwrap_or_else(|| {
            self.0.push((first.to_string(), Entry::Map(Tree::default())));
            self.0.len() - 1
        });
        if let Entry::Leaf(_) = self.0[i].1 {
            self.0[i].1 = Entry::Map(Tree::default());
        }
        if let Entry::Map(t) = &mut self.0[i].1 {
            t.insert(rest, value);
        }
    }

    /// Writes the map found at `path`; under a crisis variable (replaced
    /// whole when extended) a map keyed 0, 1, … is written as the list it
    /// stands for.
    fn write(&self, out: &mut String, path: &mut Vec<String>) {
        let in_variable = path.len() >= 3 && path[0] == "crisis" && path[1] == "variables";
        let list =
            in_variable && !self.0.is_empty() && self.0.iter().enumerate().all(|(i, (k, _))| *k == i.to_string());
        let indent = "  ".repeat(path.len());
        for (key, entry) in &self.0 {
            let lead = if list { format!("{indent}-") } else { format!("{indent}{}:", yaml_key(key)) };
            match entry {
                Entry::Leaf(v) => out.push_str(&format!("{lead} {v}\n")),
                Entry::Map(t) => {
                    out.push_str(&lead);
                    out.push('\n');
                    path.push(key.clone());
                    t.write(out, path);
                    path.pop();
                }
            }
        }
    }
}

fn yaml_key(key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && !key.is_empty() {
        key.to_string()
    } else {
        serde_json::to_string(key).unwrap_or_default()
    }
}

/// Each control's `--set` path and value as the page writes it (a slider's
/// number in its shortest exact form, a switch's `true`/`false`, a choice's
/// word).
pub fn values(groups: &[Group]) -> Vec<(String, String)> {
    groups
        .iter()
        .flat_map(|g| &g.controls)
        .map(|c| match c {
            Control::Slider { path, value, .. } => (path.clone(), value.to_string()),
            Control::Switch { path, value, .. } => (path.clone(), value.to_string()),
            Control::Choice { path, value, .. } => (path.clone(), value.clone()),
        })
        .collect()
}

/// A what-if file: `extends: {parent}` and exactly the changed values
/// (`set`), nested as the scenario format nests them. A changed crisis
/// variable is written whole from `variant` (the scenario with the changes),
/// since extending replaces a variable whole.
pub fn what_if(parent: &str, base_name: &str, set: &[Override], variant: &Leaves) -> String {
    let mut out = format!(
        "# What-if saved from the alliance-sim studio: {base_name} with {} change{}.\n\
         # Run it: alliance-sim run THIS-FILE (it reproduces the studio's figures\n\
         # for the same --seed and --trials).\n",
        set.len(),
        if set.len() == 1 { "" } else { "s" }
    );
    out.push_str(&format!("extends: {}\n", serde_json::to_string(parent).unwrap_or_default()));
    let mut top = Tree::default();
    for o in set {
        let keys: Vec<&str> = o.path.split('.').collect();
        if let ["crisis", "variables", name, ..] = keys.as_slice() {
            let prefix = format!("crisis.variables.{name}.");
            let whole = variant
                .numbers
                .iter()
                .map(|(p, v)| (p, scalar(&v.to_string())))
                .chain(variant.booleans.iter().map(|(p, b)| (p, b.to_string())))
                .chain(variant.strings.iter().map(|(p, s)| (p, serde_json::to_string(s).unwrap_or_default())));
            for (path, value) in whole.filter(|(p, _)| p.starts_with(&prefix)) {
                let keys: Vec<&str> = path.split('.').collect();
                top.insert(&keys, value);
            }
        } else {
            top.insert(&keys, scalar(&o.value));
        }
    }
    top.write(&mut out, &mut Vec::new());
    out
}

#[cfg(test)]
mod tests {
    use super::{range, scalar};
    use crate::scenario::Leaves;

    /// Leaves holding these numbers.
    fn leaves(numbers: &[(&str, f64)]) -> Leaves {
        Leaves { numbers: numbers.iter().map(|(p, v)| (p.to_string(), *v)).collect(), ..Leaves::default() }
    }

    /// Whether the slider holds `value` exactly: within its range and a
    /// whole number of steps above its start.
    fn holds(value: f64, (lo, hi, step): (f64, f64, f64)) -> bool {
        let k = (value - lo) / step;
        lo <= value && value <= hi && (k - k.round()).abs() < 1e-6 && (hi - lo) / step <= 2000.0
    }

    #[test]
    fn sliders_hold_the_values_as_written_within_what_the_language_accepts() {
        let none = leaves(&[]);
        let declared =
            leaves(&[("alliance.attributes.alignment.min", 0.0), ("alliance.attributes.alignment.max", 1.0)]);
        let r = range("members.russia.attributes.alignment", 0.95, &declared);
        assert_eq!((r.0, r.1), (0.0, 1.0));
        assert!(holds(0.95, r));
        // Small and fractional values are reachable, not rounded to 0 or 1.495.
        for (path, value) in [
            ("decisions.request.rules.3.add", 0.002),
            ("members.belarus.lead_time", 1.5),
            ("members.russia.lead_time", 0.25),
            ("decisions.request.rules.4.add", 0.803),
            ("alliance.pools.peacekeeping.cap", 3600.0),
            ("members.russia.pledges.peacekeeping", 1800.0),
            ("crisis.variables.required.triangular.mode", 2500.0),
        ] {
            let r = range(path, value, &none);
            assert!(holds(value, r), "{path} = {value}: {r:?}");
        }
        // Days are not probabilities.
        assert!(range("members.russia.lead_time", 0.25, &none).1 >= 10.0);
        // A rule's effect is a change of probability; `set` a probability.
        assert_eq!(range("decisions.request.rules.3.add", 0.3, &none).0, -1.0);
        assert_eq!(range("decisions.request.rules.1.set", 0.02, &none).1, 1.0);
        // A beta shape stays above 0.
        let r = range("crisis.variables.severity.beta.alpha", 2.0, &none);
        assert!(r.0 > 0.0 && holds(2.0, r), "{r:?}");
        // A triangular bound stays on its side of the mode.
        let tri = leaves(&[
            ("crisis.variables.required.triangular.min", 1000.0),
            ("crisis.variables.required.triangular.mode", 2500.0),
            ("crisis.variables.required.triangular.max", 5000.0),
        ]);
        assert_eq!(range("crisis.variables.required.triangular.min", 1000.0, &tri).1, 2500.0);
        assert_eq!(range("crisis.variables.required.triangular.max", 5000.0, &tri).0, 2500.0);
        assert_eq!(range("crisis.variables.required.triangular.mode", 2500.0, &tri), (1000.0, 5000.0, 20.0));
    }

    #[test]
    fn values_are_written_as_yaml_scalars() {
        assert_eq!(scalar("0.6"), "0.6");
        assert_eq!(scalar("frozen"), "frozen");
        assert_eq!(scalar("a: b"), "\"a: b\"");
    }
}
