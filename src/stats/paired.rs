//! Paired statistics of two scenarios run on the same trial keys (common
//! random numbers), and the differences they estimate.
//!
//! Every compared quantity is a ratio R = Σy / Σz over trials, where z says
//! whether the quantity is defined in the trial (a deploy, a contribution)
//! and y is its value there: a probability has z ≡ 1 and y ∈ {0, 1}; the
//! mean personnel of a deployment has z = deploy and y = personnel·z.
//! The difference D = R_B − R_A has the linearised (delta-method) variance
//! Var(D) ≈ Σuᵢ² / n², uᵢ = (y_Bᵢ − R_B z_Bᵢ)/z̄_B − (y_Aᵢ − R_A z_Aᵢ)/z̄_A,
//! which keeps the covariance the common random numbers create: that is why
//! the paired interval is narrower than the unpaired one. The sums are kept
//! exactly in integers (values on the 2⁻¹⁶ grid), so they merge bit for bit.

use serde::{Deserialize, Serialize};

use super::{FIXED_LIMIT, FIXED_SCALE, Merge, Z95};
use crate::rules::env::{Field, TrialState};
use crate::scenario::model::{Scenario, class};

/// One quantity of one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The trial's outcome class is one of these (a bit per class).
    Class(u8),
    /// Personnel deployed, 0 when nothing was.
    DeployedPerTrial,
    /// Personnel deployed, defined in deploy trials.
    Deployed,
    /// The need, in every trial.
    Need,
    /// Shortfall, defined in deploy trials.
    Shortfall,
    /// Days to decide, defined when the host requested.
    Decision,
    /// Days to first arrival, defined when someone arrived.
    FirstArrival,
    /// Days to full strength, defined when someone arrived.
    FullStrength,
    /// Whether member *m* contributed, defined in deploy trials.
    Contributes(usize),
    /// Member *m*'s personnel, defined when it contributed.
    Personnel(usize),
    /// An outcome metric (its variable slot), defined when not NaN.
    Outcome(usize),
}

impl Quantity {
    /// The value, or `None` when the quantity is not defined in this trial.
    #[inline]
    pub fn observe(self, frame: &impl TrialState) -> Option<f64> {
        let cls = frame.field(Field::Outcome) as u8;
        let deploy = cls == class::DEPLOY;
        let arrived = deploy && !frame.field(Field::FirstArrival).is_nan();
        match self {
            Quantity::Class(mask) => Some(f64::from(u8::from(mask & (1 << cls) != 0))),
            Quantity::DeployedPerTrial => Some(if deploy { frame.field(Field::Deployed) } else { 0.0 }),
            Quantity::Deployed => deploy.then(|| frame.field(Field::Deployed)),
            Quantity::Need => Some(frame.field(Field::Need)),
            Quantity::Shortfall => deploy.then(|| frame.field(Field::Shortfall)),
            Quantity::Decision => (frame.field(Field::Requested) != 0.0).then(|| frame.field(Field::DecisionDays)),
            Quantity::FirstArrival => arrived.then(|| frame.field(Field::FirstArrival)),
            Quantity::FullStrength => arrived.then(|| frame.field(Field::FullStrength)),
            Quantity::Contributes(m) => deploy.then(|| f64::from(u8::from(frame.committed(m) > 0.0))),
            Quantity::Personnel(m) => (deploy && frame.committed(m) > 0.0).then(|| frame.committed(m)),
            Quantity::Outcome(slot) => Some(frame.var(slot)).filter(|v| !v.is_nan()),
        }
    }
}

/// How a compared quantity is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A probability (shown in percent).
    Probability,
    /// A mean of personnel, days or a metric.
    Mean,
}

