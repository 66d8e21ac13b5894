//! The merged YAML tree → a validated, compiled [`Scenario`].
//!
//! One check per function, each reporting into the shared [`Report`] and
//! carrying on, so that a file's problems are all found in one pass. (This
//! file is long by design: the format's reference lives here.)

use super::diagnostic::{Loc, Report};
use super::model::*;
use super::tree::{Entry, Node, Value};
use crate::rng::StreamKey;
use crate::rules::compile::{self, Context, Stage, Symbols, VarSymbol};
use crate::rules::env::Statics;
use crate::rules::ops::{Func1, Func2, Func3, Op};
use crate::rules::program::{Program, Type};
use crate::rules::ruleset::{Effect, Rule, RuleId, RuleSet};

/// Builds a scenario from its merged tree, reporting every problem found.
pub fn build(root: &Node, origin: &str, hash: String, report: &mut Report) -> Option<Scenario> {
    Builder { report, symbols: Symbols::default(), rules: Vec::new(), attribute_ranges: Vec::new() }
        .scenario(root, origin, hash)
}

/// A variable's distribution, value type and truncation bounds.
type DrawSpec = (Distribution, Type, Option<(f64, f64)>);

struct Builder<'r> {
    report: &'r mut Report,
    symbols: Symbols,
    rules: Vec<RuleInfo>,
    /// Ranges declared under `alliance.attributes` (name, min, max).
    attribute_ranges: Vec<(String, f64, f64)>,
}

const TOP: [&str; 10] =
    ["name", "description", "extends", "alliance", "members", "crisis", "decisions", "outcomes", "observed", "run"];

fn ctx(stage: Stage, member: bool, visible_vars: usize) -> Context {
    Context { stage, member, visible_vars, member_index: None }
}

