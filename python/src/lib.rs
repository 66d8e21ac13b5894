//! `alliance_sim._engine`: the engine in a Python process.
//!
//! This layer only carries calls across: it turns Python arguments into the
//! library's plans ([`alliance_sim::analysis`]), runs them off the GIL on
//! the engine's threads, and hands back the results as the same JSON
//! documents the command line exports (so a figure from Python equals the
//! CLI's byte for byte) or, for per-trial records, as Arrow record batches
//! through the Arrow C stream interface. The Python package around it
//! (`alliance_sim/`) turns the documents into DataFrames.

mod records;
mod watch;

use std::sync::Arc;

use alliance_sim::analysis::{
    self, AnalysisError, ComparePlan, MorrisPlan, RunOptions, Sample, SensitivityPlan, SobolPlan, SweepPlan, Vary,
};
use alliance_sim::batch::Plan;
use alliance_sim::report::Render;
use alliance_sim::report::sensitivity::Tornado;
use alliance_sim::scenario::{self, Diagnostic, LoadError, Override, Source, bundled};
use alliance_sim::stats::batch::Watched;
use alliance_sim::stats::summary::{self, Meta};
use pyo3::create_exception;
use pyo3::exceptions::{PyKeyboardInterrupt, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use records::{TrialRecords, Wanted};
use watch::{CancelToken, Cancelled, Watch, watched};

// Named as `alliance_sim.ScenarioError` (where the package exports it), so
// that pickle finds the class: an error raised in a pool's worker reaches
// the parent as itself, with its diagnostics (they are in its `__dict__`).
create_exception!(
    alliance_sim,
    ScenarioError,
    PyValueError,
    "A scenario that does not load. `.diagnostics` lists every error and warning as a dict (severity, \
     file, line, column, message, expected, help); `.file`, `.line`, `.column` and `.message` are the \
     first error's."
);

/// A load error as a `ScenarioError` carrying every diagnostic.
fn scenario_error(py: Python<'_>, context: &str, error: &LoadError) -> PyErr {
    let text = if context.is_empty() { error.to_string() } else { format!("{context}:\n{error}") };
    let err = ScenarioError::new_err(text);
    let value = err.value(py);
    let dicts: Vec<Bound<'_, PyDict>> = error.diagnostics.iter().filter_map(|d| diagnostic(py, d).ok()).collect();
    let first = error.diagnostics.first();
    let _ = value.setattr("diagnostics", dicts);
    let _ = value.setattr("file", first.map(|d| d.file.to_string()));
    let _ = value.setattr("line", first.map(|d| d.line));
    let _ = value.setattr("column", first.map(|d| d.column));
    let _ = value.setattr("message", first.map(|d| d.message.clone()));
    err
}

fn diagnostic<'py>(py: Python<'py>, d: &Diagnostic) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let severity = match d.severity {
        scenario::diagnostic::Severity::Error => "error",
        scenario::diagnostic::Severity::Warning => "warning",
    };
    dict.set_item("severity", severity)?;
    dict.set_item("file", d.file.to_string())?;
    dict.set_item("line", d.line)?;
    dict.set_item("column", d.column)?;
    dict.set_item("message", &d.message)?;
    dict.set_item("expected", &d.expected)?;
    dict.set_item("help", &d.help)?;
    Ok(dict)
}

/// An analysis error as Python sees it: a located `ScenarioError` for a
/// scenario that does not load, `ValueError` for a plan's bad argument,
/// `OSError` for records, `KeyboardInterrupt` for a stop.
fn analysis_error(py: Python<'_>, e: AnalysisError) -> PyErr {
    match e {
        AnalysisError::Scenario { context, error } => scenario_error(py, &context, &error),
        AnalysisError::Plan(why) => PyValueError::new_err(why),
        AnalysisError::Records(e) => PyErr::from(e),
        AnalysisError::Interrupted(why) => PyKeyboardInterrupt::new_err(why),
    }
}

/// `--set`-style overrides from `(path, value)` pairs; values are YAML text.
fn overrides(set: Vec<(String, String)>) -> PyResult<Vec<Override>> {
    set.into_iter()
        .map(|(path, value)| {
            if path.trim().is_empty() {
                return Err(PyValueError::new_err("set: a path is empty (e.g. members.russia.attributes.alignment)"));
            }
            Ok(Override::from("set", path.trim(), value))
        })
        .collect()
}

