//! Every input a fuzz target ever failed on, replayed (fuzz/regressions/TARGET/*).

fn replay(target: &str, check: fn(&[u8])) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("regressions").join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else { return };
    for entry in entries {
        let path = entry.expect("entry").path();
        check(&std::fs::read(&path).expect("read"));
    }
}

#[test]
fn load_scenario_regressions() {
    replay("load_scenario", alliance_sim_fuzz::load_scenario);
}

#[test]
fn expression_regressions() {
    replay("expression", alliance_sim_fuzz::expression);
}

#[test]
fn eval_differential_regressions() {
    replay("eval_differential", alliance_sim_fuzz::eval_differential);
}

#[test]
fn merge_part_regressions() {
    replay("merge_part", alliance_sim_fuzz::merge_part);
}

#[test]
fn cli_args_regressions() {
    replay("cli_args", alliance_sim_fuzz::cli_args);
}
