//! The crisis: its kind and its variables, each a constant, an expression
//! or a distribution (with truncation and categorical values).

use super::{Builder, DrawSpec, Family, ctx, draw, family, readable};
use crate::dist::Marginal;
use crate::rng::Decision;
use crate::rules::compile::{Context, Stage, TRIAL_QUANTITIES, VarSymbol};
use crate::rules::ops::{Func1, Func2, Func3, Op};
use crate::rules::program::{Program, Type};
use crate::scenario::diagnostic::Loc;
use crate::scenario::model::*;
use crate::scenario::tree::{Entry, Node, Value};

impl Builder<'_> {
    pub(super) fn crisis_header(&mut self, node: &Node) -> Option<(usize, String)> {
        let _ = self.map(node, "crisis", &["host", "kind", "variables", "correlate", "known"], &["host", "kind"])?;
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

    pub(super) fn variables(&mut self, node: &Node) -> Vec<Variable> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("crisis.variables is {}", node.value.kind()))
                .expected("a map of name: distribution");
            return Vec::new();
        };
        let mut out = Vec::new();
        self.symbols.pending = entries.iter().map(|e| e.key.clone()).collect();
        for (slot, e) in entries.iter().enumerate() {
            self.check_new_name(&e.key, e.key_loc);
            let context = ctx(Stage::Variables, false, slot);
            let (distribution, ty, truncate, family) = self.distribution(&e.node, &e.key, context).unwrap_or((
                Distribution::Draw(Program::constant(0.0, Type::Num)),
                Type::Num,
                None,
                Family::Other("a variable with an error"),
            ));
            self.families.push(family);
            self.symbols.vars.push(VarSymbol { name: e.key.clone(), ty, stage: Stage::Variables });
            out.push(Variable {
                name: e.key.clone(),
                distribution,
                truncate,
                ty,
                stream: Decision::Variable(&e.key).key(),
                known: Known::Onset,
            });
        }
        self.symbols.pending.clear();
        out
    }

    /// `crisis.known`: when each variable's value is known, `onset` or
    /// `after` (the outcome). Every name must be a variable; once a scenario
    /// marks any, a variable it leaves unmarked is warned about (a forecast
    /// takes it as known at onset).
    pub(super) fn known(&mut self, node: &Node, variables: &mut [Variable]) {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("crisis.known is {}", node.value.kind()))
                .expected("a map of variable: onset | after, e.g. {severity: onset, days_to_fall: after}");
            return;
        };
        let mut marked = vec![false; variables.len()];
        for e in entries {
            let Some(slot) = variables.iter().position(|v| v.name == e.key) else {
                self.report
                    .error(e.key_loc, format!("unknown crisis variable '{}' in crisis.known", e.key))
                    .expected("a variable declared under crisis.variables")
                    .suggest(&e.key, variables.iter().map(|v| v.name.as_str()));
                continue;
            };
            let word = match &e.node.value {
                Value::Str(w) => w.as_str(),
                _ => "",
            };
            let known = match word {
                "onset" => Known::Onset,
                "after" => Known::After,
                _ => {
                    self.report
                        .error(e.node.loc, format!("crisis.known.{} is '{}'", e.key, e.node.value))
                        .expected(format!(
                            "{} (known when the crisis breaks out, or only once its outcome is known)",
                            Known::NAMES.join(" or ")
                        ))
                        .suggest(word, Known::NAMES);
                    continue;
                }
            };
            variables[slot].known = known;
            marked[slot] = true;
        }
        let unmarked: Vec<&str> =
            variables.iter().zip(&marked).filter(|(_, m)| !**m).map(|(v, _)| v.name.as_str()).collect();
        if !unmarked.is_empty() {
            self.report
                .warning(
                    node.loc,
                    format!(
                        "crisis.known does not say when {} {} known; a forecast takes {} as known at the onset",
                        unmarked.join(", "),
                        if unmarked.len() == 1 { "is" } else { "are" },
                        if unmarked.len() == 1 { "it" } else { "them" },
                    ),
                )
                .expected(format!("crisis.known: {{{}: onset}} (or after)", unmarked[0]));
        }
    }

    /// `crisis.correlate`: rank correlations between continuous variables,
    /// checked (declared, continuous, distinct; the matrix square,
    /// symmetric, with unit diagonal, entries in [−1, 1], and positive
    /// definite once turned into the normal scores' correlation), and the
    /// variables switched to drawing by their quantile.
    pub(super) fn correlation(&mut self, node: &Node, variables: &mut [Variable]) -> Option<Correlation> {
        const FIELDS: [&str; 2] = ["variables", "rank_correlation"];
        let _ = self.map(node, "crisis.correlate", &FIELDS, &FIELDS)?;
        let names = node.get("variables")?;
        let Value::Seq(items) = &names.value else {
            self.report
                .error(names.loc, format!("crisis.correlate.variables is {}", names.value.kind()))
                .expected("a list of crisis variables, e.g. [severity, required]");
            return None;
        };
        if !(2..=limits::CORRELATED).contains(&items.len()) {
            self.report
                .error(names.loc, format!("crisis.correlate names {} variable(s)", items.len()))
                .expected(format!("from 2 to {} variables", limits::CORRELATED));
            return None;
        }
        let mut slots = Vec::with_capacity(items.len());
        for item in items {
            let name = self.string(item, "a correlated variable")?;
            let Some(slot) = variables.iter().position(|v| v.name == name) else {
                self.report
                    .error(item.loc, format!("unknown crisis variable '{name}' in crisis.correlate"))
                    .expected("a variable declared under crisis.variables")
                    .suggest(&name, variables.iter().map(|v| v.name.as_str()));
                continue;
            };
            if slots.contains(&slot) {
                self.report
                    .error(item.loc, format!("'{name}' is named twice in crisis.correlate"))
                    .expected("each variable once");
            } else if let Some(Family::Other(what)) = self.families.get(slot) {
                self.report
                    .error(item.loc, format!("crisis variable '{name}' is {what}, not a continuous distribution"))
                    .expected(format!("a variable drawn from one of: {}", Marginal::NAMES.join(", ")));
            }
            slots.push(slot);
        }
        let n = items.len();
        let rank = self.rank_matrix(node.get("rank_correlation")?, n)?;
        if self.report.has_errors() {
            return None;
        }
        // The normal correlation with Spearman correlation ρ; 1 stays exactly
        // 1 (2 sin(π/6) rounds below it), so the first variable's mixed score
        // is its own.
        let normal: Vec<f64> =
            rank.iter().map(|&r| if r == 1.0 { 1.0 } else { 2.0 * (std::f64::consts::PI * r / 6.0).sin() }).collect();
        let Some(cholesky) = cholesky(&normal, n) else {
            self.report
                .error(
                    node.get("rank_correlation").map_or(node.loc, |m| m.loc),
                    "crisis.correlate.rank_correlation is not positive definite: no joint distribution has these correlations",
                )
                .expected(
                    "correlations consistent with each other (if a ~ b and b ~ c are strong, a ~ c cannot be weak), \
                     and none of ±1 (define such a variable as an expression of the other)",
                );
            return None;
        };
        for (row, &slot) in slots.iter().enumerate() {
            let Some(Family::Continuous(marginal, params)) = self.families.get(slot) else { continue };
            variables[slot].distribution =
                Distribution::Correlated { marginal: *marginal, params: params.clone(), row };
        }
        Some(Correlation { slots, rank, cholesky })
    }

    /// The n × n rank correlation matrix, row-major.
    fn rank_matrix(&mut self, node: &Node, n: usize) -> Option<Vec<f64>> {
        let what = "crisis.correlate.rank_correlation";
        let rows = match &node.value {
            Value::Seq(rows) if rows.len() == n => rows,
            _ => {
                self.report
                    .error(node.loc, format!("{what} is not a list of {n} rows"))
                    .expected(format!("{n} rows of {n} numbers, one per variable named, e.g. [[1, 0.6], [0.6, 1]]"));
                return None;
            }
        };
        // Every problem of the matrix is reported, not only the first: a
        // row or an entry that is wrong counts as unknown (NaN) for the
        // checks that compare entries.
        let mut matrix = vec![f64::NAN; n * n];
        let mut locs = vec![node.loc; n * n];
        let mut valid = true;
        for (i, row) in rows.iter().enumerate() {
            let Value::Seq(cells) = &row.value else {
                self.report
                    .error(row.loc, format!("row {} of {what} is {}", i + 1, row.value.kind()))
                    .expected(format!("a list of {n} numbers"));
                valid = false;
                continue;
            };
            if cells.len() != n {
                self.report
                    .error(row.loc, format!("row {} of {what} has {} numbers", i + 1, cells.len()))
                    .expected(format!("{n}, one per variable named"));
                valid = false;
                continue;
            }
            for (j, cell) in cells.iter().enumerate() {
                locs[i * n + j] = cell.loc;
                match self.number(cell, &format!("entry ({}, {}) of {what}", i + 1, j + 1), -1.0, 1.0) {
                    Some(v) => matrix[i * n + j] = v,
                    None => valid = false,
                }
            }
        }
        let known = |x: f64| !x.is_nan();
        for i in 0..n {
            if known(matrix[i * n + i]) && matrix[i * n + i] != 1.0 {
                valid = false;
                self.report
                    .error(locs[i * n + i], format!("entry ({0}, {0}) of {what} is {1}", i + 1, matrix[i * n + i]))
                    .expected("1 on the diagonal (a variable's correlation with itself)");
            }
            for j in 0..i {
                let (below, above) = (matrix[i * n + j], matrix[j * n + i]);
                if known(below) && known(above) && below != above {
                    valid = false;
                    self.report
                        .error(
                            locs[i * n + j],
                            format!(
                                "{what} is not symmetric: entry ({}, {}) is {} but ({}, {}) is {}",
                                i + 1,
                                j + 1,
                                matrix[i * n + j],
                                j + 1,
                                i + 1,
                                matrix[j * n + i]
                            ),
                        )
                        .expected("the same correlation on both sides of the diagonal");
                }
            }
        }
        valid.then_some(matrix)
    }

    /// Checks the id of a member, pool or rule: `[a-z][a-z0-9_]*`, at most
    /// 64 characters, so that it prints as itself in every table and file.
    pub(super) fn check_id(&mut self, id: &str, loc: Loc, what: &str) -> bool {
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

    pub(super) fn check_new_name(&mut self, name: &str, loc: Loc) {
        // The language's words and the trial's own quantities: a variable
        // called `pool_cap` would hide the pool's cap from every rule.
        const WORDS: [&str; 13] = [
            "member", "host", "alliance", "crisis", "pools", "true", "false", "if", "then", "else", "and", "or", "not",
        ];
        let reserved = WORDS.contains(&name) || TRIAL_QUANTITIES.iter().any(|(n, ..)| *n == name);
        let valid = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            self.report
                .error(loc, format!("'{name}' cannot be used as a name"))
                .expected("letters, digits and '_', starting with a letter");
        } else if reserved {
            self.report.error(loc, format!("'{name}' is a reserved name")).expected("another name");
        } else if self.symbols.vars.iter().any(|v| v.name == name) {
            self.report
                .error(loc, format!("'{name}' is defined twice"))
                .expected("each variable and outcome name once");
        }
    }

    pub(super) fn distribution(&mut self, node: &Node, name: &str, context: Context) -> Option<DrawSpec> {
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
                return Some((Distribution::Draw(p), ty, None, Family::Other("a fixed value")));
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
                (Distribution::Draw(p), ty, Family::Other("a fixed value"))
            }
            "uniform" => {
                let [a, b] = self.params(p, &what, "uniform", &["min", "max"], context)?;
                self.check_order(p, &a, &b, &what, "min", "max");
                (draw(Op::F2(Func2::Uniform), "uniform", &[&a, &b]), Type::Num, family(Marginal::Uniform, [a, b]))
            }
            "normal" => {
                let [m, s] = self.params(p, &what, "normal", &["mean", "sd"], context)?;
                self.check_nonneg(p, "sd", &s, &what);
                (draw(Op::F2(Func2::Normal), "normal", &[&m, &s]), Type::Num, family(Marginal::Normal, [m, s]))
            }
            "lognormal" => {
                let [m, s] = self.params(p, &what, "lognormal", &["mu", "sigma"], context)?;
                self.check_nonneg(p, "sigma", &s, &what);
                (draw(Op::F2(Func2::LogNormal), "lognormal", &[&m, &s]), Type::Num, family(Marginal::LogNormal, [m, s]))
            }
            "beta" => {
                let [a, b] = self.params(p, &what, "beta", &["alpha", "beta"], context)?;
                self.check_positive(p, "alpha", &a, &what);
                self.check_positive(p, "beta", &b, &what);
                (draw(Op::F2(Func2::Beta), "beta", &[&a, &b]), Type::Num, family(Marginal::Beta, [a, b]))
            }
            "triangular" => {
                let [a, m, b] = self.params(p, &what, "triangular", &["min", "mode", "max"], context)?;
                self.check_order(p, &a, &m, &what, "min", "mode");
                self.check_order(p, &m, &b, &what, "mode", "max");
                (
                    draw(Op::F3(Func3::Triangular), "triangular", &[&a, &m, &b]),
                    Type::Num,
                    family(Marginal::Triangular, [a, m, b]),
                )
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
                (draw(Op::F1(Func1::Bernoulli), "bernoulli", &[&prob]), Type::Bool, Family::Other("bernoulli"))
            }
            "exponential" => {
                let [rate] = self.params(p, &what, "exponential", &["rate"], context)?;
                self.check_positive(p, "rate", &rate, &what);
                (
                    draw(Op::F1(Func1::Exponential), "exponential", &[&rate]),
                    Type::Num,
                    family(Marginal::Exponential, [rate]),
                )
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
                (draw(Op::F1(Func1::Poisson), "poisson", &[&lambda]), Type::Num, Family::Other("poisson"))
            }
            _ => (self.categorical(p, name, &what)?, Type::Str, Family::Other("categorical")),
        };
        if truncate.is_some() && d.1 != Type::Num {
            self.report
                .error(node.loc, format!("{what} is truncated but is not a number"))
                .expected("truncate only on numeric distributions");
        }
        if let (Some((lo, hi)), Some((from, to))) = (truncate, support(&kind.key, &d.2))
            && (hi < from || lo > to)
        {
            let at = node.get("truncate").map_or(node.loc, |t| t.loc);
            self.report
                .error(
                    at,
                    format!(
                        "the truncation [{}, {}] of {what} lies outside the values its {} distribution takes, [{}, {}]: \
                         every draw would be a bound",
                        readable(lo),
                        readable(hi),
                        kind.key,
                        readable(from),
                        readable(to)
                    ),
                )
                .expected(format!("a truncation that overlaps [{}, {}]", readable(from), readable(to)));
        }
        Some((d.0, d.1, truncate, d.2))
    }

    pub(super) fn params<const N: usize>(
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

    pub(super) fn constant_at(&mut self, node: &Node, key: &str, p: &Program) -> Option<(f64, Loc)> {
        p.as_constant().map(|v| (v, node.get(key).map_or(node.loc, |n| n.loc)))
    }

    pub(super) fn check_nonneg(&mut self, node: &Node, key: &str, p: &Program, what: &str) {
        if let Some((v, loc)) = self.constant_at(node, key, p)
            && v < 0.0
        {
            self.report.error(loc, format!("{key} of {what} is {v}, negative")).expected(format!("{key} ≥ 0"));
        }
    }

    pub(super) fn check_positive(&mut self, node: &Node, key: &str, p: &Program, what: &str) {
        if let Some((v, loc)) = self.constant_at(node, key, p)
            && v <= 0.0
        {
            self.report.error(loc, format!("{key} of {what} is {v}")).expected(format!("{key} > 0"));
        }
    }

    pub(super) fn check_order(&mut self, node: &Node, a: &Program, b: &Program, what: &str, an: &str, bn: &str) {
        if let (Some(x), Some(y)) = (a.as_constant(), b.as_constant())
            && x > y
        {
            let loc = node.get(bn).map_or(node.loc, |n| n.loc);
            self.report
                .error(loc, format!("{bn} of {what} ({y}) is below its {an} ({x})"))
                .expected(format!("{an} ≤ {bn}"));
        }
    }

    pub(super) fn truncate(&mut self, node: &Node, what: &str) -> Option<(f64, f64)> {
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
    pub(super) fn categorical(&mut self, node: &Node, name: &str, what: &str) -> Option<Distribution> {
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
}

/// The lower Cholesky factor of the symmetric n × n matrix `a` (row-major),
/// or `None` when it is not (numerically) positive definite.
pub(crate) fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let dot: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let pivot = a[i * n + i] - dot;
                if pivot <= 1e-10 || !pivot.is_finite() {
                    return None;
                }
                l[i * n + i] = pivot.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - dot) / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// The values a distribution can take, where its kind or its constant
/// parameters fix them (none for a normal, or bounds given by expressions).
fn support(kind: &str, family: &Family) -> Option<(f64, f64)> {
    let constant = |p: &Program| p.as_constant();
    match (kind, family) {
        ("beta", _) => Some((0.0, 1.0)),
        ("exponential" | "lognormal" | "poisson", _) => Some((0.0, f64::INFINITY)),
        ("uniform", Family::Continuous(_, p)) => Some((constant(&p[0])?, constant(&p[1])?)),
        ("triangular", Family::Continuous(_, p)) => Some((constant(&p[0])?, constant(&p[2])?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::cholesky;

    #[test]
    fn cholesky_factor_reproduces_the_matrix_and_refuses_indefinite_ones() {
        let a = [1.0, 0.6, 0.3, 0.6, 1.0, -0.2, 0.3, -0.2, 1.0];
        let l = cholesky(&a, 3).expect("positive definite");
        for i in 0..3 {
            for j in 0..3 {
                let llt: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((llt - a[i * 3 + j]).abs() < 1e-12, "({i}, {j})");
            }
            assert!(l[i * 3 + i + 1..(i + 1) * 3].iter().all(|&x| x == 0.0), "upper part of row {i}");
        }
        assert!(cholesky(&[1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0], 3).is_none());
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none(), "perfect correlation is singular");
    }
}
