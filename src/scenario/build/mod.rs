//! The merged YAML tree → a validated, compiled [`Scenario`].
//!
//! One check per function, each reporting into the shared [`Report`] and
//! carrying on, so that a file's problems are all found in one pass. The sections
//! of the format are read in their own files (readers, alliance and
//! members, crisis, decisions); this one holds the builder and the order
//! in which a scenario is read.

use super::diagnostic::{Loc, Report};
use super::model::*;
use super::tree::Node;
use crate::dist::Marginal;
use crate::rng::Decision;
use crate::rules::compile::{Context, Stage, Symbols};
use crate::rules::ops::{Func1, Op};
use crate::rules::program::{Program, Type};

/// Builds a scenario from its merged tree, reporting every problem found.
pub fn build(root: &Node, origin: &str, hash: String, report: &mut Report) -> Option<Scenario> {
    Builder {
        report,
        symbols: Symbols::default(),
        rules: Vec::new(),
        attribute_ranges: Vec::new(),
        families: Vec::new(),
    }
    .scenario(root, origin, hash)
}

/// A variable's distribution, value type and truncation bounds.
type DrawSpec = (Distribution, Type, Option<(f64, f64)>, Family);

/// What a crisis variable's distribution is, for `correlate:`: a continuous
/// family with its parameters, or (for the message) what it is instead.
enum Family {
    Continuous(Marginal, [Program; 3]),
    Other(&'static str),
}

fn family<const N: usize>(marginal: Marginal, params: [Program; N]) -> Family {
    let mut padded = [(); 3].map(|()| Program::constant(0.0, Type::Num));
    for (slot, p) in padded.iter_mut().zip(params) {
        *slot = p;
    }
    Family::Continuous(marginal, padded)
}

struct Builder<'r> {
    report: &'r mut Report,
    symbols: Symbols,
    rules: Vec<RuleInfo>,
    /// Ranges declared under `alliance.attributes` (name, min, max).
    attribute_ranges: Vec<(String, f64, f64)>,
    /// Each crisis variable's family, by slot.
    families: Vec<Family>,
}

const TOP: [&str; 11] = [
    "name",
    "description",
    "extends",
    "alliance",
    "members",
    "crisis",
    "decisions",
    "outcomes",
    "observed",
    "uncertain",
    "run",
];

fn ctx(stage: Stage, member: bool, visible_vars: usize) -> Context {
    Context { stage, member, visible_vars, member_index: None }
}

mod alliance;
mod crisis;
mod decisions;
mod readers;

impl Builder<'_> {
    // ----- the scenario ----------------------------------------------------

    fn scenario(mut self, root: &Node, origin: &str, hash: String) -> Option<Scenario> {
        let _ = self.map(root, "the scenario", &TOP, &["alliance", "members", "crisis", "decisions"])?;
        for word in class::NAMES.iter().chain(crate::vocabulary::vote::NAMES.iter()) {
            self.symbols.intern(word);
        }
        let name = root.get("name").and_then(|n| self.string(n, "name")).unwrap_or_else(|| origin.to_string());
        let description = root.get("description").and_then(|n| self.string(n, "description")).unwrap_or_default();

        // Too many members, pools or variables: every reference to one would
        // cascade into a false "unknown" error, so the limit is the only
        // message.
        let count = |node: Option<&Node>| node.and_then(Node::entries).map_or(0, <[_]>::len);
        for (what, node, limit) in [
            ("members", root.get("members"), limits::MEMBERS),
            ("pools", root.get("alliance").and_then(|a| a.get("pools")), limits::POOLS),
            ("crisis variables", root.get("crisis").and_then(|c| c.get("variables")), limits::VARIABLES),
        ] {
            if count(node) > limit {
                self.report
                    .error(node.map_or(root.loc, |n| n.loc), format!("{} {what} declared", count(node)))
                    .expected(format!("at most {limit} {what} (the limit of this version)"));
                return None;
            }
        }
        // Without an `alliance:` there is nothing to read it from (the
        // root's check above said so); reading the root in its place
        // reported the root's fields as unknown alliance fields.
        let (pools, alliance_name, article, chair_node, council_rule) = self.alliance(root.get("alliance")?)?;
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
        let mut variables = crisis.get("variables").map(|n| self.variables(n)).unwrap_or_default();
        let correlation = crisis.get("correlate").and_then(|n| self.correlation(n, &mut variables));
        if let Some(n) = crisis.get("known") {
            self.known(n, &mut variables);
        }
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
        let uncertain = root.get("uncertain").map(|n| self.uncertain(n, root)).unwrap_or_default();
        let run = self.run_defaults(root.get("run"));
        if self.rules.len() > limits::RULES {
            self.report
                .error(root.loc, format!("the scenario has {} rules", self.rules.len()))
                .expected(format!("at most {}", limits::RULES));
        }
        if self.report.has_errors() {
            return None;
        }
        let host_contributes = contribution.as_ref().is_some_and(|c| c.host_contributes);
        let statics = self.statics(&members, &pools, host, chair, &kind, host_contributes);
        let pool_of_string = (0..self.symbols.strings.len())
            .map(|i| pools.iter().position(|p| p.id == self.symbols.strings[i]))
            .collect();
        let streams = Streams {
            request: Decision::Request.key(),
            council: Decision::Council.key(),
            pool: Decision::Pool.key(),
            vote: members.iter().map(|m| Decision::Vote(&m.id).key()).collect(),
            contribute: members.iter().map(|m| Decision::Contribute(&m.id).key()).collect(),
            personnel: members.iter().map(|m| Decision::Personnel(&m.id).key()).collect(),
            arrival: members.iter().map(|m| Decision::Arrival(&m.id).key()).collect(),
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
            correlation,
            request: request?,
            council: council?,
            need: need?,
            pool_choice,
            contribution: contribution?,
            outcomes,
            observed,
            uncertain,
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

#[cfg(test)]
mod tests {
    use super::readable;
    use crate::scenario::{Source, load};

    const MINIMAL: &str = include_str!("../../../tests/data/minimal.yaml");

    fn errors(text: &str) -> Vec<String> {
        let source = Source::Text { name: "t.yaml".into(), text: text.into() };
        match load(&source, &[]) {
            Ok(_) => Vec::new(),
            Err(e) => e.diagnostics.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_minimal_scenario_builds_with_its_tables() {
        let source = Source::Text { name: "minimal.yaml".into(), text: MINIMAL.into() };
        let s = load(&source, &[]).expect("builds").scenario;
        assert_eq!(s.members.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["a", "b", "h"]);
        assert_eq!(s.pools.iter().map(|p| p.cap).collect::<Vec<_>>(), [100, 1000]);
        assert_eq!(s.statics.host, 2);
    }

    #[test]
    fn every_problem_is_found_in_one_pass_and_located() {
        let broken = MINIMAL.replace("cap: 100}", "cap: -5}").replace("base: 0.5", "base: 1.5");
        let found = errors(&broken);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].starts_with("error: t.yaml:7:"), "{}", found[0]);
        assert!(found[1].contains("decisions.request.base"), "{}", found[1]);
    }

    #[test]
    fn numbers_in_messages_stay_readable() {
        assert_eq!(readable(3600.0), "3600");
        assert_eq!(readable(1e20), "1e20");
        assert_eq!(readable(0.25), "0.25");
    }
}
