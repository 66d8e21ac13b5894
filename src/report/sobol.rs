//! Rendering the global analyses: [`SobolIndices`] as paired bars of
//! first-order and total indices, [`MorrisScreening`] as μ* bars; each with
//! its design in JSON and its indices in CSV.

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, shorten_path, widest};
use super::json;
use crate::stats::morris::MorrisScreening;
use crate::stats::sobol::{Index, SobolIndices};

/// Width of an index bar at 1.0, in characters.
const WIDTH: usize = 30;

/// The narrowest bar worth drawing.
const NARROWEST_BAR: usize = 12;

/// A bar of `x` (0..1) in `width` cells.
fn bar(x: f64, glyph: char, width: usize) -> String {
    let n = ((x.clamp(0.0, 1.0)) * width as f64).round() as usize;
    std::iter::repeat_n(glyph, n).collect::<String>() + &" ".repeat(width - n)
}

/// How a table of parameters fits the terminal: the widest path and the
/// bar's width (none when there is no room for one). `columns` and
/// `fixed` count the table's other columns and their widths.
fn layout(doc: &Doc, paths: &[&str], columns: usize, fixed: usize) -> (usize, Option<usize>) {
    let longest = paths.iter().map(|p| p.chars().count()).max().unwrap_or(0);
    match doc.room(columns, fixed) {
        None => (longest, Some(WIDTH)),
        Some(room) => {
            // The path first (shortened only when it must be), then a bar
            // in what is left, if a bar fits.
            let path = longest.min(room.max(12));
            let left = room.saturating_sub(path + 3);
            (path, (left >= NARROWEST_BAR).then_some(left.min(WIDTH)))
        }
    }
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
            "{}; the variance of {} over the design is {}; {noise}.",
            self.design,
            self.metric,
            crate::report::doc::num(self.variance)
        ));
        doc.heading("Indices (95% bootstrap intervals), largest total first");
        let mut order: Vec<usize> = (0..self.inputs.len()).collect();
        order.sort_by(|&a, &b| self.inputs[b].total.value.total_cmp(&self.inputs[a].total.value));
        let firsts: Vec<String> = order.iter().map(|&i| index(&self.inputs[i].first)).collect();
        let totals: Vec<String> = order.iter().map(|&i| index(&self.inputs[i].total)).collect();
        let drawn: Vec<String> = order.iter().map(|&i| self.inputs[i].drawn_from.clone()).collect();
        let paths: Vec<&str> = order.iter().map(|&i| self.inputs[i].path.as_str()).collect();
        // On a narrow terminal: no "drawn from" (the JSON has it), the path
        // shortened from the left at a dot, and a bar only if one fits.
        let narrow = doc.narrower_than(150);
        let mut fixed = widest("first order S", &firsts) + widest("total ST", &totals);
        if !narrow {
            fixed += widest("drawn from", &drawn);
        }
        let (path_most, bar_width) = layout(&doc, &paths, if narrow { 3 } else { 4 }, fixed);
        let mut header = vec!["parameter"];
        if !narrow {
            header.push("drawn from");
        }
        header.extend(["first order S", "total ST"]);
        if bar_width.is_some() {
            header.push("█ S  ░ ST");
        }
        let mut t = doc.table(&header);
        let mut not_ranked = Vec::new();
        for (k, &i) in order.iter().enumerate() {
            let p = &self.inputs[i];
            let mut row = vec![shorten_path(&p.path, path_most)];
            if !narrow {
                row.push(drawn[k].clone());
            }
            row.extend([firsts[k].clone(), totals[k].clone()]);
            if p.below_noise {
                not_ranked.push(p.path.clone());
            }
            if let Some(width) = bar_width {
                row.push(if p.below_noise && width >= 33 {
                    "below the inner noise: not ranked".to_string()
                } else if p.below_noise {
                    "not ranked".to_string()
                } else {
                    // The total drawn, the first-order share over it.
                    let total = bar(p.total.value, '░', width);
                    let first = bar(p.first.value, '█', width);
                    first.chars().zip(total.chars()).map(|(f, t)| if f == '█' { f } else { t }).collect()
                });
            }
            doc.row(&mut t, row);
        }
        doc.push(t, if narrow { 1 } else { 2 });
        if !not_ranked.is_empty() && bar_width.is_none_or(|w| w < 33) {
            doc.line(&format!("Below the inner noise, not ranked: {}.", not_ranked.join(", ")));
        }
        doc.line(
            "S: the share of the variance a parameter explains alone; ST: with its interactions. ST − S large \
             means the parameter matters through others. --format json has the design and outputs.",
        );
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
        // A probability's effects in percentage points, as the tornado's.
        let scale_by = if self.probability { 100.0 } else { 1.0 };
        let effect = |x: f64| format!("{:.2}", x * scale_by);
        let per_step = if self.probability { "in percentage points per step Δ" } else { "per step Δ" };
        doc.heading(&format!("Elementary effects, largest μ* first (the change in {} {per_step})", self.metric));
        let mut order: Vec<usize> = (0..self.inputs.len()).collect();
        order.sort_by(|&a, &b| self.inputs[b].mu_star.value.total_cmp(&self.inputs[a].mu_star.value));
        let scale = self.inputs.iter().map(|p| p.mu_star.value).fold(0.0, f64::max);
        let cells = |f: &dyn Fn(&crate::stats::morris::Screened) -> String| -> Vec<String> {
            order.iter().map(|&i| f(&self.inputs[i])).collect()
        };
        let stars =
            cells(&|p| format!("{} [{}, {}]", effect(p.mu_star.value), effect(p.mu_star.lo), effect(p.mu_star.hi)));
        let mus = cells(&|p| format!("{}{}", if p.mu >= 0.0 { "+" } else { "" }, effect(p.mu)));
        let sigmas = cells(&|p| effect(p.sigma));
        let drawn = cells(&|p| p.drawn_from.clone());
        let paths: Vec<&str> = order.iter().map(|&i| self.inputs[i].path.as_str()).collect();
        // On a narrow terminal, as for Sobol' indices: no "drawn from",
        // the path shortened at a dot, a bar only where one fits.
        let narrow = doc.narrower_than(150);
        let mut fixed = widest("μ* (95% bootstrap)", &stars) + widest("μ", &mus) + widest("σ", &sigmas);
        if !narrow {
            fixed += widest("drawn from", &drawn);
        }
        let (path_most, bar_width) = layout(&doc, &paths, if narrow { 4 } else { 5 }, fixed);
        let mut header = vec!["parameter"];
        if !narrow {
            header.push("drawn from");
        }
        header.extend(["μ* (95% bootstrap)", "μ", "σ"]);
        if bar_width.is_some() {
            header.push("█ μ*");
        }
        let mut t = doc.table(&header);
        for (k, &i) in order.iter().enumerate() {
            let p = &self.inputs[i];
            let mut row = vec![shorten_path(&p.path, path_most)];
            if !narrow {
                row.push(drawn[k].clone());
            }
            row.extend([stars[k].clone(), mus[k].clone(), sigmas[k].clone()]);
            if let Some(width) = bar_width {
                row.push(bar(if scale > 0.0 { p.mu_star.value / scale } else { 0.0 }, '█', width));
            }
            doc.row(&mut t, row);
        }
        doc.push(t, if narrow { 1 } else { 2 });
        doc.line(
            "μ*: how much a parameter matters; σ large beside μ*: its effect depends on where the others are \
             (non-linearity or interaction). Screen many parameters here, then run --method sobol on the few.",
        );
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
