//! Rendering the global analyses: [`SobolIndices`] as paired bars of
//! first-order and total indices, [`MorrisScreening`] as μ* bars; each with
//! its design in JSON and its indices in CSV.

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style};
use super::json;
use crate::stats::morris::MorrisScreening;
use crate::stats::sobol::{Index, SobolIndices};

/// Width of an index bar at 1.0, in characters.
const WIDTH: usize = 30;

/// A bar of `x` (0..1) in `WIDTH` cells.
fn bar(x: f64, glyph: char) -> String {
    let n = ((x.clamp(0.0, 1.0)) * WIDTH as f64).round() as usize;
    std::iter::repeat_n(glyph, n).collect::<String>() + &" ".repeat(WIDTH - n)
}

fn index(i: &Index) -> String {
    format!("{:.3} [{:.3}, {:.3}]", i.value, i.lo, i.hi)
}

impl Render for SobolIndices {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title(&format!(
            "Sobol' indices of {} in {} — {} trials per point, seed {}",
            self.metric, self.meta.scenario, self.meta.trials, self.meta.seed
        ));
        let noise = if self.inner_noise_share.is_nan() {
            "no inner error to estimate with one trial per point".to_string()
        } else {
            format!("inner Monte Carlo noise is {:.2}% of that", 100.0 * self.inner_noise_share)
        };
        doc.line(&format!(
            "{}; the variance of {} over the design is {:.4}; {noise}.",
            self.design, self.metric, self.variance
        ));
        doc.heading("Indices (95% bootstrap intervals), largest total first");
        let mut t = doc.table(&["parameter", "drawn from", "first order S", "total ST", "█ S  ░ ST"]);
        let mut order: Vec<usize> = (0..self.inputs.len()).collect();
        order.sort_by(|&a, &b| self.inputs[b].total.value.total_cmp(&self.inputs[a].total.value));
        for i in order {
            let p = &self.inputs[i];
            let bars = if p.below_noise {
                "below the inner noise: not ranked".to_string()
            } else {
                // The total drawn, the first-order share over it.
                let total = bar(p.total.value, '░');
                let first = bar(p.first.value, '█');
                first.chars().zip(total.chars()).map(|(f, t)| if f == '█' { f } else { t }).collect()
            };
            doc.row(&mut t, vec![p.path.clone(), p.drawn_from.clone(), index(&p.first), index(&p.total), bars]);
        }
        doc.push(t, 2);
        doc.line("S: the share of the variance a parameter explains alone; ST: with its interactions. ST − S");
        doc.line("large means the parameter matters through others. --format json has the design and outputs.");
        if let Some(warning) = self.estimation_warning() {
            doc.line(&warning);
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["parameter", "index", "value", "lo", "hi", "below_noise"]);
        for p in &self.inputs {
            for (name, i) in [("first", &p.first), ("total", &p.total)] {
                rows.row([&p.path, name, &field(i.value), &field(i.lo), &field(i.hi), &p.below_noise.to_string()]);
            }
        }
        rows.finish()
    }
}

impl Render for MorrisScreening {
    fn document(&self, style: Style) -> String {
        let mut doc = Doc::new(style);
        doc.title(&format!(
            "Morris screening of {} in {} — {} trials per point, seed {}",
            self.metric, self.meta.scenario, self.meta.trials, self.meta.seed
        ));
        doc.line(&format!(
            "{} trajectories on a {}-level grid, steps of {:.3} of each range, {} points in all.",
            self.trajectories,
            self.levels,
            self.delta,
            self.points.len()
        ));
        doc.heading("Elementary effects, largest μ* first (the metric's change per step Δ)");
        let mut t = doc.table(&["parameter", "drawn from", "μ* (95% bootstrap)", "μ", "σ", "█ μ*"]);
        let mut order: Vec<usize> = (0..self.inputs.len()).collect();
        order.sort_by(|&a, &b| self.inputs[b].mu_star.value.total_cmp(&self.inputs[a].mu_star.value));
        let scale = self.inputs.iter().map(|p| p.mu_star.value).fold(0.0, f64::max);
        for i in order {
            let p = &self.inputs[i];
            doc.row(
                &mut t,
                vec![
                    p.path.clone(),
                    p.drawn_from.clone(),
                    format!("{:.4} [{:.4}, {:.4}]", p.mu_star.value, p.mu_star.lo, p.mu_star.hi),
                    format!("{:+.4}", p.mu),
                    format!("{:.4}", p.sigma),
                    bar(if scale > 0.0 { p.mu_star.value / scale } else { 0.0 }, '█'),
                ],
            );
        }
        doc.push(t, 2);
        doc.line("μ*: how much a parameter matters; σ large beside μ*: its effect depends on where the others are");
        doc.line("(non-linearity or interaction). Screen many parameters here, then run --method sobol on the few.");
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self)
    }

    fn csv(&self) -> String {
        let mut rows = Rows::new(&["parameter", "measure", "value", "lo", "hi"]);
        for p in &self.inputs {
            rows.row([&p.path, "mu_star", &field(p.mu_star.value), &field(p.mu_star.lo), &field(p.mu_star.hi)]);
            rows.row([p.path.as_str(), "mu", &field(p.mu), "", ""]);
            rows.row([p.path.as_str(), "sigma", &field(p.sigma), "", ""]);
        }
        rows.finish()
    }
}
