//! Comparisons on common random numbers.

use alliance_sim::batch::run_range_lockstep;
use alliance_sim::stats::paired::Pairing;

use crate::{load, load_with, stdout_of};

fn line<'a>(
    lines: &'a [alliance_sim::stats::compare::DiffLine],
    item: &str,
) -> &'a alliance_sim::stats::paired::Difference {
    &lines.iter().find(|l| l.item == item).expect(item).difference
}

#[test]
fn a_scenario_against_itself_differs_in_nothing_and_flips_no_trial() {
    let a = load("tests/data/closed_form.yaml").scenario;
    let b = load("tests/data/closed_form.yaml").scenario;
    let pairing = Pairing::between(&a, &b);
    let lock = run_range_lockstep(&[&a, &b], std::slice::from_ref(&pairing), 5, 0, 40_000);
    let pair = &lock.pairs[0];
    assert!(pairing.notes.is_empty());
    for (m, sums) in pairing.measures.iter().zip(&pair.sums) {
        let d = sums.difference();
        if d.a.is_nan() {
            continue; // undefined on both sides (e.g. a member that never contributes)
        }
        assert_eq!((d.diff, d.se), (0.0, 0.0), "{} {}", m.item, m.measure);
        assert!(!d.excludes_zero);
    }
    let off_diagonal: u64 = (0..4)
        .flat_map(|i| (0..4).filter(move |&j| j != i).map(move |j| (i, j)))
        .map(|(i, j)| pair.transitions[i][j])
        .sum();
    assert_eq!(off_diagonal, 0);
    assert_eq!(lock.stats[0], lock.stats[1]);
}

#[test]
fn each_side_of_a_comparison_is_exactly_its_own_run() {
    let a = load("scenarios/kazakhstan-2022.yaml").scenario;
    let b = load("scenarios/armenia-2022.yaml").scenario;
    let pairing = Pairing::between(&a, &b);
    let lock = run_range_lockstep(&[&a, &b], &[pairing], 3, 0, 20_000);
    assert_eq!(lock.stats[0], alliance_sim::batch::run_range(&a, 3, 0, 20_000));
    assert_eq!(lock.stats[1], alliance_sim::batch::run_range(&b, 3, 0, 20_000));
}

#[test]
fn paired_difference_matches_the_closed_form_and_beats_the_unpaired_interval() {
    // P(request) 0.6 → 0.7: the difference is 0.1. On common random numbers
    // the request indicator differs only when u ∈ [0.6, 0.7), so the paired
    // variance is 0.1·0.9 instead of 0.6·0.4 + 0.7·0.3 unpaired.
    let a = load("tests/data/closed_form.yaml").scenario;
    let b = load_with("tests/data/closed_form.yaml", &["decisions.request=0.7"]).scenario;
    let n = 200_000u64;
    let pairing = Pairing::between(&a, &b);
    let lock = run_range_lockstep(&[&a, &b], std::slice::from_ref(&pairing), 11, 0, n);
    let lines: Vec<_> = alliance_sim::stats::compare::compare(vec![meta(&a, n), meta(&b, n)], &[pairing], &lock.pairs)
        .against
        .remove(0)
        .lines;
    let d = line(&lines, "request");
    let nf = n as f64;
    let closed_se = (0.1f64 * 0.9 / nf).sqrt();
    assert!((d.diff - 0.1).abs() < 5.0 * closed_se, "diff {} vs 0.1 (se {closed_se})", d.diff);
    assert!((d.se / closed_se - 1.0).abs() < 0.05, "paired se {} vs closed form {closed_se}", d.se);
    let unpaired = ((0.6f64 * 0.4 + 0.7 * 0.3) / nf).sqrt();
    assert!((d.unpaired_se / unpaired - 1.0).abs() < 0.05, "unpaired se {} vs {unpaired}", d.unpaired_se);
    assert!(d.se < 0.5 * d.unpaired_se);
    assert!(d.excludes_zero);
}

