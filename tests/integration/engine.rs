//! The engine against values computed by hand, and invariants over many trials.

use alliance_sim::analysis;
use alliance_sim::batch::Plan;
use alliance_sim::engine::run_trial;
use alliance_sim::rng::TrialKeys;
use alliance_sim::rules::env::{Field, Frame, vote};
use alliance_sim::rules::ops::{MemberField, Op};
use alliance_sim::rules::ruleset::Silent;
use alliance_sim::scenario::model::{Scenario, Status, class};
use alliance_sim::stats::batch::BatchStats;

use crate::{load, load_with};

fn run(s: &Scenario, trials: u64, seed: u64) -> BatchStats {
    analysis::run_all(s, Plan { seed, start: 0, end: trials })
}

/// |estimate - truth| within 5 standard errors.
fn close(name: &str, estimate: f64, truth: f64, se: f64) {
    assert!((estimate - truth).abs() <= 5.0 * se, "{name}: {estimate} vs {truth} (5σ = {})", 5.0 * se);
}

fn prop_se(p: f64, n: u64) -> f64 {
    (p * (1.0 - p) / n as f64).sqrt()
}

#[test]
fn closed_form_probabilities_and_means_hold() {
    let s = load("tests/data/closed_form.yaml").scenario;
    let n = 200_000;
    for seed in [1, 2] {
        let st = run(&s, n, seed);
        // Three voting non-hosts, each blocking with P = (1 - 0.6) * 0.25 = 0.1.
        let p_pass = 0.9f64.powi(3);
        let p_deploy = 0.6 * p_pass;
        let p_non_military = 0.6 * (1.0 - p_pass) * 0.5;
        let [no_req, _refused, non_mil, deploy] = st.classes;
        close("P(request)", (n - no_req) as f64 / n as f64, 0.6, prop_se(0.6, n));
        close("P(deploy)", deploy as f64 / n as f64, p_deploy, prop_se(p_deploy, n));
        close("P(non_military)", non_mil as f64 / n as f64, p_non_military, prop_se(p_non_military, n));
        let invoked = p_deploy + p_non_military;
        close("P(invoked)", (non_mil + deploy) as f64 / n as f64, invoked, prop_se(invoked, n));
        // Contributions: a 0.5 × 100, b 0.8 × 200, c always 300; f frozen, h host.
        let mean = 0.5 * 100.0 + 0.8 * 200.0 + 300.0;
        let var = 0.25 * 100.0f64.powi(2) + 0.16 * 200.0f64.powi(2);
        close("mean deployed", st.deployed.mean(), mean, (var / deploy as f64).sqrt());
        for (m, p) in [(0, 0.5), (1, 0.8), (2, 1.0)] {
            let rate = st.members[m].contributed as f64 / deploy as f64;
            close("contribution rate", rate, p, prop_se(p, deploy).max(1e-9));
        }
        assert_eq!(st.members[3].contributed + st.members[3].support + st.members[3].block, 0, "frozen member acted");
        assert_eq!(st.members[4].contributed, 0, "host contributed to its own rescue");
        // Days: decision 2 + lead time; first arrival is always c or earlier.
        close("decision days", st.decision_days.mean(), 2.0, 1e-9);
    }
}

#[test]
fn invariants_hold_over_many_trials() {
    let loaded = load_with(
        "scenarios/kazakhstan-2022.yaml",
        &[
            "alliance.pools.peacekeeping.cap=900",
            "alliance.pools.rapid_reaction.cap=1000",
            "members.armenia.status=frozen",
        ],
    );
    let s = loaded.scenario;
    let armenia = s.member_index("armenia").expect("armenia");
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(9, 0);
    let mut trimmed = 0;
    for _ in 0..50_000 {
        run_trial(&s, keys.next_key(), &mut frame, &mut Silent);
        let class_now = frame.get(Field::Outcome) as u8;
        let deployed = frame.get(Field::Deployed);
        let sum: f64 = frame.committed.iter().sum();
        assert_eq!(sum, deployed, "sum of contributions = deployed");
        if class_now == class::DEPLOY {
            assert!(deployed <= frame.get(Field::PoolCap), "deployed above the cap");
            if frame.get(Field::Trimmed) > 0.0 {
                trimmed += 1;
            }
            for (m, member) in s.members.iter().enumerate() {
                assert!(frame.committed[m] <= member.pledges[frame.pool] as f64, "above the pledge");
            }
        } else {
            assert_eq!(deployed, 0.0, "deployment without a deploy decision");
        }
        if frame.get(Field::Requested) == 0.0 {
            assert_eq!(class_now, class::NO_REQUEST);
            assert!(frame.votes.iter().all(|v| *v == vote::NONE), "votes without a request");
        }
        assert_eq!(s.members[armenia].status, Status::Frozen);
        assert_eq!(frame.votes[armenia], vote::NONE, "frozen member voted");
        assert_eq!(frame.committed[armenia], 0.0, "frozen member contributed");
    }
    assert!(trimmed > 0, "the test should exercise trimming");
}