/// Where a scenario comes from: YAML text (any string with a line break),
/// an existing file, or a bundled name.
fn source_of(arg: &str) -> PyResult<Source> {
    if arg.contains('\n') {
        return Ok(Source::Text { name: "<text>".into(), text: arg.to_string() });
    }
    match Source::resolve(arg) {
        Source::File(path) if !path.exists() => {
            let names: Vec<&str> = bundled::list().into_iter().map(|(n, _)| n).collect();
            // A ScenarioError (as every scenario that does not load), so
            // that docs/python.md's `except ScenarioError` catches it too.
            let message = format!(
                "no file and no bundled scenario named '{arg}' (bundled: {}); YAML text must span more than one line",
                names.join(", ")
            );
            let err = ScenarioError::new_err(message.clone());
            Python::attach(|py| {
                let value = err.value(py);
                let _ = value.setattr("diagnostics", Vec::<Py<PyAny>>::new());
                let _ = value.setattr("file", arg);
                let _ = value.setattr("line", py.None());
                let _ = value.setattr("column", py.None());
                let _ = value.setattr("message", message);
            });
            Err(err)
        }
        source => Ok(source),
    }
}

/// A loaded scenario: its source and overrides (to load variants of it)
/// and the compiled model.
#[pyclass(frozen, module = "alliance_sim._engine")]
struct Scenario {
    source: Source,
    overrides: Vec<Override>,
    model: Arc<scenario::Scenario>,
    warnings: Vec<String>,
}

#[pymethods]
impl Scenario {
    /// The scenario's name.
    #[getter]
    fn name(&self) -> String {
        self.model.name.clone()
    }

    /// Where it was loaded from (`<bundled>/NAME`, a path or `<text>`).
    #[getter]
    fn origin(&self) -> String {
        self.source.display()
    }

    /// The overrides it was loaded with, as (path, value) pairs.
    #[getter]
    fn overrides(&self) -> Vec<(String, String)> {
        self.overrides.iter().map(|o| (o.path.clone(), o.value.clone())).collect()
    }

    /// The members' ids, in order.
    #[getter]
    fn members(&self) -> Vec<String> {
        self.model.members.iter().map(|m| m.id.clone()).collect()
    }

    /// The crisis variables' names, in order.
    #[getter]
    fn variables(&self) -> Vec<String> {
        self.model.variables.iter().map(|v| v.name.clone()).collect()
    }

    /// The per-trial record columns, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        alliance_sim::records::column_names(&self.model)
    }

    /// The scenario's own trial count and seed (`run:`).
    #[getter]
    fn defaults(&self) -> (u64, u64) {
        (self.model.run.trials, self.model.run.seed)
    }

    /// Warnings from loading it (it runs anyway), one located line each.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// Every number of the merged scenario with its `set` path.
    fn numeric_inputs(&self, py: Python<'_>) -> PyResult<Vec<(String, f64)>> {
        scenario::numeric_inputs(&self.source, &self.overrides).map_err(|e| scenario_error(py, "", &e))
    }

    /// A run's summary as the JSON document `run --export-json` writes.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (trials=None, seed=None, threads=None, precision=None, precision_of="deploy".to_string(), progress=None, cancel=None, timeout=None))]
    fn run(
        &self,
        py: Python<'_>,
        trials: Option<u64>,
        seed: Option<u64>,
        threads: Option<usize>,
        precision: Option<f64>,
        precision_of: String,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, CancelToken>>,
        timeout: Option<f64>,
    ) -> PyResult<String> {
        let s = &*self.model;
        let trials = match (trials, precision) {
            (Some(n), _) => analysis::at_least_one(n).map_err(|e| analysis_error(py, e))?,
            (None, Some(_)) => analysis::PRECISION_MAX_TRIALS,
            (None, None) => s.run.trials,
        };
        let seed = seed.unwrap_or(s.run.seed);
        let precision = match precision {
            Some(h) if !(h.is_finite() && h > 0.0) => {
                return Err(PyValueError::new_err(format!(
                    "precision={h}: expected a positive half-width, e.g. 0.001"
                )));
            }
            Some(h) => Some((
                Watched::named(s, &precision_of).map_err(|e| PyValueError::new_err(format!("precision_of: {e}")))?,
                h,
            )),
            None => None,
        };
        let plan = Plan { seed, start: 0, end: trials };
        let finished = watched(py, Watch::new(threads, progress, cancel, timeout)?, |monitor| {
            analysis::run(s, plan, RunOptions { precision, records: None }, monitor)
        })?
        .map_err(|e| analysis_error(py, e))?;
        if finished.interrupted {
            return Err(PyKeyboardInterrupt::new_err("interrupted: no results"));
        }
        let meta = Meta::new(s, seed, finished.value.trials, &self.overrides);
        Ok(summary::summarise(s, &finished.value, meta).json())
    }

    /// Per-trial records of trials `[0, n)`: an object with
    /// `__arrow_c_stream__`, read in chunks of `chunk` trials.
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (n, seed=None, columns=None, chunk=65536, threads=None, cancel=None))]
    fn trials(
        &self,
        n: u64,
        seed: Option<u64>,
        columns: Option<Vec<String>>,
        chunk: u64,
        threads: Option<usize>,
        cancel: Option<PyRef<'_, CancelToken>>,
    ) -> PyResult<TrialRecords> {
        let seed = seed.unwrap_or(self.model.run.seed);
        let wanted = Wanted { seed, n, columns, chunk, threads };
        TrialRecords::new(Arc::clone(&self.model), wanted, watch::token_flag(cancel))
    }

    /// One trial told rule by rule, as `explain --format json` writes it.
    #[pyo3(signature = (trial, seed=None))]
    fn explain(&self, trial: u64, seed: Option<u64>) -> String {
        let seed = seed.unwrap_or(self.model.run.seed);
        alliance_sim::explain::explain(&self.model, seed, trial).json()
    }

    fn __repr__(&self) -> String {
        format!("<alliance_sim Scenario '{}' from {}>", self.model.name, self.source.display())
    }
}

