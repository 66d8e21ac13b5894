//! The library stands without the command line: analyses are plain
//! functions of plans, watched through a `Monitor`, and give what the CLI
//! prints for the same plan.

use std::sync::atomic::{AtomicBool, Ordering};

use alliance_sim::analysis::{self, ComparePlan, Monitor, SensitivityPlan, SweepPlan};
use alliance_sim::report::sensitivity::Tornado;
use alliance_sim::report::{Format, Render};
use alliance_sim::scenario::Source;

use crate::stdout_of;

fn bundled(name: &str) -> Source {
    Source::Bundled(name.to_string())
}

#[test]
fn a_sensitivity_plan_gives_the_cli_s_json() {
    let plan = SensitivityPlan {
        source: bundled("armenia-2022"),
        overrides: Vec::new(),
        metric: "deploy".into(),
        fraction: 0.2,
        inputs: vec!["decisions.request.base".into(), "members.russia.attributes.alignment".into()],
        trials: 4000,
        seed: Some(9),
    };
    let mut warnings = Vec::new();
    let monitor = Monitor::quiet().on_warning(|w| warnings.push(w.to_string()));
    let finished = analysis::sensitivity(&plan, monitor).expect("runs");
    let cli = stdout_of(&[
        "sensitivity",
        "armenia-2022",
        "--metric",
        "deploy",
        "--fraction",
        "0.2",
        "--input",
        "decisions.request.base",
        "--input",
        "members.russia.attributes.alignment",
        "-n",
        "4000",
        "--seed",
        "9",
        "--format",
        "json",
    ]);
    assert_eq!(Tornado { result: &finished, top: 12 }.render(Format::Json, false), cli);
}

#[test]
fn a_sweep_and_a_comparison_run_from_plans() {
    let vary = "members.russia.status=active,frozen".parse().expect("vary");
    let plan = SweepPlan {
        source: bundled("kazakhstan-2022"),
        overrides: Vec::new(),
        vary: vec![vary],
        trials: Some(3000),
        seed: Some(4),
        sample: None,
    };
    let sweep = analysis::sweep(&plan, Monitor::quiet()).expect("runs");
    let cli = stdout_of(&[
        "sweep",
        "kazakhstan-2022",
        "--vary",
        "members.russia.status=active,frozen",
        "-n",
        "3000",
        "--seed",
        "4",
        "--format",
        "json",
    ]);
    assert_eq!(sweep.render(Format::Json, false), cli);

    let plan = ComparePlan {
        scenarios: vec![(bundled("kazakhstan-2022"), Vec::new()), (bundled("what-if/armenia-frozen"), Vec::new())],
        trials: Some(3000),
        seed: Some(4),
    };
    let compared = analysis::compare(&plan, Monitor::quiet()).expect("runs");
    let cli = stdout_of(&[
        "compare",
        "kazakhstan-2022",
        "what-if/armenia-frozen",
        "-n",
        "3000",
        "--seed",
        "4",
        "--format",
        "json",
    ]);
    assert!(compared.comparison().render(Format::Json, false) == cli, "the comparison differs from the CLI's");
}

#[test]
fn a_raised_cancel_flag_stops_at_a_wave_and_keeps_nothing() {
    let plan = SweepPlan {
        source: bundled("kazakhstan-2022"),
        overrides: Vec::new(),
        vary: vec!["alliance.pools.peacekeeping.cap=2000,3600".parse().expect("vary")],
        trials: Some(10_000_000),
        seed: Some(1),
        sample: None,
    };
    let cancel = AtomicBool::new(false);
    let mut calls = 0u64;
    let monitor = Monitor::new(&cancel, |done, work| {
        calls += 1;
        assert_eq!(work, 20_000_000, "scenario-trials: two points");
        if done > 0 {
            cancel.store(true, Ordering::Relaxed);
        }
    });
    let stopped = analysis::sweep(&plan, monitor);
    assert!(calls > 0);
    assert!(matches!(stopped, Err(analysis::AnalysisError::Interrupted(_))), "{stopped:?}");
}

/// One `Prepared` serves many loads, each as if the files were read afresh:
/// nothing of one load's overrides, diagnostics or hash leaks into the next.
#[test]
fn a_prepared_scenario_loads_each_override_set_as_a_fresh_load_would() {
    use alliance_sim::scenario::{self, Override, Prepared};
    let source = Source::resolve("what-if/russia-committed-elsewhere");
    let prepared = Prepared::read(&source);
    let sets: Vec<Vec<Override>> = [
        vec![],
        vec!["members.russia.attributes.alignment=0.4"],
        vec!["members.russia.attributes.nope=1"],
        vec!["alliance.pools.peacekeeping.cap=-5"],
        vec!["members.russia.attributes.alignment=0.4"],
    ]
    .iter()
    .map(|set| set.iter().map(|o| o.parse().expect("override")).collect())
    .collect();
    for overrides in &sets {
        let shown = |r: Result<scenario::Loaded, scenario::LoadError>| match r {
            Ok(l) => {
                format!("ok {} {:?}", l.scenario.hash, l.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>())
            }
            Err(e) => format!("error {e}"),
        };
        assert_eq!(shown(prepared.load(overrides)), shown(scenario::load(&source, overrides)), "{overrides:?}");
    }
}
