//! Scenario files → a validated, compiled [`Scenario`]. No randomness here.
//!
//! [`load`] reads a file (or a bundled scenario), follows its `extends:`
//! chain, applies `--set` overrides, and compiles everything, collecting
//! every problem as a located [`Diagnostic`].

pub(crate) mod build;
pub mod bundled;
pub mod diagnostic;
pub mod model;
pub(crate) mod schema;
pub(crate) mod specialise;
pub mod tree;

use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

pub use diagnostic::{Diagnostic, Severity};
pub use model::Scenario;

use crate::rules::ops::{MemberField, Op};
use diagnostic::{Loc, Report};
use tree::{Node, Value};

/// Where a scenario comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A file on disk.
    File(PathBuf),
    /// A scenario bundled in the binary, by name (e.g. `kazakhstan-2022`).
    Bundled(String),
    /// Scenario text held in memory (fuzzing, tools). Its `extends` may
    /// name bundled scenarios only.
    Text {
        /// The name messages use for it.
        name: String,
        /// The YAML.
        text: String,
    },
    /// A file of a folder that neither it nor anything it extends may
    /// leave (the studio's class folder, where handed-in files are not
    /// trusted): named in messages by its path inside the folder; `..`
    /// out of it, absolute paths, hidden names (a dot in front), symbolic
    /// links out and names not ending in `.yaml` or `.yml` are refused.
    /// With `text`, the file's unsaved buffer is read instead of the file
    /// (which need not exist).
    Within {
        /// The folder, canonical (as `std::fs::canonicalize` gives it).
        root: PathBuf,
        /// The file's path inside it.
        path: PathBuf,
        /// The unsaved buffer, if any.
        text: Option<String>,
    },
}

impl Source {
    /// A path if it exists, else a bundled name if one matches, else the path
    /// (which will fail to load with a clear message).
    pub fn resolve(arg: &str) -> Source {
        let path = Path::new(arg);
        if path.exists() {
            return Source::File(path.to_path_buf());
        }
        match bundled::find(arg) {
            Some(name) => Source::Bundled(name.to_string()),
            None => Source::File(path.to_path_buf()),
        }
    }

    /// How the source is named in messages and metadata (`<bundled>/NAME` for a bundled one).
    pub fn display(&self) -> String {
        match self {
            Source::File(p) | Source::Within { path: p, .. } => p.display().to_string(),
            Source::Bundled(name) => format!("<bundled>/{name}"),
            Source::Text { name, .. } => name.clone(),
        }
    }
}

/// The command-line argument that loads a scenario again from the origin
/// recorded in a run's metadata.
pub fn origin_argument(origin: &str) -> String {
    origin.strip_prefix("<bundled>/").unwrap_or(origin).to_string()
}

/// A `--set PATH=VALUE` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted path of map keys.
    pub path: String,
    /// The value, parsed as YAML.
    pub value: String,
    /// Where it came from, for messages: the flag (`--set`, `--vary`,
    /// `--fit`, …) or the place that holds it.
    pub origin: String,
}

impl Override {
    /// An override from `origin` (a flag such as `--vary`, or a place).
    pub fn from(origin: &str, path: impl Into<String>, value: impl Into<String>) -> Override {
        Override { path: path.into(), value: value.into(), origin: origin.to_string() }
    }
}

impl std::str::FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Override, String> {
        let Some((path, value)) = s.split_once('=') else {
            return Err(format!("'{s}' is not PATH=VALUE (e.g. members.russia.attributes.alignment=0.4)"));
        };
        if path.trim().is_empty() {
            return Err("the path before '=' is empty".into());
        }
        Ok(Override::from("--set", path.trim(), value))
    }
}

