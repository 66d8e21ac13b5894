//! Per-trial records (`run --trials-out FILE`): one row per trial, streamed
//! chunk by chunk in trial order, never held whole. As CSV, or as an Arrow
//! IPC file (Feather v2) when the path ends in `.arrow`, `.feather` or
//! `.ipc`: typed columns that pandas (`read_feather`), polars
//! (`read_ipc`) and pyarrow read without parsing, about a third of CSV's
//! size.
//!
//! Columns (a contract, see docs/exports.md), the same in both formats:
//! `trial, outcome, need, pool, deployed, shortfall, trimmed, first_arrival,
//! full_strength, decision_days`, then one column per member (its id) with
//! the personnel it deployed (0 when none), then one per outcome metric (its
//! name), then each crisis variable as drawn (`crisis.NAME`: a number, a
//! boolean or a label), each member's vote (`ID.vote`: none, support,
//! abstain, block) and whether it contributed (`ID.contributes`). A value
//! that is undefined (days without an arrival or a request, the pool when
//! nothing deployed) is empty in CSV and null in Arrow.
//!
//! Each chunk is encoded in the worker thread that ran it; the writer only
//! appends the encoded chunks in order.

use std::io::{self, Write};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, StringDictionaryBuilder, UInt64Builder};
use arrow_array::types::Int16Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_ipc::CompressionType;
use arrow_ipc::writer::{FileWriter, IpcWriteOptions};
use arrow_schema::{ArrowError, DataType, Field as Column, Schema};

use crate::rules::env::{Field, Frame};
use crate::rules::program::Type;
use crate::scenario::model::{Scenario, class};
use crate::vocabulary::vote;

/// The fixed leading columns.
pub const FIXED_COLUMNS: [&str; 10] = [
    "trial",
    "outcome",
    "need",
    "pool",
    "deployed",
    "shortfall",
    "trimmed",
    "first_arrival",
    "full_strength",
    "decision_days",
];

/// How records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordFormat {
    /// Comma-separated text with a header line.
    Csv,
    /// An Arrow IPC file (Feather v2), one record batch per chunk.
    Arrow,
}

impl RecordFormat {
    /// Arrow for a path ending `.arrow`, `.feather` or `.ipc`; CSV otherwise
    /// (and for stdout).
    pub fn of_path(path: &str) -> RecordFormat {
        let lower = path.to_ascii_lowercase();
        if [".arrow", ".feather", ".ipc"].iter().any(|e| lower.ends_with(e)) {
            RecordFormat::Arrow
        } else {
            RecordFormat::Csv
        }
    }
}

/// Every column's name, in order.
pub fn column_names(s: &Scenario) -> Vec<String> {
    let mut names: Vec<String> = FIXED_COLUMNS.iter().map(|c| c.to_string()).collect();
    names.extend(s.members.iter().map(|m| m.id.clone()));
    names.extend(s.outcomes.iter().map(|o| o.name.clone()));
    names.extend(s.variables.iter().map(|v| format!("crisis.{}", v.name)));
    names.extend(s.members.iter().map(|m| format!("{}.vote", m.id)));
    names.extend(s.members.iter().map(|m| format!("{}.contributes", m.id)));
    names
}

/// One trial's values, as both formats read them.
struct Row<'f> {
    frame: &'f Frame,
    deploy: bool,
}

impl<'f> Row<'f> {
    fn new(frame: &'f Frame) -> Row<'f> {
        Row { frame, deploy: frame.get(Field::Outcome) as u8 == class::DEPLOY }
    }

    fn class(&self) -> &'static str {
        class::NAMES[(self.frame.get(Field::Outcome) as usize).min(3)]
    }

    fn pool<'s>(&self, s: &'s Scenario) -> Option<&'s str> {
        if self.deploy { s.pools.get(self.frame.pool).map(|p| p.id.as_str()) } else { None }
    }

    /// `deployed, shortfall, trimmed, first_arrival, full_strength`: only
    /// in deploy trials, where deployed and trimmed are 0 otherwise.
    fn deployment(&self) -> [Option<f64>; 5] {
        [Field::Deployed, Field::Shortfall, Field::Trimmed, Field::FirstArrival, Field::FullStrength].map(|field| {
            if self.deploy {
                defined(self.frame.get(field))
            } else if matches!(field, Field::Deployed | Field::Trimmed) {
                Some(0.0)
            } else {
                None
            }
        })
    }

    fn decision_days(&self) -> Option<f64> {
        if self.frame.get(Field::Requested) != 0.0 { defined(self.frame.get(Field::DecisionDays)) } else { None }
    }

    fn personnel(&self, m: usize) -> Option<f64> {
        if self.deploy { defined(self.frame.committed[m]) } else { Some(0.0) }
    }

    fn contributes(&self, m: usize) -> bool {
        self.deploy && self.frame.committed[m] > 0.0
    }

    fn vote(&self, m: usize) -> &'static str {
        vote::NAMES[usize::from(self.frame.votes[m]).min(3)]
    }
}

