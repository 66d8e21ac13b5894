//! Long calls from Python: off the GIL, on the engine's threads, stopped by
//! Ctrl-C, with progress handed to a Python callable.
//!
//! The analysis runs on a scoped thread inside a rayon pool; the calling
//! (Python main) thread waits for it without the GIL, waking every 100 ms
//! or on progress to let Python check its signals — only the main thread
//! sees them — and to call the progress callable. A pending
//! KeyboardInterrupt (or an exception raised by the callable) raises the
//! monitor's stop; the analysis ends at its next wave and the error is
//! raised in its place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use alliance_sim::analysis::Monitor;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;

/// How often the waiting thread looks at Python's signals.
const TICK: Duration = Duration::from_millis(100);

/// The worker pool of `threads` threads (all cores when `None`), built once
/// per size and kept: building one costs more than a small run.
pub fn pool(threads: Option<usize>) -> PyResult<Arc<rayon::ThreadPool>> {
    static POOLS: Mutex<Option<HashMap<usize, Arc<rayon::ThreadPool>>>> = Mutex::new(None);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (n, most) = (threads.unwrap_or(cores), alliance_sim::batch::max_threads());
    if n == 0 || n > most {
        return Err(PyValueError::new_err(format!(
            "threads={n}: expected 1 to {most} (8 per core), or None for all cores"
        )));
    }
    let mut pools = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = pools.get_or_insert_with(HashMap::new).get(&n) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map(Arc::new)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start worker threads: {e}")))?;
    pools.get_or_insert_with(HashMap::new).insert(n, Arc::clone(&pool));
    Ok(pool)
}

/// Runs `analysis` on `threads` workers without the GIL, watched from the
/// calling thread as the module's comment says; `progress`, a Python
/// callable, is told `(done, total)` scenario-trials.
pub fn watched<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    analysis: impl FnOnce(Monitor<'_>) -> T + Send,
) -> PyResult<T> {
    let pool = pool(threads)?;
    let cancel = AtomicBool::new(false);
    let mut raised: Option<PyErr> = None;
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel::<(u64, u64)>();
            let cancel = &cancel;
            let worker = scope.spawn(move || {
                pool.install(move || {
                    analysis(Monitor::new(cancel, move |done, total| {
                        let _ = tx.send((done, total));
                    }))
                })
            });
            let mut latest = None;
            loop {
                let ended = match rx.recv_timeout(TICK) {
                    Ok(told) => {
                        latest = Some(told);
                        // Only the newest of a burst is shown.
                        while let Ok(told) = rx.try_recv() {
                            latest = Some(told);
                        }
                        false
                    }
                    Err(RecvTimeoutError::Timeout) => false,
                    Err(RecvTimeoutError::Disconnected) => true,
                };
                if raised.is_none() {
                    Python::attach(|py| {
                        let told = latest.take();
                        let outcome = py.check_signals().and_then(|()| match (&progress, told) {
                            (Some(callable), Some((done, total))) => callable.call1(py, (done, total)).map(drop),
                            _ => Ok(()),
                        });
                        if let Err(e) = outcome {
                            raised = Some(e);
                            cancel.store(true, Ordering::Relaxed);
                        }
                    });
                }
                if ended {
                    break;
                }
            }
            worker.join()
        })
    });
    if let Some(e) = raised {
        return Err(e);
    }
    result.map_err(|_| PyRuntimeError::new_err("the engine stopped unexpectedly (a worker thread panicked)"))
}