impl std::fmt::Display for Override {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// A scenario that loaded, with its warnings.
#[derive(Debug)]
pub struct Loaded {
    /// The compiled scenario.
    pub scenario: Scenario,
    /// Warnings (the scenario runs anyway).
    pub warnings: Vec<Diagnostic>,
    /// Members a file added to the scenario it extends.
    pub added_members: Vec<String>,
}

/// A scenario that did not load: its errors and warnings.
#[derive(Debug)]
pub struct LoadError {
    /// Errors, then warnings, each sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Loads, merges, overrides and compiles a scenario, then specialises its
/// rule sets to the facts it fixes (see `specialise`).
pub fn load(source: &Source, overrides: &[Override]) -> Result<Loaded, LoadError> {
    Prepared::read(source).load(overrides)
}

/// A scenario's files read, parsed and merged along `extends` once, to be
/// loaded under many sets of overrides: a sweep, a Sobol' or Morris design
/// or a calibration loads hundreds to tens of thousands of points, and
/// reading and parsing the YAML was most of each load.
#[derive(Debug, Clone)]
pub struct Prepared {
    origin: String,
    tree: Option<Node>,
    report: Report,
    hasher: Sha256,
}

impl Prepared {
    /// Reads `source` and everything it extends; errors are kept for
    /// [`Prepared::load`] to report.
    pub fn read(source: &Source) -> Prepared {
        let mut report = Report::default();
        let mut hasher = Sha256::new();
        let tree = read_chain(source, &mut report, &mut hasher, &mut Vec::new()).map(|mut t| {
            tree::drop_nulls(&mut t);
            t
        });
        Prepared { origin: source.display(), tree, report, hasher }
    }

    /// [`load`] of the prepared source with `overrides`.
    pub fn load(&self, overrides: &[Override]) -> Result<Loaded, LoadError> {
        let mut loaded = self.load_unspecialised(overrides)?;
        specialise::specialise(&mut loaded.scenario);
        Ok(loaded)
    }

    /// The scalars of the prepared source with `overrides` (see [`leaves`]).
    pub fn leaves(&self, overrides: &[Override]) -> Result<Leaves, LoadError> {
        let tree = self.merged(overrides)?;
        let mut out = Leaves::default();
        tree::for_each_leaf(&tree, &mut |path, value| match value {
            tree::Value::Num(x) => out.numbers.push((path.to_string(), *x)),
            tree::Value::Bool(b) => out.booleans.push((path.to_string(), *b)),
            tree::Value::Str(s) => out.strings.push((path.to_string(), s.clone())),
            _ => {}
        });
        Ok(out)
    }

    /// The value at a dotted `path` of the merged files (no overrides) as
    /// YAML flow text, which an override can set elsewhere; `None` when the
    /// files did not read or the path names nothing.
    pub fn flow_at(&self, path: &str) -> Option<String> {
        let keys: Vec<&str> = path.split('.').collect();
        self.tree.as_ref().and_then(|t| tree::get_path(t, &keys)).map(tree::to_flow)
    }

    /// The scenario with `overrides` as one canonical text: its origin and
    /// its merged tree (after `extends` and overrides) in flow YAML. Two
    /// requests that give the same text describe the same scenario, however
    /// their changes were written.
    pub fn canonical(&self, overrides: &[Override]) -> Result<String, LoadError> {
        self.merged(overrides).map(|tree| format!("{}\n{}", self.origin, tree::to_flow(&tree)))
    }

    /// The merged tree with `overrides` applied, or the errors met.
    fn merged(&self, overrides: &[Override]) -> Result<Node, LoadError> {
        let mut report = self.report.clone();
        let tree = self
            .tree
            .clone()
            .and_then(|mut t| apply_overrides(&mut t, overrides, &mut report, &mut Sha256::new()).then_some(t));
        match tree {
            Some(t) if !report.has_errors() => Ok(t),
            _ => Err(LoadError::from(report)),
        }
    }