/// One compared quantity: what it is called and how to read it from each side.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// Section (funnel, deployment, timing, member, outcome).
    pub section: &'static str,
    /// Item within the section (a member id, a metric name …).
    pub item: String,
    /// What is measured.
    pub measure: &'static str,
    /// How it reads.
    pub kind: Kind,
    /// In the first scenario.
    pub a: Quantity,
    /// In the other.
    pub b: Quantity,
    /// Which side's member is the crisis's host and does not contribute
    /// by the scenario's rules (`host_contributes: false`): its 0% is a
    /// role, not a rate, and a difference with it means nothing.
    pub host: Option<Side>,
}

/// A side of a comparison, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The first scenario (the baseline).
    Baseline,
    /// The other.
    Scenario,
    /// Both.
    Both,
}

impl Side {
    /// The side(s) where `in_a` and `in_b` hold.
    fn of(in_a: bool, in_b: bool) -> Option<Side> {
        match (in_a, in_b) {
            (true, true) => Some(Side::Both),
            (true, false) => Some(Side::Baseline),
            (false, true) => Some(Side::Scenario),
            (false, false) => None,
        }
    }

    /// The side's name, as JSON and CSV write it.
    pub fn name(self) -> &'static str {
        match self {
            Side::Baseline => "baseline",
            Side::Scenario => "scenario",
            Side::Both => "both",
        }
    }

    /// Whether the first scenario's value is on this side.
    pub fn baseline(self) -> bool {
        matches!(self, Side::Baseline | Side::Both)
    }

    /// Whether the other scenario's value is on this side.
    pub fn scenario(self) -> bool {
        matches!(self, Side::Scenario | Side::Both)
    }
}

/// Whether member `m` of `s` is the host, which the rules keep from contributing.
fn host_by_rule(s: &Scenario, m: usize) -> bool {
    m == s.statics.host && !s.contribution.host_contributes
}

impl Measure {
    /// Its short name, as `sensitivity --metric` takes it: a funnel stage
    /// (`deploy`), `deployed` (per trial), `deployed_given_deploy`, `need`,
    /// `shortfall`, a timing milestone (`first_arrival`), `ID.contributes`,
    /// `ID.personnel` or an outcome metric's name.
    pub fn name(&self) -> String {
        match (self.section, self.measure) {
            ("deployment", "mean_per_trial") => self.item.clone(),
            ("deployment", "mean_given_deploy") if self.item == "deployed" => "deployed_given_deploy".into(),
            ("member", "contributes_given_deploy") => format!("{}.contributes", self.item),
            ("member", _) => format!("{}.personnel", self.item),
            _ => self.item.clone(),
        }
    }
}

/// What two scenarios share and can be compared on.
#[derive(Debug, Clone, PartialEq)]
pub struct Pairing {
    /// The compared quantities.
    pub measures: Vec<Measure>,
    /// What could not be compared, in words.
    pub notes: Vec<String>,
}

