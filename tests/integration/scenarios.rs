//! The shipped scenarios: each validates, and the numbers of one are pinned.

use crate::{load, repo};

#[test]
fn every_shipped_scenario_validates() {
    let mut count = 0;
    for dir in ["scenarios"] {
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
    assert!(count >= 5);
}

#[test]
fn extends_merges_maps_replaces_lists_and_deletes_nulls() {
    let s = load("scenarios/kyrgyzstan-2010.yaml").scenario;
    let pools: Vec<&str> = s.pools.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(pools, ["peacekeeping", "rapid_deployment"], "rapid_reaction deleted, rapid_deployment added");
    let russia = &s.members[s.member_index("russia").expect("russia")];
    assert_eq!(russia.lead_time, 0.5, "inherited from the base");
    assert_eq!(russia.pledges, [1800, 1200]);
    assert_eq!(s.members.len(), 7, "uzbekistan added");
    assert_eq!(s.contribution.order.len(), 7, "the order list was replaced");
    assert_eq!(s.members[s.chair].id, "russia");
}