fn meta(s: &alliance_sim::scenario::Scenario, trials: u64) -> alliance_sim::stats::summary::Meta {
    alliance_sim::stats::summary::Meta::new(s, 11, trials, &[])
}

#[test]
fn compare_on_the_command_line_exports_csv_that_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let csv_path = dir.path().join("diff.csv");
    let json_path = dir.path().join("diff.json");
    let table = stdout_of(&[
        "compare",
        "kazakhstan-2022",
        "kazakhstan-2022",
        "--set-for",
        "2:members.russia.attributes.alignment=0.3",
        "-n",
        "30000",
        "--export-csv",
        csv_path.to_str().expect("path"),
        "--export-json",
        json_path.to_str().expect("path"),
    ]);
    assert!(table.contains("outcome class flipped"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("parse");
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let mut seen = 0;
    for record in reader.records() {
        let record = record.expect("record");
        if &record[2] != "funnel" {
            continue;
        }
        let json_line = json["against"][0]["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .find(|l| l["item"] == record[3])
            .expect("same line in JSON");
        let diff: f64 = record[7].parse().expect("diff");
        assert_eq!(diff, json_line["difference"]["diff"].as_f64().expect("diff"));
        seen += 1;
    }
    assert_eq!(seen, 5);
}

#[test]
fn set_for_a_scenario_that_is_not_there_is_bad_input() {
    let out = crate::sim()
        .args(["compare", "kazakhstan-2022", "armenia-2022", "--set-for", "3:run.seed=1"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only 2 are compared"));
}

#[test]
fn scenarios_that_draw_the_same_crisis_share_it_and_each_is_still_exactly_its_own_run() {
    let base = load("scenarios/kazakhstan-2022.yaml").scenario;
    let path = "scenarios/kazakhstan-2022.yaml";
    let variants = [
        // Nothing of the crisis changes: drawn once, copied.
        (load_with(path, &["alliance.pools.peacekeeping.cap=1500"]).scenario, true),
        (load_with(path, &["members.russia.attributes.alignment=0.5"]).scenario, true),
        (load_with(path, &["alliance.decision_rule=majority"]).scenario, true),
        // A distribution's parameter, a fixed variable: drawn anew.
        (load_with(path, &["crisis.variables.severity.beta.alpha=2"]).scenario, false),
        (load_with(path, &["crisis.variables.russia_distracted=true"]).scenario, false),
    ];
    for (variant, shares) in &variants {
        assert_eq!(variant.draws_the_same_crisis_as(&base), *shares, "{:?}", variant.hash);
    }
    // Only a change after the council lets the request and the votes be
    // copied too.
    let decides: Vec<bool> = variants.iter().map(|(v, _)| v.decides_the_same_as(&base)).collect();
    assert_eq!(decides, [true, false, false, false, false]);
    // A variable that reads the host's attribute is not shared even when
    // its program is the same text, since the attribute may differ.
    let reads_host = |alignment: &str| {
        load_with(
            "tests/data/minimal.yaml",
            &[
                "crisis.variables.loyal=host.alignment * uniform(0, 1)",
                &format!("members.h.attributes.alignment={alignment}"),
            ],
        )
        .scenario
    };
    assert!(!reads_host("0.8").draws_the_same_crisis_as(&reads_host("0.3")));

    let mut all: Vec<&alliance_sim::scenario::Scenario> = vec![&base];
    all.extend(variants.iter().map(|(v, _)| v));
    let pairings: Vec<Pairing> = all[1..].iter().map(|v| Pairing::between(&base, v)).collect();
    let lock = run_range_lockstep(&all, &pairings, 9, 0, 20_000);
    for (s, stats) in all.iter().zip(&lock.stats) {
        assert_eq!(*stats, alliance_sim::batch::run_range(s, 9, 0, 20_000), "{}", s.hash);
    }
}

#[test]
fn a_copied_request_and_council_count_their_rules_and_their_not_a_number() {
    // A request probability that is not a number in some trials (forced to
    // 0 and counted), a rule that fires in the council: a variant that
    // changes only a cap copies both stages and must count both as its own
    // run does.
    let overrides = ["decisions.request.base=if severity > 0.5 then ln(severity - 0.75) else 0.9"];
    let base = load_with("tests/data/minimal.yaml", &overrides).scenario;
    let capped = [&overrides[..], &["alliance.pools.small.cap=60"]].concat();
    let variant = load_with("tests/data/minimal.yaml", &capped).scenario;
    assert!(variant.decides_the_same_as(&base));
    let pairing = Pairing::between(&base, &variant);
    let lock = run_range_lockstep(&[&base, &variant], &[pairing], 4, 0, 20_000);
    let own = alliance_sim::batch::run_range(&variant, 4, 0, 20_000);
    assert_eq!(lock.stats[1], own);
    assert!(own.forced.iter().any(|&n| n > 0), "some trials met a request that is not a number");
    assert!(own.rule_fires.iter().any(|&n| n > 0));
}

/// The crisis's host asks for help and, by the CSTO's rules, sends none: in
/// a comparison of two crises with different hosts its line says "host",
/// not a 0% contributor, with no difference (issue #34; `run` said so
/// already), and the JSON and CSV say which side it is the host of.
#[test]
fn the_host_is_shown_as_the_host_not_as_a_member_that_never_contributes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (csv_path, json_path) = (dir.path().join("c.csv"), dir.path().join("c.json"));
    let table = stdout_of(&[
        "compare",
        "kazakhstan-2022",
        "kyrgyzstan-2010",
        "-n",
        "20000",
        "--export-csv",
        csv_path.to_str().expect("path"),
        "--export-json",
        json_path.to_str().expect("path"),
    ]);
    let row = |who: &str| {
        table
            .lines()
            .find(|l| l.contains(&format!("{who} contributes | deploy")))
            .unwrap_or_else(|| panic!("no line for {who}:\n{table}"))
            .to_string()
    };
    let kazakhstan = row("kazakhstan");
    let cells: Vec<&str> = kazakhstan.split(['│', '┆']).map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(cells[1], "host", "{kazakhstan}");
    assert!(cells[2].ends_with('%'), "{kazakhstan}");
    assert_eq!(&cells[3..], ["—", "—", "—", "—"], "{kazakhstan}");
    let kyrgyzstan = row("kyrgyzstan");
    let cells: Vec<&str> = kyrgyzstan.split(['│', '┆']).map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(cells[2], "host", "{kyrgyzstan}");
    assert!(!row("russia").contains("host"));

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).expect("json")).expect("parse");
    let lines = json["against"][0]["lines"].as_array().expect("lines");
    let host_of = |item: &str, measure: &str| {
        lines.iter().find(|l| l["item"] == item && l["measure"] == measure).expect("line")["host"].clone()
    };
    assert_eq!(host_of("kazakhstan", "contributes_given_deploy"), "baseline");
    assert_eq!(host_of("kyrgyzstan", "contributes_given_deploy"), "scenario");
    assert_eq!(host_of("russia", "contributes_given_deploy"), serde_json::Value::Null);
    assert_eq!(host_of("deploy", "probability"), serde_json::Value::Null);

    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    assert_eq!(reader.headers().expect("header").iter().next_back(), Some("host"));
    let hosts: Vec<(String, String)> = reader
        .records()
        .map(|r| r.expect("record"))
        .filter(|r| !r[15].is_empty())
        .map(|r| (r[3].to_string(), r[15].to_string()))
        .collect();
    assert!(hosts.contains(&("kazakhstan".into(), "baseline".into())), "{hosts:?}");
    assert!(hosts.contains(&("kyrgyzstan".into(), "scenario".into())), "{hosts:?}");
}