    fn load_unspecialised(&self, overrides: &[Override]) -> Result<Loaded, LoadError> {
        let (mut report, mut hasher) = (self.report.clone(), self.hasher.clone());
        let tree = self
            .tree
            .clone()
            .and_then(|mut t| apply_overrides(&mut t, overrides, &mut report, &mut hasher).then_some(t));
        // A tree with errors already (a member its parent lacks, taken out)
        // is still built, so that every problem of the file shows at once.
        let scenario = tree.as_ref().and_then(|t| {
            let hash = hex(&hasher.finalize());
            build::build(t, &self.origin, hash, &mut report)
        });
        match scenario {
            Some(scenario) if !report.has_errors() => {
                if let Some(tree) = &tree {
                    warn_unread_attributes(&scenario, tree, &mut report);
                    check_record_columns(&scenario, tree, &mut report);
                }
                if report.has_errors() {
                    return Err(LoadError::from(report));
                }
                let added_members = std::mem::take(&mut report.added_members);
                Ok(Loaded { scenario, warnings: report.warnings(), added_members })
            }
            _ => Err(LoadError::from(report)),
        }
    }
}

/// Every number of the merged scenario (after `extends` and overrides)
/// with its `--set` path: the inputs a sensitivity analysis can move.
pub fn numeric_inputs(source: &Source, overrides: &[Override]) -> Result<Vec<(String, f64)>, LoadError> {
    leaves(source, overrides).map(|l| l.numbers)
}

/// The scalars of a merged scenario by their `--set` paths, in document
/// order: what an interface can offer to change (numbers as sliders,
/// booleans as switches) and the texts that explain them (`….because`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Leaves {
    /// Every number.
    pub numbers: Vec<(String, f64)>,
    /// Every boolean.
    pub booleans: Vec<(String, bool)>,
    /// Every string.
    pub strings: Vec<(String, String)>,
}

/// The scalars of the merged scenario (after `extends` and overrides).
pub fn leaves(source: &Source, overrides: &[Override]) -> Result<Leaves, LoadError> {
    Prepared::read(source).leaves(overrides)
}

/// What a scenario text's top-level `extends:` names, if it parses and has
/// one (for a caller that must vet the parent before loading it).
pub fn extends_of(text: &str) -> Option<String> {
    let mut report = Report::default();
    let file = report.sources.add("text");
    let root = tree::parse(text, file).ok()?;
    match root.get("extends").map(|n| &n.value) {
        Some(Value::Str(parent)) => Some(parent.clone()),
        _ => None,
    }
}

/// The number at a `--set` path of the merged scenario (after `extends`
/// and overrides): `Ok(None)` when the path names nothing or no number.
pub fn number_at(source: &Source, overrides: &[Override], path: &str) -> Result<Option<f64>, LoadError> {
    let tree = Prepared::read(source).merged(overrides)?;
    let keys: Vec<&str> = path.split('.').collect();
    Ok(tree::get_path(&tree, &keys).and_then(|n| match n.value {
        tree::Value::Num(x) => Some(x),
        _ => None,
    }))
}

impl From<Report> for LoadError {
    fn from(report: Report) -> LoadError {
        let mut diagnostics = report.errors();
        diagnostics.extend(report.warnings());
        LoadError { diagnostics }
    }
}

/// [`load`] without the specialisation step: the same results, more slowly.
/// Tests use it to check that specialising changes nothing.
pub fn load_unspecialised(source: &Source, overrides: &[Override]) -> Result<Loaded, LoadError> {
    Prepared::read(source).load_unspecialised(overrides)
}

/// Warns about `--set members.<id>.attributes.<name>=…` when no expression
/// reads that attribute: the run would silently be the same.
///
/// A member attribute in a file that no expression reads, that
/// `alliance.attributes` does not declare and whose name is near one that
/// is read or declared is most likely misspelt (`alignmnet`): it is warned
/// about too, with the nearest name.
fn warn_unread_attributes(s: &Scenario, tree: &Node, report: &mut Report) {
    let read: Vec<u16> = s
        .programs()
        .iter()
        .flat_map(|p| p.ops())
        .filter_map(|op| match op {
            Op::Member(MemberField::Attr(a)) | Op::Host(MemberField::Attr(a)) | Op::Of(_, MemberField::Attr(a)) => {
                Some(*a)
            }
            _ => None,
        })
        .collect();
    let is_read = |name: &str| {
        let slot = s.symbols.attrs.iter().position(|(a, _)| a == name);
        slot.is_some_and(|slot| read.iter().any(|&a| usize::from(a) == slot))
    };
    let declared: Vec<String> = tree
        .get("alliance")
        .and_then(|a| a.get("attributes"))
        .and_then(Node::entries)
        .map(|e| e.iter().map(|e| e.key.clone()).collect())
        .unwrap_or_default();
    let known: Vec<String> = s
        .symbols
        .attrs
        .iter()
        .map(|(a, _)| a.clone())
        .filter(|a| is_read(a) || declared.contains(a))
        .chain(declared.iter().cloned())
        .collect();
    let mut warned: Vec<String> = Vec::new();
    let members = tree.get("members").and_then(Node::entries).unwrap_or(&[]);
    for attribute in members.iter().filter_map(|m| m.node.get("attributes").and_then(Node::entries)).flatten() {
        let name = &attribute.key;
        if is_read(name) || warned.contains(name) {
            continue;
        }
        // An override's nodes are at line 0 of its own pseudo-file.
        let overridden = attribute.node.loc.line == 0;
        if !overridden && declared.contains(name) {
            continue;
        }
        let candidates = || known.iter().map(String::as_str).filter(|k| k != name);
        // A file's attribute is warned about only when it looks misspelt
        // (a known name is near): undeclared attributes are allowed.
        if !overridden && crate::suggest::suggest(name, candidates()).is_none() {
            continue;
        }
        warned.push(name.clone());
        let message = if overridden {
            format!("no rule or expression reads the attribute '{name}', so this changes nothing")
        } else {
            format!("no rule or expression reads the attribute '{name}' and alliance.attributes does not declare it")
        };
        let at = if overridden { attribute.node.loc } else { attribute.key_loc };
        report
            .warning(at, message)
            .expected("an attribute that rules read, such as member.alignment")
            .suggest(name, candidates());
    }
}

/// Refuses names that would give two per-trial record columns
/// (`run --trials-out`) one name: an outcome or a member called like a
/// fixed column (`trial`) or like each other, or a member `crisis` beside a
/// crisis variable `vote` or `contributes` (`crisis.vote`). Readers such as
/// pyarrow silently keep one of two same-named columns.
fn check_record_columns(s: &Scenario, tree: &Node, report: &mut Report) {
    let names = crate::records::column_names(s);
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for name in &names {
        if seen.insert(name.as_str()) {
            continue;
        }
        // The key that made the second column of this name: a member, an
        // outcome, or (for `crisis.vote`) the member `crisis`.
        let key = name.split('.').next().unwrap_or(name);
        let at = ["outcomes", "members"]
            .iter()
            .filter_map(|section| tree.get(section).and_then(Node::entries))
            .flatten()
            .find(|e| e.key == key)
            .map_or(tree.loc, |e| e.key_loc);
        report.error(at, format!("'{key}' would give the per-trial records two columns named '{name}'")).expected(
            format!(
                "another name: {} and `crisis` are taken, and member ids and outcome names must differ",
                crate::records::FIXED_COLUMNS.join(", ")
            ),
        );
        return;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The text of a file on disk (a [`Source::File`], or a [`Source::Within`]
/// without a buffer), read through the bounded reader; errors reported.
fn read_file(source: &Source, report: &mut Report, file: u16) -> Option<String> {
    let here = Loc { file, line: 1, column: 1 };
    let path = match source {
        Source::Within { root, path, .. } => root.join(path),
        Source::File(path) => path.clone(),
        _ => return None,
    };
    match crate::input::read_bounded(&path, tree::MAX_FILE_BYTES as u64) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => Some(t),
            Err(e) => {
                report
                    .error(
                        here,
                        format!("file is not UTF-8 text (bad byte at offset {})", e.utf8_error().valid_up_to()),
                    )
                    .expected("a UTF-8 YAML file");
                None
            }
        },
        Err(e @ crate::input::ReadError::TooLarge { .. }) => {
            report
                .error(here, format!("cannot read the file: {e}"))
                .expected(format!("a scenario file of at most {} bytes", tree::MAX_FILE_BYTES));
            None
        }
        Err(e) => {
            let names: Vec<&str> = bundled::list().into_iter().map(|(n, _)| n).collect();
            report
                .error(Loc { file, line: 0, column: 0 }, format!("cannot read the file: {e}"))
                .expected("a readable scenario file (or a bundled name: see `alliance-sim list`)")
                .suggest(&source.display(), names);
            None
        }
    }
}

/// Reads a file and, recursively, the files it extends; returns the merged tree.
fn read_chain(source: &Source, report: &mut Report, hasher: &mut Sha256, chain: &mut Vec<String>) -> Option<Node> {
    let name = source.display();
    let file = report.sources.add(&name);
    let here = Loc { file, line: 1, column: 1 };
    if let Source::Within { root, path, text } = source
        && let Err(why) = inside(root, path, text.is_none())
    {
        report.error(here, format!("cannot open {why}")).expected(INSIDE);
        return None;
    }
    let text = match source {
        Source::File(_) | Source::Within { text: None, .. } => read_file(source, report, file)?,
        Source::Bundled(name) => bundled::text(name).unwrap_or_default().to_string(),
        Source::Text { text, .. } | Source::Within { text: Some(text), .. } if text.len() > tree::MAX_FILE_BYTES => {
            report
                .error(here, format!("the text is {} bytes", text.len()))
                .expected(format!("at most {} bytes", tree::MAX_FILE_BYTES));
            return None;
        }
        Source::Text { text, .. } | Source::Within { text: Some(text), .. } => text.clone(),
    };
    hasher.update((text.len() as u64).to_le_bytes());
    hasher.update(text.as_bytes());
    let mut root = match tree::parse(&text, file) {
        Ok(root) => root,
        Err(e) => {
            let expected = if e.message.contains("non-finite") {
                "a finite number (NaN and infinities are not allowed)"
            } else if e.message.contains("appears twice") {
                "each key once in a map"
            } else if e.message.contains("the limit for a scenario") {
                "a smaller file (see docs/robustness.md, \"What bad input gets\", for the limits)"
            } else if e.message.contains("as a tag") {
                "an expression in quotes when it starts with '!' (or write `not …`)"
            } else if e.message.contains("YAML document") {
                "one YAML document per scenario file"
            } else {
                "valid YAML (check the indentation and that no tab is used for it)"
            };
            report.error(Loc { file, line: e.line, column: e.column }, e.message).expected(expected);
            return None;
        }
    };
    if !matches!(root.value, Value::Map(_)) {
        report
            .error(root.loc, format!("the scenario is {}", root.value.kind()))
            .expected("a map with alliance, members, crisis and decisions");
        return None;
    }
    let Some(parent_node) = root.get("extends") else { return Some(root) };
    let Value::Str(parent) = &parent_node.value else {
        report
            .error(parent_node.loc, format!("extends is {}", parent_node.value.kind()))
            .expected("the path of the scenario this one extends");
        return None;
    };
    let parent_source = match source {
        // A path beside this file, or else a bundled scenario by name
        // (`extends: kazakhstan-2022`), so a user's own file can build on one.
        Source::File(path) => {
            let beside = path.parent().unwrap_or(Path::new(".")).join(parent);
            match bundled::find(parent) {
                Some(name) if !beside.exists() => Source::Bundled(name.to_string()),
                _ => Source::File(beside),
            }
        }
        Source::Within { root, path, .. } => {
            let beside = path.parent().unwrap_or(Path::new("")).join(parent);
            match bundled::find(parent) {
                Some(name) if !root.join(&beside).exists() => Source::Bundled(name.to_string()),
                _ => match inside(root, &beside, true) {
                    Ok(()) => Source::Within { root: root.clone(), path: tidy(&beside), text: None },
                    Err(why) => {
                        report.error(parent_node.text_loc(0), format!("extends {why}")).expected(INSIDE);
                        return None;
                    }
                },
            }
        }
        Source::Bundled(_) | Source::Text { .. } => match bundled::relative(&bundled_base(source), parent) {
            Some(n) => Source::Bundled(n),
            None => {
                report
                    .error(parent_node.loc, format!("{} extends '{parent}', which is not bundled", source.display()))
                    .expected("a bundled scenario");
                return None;
            }
        },
    };
    let key = canonical_key(&parent_source);
    chain.push(canonical_key(source));
    if chain.contains(&key) {
        report
            .error(parent_node.loc, format!("'extends: {parent}' makes a cycle: {} → {parent}", chain.join(" → ")))
            .expected("a chain of extends that ends in a file without extends");
        return None;
    }
    if chain.len() >= model::limits::EXTENDS_CHAIN {
        report
            .error(parent_node.loc, format!("the extends chain is longer than {} files", model::limits::EXTENDS_CHAIN))
            .expected("a shorter chain");
        return None;
    }
    if let Source::File(p) = &parent_source {
        match std::fs::metadata(p) {
            Err(_) => {
                // Did-you-mean among the bundled names and the files beside.
                let beside: Vec<String> = p
                    .parent()
                    .and_then(|dir| std::fs::read_dir(dir).ok())
                    .into_iter()
                    .flatten()
                    .take(1_000)
                    .filter_map(|e| e.ok()?.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
                    .collect();
                let mut candidates: Vec<&str> = bundled::names().collect();
                if !parent.contains('/') {
                    candidates.extend(beside.iter().map(String::as_str));
                }
                report
                    .error(parent_node.text_loc(0), format!("extends a file that does not exist: {}", p.display()))
                    .expected(
                        "a path relative to this file's folder, or a bundled scenario's name (see `alliance-sim list`)",
                    )
                    .suggest(parent, candidates);
                return None;
            }
            // A device, FIFO or directory: refused here, where it is named,
            // before anything opens it.
            Ok(meta) if !meta.is_file() => {
                report
                    .error(
                        parent_node.text_loc(0),
                        format!("extends {}, which is {}", p.display(), crate::input::describe(meta.file_type())),
                    )
                    .expected("a scenario file (a regular file)");
                return None;
            }
            Ok(_) => {}
        }
    }
    let mut parent_tree = read_chain(&parent_source, report, hasher, chain)?;
    // History belongs to the file that records it: a file that extends a
    // case is another scenario (a what-if, a fitted overlay), and comparing
    // it with the case's record would call a changed model's difference
    // from history a tail. It may restate `observed:` to keep it.
    if let Value::Map(entries) = &mut parent_tree.value {
        entries.retain(|e| e.key != "observed");
    }
    let parent = parent.to_string();
    check_child_against_parent(&parent_tree, &mut root, &parent, report);
    let mut merged = tree::merge(parent_tree, root);
    if let Value::Map(entries) = &mut merged.value {
        entries.retain(|e| e.key != "extends");
    }
    Some(merged)
}

/// What a child file may not do to its parent silently: touch a member the
/// parent lacks (a misspelt id would add a phantom voting member) unless it
/// declares a whole new one (`name` and `pledges`), or replace a rule list
/// (a rule "added" that way drops the parent's rules). A member refused is
/// taken out of the child, so the rest of the file is still checked and
/// every other problem reported in the same pass.
fn check_child_against_parent(parent: &Node, child: &mut Node, parent_name: &str, report: &mut Report) {
    let mut phantoms: Vec<String> = Vec::new();
    let parent_members: Vec<&str> = parent
        .get("members")
        .and_then(Node::entries)
        .map(|es| es.iter().map(|e| e.key.as_str()).collect())
        .unwrap_or_default();
    for e in child.get("members").and_then(Node::entries).unwrap_or_default() {
        if parent_members.contains(&e.key.as_str()) || matches!(e.node.value, Value::Null) {
            continue;
        }
        if e.node.get("name").is_some() && e.node.get("pledges").is_some() {
            report.added_members.push(format!("{} (beyond the {} of {parent_name})", e.key, parent_members.len()));
            continue;
        }
        phantoms.push(e.key.clone());
        report
            .error(e.key_loc, format!("member '{}' is not in {parent_name}, which this file extends", e.key))
            .expected(format!(
                "one of its members ({}), or a complete new member with name and pledges",
                parent_members.join(", ")
            ))
            .suggest(&e.key, parent_members.iter().copied());
    }
    for (stage, node) in
        child.get("decisions").and_then(Node::entries).unwrap_or_default().iter().map(|e| (&e.key, &e.node))
    {
        let (Some(new), Some(old)) =
            (node.get("rules"), parent.get("decisions").and_then(|d| d.get(stage)).and_then(|d| d.get("rules")))
        else {
            continue;
        };
        if let (Value::Seq(new_rules), Value::Seq(old_rules)) = (&new.value, &old.value)
            && !old_rules.is_empty()
        {
            report
                .warning(
                    new.loc,
                    format!(
                        "replaces the {} rules of decisions.{stage}.rules in {parent_name} with these {}",
                        old_rules.len(),
                        new_rules.len()
                    ),
                )
                .expected("`rules: {append: [...]}` to add rules to the parent's (a list replaces them)");
        }
    }
    if let Value::Map(entries) = &mut child.value
        && let Some(members) = entries.iter_mut().find(|e| e.key == "members")
        && let Value::Map(members) = &mut members.node.value
    {
        members.retain(|e| !phantoms.contains(&e.key));
    }
}

fn canonical_key(source: &Source) -> String {
    match source {
        Source::File(p) => std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()).display().to_string(),
        Source::Bundled(n) => format!("<bundled>/{n}"),
        Source::Text { name, .. } => format!("<text>/{name}"),
        Source::Within { root, path, .. } => {
            let full = root.join(tidy(path));
            format!("<within>/{}", std::fs::canonicalize(&full).unwrap_or(full).display())
        }
    }
}

/// What a [`Source::Within`] may name.
const INSIDE: &str = "a .yaml file inside the folder (not hidden), or a bundled scenario's name";

/// Whether `path`, inside `root`, is a file a [`Source::Within`] may read:
/// relative, never climbing out of `root` (lexically or through a link),
/// no hidden part, a `.yaml`/`.yml` name; when `exists`, a regular file.
/// The reason, naming the path as given, when not.
pub fn inside(root: &Path, path: &Path, exists: bool) -> Result<(), String> {
    let shown = path.display();
    let mut depth = 0usize;
    for part in path.components() {
        match part {
            Component::Normal(name) if name.to_string_lossy().starts_with('.') => {
                return Err(format!("'{shown}', a hidden path, which the folder does not serve"));
            }
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir if depth > 0 => depth -= 1,
            _ => return Err(format!("'{shown}', which is outside the folder")),
        }
    }
    if !matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
        return Err(format!("'{shown}', which is not a .yaml scenario file"));
    }
    if !exists {
        return Ok(());
    }
    match std::fs::canonicalize(root.join(path)) {
        Ok(real) if !real.starts_with(root) => Err(format!("'{shown}', which leads outside the folder")),
        Ok(real) if real.is_file() => Ok(()),
        Ok(_) => Err(format!("'{shown}', which is not a regular file")),
        Err(_) => Err(format!("'{shown}', which is not a file in the folder")),
    }
}

/// A relative path with `.` and `..` folded (checked by [`inside`] first).
fn tidy(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
            _ => {}
        }
    }
    out
}

