//! The YAML layer: text → a located tree of [`Node`]s, and the tree edits that
//! `extends:` and `--set` make.
//!
//! This is the only module that talks to the YAML library (serde-saphyr), so it
//! could be swapped. Everything later works on [`Node`], which keeps the
//! line and column of every key and value for diagnostics.
//!
//! # Merge semantics (`extends:`)
//!
//! A child file is laid over its parent: maps merge key by key (recursively),
//! every other value (scalars, lists) replaces the parent's value — except a
//! map over a list whose keys are the ids (or indices) of its items, which
//! merges into those items — and a key
//! whose value is `~` (null) in the child removes the key from the result —
//! that is how a member, a pool or a rule set is deleted. One exception: a
//! crisis variable (`crisis.variables.<name>`) is replaced whole, since its
//! map names one distribution and mixing two would be meaningless.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::diagnostic::Loc;

/// Largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// Deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 32;

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Where the value starts.
    pub loc: Loc,
    /// For string scalars: column shift from `loc` to the first character of
    /// the text (1 for quoted scalars), or `None` when the text does not map
    /// onto one source line (block scalars, escapes).
    pub text_offset: Option<u32>,
    /// The value.
    pub value: Value,
}

/// The shapes a YAML value can take.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or an empty value.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Any number.
    Num(f64),
    /// Any other scalar.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A map, in file order.
    Map(Vec<Entry>),
}

/// One key of a map with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key text.
    pub key: String,
    /// Where the key is.
    pub key_loc: Loc,
    /// The value.
    pub node: Node,
}

impl Value {
    /// A short name of the kind of value, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Num(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("~"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => f.write_str(s),
            Value::Seq(_) => f.write_str("[…]"),
            Value::Map(_) => f.write_str("{…}"),
        }
    }
}

impl Node {
    /// A node made by the program (from `--set`), located at `loc`.
    pub fn synthetic(loc: Loc, value: Value) -> Node {
        Node { loc, text_offset: None, value }
    }

    /// The entries when this is a map.
    pub fn entries(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value of `key` when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?.iter().find(|e| e.key == key).map(|e| &e.node)
    }

    /// The location of the character `offset` characters into a string scalar.
    pub fn text_loc(&self, offset: usize) -> Loc {
        match self.text_offset {
            Some(shift) => self.loc.shifted(shift as usize + offset),
            None => self.loc,
        }
    }
}

/// Most YAML values (nodes) in one file.
pub const BUDGET_NODES: usize = 100_000;
/// Most alias uses in one file.
pub const BUDGET_ALIASES: usize = 1_000;
/// Most parser events in one file.
pub const BUDGET_EVENTS: usize = 200_000;

/// A YAML problem with its position.
#[derive(Debug, Clone)]
pub struct YamlError {
    /// 1-based line and column (0 when the library gave none).
    pub line: u32,
    /// Column.
    pub column: u32,
    /// The library's message, first line.
    pub message: String,
}

/// Parses one YAML document into a [`Node`] tree, refusing oversize input,
/// alias bombs and deep nesting quickly.
pub fn parse(text: &str, file: u16) -> Result<Node, YamlError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(YamlError {
            line: 1,
            column: 1,
            message: format!(
                "file is {} bytes, more than the limit of {} bytes for a scenario",
                text.len(),
                MAX_FILE_BYTES
            ),
        });
    }
    if let Some(e) = find_tag(text) {
        return Err(e);
    }
    let mut options = serde_saphyr::Options::default();
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = BUDGET_NODES;
    budget.max_aliases = BUDGET_ALIASES;
    budget.max_events = BUDGET_EVENTS;
    options.budget = Some(budget);
    options.with_snippet = false;
    options.strict_booleans = true;
    let raw: Option<RawNode> = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (clamp_u32(l.line()), clamp_u32(l.column())));
        let message = e.to_string();
        let message = message.lines().next().unwrap_or("invalid YAML").to_string();
        YamlError { line, column, message: plain_message(&strip_location(&message)) }
    })?;
    let Some(raw) = raw else {
        return Ok(Node::synthetic(Loc { file, line: 1, column: 1 }, Value::Null));
    };
    Ok(raw.into_node(text, file))
}

