//! The block engine: [`LANES`] trials at once, stage by stage (issue #17).
//!
//! [`run_trial`](super::run_trial) takes one trial through every stage;
//! [`run_block`] takes a block of trials through one stage at a time, each
//! rule applied to the whole block in one lane-wise call (`rules::lanes`),
//! so that the cost of walking the scenario's rules is paid once per block
//! and the arithmetic runs in vector registers. Random numbers are not
//! shared between lanes: each lane draws from its own trial's streams,
//! keyed as the scalar engine keys them.
//!
//! # Invariant
//!
//! Every lane ends in exactly the state [`run_trial`](super::run_trial)
//! leaves for its trial key, bit for bit, and the rule firings add up to
//! the scalar engine's; a differential test (tests/integration/engine.rs)
//! checks both for every bundled scenario and a scenario that takes every
//! branch. Batches, lockstep runs and `bench --stages` use this engine;
//! the scalar engine stays for `explain`, which follows one trial, and for
//! scenarios with `crisis.correlate`.

use super::{Stage, Tally, forced, forced_into, passes, whole_need};
use crate::dist;
use crate::rng::{StreamKey, SubStream, TrialKey};
use crate::rules::env::{Block, Field, LANES, LaneEnv, Lanes, Mask, vote};
use crate::rules::lanes::{Streams, each_lane, lanes_where};
use crate::rules::ruleset::{LaneCounter, RuleSet};
use crate::scenario::model::{Distribution, Scenario, Status, class, limits};

/// Whether `s` runs on the block engine (it draws correlated variables
/// through their scores one trial at a time).
pub fn supports(s: &Scenario) -> bool {
    s.correlation.is_none()
}