impl Pairing {
    /// The quantities `a` and `b` share: every funnel probability, the
    /// deployment, timing, members with the same id and metrics with the
    /// same name.
    pub fn between(a: &Scenario, b: &Scenario) -> Pairing {
        use Kind::{Mean, Probability};
        let same = |section, item: &str, measure, kind, q| Measure {
            section,
            item: item.to_string(),
            measure,
            kind,
            a: q,
            b: q,
            host: None,
        };
        let mut measures: Vec<Measure> = class::STAGES
            .iter()
            .map(|(stage, mask)| same("funnel", stage, "probability", Probability, Quantity::Class(*mask)))
            .collect();
        measures.extend([
            same("deployment", "deployed", "mean_per_trial", Mean, Quantity::DeployedPerTrial),
            same("deployment", "deployed", "mean_given_deploy", Mean, Quantity::Deployed),
            same("deployment", "need", "mean", Mean, Quantity::Need),
            same("deployment", "shortfall", "mean_given_deploy", Mean, Quantity::Shortfall),
            same("timing", "decision", "days", Mean, Quantity::Decision),
            same("timing", "first_arrival", "days", Mean, Quantity::FirstArrival),
            same("timing", "full_strength", "days", Mean, Quantity::FullStrength),
        ]);
        let mut notes = Vec::new();
        for (ma, member) in a.members.iter().enumerate() {
            match b.members.iter().position(|x| x.id == member.id) {
                Some(mb) => {
                    let host = Side::of(host_by_rule(a, ma), host_by_rule(b, mb));
                    let pair = |measure, kind, qa, qb| Measure {
                        section: "member",
                        item: member.id.clone(),
                        measure,
                        kind,
                        a: qa,
                        b: qb,
                        host,
                    };
                    measures.push(pair(
                        "contributes_given_deploy",
                        Probability,
                        Quantity::Contributes(ma),
                        Quantity::Contributes(mb),
                    ));
                    measures.push(pair(
                        "personnel_when_contributing",
                        Mean,
                        Quantity::Personnel(ma),
                        Quantity::Personnel(mb),
                    ));
                }
                None => notes.push(format!("member {} is only in {}", member.id, a.name)),
            }
        }
        for member in &b.members {
            if !a.members.iter().any(|x| x.id == member.id) {
                notes.push(format!("member {} is only in {}", member.id, b.name));
            }
        }
        for oa in &a.outcomes {
            match b.outcomes.iter().find(|o| o.name == oa.name) {
                Some(ob) => measures.push(Measure {
                    section: "outcome",
                    item: oa.name.clone(),
                    measure: "mean",
                    kind: Mean,
                    a: Quantity::Outcome(oa.slot),
                    b: Quantity::Outcome(ob.slot),
                    host: None,
                }),
                None => notes.push(format!("outcome {} is only in {}", oa.name, a.name)),
            }
        }
        for ob in &b.outcomes {
            if !a.outcomes.iter().any(|o| o.name == ob.name) {
                notes.push(format!("outcome {} is only in {}", ob.name, b.name));
            }
        }
        Pairing { measures, notes }
    }
}

/// Exact paired sums of one quantity (values in units of 2⁻¹⁶).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSums {
    /// Trials.
    pub n: u64,
    /// Σ z_A.
    pub za: u64,
    /// Σ z_B.
    pub zb: u64,
    /// Σ z_A z_B.
    pub zab: u64,
    /// Σ y_A.
    pub ya: i128,
    /// Σ y_B.
    pub yb: i128,
    /// Σ y_A².
    pub yaa: i128,
    /// Σ y_B².
    pub ybb: i128,
    /// Σ y_A y_B.
    pub yab: i128,
    /// Σ y_A z_B.
    pub ya_zb: i128,
    /// Σ z_A y_B.
    pub za_yb: i128,
}

fn fixed(x: f64) -> i128 {
    i128::from((x.clamp(-FIXED_LIMIT, FIXED_LIMIT) * FIXED_SCALE).round() as i64)
}

impl PairSums {
    /// Adds one trial: each side's value, or `None` where undefined.
    #[inline]
    pub fn add(&mut self, a: Option<f64>, b: Option<f64>) {
        self.n += 1;
        let (za, ya) = a.map_or((0, 0), |v| (1, fixed(v)));
        let (zb, yb) = b.map_or((0, 0), |v| (1, fixed(v)));
        self.za += za;
        self.zb += zb;
        self.zab += za * zb;
        self.ya += ya;
        self.yb += yb;
        self.yaa = self.yaa.saturating_add(ya * ya);
        self.ybb = self.ybb.saturating_add(yb * yb);
        self.yab = self.yab.saturating_add(ya * yb);
        self.ya_zb += ya * i128::from(zb);
        self.za_yb += i128::from(za) * yb;
    }