fn defined(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

/// A crisis variable's value as its type reads it.
enum Value<'s> {
    Number(Option<f64>),
    Bool(bool),
    Label(Option<&'s str>),
}

fn variable<'s>(s: &'s Scenario, k: usize, frame: &Frame) -> Value<'s> {
    let x = frame.vars[k];
    match s.variables[k].ty {
        Type::Num => Value::Number(defined(x)),
        Type::Bool => Value::Bool(x != 0.0),
        Type::Str => Value::Label(s.symbols.strings.get(x as usize).map(String::as_str)),
    }
}

/// The CSV header line for a scenario.
pub fn header(s: &Scenario) -> Vec<u8> {
    let mut line = column_names(s).join(",").into_bytes();
    line.push(b'\n');
    line
}

fn number(out: &mut Vec<u8>, x: Option<f64>) {
    if let Some(x) = x {
        let _ = write!(out, "{x}");
    }
}

/// Appends trial `i`'s CSV row.
pub fn append(out: &mut Vec<u8>, s: &Scenario, i: u64, frame: &Frame) {
    let row = Row::new(frame);
    let _ = write!(out, "{i},{},", row.class());
    number(out, defined(frame.get(Field::Need)));
    out.push(b',');
    if let Some(pool) = row.pool(s) {
        out.extend_from_slice(pool.as_bytes());
    }
    for value in row.deployment() {
        out.push(b',');
        number(out, value);
    }
    out.push(b',');
    number(out, row.decision_days());
    for m in 0..s.members.len() {
        out.push(b',');
        number(out, row.personnel(m));
    }
    for o in &s.outcomes {
        out.push(b',');
        number(out, defined(frame.vars[o.slot]));
    }
    for k in 0..s.variables.len() {
        out.push(b',');
        match variable(s, k, frame) {
            Value::Number(x) => number(out, x),
            Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Value::Label(label) => out.extend_from_slice(label.unwrap_or_default().as_bytes()),
        }
    }
    for m in 0..s.members.len() {
        out.push(b',');
        out.extend_from_slice(row.vote(m).as_bytes());
    }
    for m in 0..s.members.len() {
        out.extend_from_slice(if row.contributes(m) { b",true" } else { b",false" });
    }
    out.push(b'\n');
}

/// The Arrow schema of a scenario's records.
pub fn arrow_schema(s: &Scenario) -> Schema {
    let label = || DataType::Dictionary(Box::new(DataType::Int16), Box::new(DataType::Utf8));
    let names = column_names(s);
    let mut types: Vec<(DataType, bool)> = vec![(DataType::UInt64, false), (label(), false)];
    types.extend([(DataType::Float64, true), (label(), true)]);
    types.extend((0..6).map(|_| (DataType::Float64, true)));
    types.extend(s.members.iter().map(|_| (DataType::Float64, true)));
    types.extend(s.outcomes.iter().map(|_| (DataType::Float64, true)));
    types.extend(s.variables.iter().map(|v| match v.ty {
        Type::Num => (DataType::Float64, true),
        Type::Bool => (DataType::Boolean, false),
        Type::Str => (label(), true),
    }));
    types.extend(s.members.iter().map(|_| (label(), false)));
    types.extend(s.members.iter().map(|_| (DataType::Boolean, false)));
    Schema::new(names.into_iter().zip(types).map(|(n, (t, null))| Column::new(n, t, null)).collect::<Vec<_>>())
}

/// A column being filled.
pub enum Builder {
    /// The trial index.
    Trial(UInt64Builder),
    /// Numbers, null where undefined.
    Number(Float64Builder),
    /// Labels (classes, pools, votes, categories), dictionary-encoded.
    Label(StringDictionaryBuilder<Int16Type>),
    /// Booleans.
    Bool(BooleanBuilder),
}

