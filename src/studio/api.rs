//! The studio's JSON API: scenarios to pick, a scenario's controls, a run
//! of the changed scenario beside the unmodified one, validation of edited
//! YAML, the story of one trial, and the what-if file.

use std::path::Path;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::queue::Priority;
use super::{BUSY_FLOOR, FIRST_PICTURE, Kind, Studio, controls};
use crate::analysis::{self, AnalysisError, ComparePlan, Monitor, SensitivityPlan};
use crate::explain::{self, Condition, Search};
use crate::report::Render;
use crate::report::doc::Style;
use crate::report::html::{self, Distributions, Report, Section};
use crate::scenario::model::class;
use crate::scenario::{self, Diagnostic, LoadError, Override, Prepared, Severity, Source, bundled};
use crate::stats::summary;

/// Most files the picker lists, and how deep it looks.
const MOST_FILES: usize = 500;
const MOST_DEPTH: usize = 4;

/// Trials searched for a trial of the asked class.
const STORY_SEARCH: u64 = 1_000_000;

/// A refused request: a status, a sentence, and any located diagnostics.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    diagnostics: Vec<Located>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), diagnostics: Vec::new() }
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// 403.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, message)
    }

    /// 409: a newer request from the same page replaced this one.
    pub fn superseded() -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "superseded by a newer request from the same page")
    }

    /// 400.
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 422 with the scenario's diagnostics.
    fn scenario(error: &LoadError) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: "the scenario does not load".into(),
            diagnostics: error.diagnostics.iter().map(Located::of).collect(),
        }
    }

    fn analysis(e: AnalysisError) -> ApiError {
        match e {
            AnalysisError::Scenario { error, .. } => ApiError::scenario(&error),
            AnalysisError::Interrupted(_) => ApiError::superseded(),
            other => ApiError::bad(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(json!({ "error": self.message, "diagnostics": self.diagnostics }))).into_response()
    }
}

/// A diagnostic as the page shows it, at its line and column.
#[derive(Debug, Serialize)]
pub struct Located {
    severity: &'static str,
    file: String,
    line: u32,
    column: u32,
    message: String,
    expected: Option<String>,
    help: Option<String>,
}

impl Located {
    fn of(d: &Diagnostic) -> Located {
        Located {
            severity: if d.severity == Severity::Error { "error" } else { "warning" },
            file: d.file.to_string(),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
            expected: d.expected.clone(),
            help: d.help.clone(),
        }
    }
}

/// The scenarios to pick from: the bundled ones and the `.yaml` files of
/// the studio's folder (not following links out of it).
pub async fn scenarios(State(studio): State<Arc<Studio>>) -> Json<Value> {
    let root = studio.root.clone();
    let files = tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        list_yaml(&root, &root, 0, &mut found);
        found.sort();
        found
    })
    .await
    .unwrap_or_default();
    let bundled: Vec<Value> =
        bundled::list().into_iter().map(|(name, about)| json!({ "name": name, "description": about })).collect();
    Json(json!({ "bundled": bundled, "files": files }))
}

fn list_yaml(root: &Path, dir: &Path, depth: usize, found: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        if found.len() >= MOST_FILES {
            return;
        }
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(kind) = entry.file_type() else { continue };
        if hidden || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() && depth < MOST_DEPTH && entry.file_name() != "target" {
            list_yaml(root, &path, depth + 1, found);
        } else if kind.is_file()
            && matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
            && let Ok(relative) = path.strip_prefix(root)
        {
            found.push(format!("file:{}", relative.display()));
        }
    }
}

/// `?scenario=NAME`.
#[derive(Debug, Deserialize)]
pub struct Named {
    scenario: String,
}

/// A scenario's controls, its text and its warnings.
pub async fn controls(State(studio): State<Arc<Studio>>, Query(q): Query<Named>) -> Result<Json<Value>, ApiError> {
    let source = studio.source(&q.scenario)?;
    let answer = tokio::task::spawn_blocking(move || -> Result<Value, ApiError> {
        let prepared = Prepared::read(&source);
        let loaded = prepared.load(&[]).map_err(|e| ApiError::scenario(&e))?;
        let leaves = prepared.leaves(&[]).map_err(|e| ApiError::scenario(&e))?;
        let s = &loaded.scenario;
        let text = match &source {
            Source::Bundled(name) => bundled::text(name).unwrap_or_default().to_string(),
            Source::Within { root, path, .. } => crate::input::read_bounded(&root.join(path), 1 << 20)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default(),
            _ => String::new(),
        };
        Ok(json!({
            "scenario": q.scenario,
            "name": s.name,
            "text": text,
            "classes": class::NAMES,
            "groups": controls::controls(&leaves, s),
            "warnings": loaded.warnings.iter().map(Located::of).collect::<Vec<_>>(),
            "presets": presets(&q.scenario),
        }))
    })
    .await
    .map_err(|e| ApiError::bad(format!("the controls could not be made: {e}")))??;
    Ok(Json(answer))
}

