//! The broken-scenario corpus: each file under tests/data/bad starts with
//! `# expect: LINE:COLUMN: message fragment`, and loading it must report an
//! error at exactly that place whose message contains the fragment.

use alliance_sim::scenario::{self, Severity, Source};

use crate::repo;

#[test]
fn every_broken_scenario_reports_its_line_column_and_message() {
    let dir = repo("tests/data/bad");
    let mut files: Vec<_> = std::fs::read_dir(&dir).expect("corpus").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert!(files.len() >= 40, "the corpus has {} cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let expect = text.lines().next().and_then(|l| l.strip_prefix("# expect: ")).expect("expect header");
        let mut parts = expect.splitn(3, ':');
        let line: u32 = parts.next().and_then(|s| s.trim().parse().ok()).expect("line");
        let column: Option<u32> = parts.next().and_then(|s| s.trim().parse().ok());
        let fragment = parts.next().unwrap_or("").trim();
        let result = scenario::load(&Source::File(path.clone()), &[]);
        let Err(err) = result else {
            failures.push(format!("{}: loaded but should fail", path.display()));
            continue;
        };
        let found = err.diagnostics.iter().any(|d| {
            d.severity == Severity::Error
                && d.line == line
                && column.is_none_or(|c| d.column == c)
                && d.message.contains(fragment)
                && d.file.ends_with(path.file_name().and_then(|f| f.to_str()).unwrap_or("?"))
        });
        if !found {
            failures.push(format!("{}: expected {expect}, got:\n{err}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn misspelt_variable_points_into_the_expression_with_a_suggestion() {
    let path = repo("tests/data/bad/misspelt_variable_in_when.yaml");
    let err = scenario::load(&Source::File(path), &[]).expect_err("fails");
    let d = &err.diagnostics[0];
    assert_eq!((d.line, d.column), (31, 15));
    assert_eq!(d.help.as_deref(), Some("did you mean 'severity'?"));
}

/// Loads tests/data/minimal.yaml with some text replaced.
fn load_minimal_with(replacements: &[(&str, &str)]) -> Result<scenario::Loaded, scenario::LoadError> {
    let mut text = std::fs::read_to_string(repo("tests/data/minimal.yaml")).expect("read");
    for (from, to) in replacements {
        assert!(text.contains(from), "minimal.yaml has no '{from}'");
        text = text.replace(from, to);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("edited.yaml");
    std::fs::write(&path, text).expect("write");
    scenario::load(&Source::File(path), &[])
}

#[test]
fn all_problems_of_a_file_are_reported_in_one_pass() {
    let err =
        load_minimal_with(&[("base: 0.5", "base: 1.5"), ("host: h", "host: hh"), ("order: [a, b]", "order: [a, bq]")])
            .expect_err("fails");
    let text = err.to_string();
    for fragment in ["base is 1.5", "unknown member 'hh'", "unknown member 'bq'"] {
        assert!(text.contains(fragment), "missing '{fragment}' in:\n{text}");
    }
    assert!(err.diagnostics.iter().all(|d| d.severity != Severity::Error || d.line > 0));
}

#[test]
fn alias_bomb_and_deep_nesting_are_refused_quickly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"));
    }
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let deep_map = "{a: ".repeat(100_000) + &"}".repeat(100_000);
    for (name, text) in [("bomb.yaml", bomb), ("deep.yaml", deep), ("deep_map.yaml", deep_map)] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        let start = std::time::Instant::now();
        let err = scenario::load(&Source::File(path), &[]).expect_err("refused");
        assert!(start.elapsed().as_secs_f64() < 1.0, "{name} took {:?}", start.elapsed());
        assert!(err.diagnostics[0].line > 0, "{name}: {err}");
    }
}

#[test]
fn warnings_flag_rules_that_cannot_fire_and_missing_members() {
    let loaded = load_minimal_with(&[
        ("order: [a, b]", "order: [a]"),
        ("when: severity > 0.5", "when: false"),
        ("pledges: {small: 50, large: 500}\n  b:", "pledges: {small: 500, large: 500}\n  b:"),
    ])
    .expect("loads with warnings");
    let joined: String = loaded.warnings.iter().map(|w| format!("{}\n", w.message)).collect();
    assert!(joined.contains("can never fire"), "{joined}");
    assert!(joined.contains("missing from the contribution order"), "{joined}");
    assert!(joined.contains("more than its cap"), "{joined}");
}

/// Every trial quantity a rule can read is a reserved name: a crisis
/// variable called `pool_cap` would hide the pool's cap from every rule.
#[test]
fn a_variable_may_not_take_a_trial_quantity_s_name() {
    let base = std::fs::read_to_string(crate::repo("tests/data/minimal.yaml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in alliance_sim::rules::compile::TRIAL_QUANTITIES.iter().map(|(n, ..)| *n) {
        let text = base.replace("    severity: {uniform", &format!("    {name}: 1\n    severity: {{uniform"));
        let path = dir.path().join("case.yaml");
        std::fs::write(&path, &text).unwrap();
        let out = crate::sim().args(["validate", path.to_str().unwrap()]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(&format!("'{name}' is a reserved name")), "{name}: {err}");
    }
}

/// `crisis.known` names variables and says `onset` or `after`; a variable
/// it leaves unmarked is warned about, with the line to add.
#[test]
fn crisis_known_is_checked_name_by_name() {
    let marks = |known: &str| load_minimal_with(&[("  variables:\n", &format!("  known: {known}\n  variables:\n"))]);
    let err = marks("{severty: onset, required: later}").expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("unknown crisis variable 'severty' in crisis.known"), "{text}");
    assert!(text.contains("did you mean 'severity'?"), "{text}");
    assert!(text.contains("crisis.known.required is 'later'") && text.contains("onset or after"), "{text}");
    assert!(err.diagnostics.iter().all(|d| d.line > 0 && d.column > 0), "{text}");
    let err = marks("[severity]").expect_err("refused");
    assert!(err.to_string().contains("crisis.known is a list"), "{err}");
    let loaded = marks("{required: after}").expect("loads with a warning");
    let joined: String = loaded.warnings.iter().map(|w| format!("{w}\n")).collect();
    assert!(joined.contains("crisis.known does not say when severity is known"), "{joined}");
    assert!(joined.contains("crisis.known: {severity: onset}"), "{joined}");
    let known: Vec<_> = loaded.scenario.variables.iter().map(|v| (v.name.as_str(), v.known)).collect();
    use alliance_sim::scenario::model::Known;
    assert_eq!(known, [("severity", Known::Onset), ("required", Known::After)]);
}