/// Where a block starts when scenarios run in lockstep on the same keys
/// (the block form of [`Start`](super::Start)).
#[derive(Debug, Clone, Copy)]
pub enum BlockStart<'a> {
    /// Draw and decide everything.
    Fresh,
    /// Copy the crisis variables from this block, run on the same keys by a
    /// scenario this one `draws_the_same_crisis_as`.
    Crisis(&'a Block),
    /// Copy the crisis, the request and the council's result from this
    /// block, run on the same keys by a scenario this one
    /// `decides_the_same_as`, with the lanes where those stages met a value
    /// that is not a number (what [`run_block_from`] returned for it).
    Decided(&'a Block, Mask),
}

/// Runs the trials with keys `keys` in the lanes of `lanes` (the others are
/// left as they are), leaving each lane's results in `block` and adding
/// the rule firings to `fires`.
pub fn run_block(s: &Scenario, keys: &[TrialKey; LANES], lanes: Mask, block: &mut Block, fires: &mut [u64]) {
    run_block_from(s, keys, lanes, block, fires, BlockStart::Fresh, &mut |_, _| {});
}

/// [`run_block`] from `start`, calling `stage` when each stage is done with
/// the lanes that went through it (`bench --stages` reads a clock there).
/// Returns the lanes where the request or the council met a value that is
/// not a number, for a scenario that copies this one's decisions. A copied
/// stage's rule firings are the caller's to count (they equal the other
/// scenario's).
pub fn run_block_from(
    s: &Scenario,
    keys: &[TrialKey; LANES],
    lanes: Mask,
    block: &mut Block,
    fires: &mut [u64],
    start: BlockStart<'_>,
    stage: &mut impl FnMut(Stage, Mask),
) -> Mask {
    block.reset();
    // Every decision starts its lanes' streams before drawing (`Run::streams`).
    let mut rngs: Streams = std::array::from_fn(|_| SubStream::new(TrialKey(0, 0), StreamKey(0)));
    let mut count = LaneCounter { fires, not_a_number: 0 };
    // The keys' two words as two columns, so that starting a stream in
    // every lane is one vector loop.
    let keys = (keys.map(|k| k.0), keys.map(|k| k.1));
    let mut run = Run { s, keys: &keys, block, rngs: &mut rngs, count: &mut count };
    match start {
        BlockStart::Fresh => run.draw_variables(lanes),
        BlockStart::Crisis(from) | BlockStart::Decided(from, _) => {
            let n = s.variables.len();
            run.block.vars[..n].copy_from_slice(&from.vars[..n]);
        }
    }
    stage(Stage::Crisis, lanes);
    if let BlockStart::Decided(from, not_a_number) = start {
        let decided = Field::Outcome as usize + 1;
        run.block.fields[..decided].copy_from_slice(&from.fields[..decided]);
        run.block.votes.copy_from_slice(&from.votes);
        each_lane(
            lanes,
            #[inline(always)]
            |i| run.block.forced[i] |= from.forced[i] & forced::DECISION_DAYS,
        );
        run.count.not_a_number |= not_a_number;
        stage(Stage::Council, lanes);
    } else {
        let requested = run.request(lanes);
        each_lane(
            lanes & !requested,
            #[inline(always)]
            |i| run.block.fields[Field::Outcome as usize][i] = f64::from(class::NO_REQUEST),
        );
        stage(Stage::Request, lanes);
        if requested != 0 {
            run.council(requested);
            stage(Stage::Council, requested);
        }
    }
    let decided_not_a_number = run.count.not_a_number & lanes;
    run.size_need(lanes);
    stage(Stage::Need, lanes);
    let deploy = lanes & lanes_where(&run.block.fields[Field::Outcome as usize], |o| o as u8 == class::DEPLOY);
    if deploy != 0 {
        run.choose_pool(deploy);
        stage(Stage::Pool, deploy);
        run.contribute(deploy);
        stage(Stage::Contributions, deploy);
        run.deploy_lanes(deploy);
        stage(Stage::Deployment, deploy);
    }
    run.outcomes(lanes);
    stage(Stage::Outcomes, lanes);
    let not_a_number = run.count.not_a_number;
    each_lane(
        not_a_number & lanes,
        #[inline(always)]
        |i| block.forced[i] |= forced::RULE_SET,
    );
    decided_not_a_number
}

/// One block's run through the stages.
struct Run<'a, 'f> {
    s: &'a Scenario,
    keys: &'a ([u64; LANES], [u64; LANES]),
    block: &'a mut Block,
    rngs: &'a mut Streams,
    count: &'a mut LaneCounter<'f>,
}

impl Run<'_, '_> {
    /// Starts decision `stream`'s sub-stream in every lane.
    #[inline(always)]
    fn streams(&mut self, stream: StreamKey) {
        let (first, second) = self.keys;
        for ((rng, k0), k1) in self.rngs.iter_mut().zip(first).zip(second) {
            *rng = SubStream::new(TrialKey(*k0, *k1), stream);
        }
    }

    /// Evaluates `set` for `member` in the lanes of `mask` into `out`.
    #[inline(always)]
    fn rule_set(&mut self, set: &RuleSet, member: usize, mask: Mask, out: &mut Lanes) {
        let env = LaneEnv { statics: &self.s.statics, block: self.block, member };
        set.eval_lanes(&env, self.rngs, mask, out, self.count);
    }

    /// Draws a uniform in every lane of `mask`, then evaluates `set`: the
    /// lanes where the uniform is below the probability (as `decide`).
    #[inline(always)]
    fn decide(&mut self, set: &RuleSet, member: usize, mask: Mask, p: &mut Lanes) -> Mask {
        let mut u = [0.0; LANES];
        SubStream::units(self.rngs, mask, &mut u);
        self.rule_set(set, member, mask, p);
        let mut yes: Mask = 0;
        each_lane(
            mask,
            #[inline(always)]
            |i| yes |= Mask::from(u[i] < p[i]) << i,
        );
        yes
    }

    /// `value` of lane `i` forced into `[lo, hi]`, as `super::force`.
    #[inline(always)]
    fn force(&mut self, i: usize, value: f64, lo: f64, hi: f64, flag: u8) -> f64 {
        let (value, raised) = forced_into(value, lo, hi, flag);
        self.block.forced[i] |= raised;
        value
    }

    /// [`Run::draw_variables_here`] in the copy compiled for the CPU's instruction set.
    fn draw_variables(&mut self, lanes: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.draw_variables_here(lanes),
        )
    }

    #[inline(always)]
    fn draw_variables_here(&mut self, lanes: Mask) {
        let s = self.s;
        let mut value = [0.0; LANES];
        for (slot, var) in s.variables.iter().enumerate() {
            // A variable fixed by the scenario (or computed from others)
            // draws nothing: its stream is not started.
            let draws = !matches!(&var.distribution, Distribution::Draw(p) if !p.draws());
            if draws {
                self.streams(var.stream);
            }
            self.draw(&var.distribution, lanes, &mut value);
            if let Some((lo, hi)) = var.truncate {
                let mut again = [0.0; LANES];
                for _ in 0..100 {
                    let mut outside: Mask = 0;
                    each_lane(
                        lanes,
                        #[inline(always)]
                        |i| outside |= Mask::from(!(lo..=hi).contains(&value[i])) << i,
                    );
                    if outside == 0 {
                        break;
                    }
                    self.draw(&var.distribution, outside, &mut again);
                    each_lane(
                        outside,
                        #[inline(always)]
                        |i| value[i] = again[i],
                    );
                }
                each_lane(
                    lanes,
                    #[inline(always)]
                    |i| value[i] = if value[i].is_nan() { lo } else { value[i].clamp(lo, hi) },
                );
            }
            self.block.vars[slot] = value;
        }
    }

    #[inline(always)]
    fn draw(&mut self, d: &Distribution, mask: Mask, out: &mut Lanes) {
        match d {
            Distribution::Draw(p) => {
                let env = LaneEnv { statics: &self.s.statics, block: self.block, member: 0 };
                p.eval_lanes(&env, self.rngs, mask, out);
            }
            Distribution::Categorical { labels, cumulative } => each_lane(
                mask,
                #[inline(always)]
                |i| {
                    let drawn = dist::categorical(&mut self.rngs[i], cumulative);
                    out[i] = labels.get(drawn).copied().unwrap_or(0.0);
                },
            ),
            // Scenarios with correlated variables run on the scalar engine.
            Distribution::Correlated { .. } => out.fill(f64::NAN),
        }
    }

    /// [`Run::request_here`] in the copy compiled for the CPU's instruction set.
    fn request(&mut self, lanes: Mask) -> Mask {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.request_here(lanes),
        )
    }

    #[inline(always)]
    fn request_here(&mut self, lanes: Mask) -> Mask {
        self.streams(self.s.streams.request);
        let mut p = [0.0; LANES];
        let requested = self.decide(&self.s.request, 0, lanes, &mut p);
        each_lane(
            lanes,
            #[inline(always)]
            |i| {
                self.block.fields[Field::Requested as usize][i] = f64::from(u8::from(requested >> i & 1 == 1));
            },
        );
        requested
    }

    /// [`Run::council_here`] in the copy compiled for the CPU's instruction set.
    fn council(&mut self, requested: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.council_here(requested),
        )
    }

    #[inline(always)]
    fn council_here(&mut self, requested: Mask) {
        let s = self.s;
        let mut tally = [Tally { support: 0, abstain: 0, block: 0 }; LANES];
        let (mut support, mut block) = ([0.0; LANES], [0.0; LANES]);
        let mut u = [0.0; LANES];
        for (m, member) in s.members.iter().enumerate() {
            if member.status != Status::Active {
                continue;
            }
            self.streams(s.streams.vote[m]);
            SubStream::units(self.rngs, requested, &mut u);
            self.rule_set(s.council.support.of(m), m, requested, &mut support);
            self.rule_set(s.council.block.of(m), m, requested, &mut block);
            // Without branches: a vote is a coin toss, which a branch
            // would mispredict (the scalar engine's `vote`, as arithmetic).
            each_lane(
                requested,
                #[inline(always)]
                |i| {
                    let t = &mut tally[i];
                    let supports = u[i] < support[i];
                    let blocks = !supports & (u[i] < support[i] + (1.0 - support[i]) * block[i]);
                    t.support += u32::from(supports);
                    t.block += u32::from(blocks);
                    t.abstain += u32::from(!supports & !blocks);
                    self.block.votes[m][i] = vote::ABSTAIN - u8::from(supports) + u8::from(blocks);
                },
            );
        }
        let mut passed: Mask = 0;
        each_lane(
            requested,
            #[inline(always)]
            |i| {
                let t = tally[i];
                let fields = &mut self.block.fields;
                fields[Field::VotesSupport as usize][i] = f64::from(t.support);
                fields[Field::VotesAbstain as usize][i] = f64::from(t.abstain);
                fields[Field::VotesBlock as usize][i] = f64::from(t.block);
                fields[Field::VotesCast as usize][i] = f64::from(t.support + t.abstain + t.block);
                let chair_decides = s.council.chair_breaks_ties && self.block.votes[s.chair][i] == vote::SUPPORT;
                passed |= Mask::from(passes(s.council.rule, t, chair_decides)) << i;
            },
        );
        self.streams(s.streams.council);
        let (mut p, mut days) = ([0.0; LANES], [0.0; LANES]);
        SubStream::units(self.rngs, requested, &mut u);
        let failed = requested & !passed;
        if passed != 0 {
            self.rule_set(&s.council.mission_only, 0, passed, &mut p);
        }
        if failed != 0 {
            let mut q = [0.0; LANES];
            self.rule_set(&s.council.fallback, 0, failed, &mut q);
            each_lane(
                failed,
                #[inline(always)]
                |i| p[i] = q[i],
            );
        }
        self.rule_set(&s.council.days, 0, requested, &mut days);
        each_lane(
            requested,
            #[inline(always)]
            |i| {
                let days = self.force(i, days[i], 0.0, limits::DAYS, forced::DECISION_DAYS);
                let class_now = match (passed >> i & 1 == 1, u[i] < p[i]) {
                    (true, false) => class::DEPLOY,
                    (_, true) => class::NON_MILITARY,
                    (false, false) => class::REFUSED,
                };
                self.block.fields[Field::DecisionDays as usize][i] = days;
                self.block.fields[Field::Outcome as usize][i] = f64::from(class_now);
            },
        );
    }

    /// [`Run::size_need_here`] in the copy compiled for the CPU's instruction set.
    fn size_need(&mut self, lanes: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.size_need_here(lanes),
        )
    }

    /// The need in every lane; the pool stream stays started for the pool choice.
    #[inline(always)]
    fn size_need_here(&mut self, lanes: Mask) {
        self.streams(self.s.streams.pool);
        let mut need = [0.0; LANES];
        let env = LaneEnv { statics: &self.s.statics, block: self.block, member: 0 };
        self.s.need.eval_lanes(&env, self.rngs, lanes, &mut need);
        each_lane(
            lanes,
            #[inline(always)]
            |i| {
                let (need, raised) = whole_need(need[i]);
                self.block.forced[i] |= raised;
                self.block.fields[Field::Need as usize][i] = need;
            },
        );
    }

    /// [`Run::choose_pool_here`] in the copy compiled for the CPU's instruction set.
    fn choose_pool(&mut self, deploy: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.choose_pool_here(deploy),
        )
    }

    #[inline(always)]
    fn choose_pool_here(&mut self, deploy: Mask) {
        let s = self.s;
        let mut chosen = [f64::NAN; LANES];
        if let Some(choose) = &s.pool_choice {
            let env = LaneEnv { statics: &s.statics, block: self.block, member: 0 };
            choose.eval_lanes(&env, self.rngs, deploy, &mut chosen);
        }
        each_lane(
            deploy,
            #[inline(always)]
            |i| {
                let mut pool = s.default_pool(self.block.fields[Field::Need as usize][i]);
                let id = chosen[i];
                if id >= 0.0
                    && let Some(Some(p)) = s.pool_of_string.get(id as usize)
                {
                    pool = *p;
                }
                self.block.pool[i] = pool;
                self.block.fields[Field::Pool as usize][i] = s.statics.pool_names[pool];
                self.block.fields[Field::PoolCap as usize][i] = s.statics.pool_caps[pool];
                self.block.fields[Field::PoolPledged as usize][i] = s.statics.pool_pledged[pool];
            },
        );
    }

    /// [`Run::contribute_here`] in the copy compiled for the CPU's instruction set.
    fn contribute(&mut self, deploy: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.contribute_here(deploy),
        )
    }

    /// The members' contributions, pool by pool: a lane's trial has one
    /// pool, so its members still decide in the declared order.
    #[inline(always)]
    fn contribute_here(&mut self, deploy: Mask) {
        let s = self.s;
        let c = &s.contribution;
        let (mut p, mut raw, mut day) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
        for pool in 0..s.pools.len() {
            let mut lanes: Mask = 0;
            each_lane(
                deploy,
                #[inline(always)]
                |i| lanes |= Mask::from(self.block.pool[i] == pool) << i,
            );
            if lanes == 0 {
                continue;
            }
            for &m in &c.order {
                let member = &s.members[m];
                let pledge = member.pledges[pool] as f64;
                if member.status != Status::Active || (m == s.host && !c.host_contributes) || pledge <= 0.0 {
                    continue;
                }
                self.streams(s.streams.contribute[m]);
                let yes = self.decide(c.probability.in_pool(m, pool), m, lanes, &mut p);
                if yes == 0 {
                    continue;
                }
                self.streams(s.streams.personnel[m]);
                self.rule_set(c.personnel.in_pool(m, pool), m, yes, &mut raw);
                let mut arriving: Mask = 0;
                each_lane(
                    yes,
                    #[inline(always)]
                    |i| {
                        let raw = raw[i];
                        if raw.is_nan() || raw < 0.0 {
                            self.block.forced[i] |= forced::PERSONNEL;
                        }
                        let personnel = if raw.is_nan() { 0.0 } else { raw.clamp(0.0, pledge).round() };
                        if personnel >= 1.0 {
                            self.block.committed[m][i] = personnel;
                            arriving |= 1 << i;
                        }
                    },
                );
                if arriving == 0 {
                    continue;
                }
                self.streams(s.streams.arrival[m]);
                self.rule_set(c.arrival_day.in_pool(m, pool), m, arriving, &mut day);
                each_lane(
                    arriving,
                    #[inline(always)]
                    |i| {
                        let arrival_day = self.force(i, day[i], 0.0, limits::DAYS, forced::ARRIVAL_DAY);
                        let decision_days = self.block.fields[Field::DecisionDays as usize][i];
                        self.block.arrival[m][i] = (decision_days + arrival_day).min(limits::DAYS);
                        self.block.fields[Field::Contributors as usize][i] += 1.0;
                        self.block.fields[Field::CommittedTotal as usize][i] += self.block.committed[m][i];
                    },
                );
            }
        }
    }

    /// [`Run::deploy`] of every lane of `deploy`, in the copy compiled for
    /// the CPU's instruction set.
    fn deploy_lanes(&mut self, deploy: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || {
                each_lane(
                    deploy,
                    #[inline(always)]
                    |i| self.deploy(i),
                )
            },
        );
    }

    /// Trimming at the cap and arrival times in lane `i`, as `super::deploy`.
    #[inline(always)]
    fn deploy(&mut self, i: usize) {
        let b = &mut *self.block;
        let cap = b.fields[Field::PoolCap as usize][i];
        let total = b.fields[Field::CommittedTotal as usize][i];
        let mut excess = (total - cap).max(0.0);
        b.fields[Field::Trimmed as usize][i] = excess;
        for &m in self.s.contribution.order.iter().rev() {
            if excess <= 0.0 {
                break;
            }
            let have = b.committed[m][i];
            if have <= 0.0 {
                continue;
            }
            let removed = have.min(excess);
            b.committed[m][i] = have - removed;
            excess -= removed;
            if b.committed[m][i] <= 0.0 {
                b.arrival[m][i] = f64::NAN;
                b.fields[Field::Contributors as usize][i] -= 1.0;
            }
        }
        b.fields[Field::Deployed as usize][i] = total.min(cap);
        let (mut first, mut full) = (f64::INFINITY, f64::NEG_INFINITY);
        for arrival in &b.arrival {
            let a = arrival[i];
            if !a.is_nan() {
                first = first.min(a);
                full = full.max(a);
            }
        }
        if first.is_finite() {
            b.fields[Field::FirstArrival as usize][i] = first;
            b.fields[Field::FullStrength as usize][i] = full;
        }
    }

    /// [`Run::outcomes_here`] in the copy compiled for the CPU's instruction set.
    fn outcomes(&mut self, lanes: Mask) {
        crate::cpu::dispatch(
            #[inline(always)]
            || self.outcomes_here(lanes),
        )
    }

    #[inline(always)]
    fn outcomes_here(&mut self, lanes: Mask) {
        let s = self.s;
        each_lane(
            lanes,
            #[inline(always)]
            |i| {
                let f = &mut self.block.fields;
                f[Field::Shortfall as usize][i] =
                    (f[Field::Need as usize][i] - f[Field::Deployed as usize][i]).max(0.0);
            },
        );
        let mut value = [0.0; LANES];
        for o in &s.outcomes {
            self.streams(o.stream);
            let env = LaneEnv { statics: &s.statics, block: self.block, member: 0 };
            o.program.eval_lanes(&env, self.rngs, lanes, &mut value);
            each_lane(
                lanes,
                #[inline(always)]
                |i| {
                    let v = value[i];
                    if v.is_nan() || v.abs() > crate::stats::FIXED_LIMIT {
                        self.block.forced[i] |= forced::OUTCOME;
                    }
                    self.block.vars[o.slot][i] = v;
                },
            );
        }
    }
}