impl Builder<'_> {
    // ----- generic readers -------------------------------------------------

    /// The entries of a map node, reporting unknown and missing fields.
    fn map<'n>(&mut self, node: &'n Node, what: &str, allowed: &[&str], required: &[&str]) -> Option<&'n [Entry]> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("{what} is {}", node.value.kind()))
                .expected(format!("a map with the fields: {}", allowed.join(", ")));
            return None;
        };
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                self.report
                    .error(e.key_loc, format!("unknown field '{}' in {what}", e.key))
                    .expected(format!("one of: {}", allowed.join(", ")))
                    .suggest(&e.key, allowed.iter().copied());
            }
        }
        for field in required {
            if !entries.iter().any(|e| e.key == *field) {
                self.report.error(node.loc, format!("{what} has no '{field}'")).expected(format!("a '{field}:' field"));
            }
        }
        Some(entries)
    }

    fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => {
                if let Some(c) = s.chars().find(|&c| crate::text::hides_or_reorders(c)) {
                    self.report
                        .error(node.loc, format!("{what} holds the invisible character U+{:04X}", u32::from(c)))
                        .expected("text without control, bidirectional-override or zero-width characters");
                    return None;
                }
                Some(s.clone())
            }
            other => {
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected("a string");
                None
            }
        }
    }

    fn number(&mut self, node: &Node, what: &str, lo: f64, hi: f64) -> Option<f64> {
        let value = match &node.value {
            Value::Num(n) => *n,
            other => {
                self.report.error(node.loc, format!("{what} is {} ('{}')", other.kind(), other)).expected(format!(
                    "a number from {} to {}",
                    readable(lo),
                    readable(hi)
                ));
                return None;
            }
        };
        if !value.is_finite() || value < lo || value > hi {
            self.report.error(node.loc, format!("{what} is {}, outside its range", readable(value))).expected(format!(
                "a number from {} to {}",
                readable(lo),
                readable(hi)
            ));
            return None;
        }
        Some(value)
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected("true or false");
                None
            }
        }
    }

    /// Compiles an expression held by a scalar node, which must give `want`.
    fn expr(&mut self, node: &Node, want: Type, context: Context, what: &str) -> Option<Program> {
        self.compile_node(node, Some(want), context, what)
    }

    /// Compiles a scalar node as an expression: numbers and booleans are
    /// compiled from their literal text, so every type error is reported by
    /// the one checker. `want: None` accepts any type.
    fn compile_node(&mut self, node: &Node, want: Option<Type>, context: Context, what: &str) -> Option<Program> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Num(n) if n.is_finite() => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => {
                self.report.error(node.loc, format!("{what} is {n}")).expected("a finite number");
                return None;
            }
            other => {
                let expected = want.map_or("an expression", Type::name);
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected(expected);
                return None;
            }
        };
        match compile::compile(&text, want, &mut self.symbols, context) {
            Ok(p) => Some(p),
            Err(errors) => {
                for e in errors {
                    let mut d = self.report.error(node.text_loc(e.at), format!("{} in {what}", e.message));
                    if let Some(x) = e.expected {
                        d = d.expected(x);
                    }
                    if let Some(h) = e.help {
                        d.help(h);
                    }
                }
                None
            }
        }
    }

    fn member_ids(&mut self, node: &Node, what: &str) -> Vec<usize> {
        let Value::Seq(items) = &node.value else {
            self.report
                .error(node.loc, format!("{what} is {}", node.value.kind()))
                .expected("a list of member ids, as in [russia, belarus]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(id) = self.string(item, what) else { continue };
            match self.symbols.members.iter().position(|m| *m == id) {
                Some(i) if out.contains(&i) => {
                    self.report
                        .error(item.loc, format!("member '{id}' appears twice in {what}"))
                        .expected("each member once");
                }
                Some(i) => out.push(i),
                None => {
                    let members = self.symbols.members.clone();
                    self.report
                        .error(item.loc, format!("unknown member '{id}' in {what}"))
                        .expected("a member id declared under members")
                        .suggest(&id, members.iter().map(String::as_str));
                }
            }
        }
        out
    }

    // ----- the scenario ----------------------------------------------------

    fn scenario(mut self, root: &Node, origin: &str, hash: String) -> Option<Scenario> {
        let _ = self.map(root, "the scenario", &TOP, &["alliance", "members", "crisis", "decisions"])?;
        for word in class::NAMES.iter().chain(crate::vocabulary::vote::NAMES.iter()) {
            self.symbols.intern(word);
        }
        let name = root.get("name").and_then(|n| self.string(n, "name")).unwrap_or_else(|| origin.to_string());
        let description = root.get("description").and_then(|n| self.string(n, "description")).unwrap_or_default();

        // Too many members or pools: every reference to one would cascade
        // into a false "unknown" error, so the limit is the only message.
        let count = |node: Option<&Node>| node.and_then(Node::entries).map_or(0, <[_]>::len);
        for (what, node, limit) in [
            ("members", root.get("members"), limits::MEMBERS),
            ("pools", root.get("alliance").and_then(|a| a.get("pools")), limits::POOLS),
        ] {
            if count(node) > limit {
                self.report
                    .error(node.map_or(root.loc, |n| n.loc), format!("{} {what} declared", count(node)))
                    .expected(format!("at most {limit} {what} (the limit of this version)"));
                return None;
            }
        }
        let (pools, alliance_name, article, chair_node, council_rule) =
            self.alliance(root.get("alliance").unwrap_or(root))?;
        let members = root.get("members").map(|n| self.members(n, &pools)).unwrap_or_default();
        let chair = chair_node.and_then(|(id, loc)| self.member_ref(&id, loc, "alliance.chair")).unwrap_or(0);
        let crisis = root.get("crisis")?;
        // On a bad host or kind, carry on (with placeholders) to find the
        // file's other problems; the errors stop the build at the end.
        let (host, kind) = self.crisis_header(crisis).unwrap_or((0, String::new()));
        if members.get(host).is_some_and(|m| m.status != Status::Active) {
            self.report.warning(
                crisis.get("host").map_or(crisis.loc, |n| n.loc),
                format!(
                    "the host '{}' is {}: it will not vote, and rules read it as such",
                    members[host].id,
                    members[host].status.name()
                ),
            );
        }
        let variables = crisis.get("variables").map(|n| self.variables(n)).unwrap_or_default();
        let n_vars = variables.len();
        let outcome_names: Vec<(String, Loc, &Node)> = match root.get("outcomes") {
            Some(n) => match n.entries() {
                Some(entries) => entries.iter().map(|e| (e.key.clone(), e.key_loc, &e.node)).collect(),
                None => {
                    self.report
                        .error(n.loc, format!("outcomes is {}", n.value.kind()))
                        .expected("a map of name: expression");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let decisions = root.get("decisions")?;
        let _ =
            self.map(decisions, "decisions", &["request", "council", "pool", "contribute"], &["request", "contribute"]);
        let request =
            self.ruleset(decisions.get("request"), "request", true, ctx(Stage::Request, false, n_vars), 0.0, None);
        let council = self.council(decisions.get("council"), council_rule, n_vars, &members);
        let (need, pool_choice) = self.pool_stage(decisions.get("pool"), decisions.loc, n_vars);
        let contribution = self.contribution(decisions.get("contribute"), decisions.loc, n_vars, &members, host);
        let outcomes = self.outcomes(&outcome_names, n_vars);
        let observed = root.get("observed").and_then(|n| self.observed(n));
        let run = self.run_defaults(root.get("run"));
        if self.rules.len() > limits::RULES {
            self.report
                .error(root.loc, format!("the scenario has {} rules", self.rules.len()))
                .expected(format!("at most {}", limits::RULES));
        }
        if self.report.has_errors() {
            return None;
        }
        let statics = self.statics(&members, &pools, host, chair, &kind);
        let pool_of_string = (0..self.symbols.strings.len())
            .map(|i| pools.iter().position(|p| p.id == self.symbols.strings[i]))
            .collect();
        let streams = Streams {
            request: StreamKey::of("request"),
            council: StreamKey::of("council"),
            pool: StreamKey::of("pool"),
            vote: members.iter().map(|m| StreamKey::of(&format!("vote/{}", m.id))).collect(),
            contribute: members.iter().map(|m| StreamKey::of(&format!("contribute/{}", m.id))).collect(),
            personnel: members.iter().map(|m| StreamKey::of(&format!("personnel/{}", m.id))).collect(),
            arrival: members.iter().map(|m| StreamKey::of(&format!("arrival/{}", m.id))).collect(),
        };
        Some(Scenario {
            name,
            description,
            origin: origin.to_string(),
            hash,
            alliance: alliance_name,
            article,
            chair,
            smallest_cap: pools.iter().map(|p| p.cap).min().unwrap_or(0),
            largest_cap: pools.iter().map(|p| p.cap).max().unwrap_or(0),
            pools,
            members,
            host,
            kind,
            variables,
            request: request?,
            council: council?,
            need: need?,
            pool_choice,
            contribution: contribution?,
            outcomes,
            observed,
            run,
            rules: self.rules,
            symbols: self.symbols,
            statics,
            streams,
            pool_of_string,
        })
    }

    fn member_ref(&mut self, id: &str, loc: Loc, what: &str) -> Option<usize> {
        let found = self.symbols.members.iter().position(|m| m == id);
        if found.is_none() {
            let members = self.symbols.members.clone();
            self.report
                .error(loc, format!("unknown member '{id}' in {what}"))
                .expected("a member id declared under members")
                .suggest(id, members.iter().map(String::as_str));
        }
        found
    }

    // ----- alliance ----------------------------------------------------------

    #[allow(clippy::type_complexity)]
    fn alliance(
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
    fn attribute_ranges(&mut self, node: &Node) {
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

    fn decision_rule(&mut self, node: &Node) -> Option<DecisionRule> {
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

    fn pools(&mut self, node: &Node) -> Vec<Pool> {
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
            let cap =
                e.node.get("cap").and_then(|n| self.number(n, &format!("the cap of {what}"), 0.0, limits::PERSONNEL));
            // An invalid cap was reported, so the build fails; keep the pool
            // with a cap no pledge exceeds, so that pledges to it cascade
            // neither into "unknown pool" errors nor into "above its cap"
            // warnings that would only repeat the error.
            pools.push(Pool { id: e.key.clone(), name, cap: cap.map_or(u64::MAX, |c| c.round() as u64) });
            self.symbols.pools.push(e.key.clone());
        }
        pools
    }

    // ----- members -----------------------------------------------------------

    fn members(&mut self, node: &Node, pools: &[Pool]) -> Vec<Member> {
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

    fn member(&mut self, e: &Entry, pools: &[Pool]) -> Member {
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
                                if let Some(v) = self.number(
                                    &entry.node,
                                    &format!("the pledge of {what} to '{}'", entry.key),
                                    0.0,
                                    limits::PERSONNEL,
                                ) {
                                    pledges[i] = v.round() as u64;
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
    fn attributes(&mut self, node: Option<&Node>, what: &str) -> Vec<f64> {
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

    // ----- crisis --------------------------------------------------------------

    fn crisis_header(&mut self, node: &Node) -> Option<(usize, String)> {
        let _ = self.map(node, "crisis", &["host", "kind", "variables"], &["host", "kind"])?;
        let host_node = node.get("host")?;
        let host_id = self.string(host_node, "crisis.host")?;
        let host = self.member_ref(&host_id, host_node.loc, "crisis.host");
        let kind_node = node.get("kind")?;
        let kind = self.string(kind_node, "crisis.kind")?;
        if !CRISIS_KINDS.contains(&kind.as_str()) {
            self.report
                .error(kind_node.loc, format!("unknown crisis kind '{kind}'"))
                .expected(CRISIS_KINDS.join(", "))
                .suggest(&kind, CRISIS_KINDS);
        }
        Some((host?, kind))
    }

    fn variables(&mut self, node: &Node) -> Vec<Variable> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("crisis.variables is {}", node.value.kind()))
                .expected("a map of name: distribution");
            return Vec::new();
        };
        if entries.len() > limits::VARIABLES {
            self.report
                .error(node.loc, format!("{} variables declared", entries.len()))
                .expected(format!("at most {}", limits::VARIABLES));
            return Vec::new();
        }
        let mut out = Vec::new();
        self.symbols.pending = entries.iter().map(|e| e.key.clone()).collect();
        for (slot, e) in entries.iter().enumerate() {
            self.check_new_name(&e.key, e.key_loc);
            let context = ctx(Stage::Variables, false, slot);
            let (distribution, ty, truncate) = self.distribution(&e.node, &e.key, context).unwrap_or((
                Distribution::Draw(Program::constant(0.0, Type::Num)),
                Type::Num,
                None,
            ));
            self.symbols.vars.push(VarSymbol { name: e.key.clone(), ty, stage: Stage::Variables });
            out.push(Variable {
                name: e.key.clone(),
                distribution,
                truncate,
                ty,
                stream: StreamKey::of(&format!("var/{}", e.key)),
            });
        }
        self.symbols.pending.clear();
        out
    }

    /// Checks the id of a member, pool or rule: `[a-z][a-z0-9_]*`, at most
    /// 64 characters, so that it prints as itself in every table and file.
    fn check_id(&mut self, id: &str, loc: Loc, what: &str) -> bool {
        let valid = id.len() <= 64
            && id.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            self.report
                .error(loc, format!("{what} id '{id}' is not a valid id"))
                .expected("lower-case letters, digits and '_', starting with a letter (at most 64), e.g. russia");
        }
        valid
    }

    fn check_new_name(&mut self, name: &str, loc: Loc) {
        const RESERVED: [&str; 24] = [
            "member",
            "host",
            "alliance",
            "crisis",
            "pools",
            "true",
            "false",
            "if",
            "then",
            "else",
            "and",
            "or",
            "not",
            "requested",
            "votes_support",
            "votes_block",
            "need",
            "pool",
            "deployed",
            "shortfall",
            "outcome",
            "decision",
            "contributors",
            "committed_total",
        ];
        let valid = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            self.report
                .error(loc, format!("'{name}' cannot be used as a name"))
                .expected("letters, digits and '_', starting with a letter");
        } else if RESERVED.contains(&name) {
            self.report.error(loc, format!("'{name}' is a reserved name")).expected("another name");
        } else if self.symbols.vars.iter().any(|v| v.name == name) {
            self.report
                .error(loc, format!("'{name}' is defined twice"))
                .expected("each variable and outcome name once");
        }
    }

    fn distribution(&mut self, node: &Node, name: &str, context: Context) -> Option<DrawSpec> {
        const KINDS: [&str; 11] = [
            "fixed",
            "uniform",
            "normal",
            "lognormal",
            "beta",
            "triangular",
            "bernoulli",
            "exponential",
            "poisson",
            "categorical",
            "choice",
        ];
        let what = format!("variable '{name}'");
        match &node.value {
            Value::Num(_) | Value::Bool(_) | Value::Str(_) => {
                let p = self.compile_node(node, None, context, &what)?;
                let ty = p.ty();
                return Some((Distribution::Draw(p), ty, None));
            }
            Value::Map(_) => {}
            other => {
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected(
                    "a number, true / false, an expression, or a distribution such as {uniform: {min: 0, max: 1}}",
                );
                return None;
            }
        }
        let entries = node.entries()?;
        let mut allowed: Vec<&str> = KINDS.to_vec();
        allowed.push("truncate");
        let _ = self.map(node, &what, &allowed, &[])?;
        let kinds: Vec<&Entry> = entries.iter().filter(|e| KINDS.contains(&e.key.as_str())).collect();
        let [kind] = kinds.as_slice() else {
            self.report
                .error(node.loc, format!("{what} names {} distributions", kinds.len()))
                .expected(format!("exactly one of: {}", KINDS.join(", ")));
            return None;
        };
        let truncate = node.get("truncate").and_then(|t| self.truncate(t, &what));
        let p = &kind.node;
        let d = match kind.key.as_str() {
            "fixed" => {
                let p = self.compile_node(p, None, context, &what)?;
                let ty = p.ty();
                (Distribution::Draw(p), ty)
            }
            "uniform" => {
                let [a, b] = self.params(p, &what, "uniform", &["min", "max"], context)?;
                self.check_order(p, &a, &b, &what, "min", "max");
                (draw(Op::F2(Func2::Uniform), "uniform", &[&a, &b]), Type::Num)
            }
            "normal" => {
                let [m, s] = self.params(p, &what, "normal", &["mean", "sd"], context)?;
                self.check_nonneg(p, "sd", &s, &what);
                (draw(Op::F2(Func2::Normal), "normal", &[&m, &s]), Type::Num)
            }
            "lognormal" => {
                let [m, s] = self.params(p, &what, "lognormal", &["mu", "sigma"], context)?;
                self.check_nonneg(p, "sigma", &s, &what);
                (draw(Op::F2(Func2::LogNormal), "lognormal", &[&m, &s]), Type::Num)
            }
            "beta" => {
                let [a, b] = self.params(p, &what, "beta", &["alpha", "beta"], context)?;
                self.check_positive(p, "alpha", &a, &what);
                self.check_positive(p, "beta", &b, &what);
                (draw(Op::F2(Func2::Beta), "beta", &[&a, &b]), Type::Num)
            }
            "triangular" => {
                let [a, m, b] = self.params(p, &what, "triangular", &["min", "mode", "max"], context)?;
                self.check_order(p, &a, &m, &what, "min", "mode");
                self.check_order(p, &m, &b, &what, "mode", "max");
                (draw(Op::F3(Func3::Triangular), "triangular", &[&a, &m, &b]), Type::Num)
            }
            "bernoulli" => {
                let prob = self.expr(p, Type::Num, context, &what)?;
                if let Some(v) = prob.as_constant()
                    && !(0.0..=1.0).contains(&v)
                {
                    self.report
                        .error(p.loc, format!("the probability of {what} is {v}"))
                        .expected("a probability from 0 to 1");
                }
                (draw(Op::F1(Func1::Bernoulli), "bernoulli", &[&prob]), Type::Bool)
            }
            "exponential" => {
                let [rate] = self.params(p, &what, "exponential", &["rate"], context)?;
                self.check_positive(p, "rate", &rate, &what);
                (draw(Op::F1(Func1::Exponential), "exponential", &[&rate]), Type::Num)
            }
            "poisson" => {
                let [lambda] = self.params(p, &what, "poisson", &["lambda"], context)?;
                self.check_nonneg(p, "lambda", &lambda, &what);
                if let Some((v, loc)) = self.constant_at(p, "lambda", &lambda)
                    && v > crate::dist::POISSON_MAX_MEAN
                {
                    self.report.warning(
                        loc,
                        format!(
                            "lambda of {what} is {}, above {}: every draw uses {} instead",
                            readable(v),
                            readable(crate::dist::POISSON_MAX_MEAN),
                            readable(crate::dist::POISSON_MAX_MEAN)
                        ),
                    );
                }
                (draw(Op::F1(Func1::Poisson), "poisson", &[&lambda]), Type::Num)
            }
            _ => (self.categorical(p, name, &what)?, Type::Str),
        };
        if truncate.is_some() && d.1 != Type::Num {
            self.report
                .error(node.loc, format!("{what} is truncated but is not a number"))
                .expected("truncate only on numeric distributions");
        }
        Some((d.0, d.1, truncate))
    }

    fn params<const N: usize>(
        &mut self,
        node: &Node,
        what: &str,
        dist: &str,
        names: &[&str; N],
        context: Context,
    ) -> Option<[Program; N]> {
        let _ = self.map(node, &format!("the {dist} parameters of {what}"), names, names)?;
        let mut out = Vec::with_capacity(N);
        for name in names {
            let n = node.get(name)?;
            out.push(self.expr(n, Type::Num, context, &format!("{name} of {what}"))?);
        }
        out.try_into().ok()
    }

    fn constant_at(&mut self, node: &Node, key: &str, p: &Program) -> Option<(f64, Loc)> {
        p.as_constant().map(|v| (v, node.get(key).map_or(node.loc, |n| n.loc)))
    }

    fn check_nonneg(&mut self, node: &Node, key: &str, p: &Program, what: &str) {
        if let Some((v, loc)) = self.constant_at(node, key, p)
            && v < 0.0
        {
            self.report.error(loc, format!("{key} of {what} is {v}, negative")).expected(format!("{key} ≥ 0"));
        }
    }

    fn check_positive(&mut self, node: &Node, key: &str, p: &Program, what: &str) {
        if let Some((v, loc)) = self.constant_at(node, key, p)
            && v <= 0.0
        {
            self.report.error(loc, format!("{key} of {what} is {v}")).expected(format!("{key} > 0"));
        }
    }

    fn check_order(&mut self, node: &Node, a: &Program, b: &Program, what: &str, an: &str, bn: &str) {
        if let (Some(x), Some(y)) = (a.as_constant(), b.as_constant())
            && x > y
        {
            let loc = node.get(bn).map_or(node.loc, |n| n.loc);
            self.report
                .error(loc, format!("{bn} of {what} ({y}) is below its {an} ({x})"))
                .expected(format!("{an} ≤ {bn}"));
        }
    }

    fn truncate(&mut self, node: &Node, what: &str) -> Option<(f64, f64)> {
        let Value::Seq(items) = &node.value else {
            self.report
                .error(node.loc, format!("the truncation of {what} is {}", node.value.kind()))
                .expected("[low, high]");
            return None;
        };
        let [lo, hi] = items.as_slice() else {
            self.report
                .error(node.loc, format!("the truncation of {what} has {} bounds", items.len()))
                .expected("[low, high]");
            return None;
        };
        let lo = self.number(lo, "the lower truncation bound", -1e300, 1e300)?;
        let hi = self.number(hi, "the upper truncation bound", -1e300, 1e300)?;
        if lo > hi {
            self.report
                .error(node.loc, format!("the truncation of {what} is empty ({lo} > {hi})"))
                .expected("low ≤ high");
            return None;
        }
        Some((lo, hi))
    }

    /// A categorical variable `name`; its labels are recorded so that
    /// comparing it with a label it never takes is refused.
    fn categorical(&mut self, node: &Node, name: &str, what: &str) -> Option<Distribution> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("the categories of {what} are {}", node.value.kind()))
                .expected("a map of label: weight");
            return None;
        };
        let mut labels = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0.0;
        for e in entries {
            let w = self.number(&e.node, &format!("the weight of '{}' in {what}", e.key), 0.0, 1e12)?;
            total += w;
            labels.push(self.symbols.intern(&e.key));
            cumulative.push(total);
        }
        if total <= 0.0 {
            self.report
                .error(node.loc, format!("the weights of {what} add up to 0"))
                .expected("at least one positive weight");
            return None;
        }
        self.symbols.labels.insert(name.to_string(), entries.iter().map(|e| e.key.clone()).collect());
        Some(Distribution::Categorical { labels, cumulative })
    }

    // ----- decisions -----------------------------------------------------------

    /// A rule set: a bare expression (base only) or {base, rules}.
    fn ruleset(
        &mut self,
        node: Option<&Node>,
        path: &str,
        probability: bool,
        context: Context,
        default: f64,
        members: Option<&[Member]>,
    ) -> Option<RuleSet> {
        let Some(node) = node else {
            return Some(RuleSet::constant(Program::constant(default, Type::Num), probability));
        };
        let what = format!("decisions.{path}");
        if !matches!(node.value, Value::Map(_)) {
            let base = self.expr(node, Type::Num, context, &what)?;
            self.check_probability(node, &base, probability, &what);
            return Some(RuleSet::constant(base, probability));
        }
        let _ = self.map(node, &what, &["base", "rules"], &["base"])?;
        let base_node = node.get("base")?;
        let base = self.expr(base_node, Type::Num, context, &format!("{what}.base"));
        if let Some(b) = &base {
            self.check_probability(base_node, b, probability, &format!("{what}.base"));
        }
        let mut rules = Vec::new();
        if let Some(list) = node.get("rules") {
            match &list.value {
                Value::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(rule) = self.rule(item, path, i, context, members) {
                            if rule.effect == Effect::Set
                                && let Some(operand) = item.get("set")
                            {
                                let what = format!("the 'set' of rule {} of decisions.{path}", i + 1);
                                self.check_probability(operand, &rule.operand, probability, &what);
                            }
                            rules.push(rule);
                        }
                    }
                }
                other => {
                    self.report
                        .error(list.loc, format!("{what}.rules is {}", other.kind()))
                        .expected("a list of rules, each starting with '- when:'");
                }
            }
        }
        Some(RuleSet { base: base?, rules, probability })
    }

    fn check_probability(&mut self, node: &Node, p: &Program, probability: bool, what: &str) {
        if probability
            && let Some(v) = p.as_constant()
            && !(0.0..=1.0).contains(&v)
        {
            self.report.error(node.loc, format!("{what} is {v}, not a probability")).expected("a number from 0 to 1");
        }
    }

    fn rule(
        &mut self,
        node: &Node,
        path: &str,
        index: usize,
        context: Context,
        members: Option<&[Member]>,
    ) -> Option<Rule> {
        const FIELDS: [&str; 10] =
            ["id", "when", "set", "add", "multiply", "odds", "stop", "because", "members", "scope"];
        let what = format!("rule {} of decisions.{path}", index + 1);
        let _ = self.map(node, &what, &FIELDS, &["when", "because"])?;
        let label = match node.get("id") {
            Some(n) => {
                let label = self.string(n, "a rule id")?;
                self.check_id(&label, n.loc, "rule");
                label
            }
            None => (index + 1).to_string(),
        };
        let id = format!("{path}/{label}");
        if self.rules.iter().any(|r| r.id == id) {
            self.report
                .error(node.get("id").map_or(node.loc, |n| n.loc), format!("rule id '{id}' is used twice"))
                .expected("a unique id per rule set");
        }
        let because = node.get("because").and_then(|n| self.string(n, "because")).unwrap_or_default();
        let effects: Vec<(Effect, &Node)> = [Effect::Set, Effect::Add, Effect::Multiply, Effect::Odds]
            .into_iter()
            .filter_map(|e| node.get(e.name()).map(|n| (e, n)))
            .collect();
        let [(effect, operand_node)] = effects.as_slice() else {
            self.report
                .error(node.loc, format!("{what} has {} effects", effects.len()))
                .expected("exactly one of set, add, multiply, odds");
            return None;
        };
        let when_node = node.get("when")?;
        let when = self.expr(when_node, Type::Bool, context, &format!("the 'when' of {what}"));
        let operand = self.expr(operand_node, Type::Num, context, &format!("the '{}' of {what}", effect.name()));
        if *effect == Effect::Odds
            && let Some(v) = operand.as_ref().and_then(Program::as_constant)
            && v < 0.0
        {
            self.report.error(operand_node.loc, format!("odds factor {v} is negative")).expected("a factor ≥ 0");
        }
        let stop = node.get("stop").and_then(|n| self.boolean(n, "stop")).unwrap_or(false);
        let mut mask = None;
        if let Some(list) = node.get("members") {
            if !context.member {
                self.report
                    .error(
                        list.loc,
                        format!("{what} is scoped to members, but decisions.{path} is not decided per member"),
                    )
                    .expected("members: only in vote and contribute rules");
            }
            let ids = self.member_ids(list, &format!("the members of {what}"));
            let bits = ids.iter().fold(0u64, |acc, i| acc | (1u64 << i));
            if let Some(ms) = members
                && !ids.is_empty()
                && ids.iter().all(|i| ms.get(*i).is_some_and(|m| m.status != Status::Active))
            {
                self.report.warning(
                    list.loc,
                    format!("{what} can never fire: every member in its scope is frozen or withdrawn"),
                );
            }
            if ids.is_empty() {
                self.report.warning(list.loc, format!("{what} can never fire: its member scope is empty"));
            }
            mask = Some(bits);
        }
        let scope = match node.get("scope") {
            Some(n) => Some(self.expr(n, Type::Bool, context, &format!("the scope of {what}"))?),
            None => None,
        };
        if let Some(w) = &when
            && w.as_constant() == Some(0.0)
        {
            self.report.warning(when_node.loc, format!("{what} can never fire: its condition is always false"));
        }
        let rule_id = RuleId(u16::try_from(self.rules.len()).unwrap_or(u16::MAX));
        self.rules.push(RuleInfo { id, because });
        Some(Rule { id: rule_id, members: mask, scope, when: when?, effect: *effect, operand: operand?, stop })
    }

    fn council(
        &mut self,
        node: Option<&Node>,
        rule: (DecisionRule, bool),
        n_vars: usize,
        members: &[Member],
    ) -> Option<Council> {
        let empty = Node::synthetic(Loc::default(), Value::Map(Vec::new()));
        let node = node.unwrap_or(&empty);
        let _ = self.map(node, "decisions.council", &["support", "block", "mission_only", "fallback", "days"], &[])?;
        let vote = ctx(Stage::Vote, true, n_vars);
        let council = ctx(Stage::Council, false, n_vars);
        let support = self.ruleset(node.get("support"), "council.support", true, vote, 1.0, Some(members));
        let block = self.ruleset(node.get("block"), "council.block", true, vote, 0.0, Some(members));
        let mission_only = self.ruleset(node.get("mission_only"), "council.mission_only", true, council, 0.0, None);
        let fallback = self.ruleset(node.get("fallback"), "council.fallback", true, council, 0.0, None);
        let days = self.ruleset(node.get("days"), "council.days", false, council, 1.0, None);
        Some(Council {
            rule: rule.0,
            chair_breaks_ties: rule.1,
            support: PerMember::written(support?),
            block: PerMember::written(block?),
            mission_only: mission_only?,
            fallback: fallback?,
            days: days?,
        })
    }

    fn pool_stage(&mut self, node: Option<&Node>, loc: Loc, n_vars: usize) -> (Option<Program>, Option<Program>) {
        let Some(node) = node else {
            self.report
                .error(loc, "decisions has no 'pool'")
                .expected("pool: {need: <expression of the personnel required>}");
            return (None, None);
        };
        if self.map(node, "decisions.pool", &["need", "choose"], &["need"]).is_none() {
            return (None, None);
        }
        let context = ctx(Stage::Pool, false, n_vars);
        let need = node.get("need").and_then(|n| self.expr(n, Type::Num, context, "decisions.pool.need"));
        let choose = node.get("choose").and_then(|n| self.expr(n, Type::Str, context, "decisions.pool.choose"));
        (need, choose)
    }

    fn contribution(
        &mut self,
        node: Option<&Node>,
        loc: Loc,
        n_vars: usize,
        members: &[Member],
        host: usize,
    ) -> Option<Contribution> {
        let Some(node) = node else {
            self.report
                .error(loc, "decisions has no 'contribute'")
                .expected("contribute: {order, probability, personnel, arrival_day}");
            return None;
        };
        let _ = self.map(
            node,
            "decisions.contribute",
            &["order", "host_contributes", "probability", "personnel", "arrival_day"],
            &["order", "probability", "personnel"],
        )?;
        let order_node = node.get("order")?;
        let order = self.member_ids(order_node, "decisions.contribute.order");
        let host_contributes =
            node.get("host_contributes").and_then(|n| self.boolean(n, "host_contributes")).unwrap_or(false);
        for (i, m) in members.iter().enumerate() {
            let can = m.status == Status::Active && (i != host || host_contributes);
            let pledged = m.pledges.iter().any(|p| *p > 0);
            if can && pledged && !order.contains(&i) {
                self.report.warning(
                    order_node.loc,
                    format!(
                        "active member '{}' is missing from the contribution order: it will never contribute",
                        m.id
                    ),
                );
            }
        }
        let context = ctx(Stage::Contribute, true, n_vars);
        let probability =
            self.ruleset(node.get("probability"), "contribute.probability", true, context, 0.0, Some(members));
        let personnel = self.ruleset(node.get("personnel"), "contribute.personnel", false, context, 0.0, Some(members));
        let arrival_day =
            self.ruleset(node.get("arrival_day"), "contribute.arrival_day", false, context, 0.0, Some(members));
        Some(Contribution {
            order,
            host_contributes,
            probability: PerMember::written(probability?),
            personnel: PerMember::written(personnel?),
            arrival_day: PerMember::written(arrival_day?),
        })
    }

    fn outcomes(&mut self, names: &[(String, Loc, &Node)], n_vars: usize) -> Vec<Outcome> {
        let mut out = Vec::new();
        for (i, (name, loc, node)) in names.iter().enumerate() {
            self.check_new_name(name, *loc);
            let context = ctx(Stage::Outcome, false, n_vars + i);
            let program = self.compile_node(node, None, context, &format!("outcome '{name}'"));
            if program.as_ref().is_some_and(|p| p.ty() == Type::Str) {
                self.report
                    .error(node.loc, format!("outcome '{name}' gives a string"))
                    .expected("a number or a condition");
            }
            let ty = program.as_ref().map_or(Type::Num, |p| p.ty());
            self.symbols.vars.push(VarSymbol { name: name.clone(), ty, stage: Stage::Outcome });
            if let Some(program) = program {
                out.push(Outcome {
                    name: name.clone(),
                    program,
                    slot: n_vars + i,
                    stream: StreamKey::of(&format!("outcome/{name}")),
                });
            }
        }
        out
    }

    fn observed(&mut self, node: &Node) -> Option<Observed> {
        let _ = self.map(
            node,
            "observed",
            &["outcome", "personnel", "contributors", "days_to_first_arrival", "note"],
            &["outcome"],
        )?;
        let mut obs = Observed::default();
        if let Some(n) = node.get("outcome") {
            let s = self.string(n, "observed.outcome")?;
            match class::NAMES.iter().position(|c| *c == s) {
                Some(i) => obs.outcome = Some(i as u8),
                None => {
                    self.report
                        .error(n.loc, format!("unknown outcome class '{s}'"))
                        .expected(class::NAMES.join(", "))
                        .suggest(&s, class::NAMES);
                }
            }
        }
        obs.personnel = node
            .get("personnel")
            .and_then(|n| self.number(n, "observed.personnel", 0.0, limits::PERSONNEL))
            .map(|v| v.round() as u64);
        obs.contributors =
            node.get("contributors").map(|n| self.member_ids(n, "observed.contributors")).unwrap_or_default();
        obs.contributor_mask = obs.contributors.iter().fold(0, |mask, &m| mask | 1u64 << m);
        obs.days_to_first_arrival = node
            .get("days_to_first_arrival")
            .and_then(|n| self.number(n, "observed.days_to_first_arrival", 0.0, limits::DAYS));
        obs.note = node.get("note").and_then(|n| self.string(n, "observed.note")).unwrap_or_default();
        Some(obs)
    }

    fn run_defaults(&mut self, node: Option<&Node>) -> RunDefaults {
        let mut run = RunDefaults { trials: 100_000, seed: 1 };
        let Some(node) = node else { return run };
        if self.map(node, "run", &["trials", "seed"], &[]).is_none() {
            return run;
        }
        if let Some(n) = node.get("trials").and_then(|n| self.number(n, "run.trials", 1.0, 1.8e19)) {
            run.trials = n as u64;
        }
        if let Some(n) = node.get("seed").and_then(|n| self.number(n, "run.seed", 0.0, 1.8e19)) {
            run.seed = n as u64;
        }
        run
    }

    fn statics(&mut self, members: &[Member], pools: &[Pool], host: usize, chair: usize, kind: &str) -> Statics {
        let n_attrs = self.symbols.attrs.len();
        let mut statics = Statics {
            attrs: members.iter().flat_map(|m| m.attributes.iter().copied()).collect(),
            n_attrs,
            pledges: members.iter().flat_map(|m| m.pledges.iter().map(|p| *p as f64)).collect(),
            n_pools: pools.len(),
            pool_caps: pools.iter().map(|p| p.cap as f64).collect(),
            pool_names: Vec::new(),
            member_names: Vec::new(),
            lead_times: members.iter().map(|m| m.lead_time).collect(),
            host,
            chair,
            members_active: members.iter().filter(|m| m.status == Status::Active).count() as f64,
            crisis_kind: self.symbols.intern(kind),
        };
        statics.pool_names = pools.iter().map(|p| self.symbols.intern(&p.id)).collect();
        statics.member_names = members.iter().map(|m| self.symbols.intern(&m.id)).collect();
        statics
    }
}

/// A named distribution as the program that draws it from its parameters.
fn draw(op: Op, name: &str, params: &[&Program]) -> Distribution {
    let ty = if op == Op::F1(Func1::Bernoulli) { Type::Bool } else { Type::Num };
    Distribution::Draw(Program::call(op, params, ty, name))
}

/// A number as people read it: plainly up to 10¹⁵, in scientific notation
/// beyond (1e308 is not printed as 309 digits).
pub fn readable(x: f64) -> String {
    if x.is_finite() && x != 0.0 && !(1e-6..1e15).contains(&x.abs()) { format!("{x:e}") } else { x.to_string() }
}
