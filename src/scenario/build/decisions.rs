//! The decisions (request, council, pool, contributions) as rule sets,
//! the outcomes, the observed history, the run defaults and the statics
//! the engine reads.

use super::{Builder, ctx, readable};
use crate::dist::Spread;
use crate::rng::Decision;
use crate::rules::compile::{Context, Stage, VarSymbol};
use crate::rules::env::Statics;
use crate::rules::program::{Program, Type};
use crate::rules::ruleset::{Effect, Rule, RuleId, RuleSet};
use crate::scenario::diagnostic::Loc;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Node, Value};

impl Builder<'_> {
    /// A rule set: a bare expression (base only) or {base, rules}.
    pub(super) fn ruleset(
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

    pub(super) fn check_probability(&mut self, node: &Node, p: &Program, probability: bool, what: &str) {
        if probability
            && let Some(v) = p.as_constant()
            && !(0.0..=1.0).contains(&v)
        {
            self.report.error(node.loc, format!("{what} is {v}, not a probability")).expected("a number from 0 to 1");
        }
    }

    pub(super) fn rule(
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

    pub(super) fn council(
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

    pub(super) fn pool_stage(
        &mut self,
        node: Option<&Node>,
        loc: Loc,
        n_vars: usize,
    ) -> (Option<Program>, Option<Program>) {
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

    pub(super) fn contribution(
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

    pub(super) fn outcomes(&mut self, names: &[(String, Loc, &Node)], n_vars: usize) -> Vec<Outcome> {
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
                    stream: Decision::Outcome(name).key(),
                });
            }
        }
        out
    }

    /// `uncertain:`: each dotted path (a number in this scenario) with a
    /// range `{uniform: {min, max}}` (`whole: true` for whole numbers) or
    /// another distribution, its parameters numbers.
    pub(super) fn uncertain(&mut self, node: &Node, root: &Node) -> Vec<Uncertain> {
        let Some(entries) = node.entries() else {
            self.report.error(node.loc, format!("uncertain is {}", node.value.kind())).expected(
                "a map of path: distribution, e.g. members.russia.attributes.alignment: {uniform: {min: 0.6, max: 1}}",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for e in entries {
            let keys: Vec<&str> = e.key.split('.').collect();
            if keys.first() == Some(&"uncertain")
                || !matches!(crate::scenario::tree::get_path(root, &keys).map(|n| &n.value), Some(Value::Num(_)))
            {
                self.report
                    .error(e.key_loc, format!("uncertain: '{}' is not a number in this scenario", e.key))
                    .expected("the dotted path of a number, as for --set (e.g. alliance.pools.peacekeeping.cap)");
                continue;
            }
            if let Some(spread) = self.spread(&e.node, &e.key) {
                out.push(Uncertain { path: e.key.clone(), spread });
            }
        }
        out
    }

    fn spread(&mut self, node: &Node, path: &str) -> Option<Spread> {
        let what = format!("uncertain '{path}'");
        let entries = self.map(node, &what, &[Spread::NAMES.as_slice(), &["whole"]].concat(), &[])?;
        let families: Vec<&Entry> = entries.iter().filter(|e| e.key != "whole").collect();
        let [family] = families.as_slice() else {
            self.report
                .error(node.loc, format!("{what} names {} distributions", families.len()))
                .expected(format!("exactly one of: {}", Spread::NAMES.join(", ")));
            return None;
        };
        let whole = match node.get("whole") {
            Some(w) => self.boolean(w, &format!("whole of {what}"))?,
            None => false,
        };
        let names = Spread::parameters(&family.key);
        let _ = self.map(&family.node, &format!("the {} parameters of {what}", family.key), names, names)?;
        let mut params = Vec::with_capacity(names.len());
        for name in names {
            params.push(self.number(family.node.get(name)?, &format!("{name} of {what}"), -1e300, 1e300)?);
        }
        if whole && family.key != "uniform" {
            self.report
                .error(node.loc, format!("{what} is whole but {}", family.key))
                .expected("whole: true with uniform only");
            return None;
        }
        if whole && params.iter().any(|x| x.fract() != 0.0) {
            self.report
                .error(
                    family.node.loc,
                    format!(
                        "{what} is whole but its bounds {} and {} are not whole numbers",
                        readable(params[0]),
                        readable(params[1])
                    ),
                )
                .expected("whole-number min and max (e.g. 3000 and 4000), or no `whole: true`");
            return None;
        }
        match Spread::family(&family.key, &params) {
            Ok(Spread::Family(_, p)) if whole => Some(Spread::Range { lo: p[0], hi: p[1], whole }),
            Ok(spread) => Some(spread),
            Err(e) => {
                self.report.error(family.node.loc, format!("{what}: {e}")).expected("valid parameters");
                None
            }
        }
    }

    pub(super) fn observed(&mut self, node: &Node) -> Option<Observed> {
        const TROOPS: [&str; 4] = ["personnel", "contributors", "days_to_first_arrival", "days_to_full_strength"];
        let mut fields = vec!["outcome", "days_to_decision", "note"];
        fields.extend(TROOPS);
        let entries = self.map(node, "observed", &fields, &["outcome"])?;
        let mut obs = Observed::default();
        if let Some(n) = node.get("outcome") {
            let s = self.string(n, "observed.outcome")?;
            match class::index(&s) {
                Some(i) => obs.outcome = Some(i as u8),
                None => {
                    self.report
                        .error(n.loc, format!("unknown outcome class '{s}'"))
                        .expected(class::NAMES.join(", "))
                        .suggest(&s, class::NAMES);
                }
            }
        }
        // A field nothing can compare with is an error, not a silent
        // extra: troops' figures need troops, a decision needs a request.
        let class = obs.outcome;
        for e in entries.iter().filter(|e| !matches!(e.node.value, Value::Null)) {
            let unused = match class {
                Some(c) if c != class::DEPLOY && TROOPS.contains(&e.key.as_str()) => {
                    Some("no troops went, so no trial can be compared with it")
                }
                Some(class::NO_REQUEST) if e.key == "days_to_decision" => {
                    Some("nothing was asked, so no council decided")
                }
                _ => None,
            };
            if let Some(why) = unused {
                let name = class::NAMES[usize::from(class.unwrap_or(0))];
                self.report
                    .error(
                        e.key_loc,
                        format!("observed.{} is recorded for a case whose outcome is {name}: {why}", e.key),
                    )
                    .expected("only the fields its outcome class has; remove this one (or say it in the note)");
            }
        }
        obs.personnel = node.get("personnel").and_then(|n| self.personnel(n, "observed.personnel"));
        if let Some(n) = node.get("contributors") {
            obs.contributors = self.member_ids(n, "observed.contributors");
            if obs.contributors.is_empty() && matches!(n.value, Value::Seq(_)) {
                self.report
                    .error(n.loc, "observed.contributors is empty, but troops went")
                    .expected("the ids of the members that sent troops, as in [russia, belarus]");
            }
        }
        obs.contributor_mask = obs.contributors.iter().fold(0, |mask, &m| mask | 1u64 << m);
        obs.days_to_decision =
            node.get("days_to_decision").and_then(|n| self.day_range(n, "observed.days_to_decision"));
        obs.days_to_first_arrival =
            node.get("days_to_first_arrival").and_then(|n| self.day_range(n, "observed.days_to_first_arrival"));
        obs.days_to_full_strength =
            node.get("days_to_full_strength").and_then(|n| self.day_range(n, "observed.days_to_full_strength"));
        obs.note = node.get("note").and_then(|n| self.string(n, "observed.note")).unwrap_or_default();
        Some(obs)
    }

    /// A recorded time: days after the request, as a number (a calendar
    /// day, read as ± half a day) or a range `{from, to}` the sources allow.
    fn day_range(&mut self, node: &Node, what: &str) -> Option<DayRange> {
        if let Value::Num(_) = node.value {
            let d = self.number(node, what, 0.0, limits::DAYS)?;
            return Some(DayRange { from: (d - 0.5).max(0.0), to: d + 0.5 });
        }
        if !matches!(node.value, Value::Map(_)) {
            self.report.error(node.loc, format!("{what} is {}", node.value.kind())).expected(
                "days after the request: a number (a calendar day, read as ± half a day) or a range {from: 0, to: 0.5}",
            );
            return None;
        }
        self.map(node, what, &["from", "to"], &["from", "to"])?;
        let from = self.number(node.get("from")?, &format!("{what}.from"), 0.0, limits::DAYS)?;
        let to = self.number(node.get("to")?, &format!("{what}.to"), 0.0, limits::DAYS)?;
        if from > to {
            self.report
                .error(node.loc, format!("{what} runs from {} to {}, backwards", readable(from), readable(to)))
                .expected("from at most to");
            return None;
        }
        Some(DayRange { from, to })
    }

    pub(super) fn run_defaults(&mut self, node: Option<&Node>) -> RunDefaults {
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

    pub(super) fn statics(
        &mut self,
        members: &[Member],
        pools: &[Pool],
        host: usize,
        chair: usize,
        kind: &str,
        host_contributes: bool,
    ) -> Statics {
        let n_attrs = self.symbols.attrs.len();
        let mut statics = Statics {
            attrs: members.iter().flat_map(|m| m.attributes.iter().copied()).collect(),
            n_attrs,
            pledges: members.iter().flat_map(|m| m.pledges.iter().map(|p| *p as f64)).collect(),
            n_pools: pools.len(),
            pool_caps: pools.iter().map(|p| p.cap as f64).collect(),
            // What the members that may contribute pledge: the pool a
            // mission can draw on.
            pool_pledged: (0..pools.len())
                .map(|p| {
                    members
                        .iter()
                        .enumerate()
                        .filter(|&(i, m)| m.status == Status::Active && (i != host || host_contributes))
                        .map(|(_, m)| m.pledges[p] as f64)
                        .sum()
                })
                .collect(),
            pool_names: Vec::new(),
            member_names: Vec::new(),
            lead_times: members.iter().map(|m| m.lead_time).collect(),
            active: members.iter().map(|m| if m.status == Status::Active { 1.0 } else { 0.0 }).collect(),
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
