//! Behaviour is kept through restructuring: every bundled scenario's JSON
//! summary (two seeds), a typed CSV, a comparison, a sweep, a tornado, an
//! explained trial, per-trial records and the HTML report hash to the
//! digests in `tests/data/golden.sha256`; so do the terminal tables and
//! Markdown (at full width: `COLUMNS` is unset).
//!
//! These are the program's own earlier outputs, on purpose: a refactoring
//! must not move a byte. The numbers themselves are checked independently
//! elsewhere (closed forms, the NumPy reference). A change that is meant to
//! alter results (new random streams, a model change) regenerates the file
//! with `ALLIANCE_SIM_BLESS=1 cargo test --release golden` and says so in
//! CHANGELOG.md under "Reproducibility-breaking changes".

use sha2::{Digest, Sha256};

use crate::{repo, sim};

/// Every command whose output is pinned, as its arguments.
fn commands() -> Vec<Vec<String>> {
    let listed = crate::stdout_of(&["list"]);
    let names: Vec<&str> = listed.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.len() >= 11, "bundled scenarios: {names:?}");
    let mut commands: Vec<Vec<String>> = Vec::new();
    for name in &names {
        for seed in ["1", "2022"] {
            commands.push(words(&format!("run {name} --trials 20000 --seed {seed} --format json")));
        }
    }
    for line in [
        "run kazakhstan-2022 --trials 20000 --format csv",
        "run kyrgyzstan-2010 --trials 20000",
        "run armenia-2022 --trials 20000 --format markdown",
        "compare kazakhstan-2022 what-if/kazakhstan-chair --trials 20000",
        "run armenia-2022 --trials 300 --seed 5 --trials-out -",
        "compare kazakhstan-2022 what-if/russia-committed-elsewhere what-if/armenia-frozen --trials 20000 --format json",
        "sweep kazakhstan-2022 --vary members.russia.attributes.alignment=0.3:0.95:4 --trials 5000 --format json",
        "sweep armenia-2022 --vary members.russia.status=active,frozen --trials 5000 --format csv",
        "sensitivity kazakhstan-2022 --metric deployed --trials 3000 --format json",
        "explain kazakhstan-2022 --trial 17 --format json",
        "explain armenia-2022 --find outcome==\"non_military\" --seed 7",
        "report kyrgyzstan-2010 --trials 5000 --compare what-if/purely-internal --sensitivity deploy -o -",
    ] {
        commands.push(words(line));
    }
    commands
}

fn words(line: &str) -> Vec<String> {
    line.split(' ').map(str::to_string).collect()
}

/// The digest of a command's stdout, with the tool's version blanked so a
/// release does not move it.
fn digest(args: &[String]) -> String {
    let out = sim().args(args).output().expect("run");
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let text = text.replace(env!("CARGO_PKG_VERSION"), "VERSION");
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

#[test]
fn outputs_are_byte_identical_to_the_pinned_digests() {
    let path = repo("tests/data/golden.sha256");
    let lines: Vec<String> = commands().iter().map(|args| format!("{}  {}", digest(args), args.join(" "))).collect();
    let now = lines.join("\n") + "\n";
    if std::env::var_os("ALLIANCE_SIM_BLESS").is_some() {
        std::fs::write(&path, &now).expect("write digests");
        return;
    }
    let pinned = std::fs::read_to_string(&path).expect("tests/data/golden.sha256 (bless to create)");
    // Matched by command, so that a new bundled scenario shows as new
    // rather than shifting every later line into "changed".
    let command = |line: &str| line.split_once("  ").map_or(line, |(_, c)| c).to_string();
    let before: std::collections::BTreeMap<String, &str> = pinned.lines().map(|l| (command(l), l)).collect();
    let after: std::collections::BTreeMap<String, &str> = now.lines().map(|l| (command(l), l)).collect();
    let mut report = Vec::new();
    for (cmd, line) in &after {
        match before.get(cmd) {
            Some(old) if old == line => {}
            Some(_) => report.push(format!("changed: {line}")),
            None => report.push(format!("new:     {line}")),
        }
    }
    report.extend(before.keys().filter(|c| !after.contains_key(*c)).map(|c| format!("gone:    {c}")));
    assert!(
        report.is_empty(),
        "outputs changed (if on purpose, bless and record it in CHANGELOG.md):\n{}",
        report.join("\n")
    );
}
