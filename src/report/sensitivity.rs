//! Rendering a [`Sensitivity`]: the tornado in the terminal, every input in
//! JSON and CSV.

use super::Render;
use super::csv::{Rows, field};
use super::doc::{Doc, Style, delta, num, shorten_path, value, widest};
use super::json;
use crate::stats::paired::Kind;
use crate::stats::sensitivity::{InputLine, Move, Sensitivity};

/// Header of the sensitivity CSV layout.
pub const SENSITIVITY_HEADER: [&str; 12] =
    ["rank", "input", "base", "side", "input_value", "metric", "metric_value", "change", "se", "lo", "hi", "invalid"];

/// Half the width of a tornado bar, in characters.
const HALF: usize = 24;

/// A sensitivity result with how many inputs the tornado shows.
pub struct Tornado<'a> {
    /// The analysis.
    pub result: &'a Sensitivity,
    /// Inputs to draw.
    pub top: usize,
}

/// Below this many columns, the tornado leaves out the input's value and
/// the standard errors (CSV and JSON have them).
const NARROW: usize = 150;

/// A bar of 2·`half` cells: ░ from the centre to the low move's change, █
/// to the high move's (the shorter drawn over the longer).
fn bar(low: f64, high: f64, scale: f64, half: usize) -> String {
    let mut cells = vec![' '; 2 * half];
    cells[half - 1] = '│';
    let reach = |d: f64| if scale > 0.0 { ((d.abs() / scale) * half as f64).round() as usize } else { 0 };
    let mut paint = |d: f64, glyph: char| {
        let n = reach(d).min(half);
        for i in 0..n {
            let at = if d < 0.0 { half - 1 - i } else { half + i };
            cells[at] = glyph;
        }
    };
    if low.abs() >= high.abs() {
        paint(low, '░');
        paint(high, '█');
    } else {
        paint(high, '█');
        paint(low, '░');
    }
    cells.iter().collect()
}

/// A move's change, with its standard error unless `narrow`.
fn change(kind: Kind, m: &Move, narrow: bool) -> String {
    match &m.effect {
        Ok(d) if narrow => delta(kind, d.diff),
        Ok(d) => format!("{} ± {}", delta(kind, d.diff), delta(kind, d.se).trim_start_matches('+')),
        Err(_) => "not moved".into(),
    }
}

impl Render for Tornado<'_> {
    fn document(&self, style: Style) -> String {
        let r = self.result;
        let mut doc = Doc::new(style);
        doc.title(&format!(
            "Sensitivity of {} in {} — ±{}% moves, {} trials each, seed {}",
            r.metric,
            r.meta.scenario,
            100.0 * r.fraction,
            r.meta.trials,
            r.meta.seed
        ));
        doc.line(&format!(
            "{} = {} in the scenario as written; common random numbers throughout",
            r.metric,
            value(r.metric_kind, r.base_value)
        ));
        doc.heading(&format!("Tornado: the {} inputs that move {} most", self.top.min(r.inputs.len()), r.metric));
        let scale = r.inputs.iter().map(|i| i.low.delta().abs().max(i.high.delta().abs())).fold(0.0, f64::max);
        let shown: Vec<&InputLine> = r.inputs.iter().take(self.top).collect();
        // On a terminal narrower than the whole table, the path is
        // shortened from the left at a dot and the bar takes the room left,
        // so that no row wraps.
        let narrow = doc.narrower_than(NARROW);
        let column = |f: &dyn Fn(&InputLine) -> String| shown.iter().map(|l| f(l)).collect::<Vec<String>>();
        let values = column(&|l| num(l.base));
        let lows = column(&|l| change(r.metric_kind, &l.low, narrow));
        let highs = column(&|l| change(r.metric_kind, &l.high, narrow));
        let swings = column(&|l| delta(r.metric_kind, l.swing).trim_start_matches('+').to_string());
        let mut fixed = widest("−", &lows) + widest("+", &highs) + widest("swing", &swings);
        if !narrow {
            fixed += widest("value", &values);
        }
        let longest = shown.iter().map(|l| l.path.chars().count()).max().unwrap_or(0);
        let (path_most, half) = match doc.room(if narrow { 5 } else { 6 }, fixed) {
            Some(room) => {
                let path_most = longest.min(room.saturating_sub(2 * 6).max(12));
                (path_most, (room.saturating_sub(path_most) / 2).clamp(6, HALF))
            }
            None => (longest, HALF),
        };
        let mut header = vec!["input"];
        if !narrow {
            header.push("value");
        }
        header.extend(["−", "+", "░ down  █ up", "swing"]);
        let mut t = doc.table(&header);
        for (i, line) in shown.iter().enumerate() {
            let mut row = vec![shorten_path(&line.path, path_most)];
            if !narrow {
                row.push(values[i].clone());
            }
            row.extend([
                lows[i].clone(),
                highs[i].clone(),
                bar(line.low.delta(), line.high.delta(), scale, half),
                swings[i].clone(),
            ]);
            doc.row(&mut t, row);
        }
        doc.push(t, 1);
        if narrow {
            doc.line(&format!(
                "The inputs' values and the ± standard errors show {NARROW} columns wide, or in --format csv."
            ));
        }
        let invalid: Vec<String> = r
            .inputs
            .iter()
            .flat_map(|i| [(&i.path, &i.low), (&i.path, &i.high)])
            .filter_map(|(p, m)| m.effect.as_ref().err().map(|why| format!("{p} = {}: {why}", num(m.input))))
            .collect();
        for why in invalid {
            doc.line(&format!("not moved: {why}"));
        }
        if r.inputs.len() > self.top {
            doc.line(&format!("{} more inputs in --format json or csv", r.inputs.len() - self.top));
        }
        doc.finish()
    }

    fn json(&self) -> String {
        json::render(self.result)
    }

    fn csv(&self) -> String {
        let r = self.result;
        let mut rows = Rows::new(&SENSITIVITY_HEADER);
        for (rank, line) in r.inputs.iter().enumerate() {
            for (side, m) in [("low", &line.low), ("high", &line.high)] {
                let mut cells = vec![
                    (rank + 1).to_string(),
                    line.path.clone(),
                    field(line.base),
                    side.to_string(),
                    field(m.input),
                    r.metric.clone(),
                ];
                match &m.effect {
                    Ok(d) => {
                        cells.extend([field(d.b), field(d.diff), field(d.se), field(d.lo), field(d.hi), String::new()])
                    }
                    Err(why) => cells.extend([
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        why.clone(),
                    ]),
                }
                rows.row(cells);
            }
        }
        rows.finish()
    }
}