/// The bundled what-ifs built on the bundled scenario `name`, as one-click
/// presets: their name, description and text, `extends:` naming `name` as
/// the page does (the text is then adopted as if typed into the pane).
fn presets(name: &str) -> Vec<Value> {
    bundled::list()
        .into_iter()
        .filter(|(what_if, _)| what_if.starts_with("what-if/") && bundled::chain(what_if).get(1) == Some(&name))
        .filter_map(|(what_if, about)| {
            let text = bundled::text(what_if)?;
            let text: Vec<String> = text
                .lines()
                .map(|l| if l.starts_with("extends:") { format!("extends: {name}") } else { l.to_string() })
                .collect();
            Some(json!({ "name": what_if, "description": about, "text": text.join("\n") + "\n" }))
        })
        .collect()
}

/// What a what-if beside the studio's folder writes in `extends:` to name
/// the scenario `reference`.
fn parent_name(reference: &str) -> String {
    reference.strip_prefix("file:").unwrap_or(reference).to_string()
}

/// A changed scenario, as a page sends it: the base, the changed values,
/// and (when the YAML pane was edited) the what-if's own text.
#[derive(Debug, Deserialize)]
pub struct Changed {
    scenario: String,
    #[serde(default)]
    set: Vec<(String, String)>,
    #[serde(default)]
    yaml: Option<String>,
}

/// A scenario and its overrides, as a plan takes them.
type Loadable = (Source, Vec<Override>);

impl Studio {
    /// The base scenario and the changed one (with its overrides).
    fn pair(&self, changed: &Changed) -> Result<(Loadable, Loadable), ApiError> {
        let base = self.source(&changed.scenario)?;
        let set: Vec<Override> = changed
            .set
            .iter()
            .map(|(path, value)| Override::from("the studio's change", path.trim(), value.clone()))
            .collect();
        if let Some(o) = set.iter().find(|o| o.path.is_empty()) {
            return Err(ApiError::bad(format!("an empty path (value '{}')", o.value)));
        }
        let variant = match &changed.yaml {
            Some(text) => (self.text_source(text)?, Vec::new()),
            None => (base.clone(), set),
        };
        Ok(((base, Vec::new()), variant))
    }

    /// Edited YAML as a source: standing beside the studio's folder when it
    /// extends one of its files (vetted first), else held as text (whose
    /// `extends` may name bundled scenarios only).
    fn text_source(&self, text: &str) -> Result<Source, ApiError> {
        let name = "what-if.yaml";
        match scenario::extends_of(text) {
            Some(parent) if self.file(&parent).is_ok() => {
                Ok(Source::Within { root: self.root.clone(), path: name.into(), text: Some(text.to_string()) })
            }
            Some(parent) if bundled::find(&parent).is_none() => Err(ApiError::forbidden(format!(
                "extends: '{parent}' is neither a bundled scenario nor a .yaml file in the studio's folder"
            ))),
            _ => Ok(Source::Text { name: name.into(), text: text.to_string() }),
        }
    }
}

/// A run asked for by a page.
#[derive(Debug, Deserialize)]
pub struct RunRequest {
    /// The page's id (random, per browser tab) and this request's number:
    /// a newer request from the same page stops the older one.
    page: String,
    sequence: u64,
    #[serde(flatten)]
    changed: Changed,
    trials: u64,
    #[serde(default)]
    seed: Option<u64>,
}