/// A value written `!name` after a key or a dash: YAML reads it as a tag,
/// not text, so `when: !foreign_backed` would lose its expression. The
/// scenario format uses no tags, so the first one is reported with advice.
fn find_tag(text: &str) -> Option<YamlError> {
    for (i, line) in text.lines().enumerate() {
        let code = line.split(" #").next().unwrap_or(line);
        // A line that starts with a tag: a tagged key (`!!str run: 3`), or
        // a value alone (an override's `!!binary …`).
        let trimmed = code.trim_start();
        if trimmed.starts_with("!!") || (i == 0 && trimmed.starts_with('!')) {
            return Some(YamlError {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                column: u32::try_from(code.len() - trimmed.len() + 1).unwrap_or(u32::MAX),
                message: format!(
                    "YAML reads '{}' as a tag; the scenario format uses none: quote it",
                    trimmed.trim_end()
                ),
            });
        }
        for marker in [": !", "- !"] {
            let Some(at) = code.find(marker) else { continue };
            // Inside quotes, '!' is text.
            let before = &code[..at];
            if before.matches('"').count() % 2 == 1 || before.matches('\'').count() % 2 == 1 {
                continue;
            }
            let value = code[at + 2..].trim_end();
            let column = before.chars().count() + 3;
            return Some(YamlError {
                line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                column: u32::try_from(column).unwrap_or(u32::MAX),
                message: format!(
                    "YAML reads '{value}' as a tag, not as text; quote the expression: \"{}\"",
                    value.replace('"', "\\\"")
                ),
            });
        }
    }
    None
}

/// The YAML library's message in this tool's words: no advice about the
/// library's own API, and budget limits named with their values.
fn plain_message(message: &str) -> String {
    if message.starts_with("multiple YAML documents") {
        return "the file holds more than one YAML document ('---' starts a new one); a scenario is one document"
            .into();
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest);
        return format!("the key '{key}' appears twice in the same map (the second would silently replace the first)");
    }
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        let kind = rest.split([' ', '{']).next().unwrap_or(rest);
        let (what, limit) = match kind {
            "Nodes" => ("YAML values (nodes)", BUDGET_NODES),
            "Depth" => ("levels of nesting", MAX_DEPTH),
            "Aliases" => ("alias uses (*name)", BUDGET_ALIASES),
            _ => ("YAML events", BUDGET_EVENTS),
        };
        return format!("the file has more than {limit} {what}, the limit for a scenario");
    }
    if message.contains("merge keys are not allowed") {
        return "a YAML merge key ('<<') is not allowed in a scenario: write the keys out, or use `extends:`".into();
    }
    if let Some(rest) = message.strip_prefix("non-finite float `") {
        let value = rest.split('`').next().unwrap_or(rest);
        return format!("{value} is a non-finite number (NaN and infinities are not allowed)");
    }
    if message.contains("on a struct field name is not allowed") {
        return "a YAML tag on a key is not allowed in a scenario: keys are plain names".into();
    }
    if message.starts_with("expected string scalar") || message.contains("expected string key") {
        return "a key here is not a plain name (a list, a map or a tagged value used as a key)".into();
    }
    message.to_string()
}

