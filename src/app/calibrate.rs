//! `alliance-sim calibrate`: fit parameters to the historical cases, score
//! the fit out of sample, and optionally write the fitted values as an
//! overlay.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{Failure, emit, watched};
use crate::analysis::calibrate::{FORECAST, FREQUENCY};
use crate::analysis::{self, CalibratePlan, FitParameter};
use crate::cli::CalibrateArgs;
use crate::output::{self, Target};
use crate::report::Render;
use crate::report::csv::{Rows, field};
use crate::report::doc::{Doc, Style};
use crate::report::json;
use crate::scenario::{self, Source, bundled};
use crate::stats::calibrate::Calibration;
use crate::vocabulary::class;

/// Runs a calibration.
pub fn run(args: &CalibrateArgs) -> Result<ExitCode, Failure> {
    let write = args.write.as_ref().map(|p| Target::File(p.clone()));
    let more: Vec<(&str, &Target)> = write.iter().map(|t| ("--write", t)).collect();
    super::check_targets(&args.output, &more)?;
    let names: Vec<String> = if args.cases.is_empty() { observed_cases() } else { args.cases.clone() };
    let plan = CalibratePlan {
        cases: names.iter().map(|n| Source::resolve(n)).collect(),
        fit: fit_parameters(&args.fit, args.fit_file.as_deref())?,
        trials: args.trials,
        seed: args.seed,
        max_iterations: args.max_iterations,
        intervals: !args.no_intervals,
        cross_validate: !args.no_cross_validation,
    };
    let parent = match &args.write {
        Some(_) => Some(overlay_parent(&plan.cases)?),
        None => None,
    };
    let result = watched(args.threads, |monitor| analysis::calibrate(&plan, monitor))??;
    emit(&result, &args.output)?;
    if let (Some(path), Some(parent)) = (&args.write, parent) {
        let text = overlay(&result, &parent, args)?;
        output::write_atomic(path, text.as_bytes())
            .map_err(|e| Failure::failed(format!("error: --write {}: {e}", path.display())))?;
        eprintln!("wrote the fitted values to {} (extends: {parent})", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The parameters named by --fit and --fit-file, in that order.
pub(super) fn fit_parameters(fit: &[FitParameter], file: Option<&Path>) -> Result<Vec<FitParameter>, Failure> {
    let mut all = fit.to_vec();
    if let Some(path) = file {
        all.extend(fit_file(path)?);
    }
    Ok(all)
}

/// The parameters a `--fit-file` lists, one `PATH=LO:HI` per line; each
/// bad line is named with its number.
pub(super) fn fit_file(path: &Path) -> Result<Vec<FitParameter>, Failure> {
    let bytes = crate::input::read_bounded(path, 1 << 20)
        .map_err(|e| Failure::input(format!("error: --fit-file {}: {e}", path.display())))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::input(format!("error: --fit-file {}: not UTF-8 text", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let p = line
            .parse::<FitParameter>()
            .map_err(|why| Failure::input(format!("error: {}:{}:1: {why}", path.display(), i + 1)))?;
        out.push(p);
    }
    if out.is_empty() {
        return Err(Failure::input(format!(
            "error: --fit-file {}: no PATH=LO:HI line (e.g. decisions.request.base=0:0.5)",
            path.display()
        )));
    }
    Ok(out)
}

/// Every bundled scenario with an `observed` outcome, in bundled order.
pub fn observed_cases() -> Vec<String> {
    bundled::list()
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| {
            scenario::load(&Source::Bundled(n.to_string()), &[])
                .is_ok_and(|l| l.scenario.observed.is_some_and(|o| o.outcome.is_some()))
        })
        .map(str::to_string)
        .collect()
}

/// What the overlay extends: the case when there is one, else the parent
/// every case extends (refused when they have none in common).
fn overlay_parent(cases: &[Source]) -> Result<String, Failure> {
    if let [only] = cases {
        return Ok(extends_text(only));
    }
    let parents: Vec<Option<String>> = cases.iter().map(parent_of).collect::<Result<_, _>>()?;
    match parents.first() {
        Some(Some(first)) if parents.iter().all(|p| p.as_ref() == Some(first)) => Ok(first.clone()),
        _ => Err(Failure::input(
            "error: --write: the cases do not all extend the same scenario, so no one overlay fits them all; \
             calibrate cases that share a parent (e.g. the bundled ones, which extend base/csto.yaml)",
        )),
    }
}

/// How an overlay names `source` in its `extends:`.
fn extends_text(source: &Source) -> String {
    match source {
        Source::Bundled(name) => name.clone(),
        Source::File(path) => absolute(path).display().to_string(),
        Source::Within { root, path, .. } => absolute(&root.join(path)).display().to_string(),
        Source::Text { name, .. } => name.clone(),
    }
}

/// The scenario a case's `extends:` names, as an overlay elsewhere would
/// name it (a bundled name, or an absolute path); an error when the case
/// cannot be read (through the bounded reader: never a FIFO or a device).
fn parent_of(source: &Source) -> Result<Option<String>, Failure> {
    match source {
        Source::Bundled(name) => Ok(bundled::chain(name).get(1).map(|p| p.to_string())),
        Source::File(path) => {
            let bytes = crate::input::read_bounded(path, crate::scenario::tree::MAX_FILE_BYTES as u64)
                .map_err(|e| Failure::input(format!("error: {}: cannot read the case: {e}", path.display())))?;
            /// The one key read of the case.
            #[derive(serde::Deserialize)]
            struct Head {
                extends: Option<String>,
            }
            let head: Option<Head> = String::from_utf8(bytes).ok().and_then(|t| serde_saphyr::from_str(&t).ok());
            let Some(parent) = head.and_then(|h| h.extends) else { return Ok(None) };
            let near = path.parent().unwrap_or(Path::new(".")).join(&parent);
            Ok(Some(if near.exists() {
                absolute(&near).display().to_string()
            } else {
                bundled::find(&parent).map_or_else(|| parent.clone(), str::to_string)
            }))
        }
        Source::Text { .. } | Source::Within { .. } => Ok(None),
    }
}

/// A path made absolute (and resolved), as an overlay elsewhere names it.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The overlay's text: a comment saying how to reproduce it, then
/// `extends:` and the fitted values as nested maps, written by the YAML
/// serializer (so a parent path or a key needing quotes is quoted).
fn overlay(result: &Calibration, parent: &str, args: &CalibrateArgs) -> Result<String, Failure> {
    let mut command: Vec<String> = vec!["alliance-sim".into(), "calibrate".into()];
    command.extend(args.cases.iter().cloned());
    for p in &result.parameters {
        command.push("--fit".into());
        command.push(format!("{}={}:{}", p.path, p.lo, p.hi));
    }
    command.extend(["-n".into(), args.trials.to_string(), "--seed".into(), args.seed.to_string()]);
    command.extend(["--max-iterations".into(), args.max_iterations.to_string()]);
    let command: Vec<String> = command.iter().map(|a| shell_word(a)).collect();
    let mut text = String::from("# Written by `alliance-sim calibrate`: the fitted values, laid over what was\n");
    text.push_str(&format!("# calibrated. Reproduce with:\n#   {}\n", command.join(" ")));
    let mut root = Node::Map(vec![("extends".into(), Node::Text(parent.to_string()))]);
    for p in &result.parameters {
        root.insert(&p.path.split('.').collect::<Vec<_>>(), p.value);
    }
    let yaml = serde_saphyr::to_string(&root)
        .map_err(|e| Failure::failed(format!("error: --write: cannot write the overlay as YAML: {e}")))?;
    text.push_str(&yaml);
    Ok(text)
}

/// An argument as a POSIX shell reads it back, on one line (a comment
/// cannot hold a line break, so control characters are written as `?`).
fn shell_word(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:=,+@%".contains(c));
    let arg: String = arg.chars().map(|c| if c.is_control() { '?' } else { c }).collect();
    if plain { arg } else { format!("'{}'", arg.replace('\'', "'\\''")) }
}

/// The overlay as a tree of maps, in the order the values were fitted.
enum Node {
    Text(String),
    Number(f64),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// Puts `value` at the path `keys` below this map.
    fn insert(&mut self, keys: &[&str], value: f64) {
        let (Node::Map(entries), Some((first, rest))) = (self, keys.split_first()) else { return };
        let at = match entries.iter().position(|(k, _)| k == first) {
            Some(at) => at,
            None => {
                entries.push((first.to_string(), Node::Map(Vec::new())));
                entries.len() - 1
            }
        };
        if rest.is_empty() {
            entries[at].1 = Node::Number(value);
        } else {
            entries[at].1.insert(rest, value);
        }
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Node::Text(text) => serializer.serialize_str(text),
            Node::Number(x) => serializer.serialize_f64(*x),
            Node::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl Render for Calibration {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title("Calibration: parameters fitted to the historical cases");
        doc.line(&format!(
            "{} cases, {} trials each per evaluation, seed {}; {} evaluations. Log-likelihood {:.3} → {:.3}.",
            self.cases.len(),
            self.trials,
            self.seed,
            self.evaluations,
            self.log_likelihood_before,
            self.log_likelihood_after
        ));
        // Without intervals (--no-intervals), neither their column nor
        // their legend.
        let intervals = self.parameters.iter().any(|p| p.interval.is_some());
        let mut headers = vec!["parameter", "bounds", "as written", "fitted"];
        if intervals {
            doc.heading("Fitted values (95% profile-likelihood intervals)");
            headers.push("95% interval");
        } else {
            doc.heading("Fitted values");
        }
        let mut t = doc.table(&headers);
        for p in &self.parameters {
            let mut row = vec![p.path.clone(), format!("{}:{}", p.lo, p.hi), written(p), fitted(p)];
            if intervals {
                row.push(match (p.interval, p.at_bound) {
                    (Some((lo, hi)), (l, h)) => {
                        format!(
                            "[{}{}, {}{}]",
                            if l { "≤ " } else { "" },
                            round(lo),
                            if h { "≥ " } else { "" },
                            round(hi)
                        )
                    }
                    (None, _) => "—".into(),
                });
            }
            doc.row(&mut t, row);
        }
        doc.push(t, 1);
        if self.parameters.iter().any(|p| p.at_bound.0 || p.at_bound.1) {
            doc.line("≤ or ≥: the interval reaches the bound searched and may extend past it.");
        }
        if self.parameters.iter().any(|p| p.start != p.written) {
            doc.line("*: the value written lies outside the bounds; the search starts at the nearer bound.");
        }
        doc.heading("Each case: the probability of what happened");
        let forecasts = self.cases.iter().any(|c| c.forecast.is_some() && !c.after_the_fact.is_empty());
        let mut headers = vec!["case", "observed", "as written", "fitted", "rank", "left out"];
        if forecasts {
            headers.push("at onset");
        }
        headers.push("whole record");
        let mut t = doc.table(&headers);
        for c in &self.cases {
            let o = c.observed_index();
            let mut row = vec![
                c.case.clone(),
                c.observed.clone(),
                percent(c.before[o]),
                percent(c.after[o]),
                format!("{} of 4", c.rank_after),
                c.left_out.map_or("—".into(), |p| percent(p[o])),
            ];
            if forecasts {
                row.push(c.forecast.map_or("—".into(), |p| percent(p[o])));
            }
            row.push(percent(c.record_after));
            doc.row(&mut t, row);
        }
        doc.push(t, 2);
        doc.line(
            "rank: 1 when history's class is the most likely one at the fitted values; left out: the probability \
             a fit without the case gives it (leave-one-case-out cross-validation); whole record: P(the class and \
             every other field the case records at once), fitted: the likelihood.",
        );
        if forecasts {
            let mut after: Vec<&str> =
                self.cases.iter().flat_map(|c| c.after_the_fact.iter().map(String::as_str)).collect();
            after.sort_unstable();
            after.dedup();
            doc.line(&format!(
                "at onset: left out, and what is known only after the outcome drawn from the other cases (each \
                 equally likely) instead of the case's own ({}): the forecast one could have made.",
                after.join(", ")
            ));
        }
        doc.heading("Scores (mean over cases)");
        let mut t = doc.table(&["predictions", "log score", "Brier score", "top class"]);
        for s in &self.scores {
            doc.row(
                &mut t,
                vec![
                    s.method.clone(),
                    format!("{:.3}", s.log_score),
                    format!("{:.3}", s.brier),
                    format!("{} of {}", s.top_class, self.cases.len()),
                ],
            );
        }
        doc.push(t, 1);
        doc.line(
            "log score: mean ln P(what happened), higher is better; Brier: mean Σ (p − outcome)², lower is better.",
        );
        match self.beats_frequency_baseline {
            Some(true) => doc.line("Out of sample, the fit beats the class-frequency baseline in log score."),
            Some(false) => doc.line(
                "Out of sample, the fit does NOT beat the class-frequency baseline in log score: \
                 its figures are no better than counting the cases.",
            ),
            None => doc.line("No cross-validation was run (--no-cross-validation)."),
        }
        let score = |method: &str| self.scores.iter().find(|s| s.method == method).map(|s| s.log_score);
        if let (Some(onset), Some(frequency)) = (score(FORECAST), score(FREQUENCY)) {
            doc.line(&format!(
                "At onset the forecast {} the class frequencies ({onset:.3} against {frequency:.3}).",
                if onset > frequency { "still beats" } else { "does NOT beat" }
            ));
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["section", "item", "measure", "value", "lo", "hi"]);
        for p in &self.parameters {
            let (lo, hi) = p.interval.map_or((String::new(), String::new()), |(l, h)| (field(l), field(h)));
            rows.row(["parameter", &p.path, "written", &field(p.written), "", ""]);
            rows.row(["parameter", &p.path, "start", &field(p.start), "", ""]);
            rows.row(["parameter", &p.path, "fitted", &field(p.value), &lo, &hi]);
        }
        for c in &self.cases {
            for (k, name) in class::NAMES.iter().enumerate() {
                rows.row(["case", &c.case, &format!("before:{name}"), &field(c.before[k]), "", ""]);
                rows.row(["case", &c.case, &format!("after:{name}"), &field(c.after[k]), "", ""]);
                if let Some(l) = c.left_out {
                    rows.row(["case", &c.case, &format!("left_out:{name}"), &field(l[k]), "", ""]);
                }
                if let Some(f) = c.forecast {
                    rows.row(["case", &c.case, &format!("at_onset:{name}"), &field(f[k]), "", ""]);
                }
            }
            rows.row(["case", &c.case, "observed", &c.observed, "", ""]);
            rows.row(["case", &c.case, "rank_after", &c.rank_after.to_string(), "", ""]);
            rows.row(["case", &c.case, "record_after", &field(c.record_after), "", ""]);
            if let Some(r) = c.forecast_record {
                rows.row(["case", &c.case, "record_at_onset", &field(r), "", ""]);
            }
            for v in &c.after_the_fact {
                rows.row(["case", &c.case, "after_the_fact", v, "", ""]);
            }
        }
        for s in &self.scores {
            rows.row(["score", &s.method, "log_score", &field(s.log_score), "", ""]);
            rows.row(["score", &s.method, "brier", &field(s.brier), "", ""]);
            rows.row(["score", &s.method, "top_class", &s.top_class.to_string(), "", ""]);
        }
        rows.finish()
    }
}

/// The value the files give, marked when the search started elsewhere.
fn written(p: &crate::stats::calibrate::Fitted) -> String {
    if p.start == p.written { round(p.written) } else { format!("{}*", round(p.written)) }
}

fn percent(p: f64) -> String {
    format!("{:.1}%", 100.0 * p)
}

/// A value to at most 4 decimals, for tables.
/// A fitted value, said to lie at a bound when the search ended there (a
/// plain "0" read as a measured zero).
fn fitted(p: &crate::stats::calibrate::Fitted) -> String {
    let at = |bound: f64| (p.value - bound).abs() <= 1e-9 * (p.hi - p.lo).abs().max(1e-12);
    if at(p.lo) {
        format!("{} (lower bound)", round(p.value))
    } else if at(p.hi) {
        format!("{} (upper bound)", round(p.value))
    } else {
        round(p.value)
    }
}

fn round(x: f64) -> String {
    format!("{:.4}", x).trim_end_matches('0').trim_end_matches('.').to_string()
}
