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

#[test]
fn analysis_args_regressions() {
    replay("analysis_args", alliance_sim_fuzz::analysis_args);
}

/// The seeds of the analysis target, each with a stop at every instant
/// from the first progress report to the fifth (and never): no panic.
#[test]
fn analysis_args_seeds_at_every_stop() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join("analysis_args");
    for entry in std::fs::read_dir(&dir).expect("seeds") {
        let mut data = std::fs::read(entry.expect("entry").path()).expect("read");
        for stop in [1u8, 2, 3, 5, 255] {
            data[1] = stop;
            alliance_sim_fuzz::analysis_args(&data);
        }
    }
}