fn clamp_u32(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// Drops a trailing " at line X, column Y" that the library adds, since the
/// diagnostic prints the position itself.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The serde mirror of [`Node`], with the library's locations.
struct RawNode(Spanned<RawValue>);

enum RawValue {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Seq(Vec<RawNode>),
    Map(Vec<(Spanned<String>, RawNode)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Spanned::<RawValue>::deserialize(d).map(RawNode)
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        RawValue::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Num(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        Ok(RawValue::Num(v as f64))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawValue, E> {
        Ok(RawValue::Num(v as f64))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawValue, E> {
        Ok(RawValue::Num(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Num(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<RawNode>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<RawNode>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}

fn loc_of(location: &serde_saphyr::Location, file: u16) -> Loc {
    Loc { file, line: clamp_u32(location.line()), column: clamp_u32(location.column()) }
}

impl RawNode {
    fn into_node(self, text: &str, file: u16) -> Node {
        let loc = loc_of(&self.0.referenced, file);
        let byte_offset = self.0.referenced.span().byte_offset();
        let (value, text_offset) = match self.0.value {
            RawValue::Null => (Value::Null, None),
            RawValue::Bool(b) => (Value::Bool(b), None),
            RawValue::Num(n) => (Value::Num(n), Some(0)),
            RawValue::Str(s) => {
                let offset = byte_offset.and_then(|b| string_text_offset(text, b, &s));
                (Value::Str(s), offset)
            }
            RawValue::Seq(items) => (Value::Seq(items.into_iter().map(|n| n.into_node(text, file)).collect()), None),
            RawValue::Map(entries) => (
                Value::Map(
                    entries
                        .into_iter()
                        .map(|(k, v)| Entry {
                            key_loc: loc_of(&k.referenced, file),
                            key: k.value,
                            node: v.into_node(text, file),
                        })
                        .collect(),
                ),
                None,
            ),
        };
        Node { loc, text_offset, value }
    }
}

/// Where the text of a string scalar starts relative to its node: 0 for a
/// plain scalar, 1 for a quoted one whose text appears verbatim; `None` when
/// the source does not hold the text on one line as written.
fn string_text_offset(source: &str, byte_offset: u64, text: &str) -> Option<u32> {
    let start = usize::try_from(byte_offset).ok()?;
    let rest = source.get(start..)?;
    if rest.starts_with(text) && !text.contains('\n') {
        return Some(0);
    }
    let mut chars = rest.chars();
    let quote = chars.next()?;
    if (quote == '"' || quote == '\'') && chars.as_str().starts_with(text) {
        return Some(1);
    }
    None
}

/// Lays `child` over `parent` (see the module docs for the rules).
pub fn merge(parent: Node, child: Node) -> Node {
    merge_at(parent, child, &mut Vec::new())
}

fn replaces_whole(path: &[String]) -> bool {
    matches!(path, [a, b, _] if a == "crisis" && b == "variables")
}

fn merge_at(parent: Node, child: Node, path: &mut Vec<String>) -> Node {
    if replaces_whole(path) {
        return child;
    }
    match (parent.value, child.value) {
        (Value::Map(mut base), Value::Map(over)) => {
            for entry in over {
                let existing = base.iter().position(|e| e.key == entry.key);
                match (existing, &entry.node.value) {
                    (Some(i), Value::Null) => {
                        base.remove(i);
                    }
                    (None, Value::Null) => {}
                    (Some(i), _) => {
                        let old = base.remove(i);
                        path.push(entry.key.clone());
                        let node = merge_at(old.node, entry.node, path);
                        path.pop();
                        base.insert(i, Entry { node, key: old.key, key_loc: entry.key_loc });
                    }
                    (None, _) => base.push(entry),
                }
            }
            Node { loc: child.loc, text_offset: None, value: Value::Map(base) }
        }
        // `{append: [...]}` over a list adds to it instead of replacing it.
        (Value::Seq(mut base), Value::Map(over))
            if over.len() == 1 && over[0].key == "append" && matches!(over[0].node.value, Value::Seq(_)) =>
        {
            if let Some(Entry { node: Node { value: Value::Seq(more), .. }, .. }) = over.into_iter().next() {
                base.extend(more);
            }
            Node { loc: child.loc, text_offset: None, value: Value::Seq(base) }
        }
        // `{ID: {...}}` over a list whose items carry those ids (or indices)
        // merges into those items: `rules: {survival: {add: 0.6}}` changes
        // one rule's number, as `--set decisions.request.rules.survival.add`
        // does.
        (Value::Seq(mut base), Value::Map(over))
            if !over.is_empty() && over.iter().all(|e| position_in(&base, &e.key).is_some()) =>
        {
            for entry in over {
                if let Some(i) = position_in(&base, &entry.key) {
                    let old = std::mem::replace(
                        &mut base[i],
                        Node { loc: entry.node.loc, text_offset: None, value: Value::Null },
                    );
                    path.push(entry.key.clone());
                    base[i] = merge_at(old, entry.node, path);
                    path.pop();
                }
            }
            Node { loc: child.loc, text_offset: None, value: Value::Seq(base) }
        }
        (_, value) => Node { value, ..child },
    }
}

/// Removes the `null` entries that mean "delete" from a tree that has no
/// parent left to delete from.
pub fn drop_nulls(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|e| e.node.value != Value::Null);
            entries.iter_mut().for_each(|e| drop_nulls(&mut e.node));
        }
        Value::Seq(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Replaces (or adds) the value at a dotted `path` of map keys.
///
/// Intermediate maps must exist, so a misspelt path is refused rather than
/// silently creating a new branch; the last key may be new (a new attribute).
pub fn set_path(root: &mut Node, path: &[&str], value: Node) -> Result<(), String> {
    let Some((last, parents)) = path.split_last() else {
        return Err("empty path".into());
    };
    let mut node = root;
    let mut walked = Vec::new();
    for key in parents {
        walked.push(*key);
        node = child_mut(node, key, &walked)?;
    }
    match &mut node.value {
        Value::Seq(items) => {
            let Some(i) = position_in(items, last) else {
                return Err(not_in_list(&parents.join("."), items, last));
            };
            items[i] = value;
        }
        Value::Map(entries) => match entries.iter_mut().find(|e| e.key == *last) {
            Some(entry) => entry.node = value,
            None => entries.push(Entry { key: (*last).to_string(), key_loc: value.loc, node: value }),
        },
        _ => return Err(format!("'{}' is not a map", parents.join("."))),
    }
    Ok(())
}

/// The value at a dotted `path` (map keys; list items by index or id), as
/// `set_path` addresses it.
pub fn get_path<'a>(root: &'a Node, path: &[&str]) -> Option<&'a Node> {
    path.iter().try_fold(root, |node, key| match &node.value {
        Value::Map(_) => node.get(key),
        Value::Seq(items) => position_in(items, key).map(|i| &items[i]),
        _ => None,
    })
}

/// Where `key` is in a list: an index from 0, or the `id` of an item (a
/// rule's, as in `decisions.request.rules.survival.add`).
fn position_in(items: &[Node], key: &str) -> Option<usize> {
    key.parse::<usize>().ok().filter(|&i| i < items.len()).or_else(|| {
        items.iter().position(|item| matches!(item.get("id").map(|n| &n.value), Some(Value::Str(id)) if id == key))
    })
}

/// Why `key` names no item of the list at `at`, with the ids it could name.
fn not_in_list(at: &str, items: &[Node], key: &str) -> String {
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|item| match item.get("id").map(|n| &n.value) {
            Some(Value::Str(id)) => Some(id.as_str()),
            _ => None,
        })
        .collect();
    let hint = super::diagnostic::suggest(key, ids.iter().copied())
        .map(|s| format!(" (did you mean '{s}'?)"))
        .unwrap_or_default();
    let by_id = if ids.is_empty() { String::new() } else { format!(" or an id: {}", ids.join(", ")) };
    format!(
        "'{at}' is a list of {}: '{key}' is not in it (an index counts from 0, as in {at}.0{by_id}){hint}",
        items.len()
    )
}

/// The child `key` of a map, or item `key` (an index from 0, or an id) of a list.
fn child_mut<'a>(node: &'a mut Node, key: &str, walked: &[&str]) -> Result<&'a mut Node, String> {
    match &mut node.value {
        Value::Map(entries) => {
            let names: Vec<String> = entries.iter().map(|e| e.key.clone()).collect();
            match entries.iter_mut().find(|e| e.key == key) {
                Some(entry) => Ok(&mut entry.node),
                None => {
                    let hint = super::diagnostic::suggest(key, names.iter().map(String::as_str))
                        .map(|s| format!(" (did you mean '{s}'?)"))
                        .unwrap_or_default();
                    Err(format!("no field '{}' in the scenario{hint}", walked.join(".")))
                }
            }
        }
        Value::Seq(items) => {
            let at = walked[..walked.len() - 1].join(".");
            match position_in(items, key) {
                Some(i) => Ok(&mut items[i]),
                None => Err(not_in_list(&at, items, key)),
            }
        }
        _ => Err(format!("'{}' is not a map", walked[..walked.len() - 1].join("."))),
    }
}

/// The node as YAML flow text (`{beta: {alpha: 6, beta: 2}}`), which
/// [`parse`] reads back to the same values: strings are quoted as JSON
/// (a subset of YAML), so an expression or a `"true"` stays a string.
pub fn to_flow(node: &Node) -> String {
    fn write(node: &Node, out: &mut String) {
        match &node.value {
            Value::Null => out.push('~'),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(x) if x.is_nan() => out.push_str(".nan"),
            Value::Num(x) if x.is_infinite() => out.push_str(if *x > 0.0 { ".inf" } else { "-.inf" }),
            Value::Num(x) => out.push_str(&format!("{x:?}")),
            Value::Str(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Value::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out);
                }
                out.push(']');
            }
            Value::Map(entries) => {
                out.push('{');
                for (i, e) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(&e.key).unwrap_or_default());
                    out.push_str(": ");
                    write(&e.node, out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    write(node, &mut out);
    out
}

/// Calls `f` with every scalar of the tree and its dotted path (sequence
/// items by index), in document order.
pub fn for_each_leaf(root: &Node, f: &mut impl FnMut(&str, &Value)) {
    fn walk(node: &Node, path: &mut Vec<String>, f: &mut impl FnMut(&str, &Value)) {
        match &node.value {
            Value::Map(entries) => {
                for e in entries {
                    path.push(e.key.clone());
                    walk(&e.node, path, f);
                    path.pop();
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    walk(item, path, f);
                    path.pop();
                }
            }
            leaf => f(&path.join("."), leaf),
        }
    }
    walk(root, &mut Vec::new(), f);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(text, 0).expect("valid yaml")
    }

    /// Values without their positions, to compare a tree with its reading.
    fn values(node: &Node) -> String {
        let mut out = Vec::new();
        for_each_leaf(node, &mut |path, v| out.push(format!("{path}={v:?}")));
        out.join("\n")
    }

    #[test]
    fn flow_text_reads_back_to_the_same_values() {
        let text = "a: {beta: {alpha: 6, beta: 2.5}}\nb: [1, -0.1, 1e300]\nc: 'true'\nd: \"x > \\\"y\\\"\"\ne: ~\nf: true\n\"g h\": {categorical: {troops: 1, aid: 0}}\n";
        let root = tree(text);
        let again = tree(&to_flow(&root));
        assert_eq!(values(&again), values(&root));
        assert!(values(&root).contains("c=Str(\"true\")"), "{}", values(&root));
    }

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let root = tree("a: 1\nb:\n  c: severity > 2\n  d: \"x > 1\"\n");
        let b = root.get("b").expect("b");
        let c = b.get("c").expect("c");
        assert_eq!((c.loc.line, c.loc.column), (3, 6));
        assert_eq!(c.text_offset, Some(0));
        let d = b.get("d").expect("d");
        assert_eq!(d.text_offset, Some(1));
        assert_eq!(root.get("a").map(|n| &n.value), Some(&Value::Num(1.0)));
    }

    #[test]
    fn merge_replaces_lists_merges_maps_and_deletes_nulls() {
        let parent = tree("m: {a: 1, b: 2}\nl: [1, 2]\n");
        let child = tree("m: {b: 3, a: ~, c: 4}\nl: [9]\n");
        let merged = merge(parent, child);
        let m = merged.get("m").expect("m");
        assert!(m.get("a").is_none());
        assert_eq!(m.get("b").map(|n| &n.value), Some(&Value::Num(3.0)));
        assert_eq!(m.get("c").map(|n| &n.value), Some(&Value::Num(4.0)));
        assert!(matches!(&merged.get("l").map(|n| &n.value), Some(Value::Seq(v)) if v.len() == 1));
    }

    #[test]
    fn a_map_of_ids_over_a_list_merges_into_those_items_only() {
        let parent = tree("rules:\n  - {id: a, add: 1, when: x}\n  - {id: b, add: 2, when: y}\n");
        let child = tree("rules: {b: {add: 5}, 0: {when: z}}\n");
        let merged = merge(parent, child);
        let Some(Value::Seq(rules)) = merged.get("rules").map(|n| &n.value) else { panic!("a list") };
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].get("add").map(|n| &n.value), Some(&Value::Num(1.0)));
        assert_eq!(rules[0].get("when").map(|n| &n.value), Some(&Value::Str("z".into())));
        assert_eq!(rules[1].get("add").map(|n| &n.value), Some(&Value::Num(5.0)));
        assert_eq!(rules[1].get("when").map(|n| &n.value), Some(&Value::Str("y".into())));
        // A key that names no item: the map replaces the list, as before
        // (and the build then says what a list of rules should be).
        let parent = tree("rules:\n  - {id: a, add: 1}\n");
        let merged = merge(parent, tree("rules: {c: {add: 5}}\n"));
        assert!(matches!(merged.get("rules").map(|n| &n.value), Some(Value::Map(_))));
    }

    #[test]
    fn refuses_alias_bombs_quickly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..20 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = std::time::Instant::now();
        assert!(parse(&text, 0).is_err());
        assert!(start.elapsed().as_secs_f64() < 1.0);
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(parse(&deep, 0).is_err());
        let mut map = String::new();
        for i in 0..100_000 {
            map.push_str(&" ".repeat(i.min(60)));
            map.push_str("a:\n");
        }
        assert!(parse(&"{a: ".repeat(100_000), 0).is_err());
    }
}