impl Builder {
    /// A builder for a column of type `t`; a label column starts with all
    /// the labels it can hold, so every batch of a file carries the same
    /// dictionary (as Arrow IPC files require).
    fn of(t: &DataType, labels: &[String]) -> Builder {
        match t {
            DataType::UInt64 => Builder::Trial(UInt64Builder::new()),
            DataType::Boolean => Builder::Bool(BooleanBuilder::new()),
            DataType::Dictionary(..) => {
                let values = arrow_array::StringArray::from_iter_values(labels);
                match StringDictionaryBuilder::new_with_dictionary(0, &values) {
                    Ok(b) => Builder::Label(b),
                    Err(_) => Builder::Label(StringDictionaryBuilder::new()),
                }
            }
            _ => Builder::Number(Float64Builder::new()),
        }
    }

    fn trial(&mut self, i: u64) {
        if let Builder::Trial(b) = self {
            b.append_value(i);
        }
    }

    fn number(&mut self, x: Option<f64>) {
        if let Builder::Number(b) = self {
            b.append_option(x);
        }
    }

    fn label(&mut self, x: Option<&str>) {
        if let Builder::Label(b) = self {
            match x {
                Some(text) => {
                    let _ = b.append(text);
                }
                None => b.append_null(),
            }
        }
    }