#[test]
fn changing_one_members_rules_leaves_other_draws_unchanged() {
    // Common random numbers: Belarus's vote depends only on its own stream,
    // so changing Armenia's attributes leaves every Belarus vote as it was.
    let base = load("scenarios/kazakhstan-2022.yaml").scenario;
    let changed = load_with("scenarios/kazakhstan-2022.yaml", &["members.armenia.attributes.alignment=0.1"]).scenario;
    let belarus = base.member_index("belarus").expect("belarus");
    let (mut fa, mut fb) = (Frame::new(base.n_slots(), 6), Frame::new(changed.n_slots(), 6));
    let mut keys = TrialKeys::starting_at(5, 0);
    let mut differing_armenia = 0;
    for _ in 0..5_000 {
        let key = keys.next_key();
        run_trial(&base, key, &mut fa, &mut Silent);
        run_trial(&changed, key, &mut fb, &mut Silent);
        assert_eq!(fa.votes[belarus], fb.votes[belarus]);
        assert_eq!(fa.vars[..5], fb.vars[..5]);
        differing_armenia += usize::from(fa.votes[3] != fb.votes[3]);
    }
    assert!(differing_armenia > 0);
}

#[test]
fn the_pool_choice_draws_independently_of_the_need() {
    // Need and choice share the pool stream; each must get its own numbers.
    // With a need uniform on [0, 1000) and a fair coin for the pool, the
    // share of "only" choices among needs below 500 is 1/2.
    let s = load_with(
        "tests/data/closed_form.yaml",
        &[
            "alliance.pools.other={cap: 10000}",
            "decisions.pool.need=uniform(0, 1000)",
            "decisions.pool.choose='if uniform(0, 1) < 0.5 then \"only\" else \"other\"'",
        ],
    )
    .scenario;
    let only = s.pools.iter().position(|p| p.id == "only").expect("pool");
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(3, 0);
    let (mut small, mut small_only) = (0u64, 0u64);
    for _ in 0..40_000 {
        run_trial(&s, keys.next_key(), &mut frame, &mut Silent);
        if frame.get(Field::Outcome) as u8 == class::DEPLOY && frame.get(Field::Need) <= 500.0 {
            small += 1;
            small_only += u64::from(frame.pool == only);
        }
    }
    close("P(only | small need)", small_only as f64 / small as f64, 0.5, prop_se(0.5, small));
}

/// Records what the engine reports (the interface `explain` will narrate).
#[derive(Default)]
struct Recorder {
    fired: Vec<(u16, usize)>,
    events: Vec<alliance_sim::engine::Event>,
}

impl alliance_sim::rules::ruleset::Observer for Recorder {
    fn fired(&mut self, rule: alliance_sim::rules::ruleset::RuleId, member: usize, _: f64, _: f64) {
        self.fired.push((rule.0, member));
    }
}

impl alliance_sim::engine::Trace for Recorder {
    fn event(&mut self, event: alliance_sim::engine::Event) {
        self.events.push(event);
    }
}

#[test]
fn the_trace_tells_the_same_story_as_the_trial() {
    use alliance_sim::engine::Event;
    let s = load_with("scenarios/kazakhstan-2022.yaml", &["alliance.pools.peacekeeping.cap=900"]).scenario;
    let mut frame = Frame::new(s.n_slots(), s.members.len());
    let mut keys = TrialKeys::starting_at(21, 0);
    for _ in 0..2_000 {
        let mut rec = Recorder::default();
        run_trial(&s, keys.next_key(), &mut frame, &mut rec);
        let (mut committed, mut trimmed) = (0.0, 0.0);
        for e in &rec.events {
            match e {
                Event::Vote { member, vote, .. } => assert_eq!(frame.votes[*member], *vote),
                Event::Contribution { personnel, .. } => committed += personnel,
                Event::Trim { removed, .. } => trimmed += removed,
                Event::Request { requested, .. } => assert_eq!(*requested, frame.get(Field::Requested) == 1.0),
                _ => {}
            }
        }
        assert_eq!(committed - trimmed, frame.get(Field::Deployed));
        assert_eq!(trimmed, frame.get(Field::Trimmed));
        let variables = rec.events.iter().filter(|e| matches!(e, Event::Variable { .. })).count();
        assert_eq!(variables, s.variables.len());
        assert!(rec.fired.iter().all(|(rule, member)| usize::from(*rule) < s.rules.len() && *member < s.members.len()));
    }
}

