//! Per-trial records as Arrow, through the Arrow PyCapsule interface
//! (`__arrow_c_stream__`): pyarrow and polars take the batches without a
//! copy, pandas (3.x, `DataFrame.from_arrow`) converts them. Each export starts a new stream over the same trials —
//! a trial's record depends only on (seed, trial) — so one `TrialRecords`
//! can be read any number of times, by any of them.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use alliance_sim::records::{arrow_batch, arrow_schema};
use alliance_sim::scenario::Scenario;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchReader};
use arrow_schema::{ArrowError, SchemaRef};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rayon::prelude::*;

use crate::watch::pool;

/// Most trials in one record batch.
const MOST_CHUNK: u64 = 1 << 22;

/// The records a call asks for: `n` trials from `seed`, only `columns`
/// (all when `None`), in chunks of `chunk` trials on `threads` workers.
pub struct Wanted {
    pub seed: u64,
    pub n: u64,
    pub columns: Option<Vec<String>>,
    pub chunk: u64,
    pub threads: Option<usize>,
}

/// Trials `[0, n)` of a scenario as Arrow record batches, computed chunk by
/// chunk as a reader asks for them.
#[pyclass(frozen, module = "alliance_sim._engine")]
pub struct TrialRecords {
    scenario: Arc<Scenario>,
    schema: SchemaRef,
    projection: Option<Vec<usize>>,
    seed: u64,
    n: u64,
    chunk: u64,
    /// The workers, found again at each read: a reader made in a forked
    /// child must not wait on its parent's threads.
    threads: Option<usize>,
    token: Option<Arc<AtomicBool>>,
}

impl TrialRecords {
    /// The records `wanted` asks for, stopped by `token` when it is cancelled.
    pub fn new(scenario: Arc<Scenario>, wanted: Wanted, token: Option<Arc<AtomicBool>>) -> PyResult<TrialRecords> {
        let Wanted { seed, n, columns, chunk, threads } = wanted;
        // Refuses a bad `threads` here, where it is given; the reader looks
        // the pool up again when it reads.
        pool(threads)?;
        if chunk == 0 || chunk > MOST_CHUNK {
            return Err(PyValueError::new_err(format!("chunk={chunk}: expected 1 to {MOST_CHUNK} trials")));
        }
        let schema = Arc::new(arrow_schema(&scenario));
        let projection = match columns {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        schema.index_of(name).map_err(|_| {
                            let all: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                            PyValueError::new_err(format!("columns: no column '{name}' (columns: {})", all.join(", ")))
                        })
                    })
                    .collect::<PyResult<Vec<usize>>>()?,
            ),
        };
        Ok(TrialRecords { scenario, schema, projection, seed, n, chunk, threads, token })
    }

    fn reader(&self) -> PyResult<TrialReader> {
        let out_schema = match &self.projection {
            Some(p) => Arc::new(self.schema.project(p).map_err(|e| PyValueError::new_err(e.to_string()))?),
            None => Arc::clone(&self.schema),
        };
        Ok(TrialReader {
            scenario: Arc::clone(&self.scenario),
            schema: Arc::clone(&self.schema),
            out_schema,
            projection: self.projection.clone(),
            seed: self.seed,
            next: 0,
            end: self.n,
            chunk: self.chunk,
            pool: pool(self.threads)?,
            token: self.token.clone(),
            ready: VecDeque::new(),
        })
    }
}

#[pymethods]
impl TrialRecords {
    /// A new Arrow C stream of the records (the Arrow PyCapsule interface).
    /// A requested schema is not honoured: the records have one layout.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = self.reader()?;
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// How many trials.
    fn __len__(&self) -> usize {
        usize::try_from(self.n).unwrap_or(usize::MAX)
    }

    /// The column names, in order.
    #[getter]
    fn columns(&self) -> Vec<String> {
        let names = self.schema.fields().iter().map(|f| f.name().clone());
        match &self.projection {
            Some(p) => p.iter().filter_map(|&i| self.schema.fields().get(i).map(|f| f.name().clone())).collect(),
            None => names.collect(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<alliance_sim TrialRecords: {} trials of '{}', seed {}, {} columns>",
            self.n,
            self.scenario.name,
            self.seed,
            self.projection.as_ref().map_or(self.schema.fields().len(), Vec::len)
        )
    }
}

/// Reads the records in trial order, a wave of chunks at a time (one per
/// worker), each chunk run in its worker.
struct TrialReader {
    scenario: Arc<Scenario>,
    schema: SchemaRef,
    out_schema: SchemaRef,
    projection: Option<Vec<usize>>,
    seed: u64,
    next: u64,
    end: u64,
    chunk: u64,
    pool: Arc<rayon::ThreadPool>,
    token: Option<Arc<AtomicBool>>,
    ready: VecDeque<Result<RecordBatch, ArrowError>>,
}

impl TrialReader {
    /// Why reading must stop before the next wave: Ctrl-C (seen on the main
    /// thread: pyarrow and polars read a whole stream without returning to
    /// Python, so nothing else would look) or the call's cancelled token.
    fn stopped(&self) -> Option<ArrowError> {
        let interrupted = Python::attach(|py| {
            let pending = py.check_signals().is_err();
            if pending {
                // The check took the pending KeyboardInterrupt; marked
                // again, it is raised when the reader's caller returns to
                // Python. SAFETY: called with the GIL held, as required.
                unsafe { pyo3::ffi::PyErr_SetInterrupt() }
            }
            pending
        });
        if interrupted {
            return Some(ArrowError::ExternalError("interrupted (Ctrl-C): reading stopped".into()));
        }
        if self.token.as_ref().is_some_and(|t| t.load(Ordering::Relaxed)) {
            return Some(ArrowError::ExternalError("cancelled by its token: reading stopped".into()));
        }
        None
    }
}

impl Iterator for TrialReader {
    type Item = Result<RecordBatch, ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() && self.next < self.end {
            if let Some(why) = self.stopped() {
                self.next = self.end;
                return Some(Err(why));
            }
            let wave = self.pool.current_num_threads() as u64;
            let starts: Vec<u64> = (0..wave)
                .map(|k| self.next.saturating_add(k.saturating_mul(self.chunk)))
                .filter(|&start| start < self.end)
                .collect();
            let (s, schema, seed, chunk, end) = (&self.scenario, &self.schema, self.seed, self.chunk, self.end);
            let projection = &self.projection;
            let batches: Vec<Result<RecordBatch, ArrowError>> = self.pool.install(|| {
                starts
                    .par_iter()
                    .map(|&start| {
                        let batch = arrow_batch(s, schema, seed, start, start.saturating_add(chunk).min(end))?;
                        match projection {
                            Some(p) => batch.project(p),
                            None => Ok(batch),
                        }
                    })
                    .collect()
            });
            self.next = starts.last().map_or(self.end, |&last| last.saturating_add(chunk).min(self.end));
            self.ready.extend(batches);
        }
        self.ready.pop_front()
    }
}

impl RecordBatchReader for TrialReader {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.out_schema)
    }
}