/// The bundled name `extends` resolves against: the bundled file itself, or
/// the top of the bundle for text held in memory.
fn bundled_base(source: &Source) -> String {
    match source {
        Source::Bundled(name) => name.clone(),
        _ => "input".to_string(),
    }
}

fn apply_overrides(root: &mut Node, overrides: &[Override], report: &mut Report, hasher: &mut Sha256) -> bool {
    let mut ok = true;
    for o in overrides {
        // Each override is its own pseudo-file, named by its flag and text,
        // at line 0 (shown without a line or column).
        let file = report.sources.add(&format!("{} {}={}", o.origin, o.path, o.value));
        let loc = Loc { file, line: 0, column: 0 };
        // Each part length-prefixed, so that no two lists of overrides
        // encode alike (a separator could occur inside a value).
        for part in [&o.path, &o.value] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        if o.path == "extends" || o.path.starts_with("extends.") {
            report
                .error(loc, "what a scenario extends is read before any override, so this would change nothing")
                .expected("an overlay file with its own `extends:` line");
            ok = false;
            continue;
        }
        let value = match tree::parse(&o.value, file) {
            Ok(mut v) => {
                relocate(&mut v, loc);
                v
            }
            Err(e) => {
                report.error(loc, e.message).expected("a YAML value");
                ok = false;
                continue;
            }
        };
        let path: Vec<&str> = o.path.split('.').collect();
        if let Err(message) = tree::set_path(root, &path, value) {
            report
                .error(loc, message)
                .expected("a path of fields that exists in the scenario, e.g. members.russia.attributes.alignment");
            ok = false;
        }
    }
    ok
}

/// Points every node of an override at the `--set` pseudo-file.
fn relocate(node: &mut Node, loc: Loc) {
    node.loc = loc;
    node.text_offset = None;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| relocate(n, loc)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_loc = loc;
            relocate(&mut e.node, loc);
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_overrides() {
        let o: Override = "a.b=0.4".parse().expect("valid");
        assert_eq!(o.path, "a.b");
        assert!("nothing".parse::<Override>().is_err());
    }
}