#[test]
fn specialising_rule_sets_changes_no_result() {
    use alliance_sim::scenario::{Source, bundled, load as load_source, load_unspecialised};
    for (name, _) in bundled::list() {
        let source = Source::Bundled(name.to_string());
        let plain = load_unspecialised(&source, &[]).expect("loads").scenario;
        let fast = load_source(&source, &[]).expect("loads").scenario;
        // Russia (member 0) cannot fire most contribution rules (it flies
        // itself, needs no parliament, is the lead nation): they are dropped.
        let n_rules = |s: &Scenario| s.contribution.probability.in_pool(0, 0).rules.len();
        assert!(n_rules(&fast) < n_rules(&plain), "{name}: nothing was specialised");
        // Per pool, `member.pledge` and `pool_cap` are constants.
        let reads_pool = |p: &alliance_sim::rules::program::Program| {
            p.ops()
                .iter()
                .any(|op| matches!(op, Op::Field(Field::PoolCap | Field::Pool) | Op::Member(MemberField::PledgeChosen)))
        };
        for m in 0..fast.members.len() {
            for pool in 0..fast.pools.len() {
                let set = fast.contribution.personnel.in_pool(m, pool);
                assert!(!reads_pool(&set.base), "{name}: base of {m} in {pool}");
                assert!(!set.rules.iter().any(|r| reads_pool(&r.when)), "{name}: a rule of {m} in {pool}");
            }
        }
        assert_eq!(run(&plain, 30_000, 8), run(&fast, 30_000, 8), "{name}");
    }
}

/// Every number of a frame, bit for bit (NaN as its bits), for comparing
/// the two engines' trials.
fn bits(f: &Frame) -> Vec<u64> {
    let numbers = f.vars.iter().chain(&f.fields).chain(&f.committed).chain(&f.arrival).map(|x| x.to_bits());
    let codes = f.votes.iter().map(|&v| u64::from(v));
    numbers.chain(codes).chain([f.pool as u64, u64::from(f.forced)]).collect()
}

/// The block engine leaves every lane in exactly the state the scalar
/// engine leaves its trial, and counts the same rule firings: for every
/// bundled scenario (as run, and without specialisation, so that member
/// lists and scopes are evaluated), and a scenario that takes every branch
/// (tests/data/every_branch.yaml); scenarios with correlated variables are
/// not run in blocks. 1,300 trials each: twenty full blocks
/// and a partial one, starting mid-stream. The statistics folded a block at
/// a time equal those folded trial by trial.
#[test]
fn the_block_engine_runs_every_trial_as_the_scalar_engine_does() {
    use alliance_sim::engine::block::{run_block, supports};
    use alliance_sim::rng::TrialKey;
    use alliance_sim::rules::env::{Block, LANES};
    use alliance_sim::rules::lanes::first_lanes;
    use alliance_sim::rules::ruleset::FireCounter;
    use alliance_sim::scenario::{Source, bundled, load as load_source, load_unspecialised};

    let mut cases: Vec<(String, Scenario)> = Vec::new();
    for (name, _) in bundled::list() {
        let source = Source::Bundled(name.to_string());
        cases.push((name.to_string(), load_source(&source, &[]).expect("loads").scenario));
        cases.push((format!("{name} (unspecialised)"), load_unspecialised(&source, &[]).expect("loads").scenario));
    }
    cases.push(("every_branch".into(), load("tests/data/every_branch.yaml").scenario));
    let (first, trials) = (1_000_003u64, 1_300usize);
    // Correlated variables are drawn one trial at a time (the scalar engine).
    assert!(cases.iter().filter(|(_, s)| s.correlation.is_some()).count() >= 1, "a correlated scenario is bundled");
    for (name, s) in cases.iter().filter(|(_, s)| supports(s)) {
        let mut keys = TrialKeys::starting_at(7, first);
        let keys: Vec<TrialKey> = (0..trials).map(|_| keys.next_key()).collect();
        let (mut scalar_fires, mut block_fires) = (vec![0u64; s.rules.len()], vec![0u64; s.rules.len()]);
        let mut frame = Frame::new(s.n_slots(), s.members.len());
        let mut lane = frame.clone();
        let mut block = Block::new(s.n_slots(), s.members.len());
        let (mut scalar_stats, mut block_stats) = (BatchStats::new(s), BatchStats::new(s));
        for (b, chunk) in keys.chunks(LANES).enumerate() {
            let mut lanes = [TrialKey(0, 0); LANES];
            lanes[..chunk.len()].copy_from_slice(chunk);
            run_block(s, &lanes, first_lanes(chunk.len()), &mut block, &mut block_fires);
            block_stats.fold_block(s, &block, first_lanes(chunk.len()));
            for (i, key) in chunk.iter().enumerate() {
                run_trial(s, *key, &mut frame, &mut FireCounter::new(&mut scalar_fires));
                scalar_stats.fold(s, &frame);
                block.copy_to(i, &mut lane);
                assert_eq!(
                    bits(&lane),
                    bits(&frame),
                    "{name}: trial {} differs:\nblock  {lane:?}\nscalar {frame:?}",
                    b * LANES + i
                );
            }
        }
        assert_eq!(block_fires, scalar_fires, "{name}: rule firings");
        assert_eq!(block_stats, scalar_stats, "{name}: a block folded at once, trial by trial");
    }
}