    fn boolean(&mut self, x: bool) {
        if let Builder::Bool(b) = self {
            b.append_value(x);
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Trial(mut b) => Arc::new(b.finish()),
            Builder::Number(mut b) => Arc::new(b.finish()),
            Builder::Label(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

/// The labels each label column can hold, in schema order (empty for
/// other columns).
fn column_labels(s: &Scenario) -> Vec<Vec<String>> {
    let words = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let none = || Vec::new();
    let mut labels = vec![none(), words(&class::NAMES), none(), s.pools.iter().map(|p| p.id.clone()).collect()];
    labels.extend((0..6 + s.members.len() + s.outcomes.len()).map(|_| none()));
    // A categorical variable's labels; any other string-valued variable can
    // hold only strings the scenario interned.
    labels.extend(s.variables.iter().map(|v| match v.ty {
        Type::Str => s.symbols.labels.get(&v.name).cloned().unwrap_or_else(|| s.symbols.strings.clone()),
        _ => none(),
    }));
    labels.extend(s.members.iter().map(|_| words(&vote::NAMES)));
    labels.extend(s.members.iter().map(|_| none()));
    labels
}

/// One chunk's records, being encoded in the worker that runs the chunk.
pub enum ChunkRecords {
    /// CSV rows.
    Csv(Vec<u8>),
    /// Arrow columns, in schema order.
    Arrow(Arc<Schema>, Vec<Builder>),
}

impl ChunkRecords {
    /// An empty chunk in `format` (`schema`: the records' Arrow schema).
    pub fn new(format: RecordFormat, s: &Scenario, schema: &Arc<Schema>) -> ChunkRecords {
        match format {
            RecordFormat::Csv => ChunkRecords::Csv(Vec::new()),
            RecordFormat::Arrow => ChunkRecords::Arrow(
                Arc::clone(schema),
                schema.fields().iter().zip(column_labels(s)).map(|(f, l)| Builder::of(f.data_type(), &l)).collect(),
            ),
        }
    }

    /// Adds trial `i`, left in `frame`.
    pub fn push(&mut self, s: &Scenario, i: u64, frame: &Frame) {
        let columns = match self {
            ChunkRecords::Csv(out) => return append(out, s, i, frame),
            ChunkRecords::Arrow(_, columns) => columns,
        };
        let row = Row::new(frame);
        let mut next = columns.iter_mut();
        let mut put = |fill: &dyn Fn(&mut Builder)| {
            if let Some(b) = next.next() {
                fill(b);
            }
        };
        put(&|b| b.trial(i));
        put(&|b| b.label(Some(row.class())));
        put(&|b| b.number(defined(frame.get(Field::Need))));
        put(&|b| b.label(row.pool(s)));
        for value in row.deployment() {
            put(&|b| b.number(value));
        }
        put(&|b| b.number(row.decision_days()));
        for m in 0..s.members.len() {
            put(&|b| b.number(row.personnel(m)));
        }
        for o in &s.outcomes {
            put(&|b| b.number(defined(frame.vars[o.slot])));
        }
        for k in 0..s.variables.len() {
            match variable(s, k, frame) {
                Value::Number(x) => put(&|b| b.number(x)),
                Value::Bool(x) => put(&|b| b.boolean(x)),
                Value::Label(x) => put(&|b| b.label(x)),
            }
        }
        for m in 0..s.members.len() {
            put(&|b| b.label(Some(row.vote(m))));
        }
        for m in 0..s.members.len() {
            put(&|b| b.boolean(row.contributes(m)));
        }
    }
}

/// The finished columns of a chunk as one record batch.
fn finish_batch(schema: Arc<Schema>, columns: Vec<Builder>) -> Result<RecordBatch, ArrowError> {
    RecordBatch::try_new(schema, columns.into_iter().map(Builder::finish).collect())
}

/// Trials `[start, end)` of `s` under `seed`, run in this thread, as one
/// Arrow record batch of `schema` (from [`arrow_schema()`]): the rows `run
/// --trials-out FILE.arrow` writes for that range. For programs that take
/// records in memory (the Python package's `trials()`).
pub fn arrow_batch(
    s: &Scenario,
    schema: &Arc<Schema>,
    seed: u64,
    start: u64,
    end: u64,
) -> Result<RecordBatch, ArrowError> {
    let mut chunk = ChunkRecords::new(RecordFormat::Arrow, s, schema);
    crate::batch::run_range_with(s, seed, start, end, |i, frame| chunk.push(s, i, frame));
    match chunk {
        ChunkRecords::Arrow(schema, columns) => finish_batch(schema, columns),
        ChunkRecords::Csv(_) => Err(ArrowError::InvalidArgumentError("not an Arrow chunk".into())),
    }
}

/// Where records go, in their format.
pub enum RecordWriter<'w> {
    /// CSV text.
    Csv(&'w mut (dyn Write + Send)),
    /// An Arrow IPC file.
    Arrow(Box<FileWriter<&'w mut (dyn Write + Send)>>),
}

fn io_error(e: ArrowError) -> io::Error {
    match e {
        ArrowError::IoError(_, e) => e,
        other => io::Error::other(other.to_string()),
    }
}

impl<'w> RecordWriter<'w> {
    /// Starts writing records of `schema` (the CSV header, or the Arrow
    /// file's schema) to `out`.
    pub fn start(
        format: RecordFormat,
        s: &Scenario,
        schema: &Schema,
        out: &'w mut (dyn Write + Send),
    ) -> io::Result<RecordWriter<'w>> {
        match format {
            RecordFormat::Csv => {
                out.write_all(&header(s))?;
                Ok(RecordWriter::Csv(out))
            }
            RecordFormat::Arrow => {
                // LZ4 frames, which pandas, polars and pyarrow all read.
                let options = IpcWriteOptions::default()
                    .try_with_compression(Some(CompressionType::LZ4_FRAME))
                    .map_err(io_error)?;
                FileWriter::try_new_with_options(out, schema, options)
                    .map(|w| RecordWriter::Arrow(Box::new(w)))
                    .map_err(io_error)
            }
        }
    }

    /// Appends a chunk's records.
    pub fn write(&mut self, chunk: ChunkRecords) -> io::Result<()> {
        match (self, chunk) {
            (RecordWriter::Csv(out), ChunkRecords::Csv(rows)) => out.write_all(&rows),
            (RecordWriter::Arrow(writer), ChunkRecords::Arrow(schema, columns)) => {
                let batch = finish_batch(schema, columns).map_err(io_error)?;
                writer.write(&batch).map_err(io_error)
            }
            _ => Err(io::Error::other("a chunk in the wrong record format")),
        }
    }

    /// Ends the records (the Arrow file's footer).
    pub fn finish(self) -> io::Result<()> {
        match self {
            RecordWriter::Csv(out) => out.flush(),
            RecordWriter::Arrow(mut writer) => writer.finish().map_err(io_error),
        }
    }
}

/// The bytes the records of trials `0..n` take in `format` (written whole,
/// as one chunk), for size estimates.
#[cfg(feature = "cli")]
pub fn encoded_size(s: &Scenario, seed: u64, n: u64, format: RecordFormat) -> io::Result<usize> {
    let schema = Arc::new(arrow_schema(s));
    let mut chunk = ChunkRecords::new(format, s, &schema);
    crate::batch::run_range_with(s, seed, 0, n, |i, frame| chunk.push(s, i, frame));
    let mut bytes: Vec<u8> = Vec::new();
    let mut writer = RecordWriter::start(format, s, &schema, &mut bytes)?;
    writer.write(chunk)?;
    writer.finish()?;
    Ok(bytes.len())
}
