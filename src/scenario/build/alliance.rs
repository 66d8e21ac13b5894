//! The alliance (decision rule, pools, declared attribute ranges) and its
//! members (status, attributes, pledges, lead times).

use super::{Builder, readable};
use crate::rules::program::Type;
use crate::scenario::diagnostic::Loc;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Node, Value};

impl Builder<'_> {
    #[allow(clippy::type_complexity)]
    pub(super) fn alliance(
        &mut self,
        node: &Node,
    ) -> Option<(Vec<Pool>, String, String, Option<(String, Loc)>, (DecisionRule, bool))> {
        let _ = self.map(
            node,
            "alliance",
            &["name", "article", "decision_rule", "chair", "chair_breaks_ties", "pools", "attributes"],
            &["name", "decision_rule", "pools"],
        )?;
        if let Some(declared) = node.get("attributes") {
            self.attribute_ranges(declared);
        }
        let name = node.get("name").and_then(|n| self.string(n, "alliance.name")).unwrap_or_default();
        let article = node
            .get("article")
            .and_then(|n| self.string(n, "alliance.article"))
            .unwrap_or_else(|| "the mutual-aid article".into());
        let rule = node.get("decision_rule").and_then(|n| self.decision_rule(n)).unwrap_or(DecisionRule::Consensus);
        let ties =
            node.get("chair_breaks_ties").and_then(|n| self.boolean(n, "alliance.chair_breaks_ties")).unwrap_or(false);
        let chair = node.get("chair").and_then(|n| self.string(n, "alliance.chair").map(|s| (s, n.loc)));
        let pools = node.get("pools").map(|n| self.pools(n)).unwrap_or_default();
        Some((pools, name, article, chair, (rule, ties)))
    }

    /// `alliance.attributes: {alignment: {min: 0, max: 1}, …}`: the range
    /// each numeric member attribute must lie in (undeclared ones are free).
    pub(super) fn attribute_ranges(&mut self, node: &Node) {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("alliance.attributes is {}", node.value.kind()))
                .expected("a map of attribute: {min, max}, e.g. alignment: {min: 0, max: 1}");
            return;
        };
        for e in entries {
            let what = format!("the range of attribute '{}'", e.key);
            if self.map(&e.node, &what, &["min", "max"], &["min", "max"]).is_none() {
                continue;
            }
            let bound = |b: &mut Self, key: &str| {
                e.node.get(key).and_then(|n| b.number(n, &format!("{key} of {what}"), f64::MIN, f64::MAX))
            };
            let (Some(min), Some(max)) = (bound(self, "min"), bound(self, "max")) else { continue };
            if min > max {
                self.report.error(e.node.loc, format!("{what} has min {min} above max {max}")).expected("min ≤ max");
                continue;
            }
            self.attribute_ranges.push((e.key.clone(), min, max));
        }
    }

    pub(super) fn decision_rule(&mut self, node: &Node) -> Option<DecisionRule> {
        const RULES: [&str; 4] = ["consensus", "unanimity", "majority", "qualified"];
        match &node.value {
            Value::Str(s) => match s.as_str() {
                "consensus" => Some(DecisionRule::Consensus),
                "unanimity" => Some(DecisionRule::Unanimity),
                "majority" => Some(DecisionRule::Majority),
                other => {
                    self.report
                        .error(node.loc, format!("unknown decision rule '{other}'"))
                        .expected("consensus, unanimity, majority or {qualified: 0.67}")
                        .suggest(other, RULES);
                    None
                }
            },
            Value::Map(_) => {
                let _ = self.map(node, "alliance.decision_rule", &["qualified"], &["qualified"])?;
                let f = self.number(node.get("qualified")?, "the qualified-majority fraction", 0.0, 1.0)?;
                Some(DecisionRule::Qualified(f))
            }
            other => {
                self.report
                    .error(node.loc, format!("alliance.decision_rule is {}", other.kind()))
                    .expected("consensus, unanimity, majority or {qualified: 0.67}");
                None
            }
        }
    }

    pub(super) fn pools(&mut self, node: &Node) -> Vec<Pool> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("alliance.pools is {}", node.value.kind()))
                .expected("a map of pool id: {name, cap}");
            return Vec::new();
        };
        if entries.is_empty() {
            self.report.error(node.loc, "the alliance has no force pools").expected("at least one pool with a cap");
        }
        let mut pools = Vec::new();
        for e in entries {
            self.check_id(&e.key, e.key_loc, "pool");
            let what = format!("pool '{}'", e.key);
            if self.map(&e.node, &what, &["name", "cap"], &["cap"]).is_none() {
                continue;
            }
            let name = e.node.get("name").and_then(|n| self.string(n, "pool name")).unwrap_or_else(|| e.key.clone());
            let cap = e.node.get("cap").and_then(|n| self.personnel(n, &format!("the cap of {what}")));
            // An invalid cap was reported, so the build fails; keep the pool
            // with a cap no pledge exceeds, so that pledges to it cascade
            // neither into "unknown pool" errors nor into "above its cap"
            // warnings that would only repeat the error.
            pools.push(Pool { id: e.key.clone(), name, cap: cap.unwrap_or(u64::MAX) });
            self.symbols.pools.push(e.key.clone());
        }
        pools
    }

    // ----- members -----------------------------------------------------------

    pub(super) fn members(&mut self, node: &Node, pools: &[Pool]) -> Vec<Member> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("members is {}", node.value.kind()))
                .expected("a map of member id: {name, status, …}");
            return Vec::new();
        };
        if entries.is_empty() {
            self.report.error(node.loc, "the alliance has no members").expected("at least one member");
        }
        for e in entries {
            self.check_id(&e.key, e.key_loc, "member");
        }
        self.symbols.members = entries.iter().map(|e| e.key.clone()).collect();
        // Attributes: the union over members, typed by first use.
        for e in entries {
            if let Some(attrs) = e.node.get("attributes").and_then(Node::entries) {
                for a in attrs {
                    let ty = match a.node.value {
                        Value::Bool(_) => Type::Bool,
                        _ => Type::Num,
                    };
                    match self.symbols.attrs.iter().find(|(n, _)| *n == a.key) {
                        Some((_, t)) if *t != ty => {
                            self.report
                                .error(
                                    a.node.loc,
                                    format!(
                                        "attribute '{}' is {} here but {} for another member",
                                        a.key,
                                        ty.name(),
                                        t.name()
                                    ),
                                )
                                .expected("the same type for every member");
                        }
                        Some(_) => {}
                        None => self.symbols.attrs.push((a.key.clone(), ty)),
                    }
                    if let (Value::Num(v), Some((_, min, max))) =
                        (&a.node.value, self.attribute_ranges.iter().find(|(n, _, _)| *n == a.key))
                        && !(min..=max).contains(&v)
                    {
                        let (min, max) = (*min, *max);
                        self.report
                            .error(
                                a.node.loc,
                                format!("attribute '{}' of member '{}' is {}", a.key, e.key, readable(*v)),
                            )
                            .expected(format!(
                                "a number from {} to {}, as alliance.attributes declares{}",
                                readable(min),
                                readable(max),
                                if max <= 1.0 && *v > 1.0 && *v <= 100.0 { " (a share, not a percentage)" } else { "" }
                            ));
                    }
                }
            }
        }
        if self.symbols.attrs.len() > limits::ATTRIBUTES {
            self.report
                .error(node.loc, format!("{} distinct attributes", self.symbols.attrs.len()))
                .expected(format!("at most {}", limits::ATTRIBUTES));
        }
        entries.iter().map(|e| self.member(e, pools)).collect()
    }

    pub(super) fn member(&mut self, e: &Entry, pools: &[Pool]) -> Member {
        let what = format!("member '{}'", e.key);
        let fields = ["name", "status", "lead_time", "attributes", "pledges"];
        let _ = self.map(&e.node, &what, &fields, &[]);
        let name = e.node.get("name").and_then(|n| self.string(n, "name")).unwrap_or_else(|| e.key.clone());
        let status = match e.node.get("status") {
            None => Status::Active,
            Some(n) => match &n.value {
                Value::Str(s) if s == "active" => Status::Active,
                Value::Str(s) if s == "frozen" => Status::Frozen,
                Value::Str(s) if s == "withdrawn" => Status::Withdrawn,
                other => {
                    let text = other.to_string();
                    self.report
                        .error(n.loc, format!("unknown status '{text}' for {what}"))
                        .expected("active, frozen or withdrawn")
                        .suggest(&text, ["active", "frozen", "withdrawn"]);
                    Status::Active
                }
            },
        };
        let lead_time = e
            .node
            .get("lead_time")
            .and_then(|n| self.number(n, &format!("the lead time of {what} (days)"), 0.0, 365.0))
            .unwrap_or(0.0);
        let attributes = self.attributes(e.node.get("attributes"), &what);
        let mut pledges = vec![0u64; pools.len()];
        if let Some(p) = e.node.get("pledges") {
            match p.entries() {
                Some(list) => {
                    for entry in list {
                        match pools.iter().position(|pool| pool.id == entry.key) {
                            Some(i) => {
                                if let Some(v) =
                                    self.personnel(&entry.node, &format!("the pledge of {what} to '{}'", entry.key))
                                {
                                    pledges[i] = v;
                                    if pledges[i] > pools[i].cap {
                                        self.report.warning(entry.node.loc, format!(
                                            "{what} pledges {} to '{}', more than its cap of {}: contributions are trimmed at the cap",
                                            pledges[i], pools[i].id, pools[i].cap
                                        ));
                                    }
                                }
                            }
                            None => {
                                self.report
                                    .error(
                                        entry.key_loc,
                                        format!("unknown pool '{}' in the pledges of {what}", entry.key),
                                    )
                                    .expected("a pool id declared under alliance.pools")
                                    .suggest(&entry.key, pools.iter().map(|p| p.id.as_str()));
                            }
                        }
                    }
                }
                None => {
                    self.report
                        .error(p.loc, format!("the pledges of {what} are {}", p.value.kind()))
                        .expected("a map of pool id: personnel");
                }
            }
        }
        Member { id: e.key.clone(), name, status, lead_time, attributes, pledges }
    }

    /// A member's attribute values by slot (booleans 0/1; undeclared ones 0).
    pub(super) fn attributes(&mut self, node: Option<&Node>, what: &str) -> Vec<f64> {
        let mut values = vec![0.0; self.symbols.attrs.len()];
        let Some(node) = node else { return values };
        let Some(list) = node.entries() else {
            self.report
                .error(node.loc, format!("the attributes of {what} are {}", node.value.kind()))
                .expected("a map of name: number or boolean");
            return values;
        };
        for a in list {
            let value = match a.node.value {
                Value::Num(n) if n.is_finite() => n,
                Value::Bool(b) => f64::from(u8::from(b)),
                Value::Num(n) => {
                    self.report
                        .error(a.node.loc, format!("attribute '{}' of {what} is {n}", a.key))
                        .expected("a finite number");
                    continue;
                }
                ref other => {
                    self.report
                        .error(a.node.loc, format!("attribute '{}' of {what} is {}", a.key, other.kind()))
                        .expected("a number or true / false");
                    continue;
                }
            };
            if let Some(slot) = self.symbols.attrs.iter().position(|(n, _)| *n == a.key) {
                values[slot] = value;
            }
        }
        values
    }
}