/// Runs the changed scenario beside the unmodified one on common random
/// numbers: both summaries (as `run --format json` gives them), the
/// comparison (as `compare` gives it) and the report's sections as HTML.
/// A first picture ([`FIRST_PICTURE`] trials or fewer) goes before every
/// other job; a refinement past [`BUSY_FLOOR`] runs to the floor while the
/// class is busy, and says so (`busy`, `asked`).
pub async fn run(State(studio): State<Arc<Studio>>, Json(request): Json<RunRequest>) -> Result<Response, ApiError> {
    let enlisted = studio.enlist(&request.page, request.sequence, Kind::Run)?;
    let asked = request.trials.clamp(1, studio.most_trials);
    let (base, variant) = studio.pair(&request.changed)?;
    let asking = ask("run", &[&base, &variant])?;
    let key = |trials: u64| keyed(&asking, &[u64::from(request.seed.is_some()), request.seed.unwrap_or(0), trials]);
    let wanted = key(asked);
    if let Some(kept) = studio.kept(&wanted) {
        return Ok(json_answer(kept, true));
    }
    let trials = if asked > BUSY_FLOOR && studio.busy() { BUSY_FLOOR } else { asked };
    let priority = if trials <= FIRST_PICTURE { Priority::First } else { Priority::Refine };
    let plan = ComparePlan { scenarios: vec![base, variant], trials: Some(trials), seed: request.seed };
    let key = key(trials);
    let (body, shared) = studio
        .answer(key, priority, trials, &enlisted.stop, move |stop| {
            let compared = analysis::compare(&plan, Monitor::new(stop, |_, _| {})).map_err(ApiError::analysis)?;
            let summaries: Vec<_> = (0..2)
                .map(|i| {
                    summary::summarise(&compared.scenarios[i], &compared.lockstep.stats[i], compared.metas[i].clone())
                })
                .collect();
            let comparison = compared.comparison();
            let sections = report_sections(&summaries, &compared.lockstep.stats[1], &comparison);
            let value = json!({
                "trials": compared.lockstep.trials(),
                "seed": compared.metas[0].seed,
                "base": raw(&summaries[0].json()),
                "variant": raw(&summaries[1].json()),
                "comparison": raw(&comparison.json()),
                "html": sections,
            });
            Ok(value.to_string())
        })
        .await?;
    if trials < asked {
        // The same figures, marked: the class is busy, so this is as far
        // as the refinement goes.
        let mut value: Value = serde_json::from_str(&body).map_err(|e| ApiError::bad(e.to_string()))?;
        value["busy"] = json!(true);
        value["asked"] = json!(asked);
        return Ok(json_answer(Arc::from(value.to_string()), shared));
    }
    Ok(json_answer(body, shared))
}

/// What a request asks, hashed: its kind and the canonical text of each
/// scenario it names (see `Prepared::canonical`), to which [`keyed`] adds
/// its numbers. Two requests with one key get one answer. A scenario that
/// does not load is refused here, with its diagnostics.
fn ask(kind: &str, scenarios: &[&Loadable]) -> Result<Sha256, ApiError> {
    let mut hash = Sha256::new();
    hash.update(kind.as_bytes());
    for (source, overrides) in scenarios {
        let text = Prepared::read(source).canonical(overrides).map_err(|e| ApiError::scenario(&e))?;
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text.as_bytes());
    }
    Ok(hash)
}

/// The key of what was asked ([`ask`]) with these numbers (seed, trials…).
fn keyed(asking: &Sha256, numbers: &[u64]) -> [u8; 32] {
    let mut hash = asking.clone();
    for n in numbers {
        hash.update(n.to_le_bytes());
    }
    hash.finalize().into()
}

/// A JSON answer, marked `x-studio-shared: 1` when it was computed for
/// another request (kept, or computed at the same time).
fn json_answer(body: Arc<str>, shared: bool) -> Response {
    let shared = if shared { "1" } else { "0" };
    (
        [(header::CONTENT_TYPE, "application/json"), (HeaderName::from_static("x-studio-shared"), shared)],
        body.to_string(),
    )
        .into_response()
}

/// The report's sections for the page: the changed scenario's charts (its
/// caps, its histograms), with the side-by-side comparison against the
/// scenario as written first. Names are marked "as written" and "changed"
/// for the page only; the JSON keeps the CLI's.
fn report_sections(
    summaries: &[summary::Summary],
    changed_stats: &crate::stats::batch::BatchStats,
    comparison: &crate::stats::compare::Comparison,
) -> String {
    let (mut written, mut changed) = (summaries[0].clone(), summaries[1].clone());
    let name = written.meta.scenario.clone();
    written.meta.scenario = format!("{name} (as written)");
    changed.meta.scenario = format!("{name} (changed)");
    let mut shown = comparison.clone();
    for a in &mut shown.against {
        a.baseline = written.meta.scenario.clone();
        a.scenario = changed.meta.scenario.clone();
    }
    let report = Report {
        summary: &changed,
        distributions: &Distributions::of(changed_stats),
        comparison: Some((std::slice::from_ref(&written), &shown)),
        sensitivity: None,
        global: None,
    };
    let mut order = vec![Section::Comparison];
    order.extend(Section::ALL.iter().filter(|s| **s != Section::Comparison));
    html::sections(&report, &order)
}

