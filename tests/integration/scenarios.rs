//! The shipped scenarios: each validates, and the numbers of one are pinned.

use alliance_sim::batch::run_range_lockstep;
use alliance_sim::stats::paired::{Difference, Pairing};

use crate::{load, repo};

#[test]
fn every_shipped_scenario_validates() {
    let mut count = 0;
    for dir in ["scenarios", "scenarios/what-if"] {
        for entry in std::fs::read_dir(repo(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let rel = path.strip_prefix(repo("")).expect("rel").display().to_string();
                let loaded = load(&rel);
                assert!(loaded.warnings.is_empty(), "{rel}: {:?}", loaded.warnings);
                count += 1;
            }
        }
    }
    assert!(count >= 5 + 5);
}

#[test]
fn extends_merges_maps_replaces_lists_and_deletes_nulls() {
    let s = load("scenarios/kyrgyzstan-2010.yaml").scenario;
    let pools: Vec<&str> = s.pools.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(pools, ["peacekeeping", "rapid_deployment"], "rapid_reaction deleted, rapid_deployment added");
    let russia = &s.members[s.member_index("russia").expect("russia")];
    assert_eq!(russia.lead_time, 0.25, "inherited from the base");
    assert_eq!(russia.pledges, [1800, 1200]);
    assert_eq!(s.members.len(), 7, "uzbekistan added");
    assert_eq!(s.contribution.order.len(), 7, "the order list was replaced");
    assert_eq!(s.members[s.chair].id, "russia");
}

/// The paired differences (what-if − base) of every shared quantity, by name.
fn what_if_against_base(what_if: &str, base: &str) -> impl Fn(&str) -> Difference {
    let a = load(base).scenario;
    let b = load(&format!("scenarios/what-if/{what_if}.yaml")).scenario;
    assert!(b.observed.is_none(), "{what_if} is a counterfactual and must not carry history");
    let pairing = Pairing::between(&a, &b);
    let lock = run_range_lockstep(&[&a, &b], std::slice::from_ref(&pairing), 1, 0, 60_000);
    let diffs: Vec<(String, Difference)> =
        pairing.measures.iter().zip(&lock.pairs[0].sums).map(|(m, s)| (m.name(), s.difference())).collect();
    move |name| diffs.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no {name}")).1
}

/// Asserts the 95% interval lies wholly above (sign 1) or below (−1) zero.
fn moves(d: Difference, sign: f64, what: &str) {
    assert!(
        sign * d.lo > 0.0 && sign * d.hi > 0.0,
        "{what}: {:+} [{:+}, {:+}] should be {}",
        d.diff,
        d.lo,
        d.hi,
        if sign > 0.0 { "> 0" } else { "< 0" }
    );
}

#[test]
fn each_what_if_moves_its_base_the_way_its_comment_says() {
    let base = "scenarios/kazakhstan-2022.yaml";
    let d = what_if_against_base("armenia-frozen", base);
    assert_eq!(d("armenia.contributes").b, 0.0);
    // The others are sized to the need, so they cover Armenia's share.
    moves(d("deployed"), 1.0, "armenia-frozen: deployed per trial");
    moves(d("deploy"), 1.0, "armenia-frozen: P(deploy)");

    let d = what_if_against_base("russia-committed-elsewhere", base);
    moves(d("deployed"), -1.0, "russia-committed-elsewhere: deployed");
    moves(d("shortfall"), 1.0, "russia-committed-elsewhere: shortfall");

    let d = what_if_against_base("purely-internal", base);
    moves(d("request"), -1.0, "purely-internal: P(request)");
    moves(d("deploy"), -1.0, "purely-internal: P(deploy)");
    moves(d("refused"), 1.0, "purely-internal: P(refused)");

    let d = what_if_against_base("crisis-twice-as-large", base);
    moves(d("need"), 1.0, "crisis-twice-as-large: need");
    moves(d("deployed_given_deploy"), 1.0, "crisis-twice-as-large: deployed | deploy");

    let d = what_if_against_base("peacekeeping-enlarged", "scenarios/what-if/crisis-twice-as-large.yaml");
    moves(d("shortfall"), 1.0, "peacekeeping-enlarged: shortfall");
    moves(d("deployed_given_deploy"), -1.0, "peacekeeping-enlarged: deployed | deploy");

    let d = what_if_against_base("kazakhstan-chair", base);
    for name in ["request", "deploy", "deployed", "shortfall", "first_arrival"] {
        assert_eq!(d(name).diff, 0.0, "kazakhstan-chair: {name} should not move");
    }
}

/// Every file under `dir` (recursively) whose name ends in `ext`.
fn files_under(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// A reader can follow every citation: the scenarios and the model card cite
/// `docs/sources.md` (in the repository) by section, and every section they
/// name is one of its headings (#34).
#[test]
fn every_cited_source_section_is_in_docs_sources() {
    let sources = std::fs::read_to_string(repo("docs/sources.md")).expect("docs/sources.md");
    let sections: Vec<String> = sources
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        .filter_map(|l| l.split_whitespace().nth(1).map(|n| n.trim_end_matches('.').to_string()))
        .collect();
    let mut files = Vec::new();
    files_under(&repo("scenarios"), "yaml", &mut files);
    files.push(repo("docs/model-card.md"));
    let mut cited = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        assert!(
            !text.contains("csto-facts"),
            "{}: cites csto-facts.md, which is not in the repository",
            path.display()
        );
        for (_, after) in text.match_indices("docs/sources.md §").map(|(i, m)| text.split_at(i + m.len())) {
            // "§3.1, §4.2": the first section and any that follow in the list.
            let list: String = after.chars().take_while(|c| !matches!(c, ')' | '\n' | ':' | ';')).collect();
            for section in list.split('§') {
                let section: String = section.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                let section = section.trim_end_matches('.');
                if section.is_empty() {
                    continue;
                }
                assert!(
                    sections.iter().any(|s| s == section),
                    "{} cites docs/sources.md §{section}, which has no such section (it has {sections:?})",
                    path.display()
                );
                cited += 1;
            }
        }
    }
    assert!(cited > 25, "only {cited} citations found: the search is broken");
}