/// Loads a scenario (a bundled name, a path, or YAML text) with overrides.
#[pyfunction]
#[pyo3(signature = (source, set=Vec::new()))]
fn load(py: Python<'_>, source: &str, set: Vec<(String, String)>) -> PyResult<Scenario> {
    let source = source_of(source)?;
    let overrides = overrides(set)?;
    let loaded = py.detach(|| scenario::load(&source, &overrides)).map_err(|e| scenario_error(py, "", &e))?;
    Ok(Scenario {
        source,
        overrides,
        model: Arc::new(loaded.scenario),
        warnings: loaded.warnings.iter().map(|w| w.to_string()).collect(),
    })
}

/// Each scenario's (source, overrides), for plans that load them again.
fn sources(scenarios: &[PyRef<'_, Scenario>]) -> Vec<(Source, Vec<Override>)> {
    scenarios.iter().map(|s| (s.source.clone(), s.overrides.clone())).collect()
}

/// Scenarios in lockstep on common random numbers, each later one paired
/// with the first: the JSON document `compare --export-json` writes.
#[allow(clippy::too_many_arguments)]
#[pyfunction]
#[pyo3(signature = (scenarios, trials=None, seed=None, threads=None, progress=None, cancel=None, timeout=None))]
fn compare(
    py: Python<'_>,
    scenarios: Vec<PyRef<'_, Scenario>>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    cancel: Option<PyRef<'_, CancelToken>>,
    timeout: Option<f64>,
) -> PyResult<String> {
    if scenarios.len() < 2 {
        return Err(PyValueError::new_err("compare needs at least two scenarios (the first is the reference)"));
    }
    let plan = ComparePlan { scenarios: sources(&scenarios), trials, seed };
    let compared = watched(py, Watch::new(threads, progress, cancel, timeout)?, |m| analysis::compare(&plan, m))?
        .map_err(|e| analysis_error(py, e))?;
    Ok(compared.comparison().json())
}

/// `vary` as the command line parses `--vary PATH=…`.
fn parse_vary(vary: &[String]) -> PyResult<Vec<Vary>> {
    vary.iter().map(|v| v.parse::<Vary>().map_err(|e| PyValueError::new_err(format!("vary: {e}")))).collect()
}

/// A sweep over a grid or a sampling design: `sweep --export-json`.
#[pyfunction]
#[pyo3(signature = (scenario, vary, sample=None, trials=None, seed=None, threads=None, progress=None, cancel=None, timeout=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    scenario: PyRef<'_, Scenario>,
    vary: Vec<String>,
    sample: Option<String>,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    cancel: Option<PyRef<'_, CancelToken>>,
    timeout: Option<f64>,
) -> PyResult<String> {
    let sample =
        sample.map(|s| s.parse::<Sample>().map_err(|e| PyValueError::new_err(format!("sample: {e}")))).transpose()?;
    let vary = parse_vary(&vary)?;
    let vary = match sample {
        Some(_) => analysis::vary_or_declared(&scenario.source, &scenario.overrides, &vary)
            .map_err(|e| analysis_error(py, e))?,
        None => vary,
    };
    let plan = SweepPlan {
        source: scenario.source.clone(),
        overrides: scenario.overrides.clone(),
        vary,
        trials,
        seed,
        sample,
    };
    let sweep = watched(py, Watch::new(threads, progress, cancel, timeout)?, |m| analysis::sweep(&plan, m))?
        .map_err(|e| analysis_error(py, e))?;
    Ok(sweep.json())
}