    /// The estimated difference B − A with its paired and unpaired errors.
    pub fn difference(&self) -> Difference {
        let n = self.n as f64;
        let (za, zb) = (self.za as f64, self.zb as f64);
        let ra = self.ya as f64 / za;
        let rb = self.yb as f64 / zb;
        // Σ(x − rx·zx)(y − ry·zy), one formula for all three so that equal
        // inputs give bit-equal results (a scenario against itself: se = 0).
        let cross = |xy: i128, x_zy: i128, zx_y: i128, zz: u64, rx: f64, ry: f64| {
            xy as f64 - ry * x_zy as f64 - rx * zx_y as f64 + rx * ry * zz as f64
        };
        let saa = cross(self.yaa, self.ya, self.ya, self.za, ra, ra);
        let sbb = cross(self.ybb, self.yb, self.yb, self.zb, rb, rb);
        let sab = cross(self.yab, self.ya_zb, self.za_yb, self.zab, ra, rb);
        let (ma, mb) = (za / n, zb / n);
        let unpaired = saa / (ma * ma) + sbb / (mb * mb);
        let paired = unpaired - 2.0 * sab / (ma * mb);
        let diff = (rb - ra) / FIXED_SCALE;
        let se = paired.max(0.0).sqrt() / n / FIXED_SCALE;
        let (lo, hi) = (diff - Z95 * se, diff + Z95 * se);
        Difference {
            a: ra / FIXED_SCALE,
            b: rb / FIXED_SCALE,
            n_a: self.za,
            n_b: self.zb,
            diff,
            se,
            lo,
            hi,
            unpaired_se: unpaired.max(0.0).sqrt() / n / FIXED_SCALE,
            excludes_zero: lo > 0.0 || hi < 0.0,
        }
    }
}

impl Merge for PairSums {
    fn merge(&mut self, o: &Self) {
        self.n += o.n;
        self.za += o.za;
        self.zb += o.zb;
        self.zab += o.zab;
        self.ya += o.ya;
        self.yb += o.yb;
        self.yaa = self.yaa.saturating_add(o.yaa);
        self.ybb = self.ybb.saturating_add(o.ybb);
        self.yab = self.yab.saturating_add(o.yab);
        self.ya_zb += o.ya_zb;
        self.za_yb += o.za_yb;
    }
}

/// A difference B − A estimated on common random numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    /// The value in A.
    pub a: f64,
    /// The value in B.
    pub b: f64,
    /// Trials in which the quantity is defined in A.
    pub n_a: u64,
    /// … in B.
    pub n_b: u64,
    /// B − A.
    pub diff: f64,
    /// Its standard error, paired.
    pub se: f64,
    /// diff − 1.96·se.
    pub lo: f64,
    /// diff + 1.96·se.
    pub hi: f64,
    /// The standard error were the runs independent (for comparison).
    pub unpaired_se: f64,
    /// Whether the 95% interval excludes zero.
    pub excludes_zero: bool,
}

/// Paired statistics of a scenario against the first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PairStats {
    /// One per measure of the pairing.
    pub sums: Vec<PairSums>,
    /// Trials by (class in A, class in B).
    pub transitions: [[u64; 4]; 4],
}

impl PairStats {
    /// Empty statistics for a pairing.
    pub fn new(pairing: &Pairing) -> PairStats {
        PairStats { sums: vec![PairSums::default(); pairing.measures.len()], transitions: [[0; 4]; 4] }
    }

    /// Folds one trial of both scenarios.
    #[inline]
    pub fn fold(&mut self, pairing: &Pairing, fa: &impl TrialState, fb: &impl TrialState) {
        for (sums, m) in self.sums.iter_mut().zip(&pairing.measures) {
            sums.add(m.a.observe(fa), m.b.observe(fb));
        }
        let ca = (fa.field(Field::Outcome) as usize).min(3);
        let cb = (fb.field(Field::Outcome) as usize).min(3);
        self.transitions[ca][cb] += 1;
    }
}

impl Merge for PairStats {
    fn merge(&mut self, o: &Self) {
        self.sums.merge(&o.sums);
        for (ra, rb) in self.transitions.iter_mut().zip(&o.transitions) {
            for (x, y) in ra.iter_mut().zip(rb) {
                *x += y;
            }
        }
    }
}