/// A JSON document embedded as a value.
fn raw(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Trials per point of the studio's tornado (each input moved down and up:
/// a few hundred points).
const TORNADO_TRIALS: u64 = 5_000;

/// The tornado of the changed scenario: every input moved ±10% on common
/// random numbers, as `sensitivity` does, drawn as the report draws it.
pub async fn tornado(State(studio): State<Arc<Studio>>, Json(request): Json<RunRequest>) -> Result<Response, ApiError> {
    let enlisted = studio.enlist(&request.page, request.sequence, Kind::Tornado)?;
    let (_, variant) = studio.pair(&request.changed)?;
    let trials = request.trials.clamp(1, studio.most_trials.min(TORNADO_TRIALS));
    let key =
        keyed(&ask("tornado", &[&variant])?, &[u64::from(request.seed.is_some()), request.seed.unwrap_or(0), trials]);
    let (source, overrides) = variant;
    let plan = SensitivityPlan {
        source,
        overrides,
        metric: "deploy".into(),
        fraction: 0.1,
        inputs: Vec::new(),
        trials,
        seed: request.seed,
    };
    let (body, shared) = studio
        .answer(key, Priority::Asked, trials, &enlisted.stop, move |stop| {
            let leaves = scenario::leaves(&plan.source, &plan.overrides).map_err(|e| ApiError::scenario(&e))?;
            let mut tornado =
                analysis::sensitivity(&plan, Monitor::new(stop, |_, _| {})).map_err(ApiError::analysis)?;
            // Rows named as the controls are (rules by id), so that a row
            // opens its control.
            for input in &mut tornado.inputs {
                input.path = controls::by_id(&input.path, &leaves);
            }
            let mut html = String::new();
            html::tornado_section(&mut html, &tornado);
            Ok(json!({ "html": html, "trials": tornado.meta.trials }).to_string())
        })
        .await?;
    Ok(json_answer(body, shared))
}

/// Edited YAML checked as `validate` checks it. When it loads, also what
/// it means for the page's controls: `values`, each control's value in the
/// edited scenario, and `set`, the edit as the controls' changes when it
/// changes nothing else (else `null`: only the YAML can say it).
pub async fn validate(
    State(studio): State<Arc<Studio>>,
    Json(changed): Json<Changed>,
) -> Result<Json<Value>, ApiError> {
    let ((base, _), (source, overrides)) = studio.pair(&changed)?;
    let answer = tokio::task::spawn_blocking(move || match scenario::load(&source, &overrides) {
        Ok(loaded) => {
            let (values, set) = as_controls(&base, &source, &overrides).unwrap_or_default();
            json!({
                "ok": true,
                "name": loaded.scenario.name,
                "diagnostics": loaded.warnings.iter().map(Located::of).collect::<Vec<_>>(),
                "values": values,
                "set": set,
            })
        }
        Err(e) => json!({ "ok": false, "diagnostics": e.diagnostics.iter().map(Located::of).collect::<Vec<_>>() }),
    })
    .await
    .map_err(|e| ApiError::bad(format!("validation failed: {e}")))?;
    Ok(Json(answer))
}

/// The controls' values of the edited scenario (`source` with
/// `overrides`), and the edit as changes of the controls of `base` — only
/// when the base with those changes has exactly the edited scenario's
/// values (history aside, which a what-if never carries), so that the page,
/// its link and its what-if file describe one scenario.
type AsControls = (Vec<(String, String)>, Option<Vec<(String, String)>>);

fn as_controls(base: &Source, source: &Source, overrides: &[Override]) -> Result<AsControls, LoadError> {
    let controls_of = |prepared: &Prepared, overrides: &[Override]| -> Result<_, LoadError> {
        let loaded = prepared.load(overrides)?;
        let leaves = prepared.leaves(overrides)?;
        Ok((controls::values(&controls::controls(&leaves, &loaded.scenario)), leaves))
    };
    let (base_prepared, edited_prepared) = (Prepared::read(base), Prepared::read(source));
    let (written, _) = controls_of(&base_prepared, &[])?;
    let (edited, edited_leaves) = controls_of(&edited_prepared, overrides)?;
    let same_controls = written.len() == edited.len() && written.iter().zip(&edited).all(|(a, b)| a.0 == b.0);
    if !same_controls {
        return Ok((edited, None));
    }
    let set: Vec<(String, String)> =
        written.iter().zip(&edited).filter(|(a, b)| a.1 != b.1).map(|(_, b)| b.clone()).collect();
    let as_set: Vec<Override> =
        set.iter().map(|(path, value)| Override::from("the studio's change", path, value.clone())).collect();
    let expressed = base_prepared.leaves(&as_set).is_ok_and(|l| same_values(&l, &edited_leaves));
    Ok((edited, expressed.then_some(set)))
}

/// Whether two scenarios' values are the same, history and titles aside
/// (a what-if's `name` and `description` change no figure).
fn same_values(a: &scenario::Leaves, b: &scenario::Leaves) -> bool {
    fn kept<T: PartialEq + Clone>(list: &[(String, T)]) -> Vec<(String, T)> {
        list.iter()
            .filter(|(p, _)| !p.starts_with("observed.") && !matches!(p.as_str(), "observed" | "name" | "description"))
            .cloned()
            .collect()
    }
    kept(&a.numbers) == kept(&b.numbers)
        && kept(&a.booleans) == kept(&b.booleans)
        && kept(&a.strings) == kept(&b.strings)
}

/// One trial of an outcome class, told as `explain` tells it.
#[derive(Debug, Deserialize)]
pub struct StoryRequest {
    /// As for a run: the page and its move.
    page: String,
    sequence: u64,
    #[serde(flatten)]
    changed: Changed,
    outcome: String,
    #[serde(default)]
    seed: Option<u64>,
}

/// The first trial of the changed scenario in the asked class, told rule by
/// rule with the `because` texts. The search stops with the page's newer
/// move, or when the request goes away.
pub async fn story(State(studio): State<Arc<Studio>>, Json(request): Json<StoryRequest>) -> Result<Response, ApiError> {
    let Some(outcome) = class::NAMES.iter().position(|n| *n == request.outcome) else {
        return Err(ApiError::bad(format!(
            "outcome '{}': expected one of {}",
            request.outcome,
            class::NAMES.join(", ")
        )));
    };
    let enlisted = studio.enlist(&request.page, request.sequence, Kind::Story)?;
    let (_, variant) = studio.pair(&request.changed)?;
    let key = keyed(
        &ask("story", &[&variant])?,
        &[u64::from(request.seed.is_some()), request.seed.unwrap_or(0), outcome as u64],
    );
    let (source, overrides) = variant;
    let (body, shared) = studio
        .answer(key, Priority::Asked, STORY_SEARCH, &enlisted.stop, move |stop| {
            let loaded = scenario::load(&source, &overrides).map_err(|e| ApiError::scenario(&e))?;
            let s = &loaded.scenario;
            let seed = request.seed.unwrap_or(s.run.seed);
            let condition = Condition::compile(s, &format!("outcome == \"{}\"", request.outcome))
                .map_err(|e| ApiError::bad(e.to_string()))?;
            let answer = match explain::find(s, seed, 0, STORY_SEARCH, &condition, stop) {
                Search::Found(trial) => {
                    let story = explain::explain(s, seed, trial);
                    json!({ "trial": trial, "seed": seed, "text": story.document(Style::Terminal { color: false }) })
                }
                Search::Missing => json!({
                    "trial": null,
                    "seed": seed,
                    "text": format!("No trial ends in '{}' among the first {STORY_SEARCH} of seed {seed}.", request.outcome),
                }),
                Search::Stopped(_) => return Err(ApiError::superseded()),
            };
            Ok(answer.to_string())
        })
        .await?;
    Ok(json_answer(body, shared))
}

/// The what-if file of the page's changes: `extends:` and exactly the
/// changed values, checked to load before it is offered.
pub async fn what_if(State(studio): State<Arc<Studio>>, Json(changed): Json<Changed>) -> Result<Response, ApiError> {
    let parent = parent_name(&changed.scenario);
    let (_, (variant, overrides)) = studio.pair(&Changed { yaml: None, ..changed })?;
    let studio = Arc::clone(&studio);
    let text = tokio::task::spawn_blocking(move || -> Result<String, ApiError> {
        let leaves = scenario::leaves(&variant, &overrides).map_err(|e| ApiError::scenario(&e))?;
        let name = leaves.strings.iter().find(|(path, _)| path == "name").map_or("", |(_, name)| name.as_str());
        let text = controls::what_if(&parent, name, &overrides, &leaves);
        scenario::load(&studio.text_source(&text)?, &[]).map_err(|e| ApiError::scenario(&e))?;
        Ok(text)
    })
    .await
    .map_err(|e| ApiError::bad(format!("the what-if could not be written: {e}")))??;
    Ok((
        [
            (header::CONTENT_TYPE, "application/yaml; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"what-if.yaml\""),
        ],
        text,
    )
        .into_response())
}
