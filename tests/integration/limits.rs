//! Every limit, at its bound (accepted) and one beyond (refused with a
//! clear message), plus numbers that overflow in a trial.

use alliance_sim::scenario::{self, Source};

use crate::{repo, sim};

fn minimal() -> String {
    std::fs::read_to_string(repo("tests/data/minimal.yaml")).expect("minimal")
}

/// Loads scenario text; Ok(()) or the first error's message.
fn load_text(text: &str) -> Result<(), String> {
    let source = Source::Text { name: "limits.yaml".into(), text: text.to_string() };
    scenario::load(&source, &[]).map(|_| ()).map_err(|e| {
        let errors = e.diagnostics.iter().filter(|d| d.severity == alliance_sim::scenario::Severity::Error);
        errors.map(|d| d.message.clone()).collect::<Vec<_>>().join("\n")
    })
}

fn with_members(n: usize) -> String {
    let extra: String =
        (0..n - 3).map(|i| format!("  m{i}: {{attributes: {{alignment: 0.5, needs_parliament: false}}}}\n")).collect();
    minimal().replacen("crisis:\n", &format!("{extra}crisis:\n"), 1)
}

fn with_variables(n: usize) -> String {
    let extra: String = (0..n - 2).map(|i| format!("    v{i}: {i}\n")).collect();
    minimal().replacen("decisions:\n", &format!("{extra}decisions:\n"), 1)
}

fn with_rules(n: usize) -> String {
    let extra: String =
        (0..n - 1).map(|i| format!("      - {{when: severity > 0.{i}, add: 0, because: r{i}}}\n")).collect();
    minimal().replacen("  pool:\n", &format!("{extra}  pool:\n"), 1)
}

fn with_expression(expr: &str) -> String {
    minimal().replacen("coverage: if need > 0 then deployed / need else 1", &format!("coverage: '{expr}'"), 1)
}

#[test]
fn counts_are_accepted_at_their_limit_and_refused_beyond() {
    use alliance_sim::scenario::model::limits;
    assert_eq!(load_text(&with_members(limits::MEMBERS)), Ok(()));
    assert!(load_text(&with_members(limits::MEMBERS + 1)).unwrap_err().contains("65 members"));
    assert_eq!(load_text(&with_variables(limits::VARIABLES)), Ok(()));
    assert!(load_text(&with_variables(limits::VARIABLES + 1)).unwrap_err().contains("257"));
    assert_eq!(load_text(&with_rules(limits::RULES)), Ok(()));
    assert!(load_text(&with_rules(limits::RULES + 1)).unwrap_err().contains("2049"));
}

#[test]
fn expressions_are_limited_in_length_and_depth() {
    use alliance_sim::rules::parser::{MAX_EXPR_BYTES, MAX_EXPR_DEPTH};
    let long = |n: usize| format!("1{}", "+1".repeat((n - 1) / 2));
    assert_eq!(long(MAX_EXPR_BYTES).len(), MAX_EXPR_BYTES - 1);
    assert_eq!(load_text(&with_expression(&long(MAX_EXPR_BYTES))), Ok(()));
    let over = format!("{} ", long(MAX_EXPR_BYTES)) + "+1";
    assert!(load_text(&with_expression(&over)).unwrap_err().contains("more than the limit of 4096"));
    let nested = |d: usize| format!("{}1{}", "(".repeat(d), ")".repeat(d));
    // The top level and 63 parentheses make 64 levels.
    assert_eq!(load_text(&with_expression(&nested(MAX_EXPR_DEPTH - 1))), Ok(()));
    assert!(load_text(&with_expression(&nested(MAX_EXPR_DEPTH))).unwrap_err().contains("more than 64 levels deep"));
}

#[test]
fn extends_chains_are_limited() {
    use alliance_sim::scenario::model::limits::EXTENDS_CHAIN;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("f0.yaml"), minimal()).expect("write");
    for i in 1..=EXTENDS_CHAIN {
        std::fs::write(dir.path().join(format!("f{i}.yaml")), format!("extends: f{}.yaml\nname: level {i}\n", i - 1))
            .expect("write");
    }
    let load = |i: usize| scenario::load(&Source::File(dir.path().join(format!("f{i}.yaml"))), &[]);
    assert!(load(EXTENDS_CHAIN - 1).is_ok(), "a chain of {EXTENDS_CHAIN} files loads");
    let err = load(EXTENDS_CHAIN).expect_err("one more is refused");
    assert!(err.to_string().contains("longer than 16 files"), "{err}");
}

#[test]
fn files_larger_than_the_limit_are_refused() {
    use alliance_sim::scenario::tree::MAX_FILE_BYTES;
    let mut text = minimal();
    text.push_str(&format!("# {}\n", "x".repeat(MAX_FILE_BYTES)));
    assert!(load_text(&text).unwrap_err().contains("bytes"));
}

#[test]
fn an_overflowing_personnel_draw_is_clamped_to_the_pledge() {
    // lognormal(700, 1) is about 1e304: clamped to the member's pledge, then
    // to the pool's cap; the statistics stay finite and exact.
    let text = minimal().replacen("personnel: member.pledge", "personnel: lognormal(700, 1)", 1);
    let source = Source::Text { name: "overflow.yaml".into(), text };
    let s = scenario::load(&source, &[]).expect("loads").scenario;
    let stats = alliance_sim::batch::run_range(&s, 1, 0, 5000);
    assert!(stats.deployed.n > 0);
    assert!(stats.deployed.max <= 1000, "deployed {} above the largest cap", stats.deployed.max);
    for m in &stats.members {
        assert!(m.personnel <= 500 * u128::from(stats.deployed.n), "a member sent more than its pledge");
    }
}

#[test]
fn the_largest_trial_count_is_accepted_and_its_cost_reported() {
    let out = sim()
        .args(["run", "kazakhstan-2022", "-n", "18446744073709551615", "--precision", "0.0007", "--format", "json"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("18446744073709551615 trials at about") && stderr.contains("years"), "{stderr}");
    let out = sim().args(["run", "-n", "18446744073709551616"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2), "2^64 does not fit and is refused as bad input");
}
