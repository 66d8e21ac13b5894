//! Readers of the tree's nodes: maps, strings, numbers, booleans,
//! expressions and member lists, each reporting what it expected.

use super::{Builder, readable};
use crate::rules::compile::{self, Context};
use crate::rules::program::{Program, Type};
use crate::scenario::model::limits;
use crate::scenario::tree::{Entry, Node, Value};

impl Builder<'_> {
    /// The entries of a map node, reporting unknown and missing fields.
    pub(super) fn map<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
        allowed: &[&str],
        required: &[&str],
    ) -> Option<&'n [Entry]> {
        let Some(entries) = node.entries() else {
            self.report
                .error(node.loc, format!("{what} is {}", node.value.kind()))
                .expected(format!("a map with the fields: {}", allowed.join(", ")));
            return None;
        };
        for e in entries {
            if !allowed.contains(&e.key.as_str()) {
                self.report
                    .error(e.key_loc, format!("unknown field '{}' in {what}", e.key))
                    .expected(format!("one of: {}", allowed.join(", ")))
                    .suggest(&e.key, allowed.iter().copied());
            }
        }
        for field in required {
            if !entries.iter().any(|e| e.key == *field) {
                self.report.error(node.loc, format!("{what} has no '{field}'")).expected(format!("a '{field}:' field"));
            }
        }
        Some(entries)
    }

    pub(super) fn string(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) => {
                if let Some(c) = s.chars().find(|&c| crate::text::hides_or_reorders(c)) {
                    self.report
                        .error(node.loc, format!("{what} holds the invisible character U+{:04X}", u32::from(c)))
                        .expected("text without control, bidirectional-override or zero-width characters");
                    return None;
                }
                Some(s.clone())
            }
            other => {
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected("a string");
                None
            }
        }
    }

    pub(super) fn number(&mut self, node: &Node, what: &str, lo: f64, hi: f64) -> Option<f64> {
        let value = match &node.value {
            Value::Num(n) => *n,
            other => {
                self.report.error(node.loc, format!("{what} is {} ('{}')", other.kind(), other)).expected(format!(
                    "a number from {} to {}",
                    readable(lo),
                    readable(hi)
                ));
                return None;
            }
        };
        if !value.is_finite() || value < lo || value > hi {
            self.report.error(node.loc, format!("{what} is {}, outside its range", readable(value))).expected(format!(
                "a number from {} to {}",
                readable(lo),
                readable(hi)
            ));
            return None;
        }
        Some(value)
    }

    /// A number of personnel (a cap, a pledge, an observed force): whole, so
    /// a fraction is rounded, with a warning that says to what (a sweep's
    /// row would otherwise show a value the model did not use).
    pub(super) fn personnel(&mut self, node: &Node, what: &str) -> Option<u64> {
        let value = self.number(node, what, 0.0, limits::PERSONNEL)?;
        let whole = value.round();
        if whole != value {
            self.report.warning(
                node.loc,
                format!("{what} is {}: personnel are whole, so {} is used", readable(value), readable(whole)),
            );
        }
        Some(whole as u64)
    }

    pub(super) fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            other => {
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected("true or false");
                None
            }
        }
    }

    /// Compiles an expression held by a scalar node, which must give `want`.
    pub(super) fn expr(&mut self, node: &Node, want: Type, context: Context, what: &str) -> Option<Program> {
        self.compile_node(node, Some(want), context, what)
    }

    /// Compiles a scalar node as an expression: numbers and booleans are
    /// compiled from their literal text, so every type error is reported by
    /// the one checker. `want: None` accepts any type.
    pub(super) fn compile_node(
        &mut self,
        node: &Node,
        want: Option<Type>,
        context: Context,
        what: &str,
    ) -> Option<Program> {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Num(n) if n.is_finite() => n.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => {
                self.report.error(node.loc, format!("{what} is {n}")).expected("a finite number");
                return None;
            }
            other => {
                let expected = want.map_or("an expression", Type::name);
                self.report.error(node.loc, format!("{what} is {}", other.kind())).expected(expected);
                return None;
            }
        };
        match compile::compile(&text, want, &mut self.symbols, context) {
            Ok(p) => Some(p),
            Err(errors) => {
                for e in errors {
                    let mut d = self.report.error(node.text_loc(e.at), format!("{} in {what}", e.message));
                    if let Some(x) = e.expected {
                        d = d.expected(x);
                    }
                    if let Some(h) = e.help {
                        d.help(h);
                    }
                }
                None
            }
        }
    }

    pub(super) fn member_ids(&mut self, node: &Node, what: &str) -> Vec<usize> {
        let Value::Seq(items) = &node.value else {
            self.report
                .error(node.loc, format!("{what} is {}", node.value.kind()))
                .expected("a list of member ids, as in [russia, belarus]");
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            let Some(id) = self.string(item, what) else { continue };
            match self.symbols.members.iter().position(|m| *m == id) {
                Some(i) if out.contains(&i) => {
                    self.report
                        .error(item.loc, format!("member '{id}' appears twice in {what}"))
                        .expected("each member once");
                }
                Some(i) => out.push(i),
                None => {
                    let members = self.symbols.members.clone();
                    self.report
                        .error(item.loc, format!("unknown member '{id}' in {what}"))
                        .expected("a member id declared under members")
                        .suggest(&id, members.iter().map(String::as_str));
                }
            }
        }
        out
    }
}