/// A sensitivity analysis: `sensitivity --method oat|sobol|morris
/// --export-json`.
#[pyfunction]
#[pyo3(signature = (scenario, method="oat".to_string(), metric="deploy".to_string(), inputs=Vec::new(), fraction=0.1,
    vary=Vec::new(), samples=512, trajectories=20, levels=4, trials=None, seed=None, threads=None, progress=None, cancel=None, timeout=None))]
#[allow(clippy::too_many_arguments)]
fn sensitivity(
    py: Python<'_>,
    scenario: PyRef<'_, Scenario>,
    method: String,
    metric: String,
    inputs: Vec<String>,
    fraction: f64,
    vary: Vec<String>,
    samples: usize,
    trajectories: usize,
    levels: usize,
    trials: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    cancel: Option<PyRef<'_, CancelToken>>,
    timeout: Option<f64>,
) -> PyResult<String> {
    let (source, overrides) = (scenario.source.clone(), scenario.overrides.clone());
    let ranged = |what: &str| -> PyResult<Vec<Vary>> {
        if let Some(i) = inputs.first() {
            return Err(PyValueError::new_err(format!("inputs ({i}): method={what} takes vary ranges, not inputs")));
        }
        analysis::vary_or_declared(&source, &overrides, &parse_vary(&vary)?).map_err(|e| analysis_error(py, e))
    };
    let json = match method.as_str() {
        "oat" => {
            if let Some(v) = vary.first() {
                return Err(PyValueError::new_err(format!("vary ({v}): ranges are for method='sobol' or 'morris'")));
            }
            let plan =
                SensitivityPlan { source, overrides, metric, fraction, inputs, trials: trials.unwrap_or(20_000), seed };
            let done =
                watched(py, Watch::new(threads, progress, cancel, timeout)?, |m| analysis::sensitivity(&plan, m))?
                    .map_err(|e| analysis_error(py, e))?;
            Tornado { result: &done, top: usize::MAX }.json()
        }
        "sobol" => {
            let plan = SobolPlan {
                vary: ranged("sobol")?,
                source,
                overrides,
                metric,
                samples,
                trials: trials.unwrap_or(2_000),
                seed,
            };
            let done = watched(py, Watch::new(threads, progress, cancel, timeout)?, |m| analysis::sobol(&plan, m))?
                .map_err(|e| analysis_error(py, e))?;
            done.json()
        }
        "morris" => {
            let plan = MorrisPlan {
                vary: ranged("morris")?,
                source,
                overrides,
                metric,
                trajectories,
                levels,
                trials: trials.unwrap_or(2_000),
                seed,
            };
            let done = watched(py, Watch::new(threads, progress, cancel, timeout)?, |m| analysis::morris(&plan, m))?
                .map_err(|e| analysis_error(py, e))?;
            done.json()
        }
        other => return Err(PyValueError::new_err(format!("method='{other}': expected 'oat', 'sobol' or 'morris'"))),
    };
    Ok(json)
}

/// The bundled scenarios that run on their own, with the first line of
/// their descriptions.
#[pyfunction]
fn bundled_scenarios() -> Vec<(String, String)> {
    bundled::list().into_iter().map(|(n, d)| (n.to_string(), d.to_string())).collect()
}

/// Times `trials`-trial runs of `scenario` (summary and JSON included),
/// `repeats` times inside Rust: the seconds of each, for comparing a call
/// from Python with the same work without Python (`benches/overhead.py`).
#[pyfunction]
fn _time_run(py: Python<'_>, scenario: PyRef<'_, Scenario>, trials: u64, repeats: usize) -> Vec<f64> {
    let s = Arc::clone(&scenario.model);
    let overrides = scenario.overrides.clone();
    py.detach(|| {
        (0..repeats)
            .map(|_| {
                let started = std::time::Instant::now();
                let plan = Plan { seed: s.run.seed, start: 0, end: trials };
                let stats = analysis::run_all(&s, plan);
                let json = summary::summarise(&s, &stats, Meta::new(&s, plan.seed, trials, &overrides)).json();
                std::hint::black_box(json);
                started.elapsed().as_secs_f64()
            })
            .collect()
    })
}

/// The extension module.
#[pymodule]
fn _engine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ScenarioError", m.py().get_type::<ScenarioError>())?;
    m.add("Cancelled", m.py().get_type::<Cancelled>())?;
    m.add_class::<CancelToken>()?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Scenario>()?;
    m.add_class::<TrialRecords>()?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(sensitivity, m)?)?;
    m.add_function(wrap_pyfunction!(bundled_scenarios, m)?)?;
    m.add_function(wrap_pyfunction!(_time_run, m)?)?;
    Ok(())
}
