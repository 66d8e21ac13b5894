//! Long calls from Python: off the GIL, on the engine's threads, stopped by
//! Ctrl-C, with progress handed to a Python callable.
//!
//! The analysis runs on a scoped thread inside a rayon pool; the calling
//! thread waits for it without the GIL, waking every 100 ms or on progress
//! to let Python check its signals — only the main thread sees them — to
//! call the progress callable, and to look at the call's `Cancel` token and
//! time limit (which reach a call in any thread). A pending
//! KeyboardInterrupt, an exception raised by the callable, a cancelled
//! token or a passed limit raises the monitor's stop; the analysis ends at
//! its next wave and the error is raised in its place.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use alliance_sim::analysis::Monitor;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    alliance_sim,
    Cancelled,
    PyException,
    "A call stopped by its `Cancel` token (`cancel=`): it returns no result."
);

/// A token that stops the calls it is given (`cancel=`) from any thread:
/// a web app's callback, a notebook's button. Ctrl-C reaches only the
/// main thread; this reaches a call running in any.
#[pyclass(module = "alliance_sim", name = "Cancel", frozen)]
pub struct CancelToken {
    flag: Arc<AtomicBool>,
}

#[pymethods]
impl CancelToken {
    #[new]
    fn new() -> CancelToken {
        CancelToken { flag: Arc::new(AtomicBool::new(false)) }
    }

    /// Stops every call given this token, now and later: each raises
    /// `Cancelled` within about 100 ms (a record reader at its next wave).
    fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    /// Whether `cancel()` was called.
    #[getter]
    fn cancelled(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }

    fn __repr__(&self) -> String {
        format!("<alliance_sim.Cancel{}>", if self.cancelled() { " (cancelled)" } else { "" })
    }
}

/// How a long call is watched: its workers, its progress callable, and
/// what may stop it besides Ctrl-C (a token, a time limit).
pub struct Watch {
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
    token: Option<Arc<AtomicBool>>,
    limit: Option<(Instant, f64)>,
}

impl Watch {
    /// From a call's `threads`, `progress`, `cancel` and `timeout` (seconds).
    pub fn new(
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
        cancel: Option<PyRef<'_, CancelToken>>,
        timeout: Option<f64>,
    ) -> PyResult<Watch> {
        let limit = match timeout {
            Some(t) if !(t.is_finite() && t > 0.0) => {
                return Err(PyValueError::new_err(format!("timeout={t}: expected a positive number of seconds")));
            }
            Some(t) => Some((Instant::now() + Duration::from_secs_f64(t.min(1e9)), t)),
            None => None,
        };
        Ok(Watch { threads, progress, token: token_flag(cancel), limit })
    }

    /// Why the call must stop now, if it must.
    fn reached(&self) -> Option<PyErr> {
        if self.token.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
            return Some(Cancelled::new_err("cancelled by its token"));
        }
        match self.limit {
            Some((deadline, seconds)) if Instant::now() >= deadline => {
                Some(PyTimeoutError::new_err(format!("stopped after timeout={seconds} s: no results")))
            }
            _ => None,
        }
    }
}

/// The shared flag of a `cancel=` token.
pub fn token_flag(cancel: Option<PyRef<'_, CancelToken>>) -> Option<Arc<AtomicBool>> {
    cancel.map(|c| Arc::clone(&c.flag))
}

/// How often the waiting thread looks at Python's signals.
const TICK: Duration = Duration::from_millis(100);

/// The kept pools, with the process that started their threads.
struct Pools {
    process: u32,
    by_size: HashMap<usize, Arc<rayon::ThreadPool>>,
}

/// The worker pool of `threads` threads (all cores when `None`), built once
/// per size and kept: building one costs more than a small run.
///
/// A forked child (multiprocessing's default on Linux, joblib, EMA's
/// evaluators) inherits the kept pools but not their threads: work sent to
/// one would wait for ever. So the pools belong to the process that built
/// them, and a child builds its own; the parent's are forgotten, not
/// dropped, since dropping one would signal threads that do not exist.
pub fn pool(threads: Option<usize>) -> PyResult<Arc<rayon::ThreadPool>> {
    static POOLS: Mutex<Option<Pools>> = Mutex::new(None);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (n, most) = (threads.unwrap_or(cores), alliance_sim::batch::max_threads());
    if n == 0 || n > most {
        return Err(PyValueError::new_err(format!(
            "threads={n}: expected 1 to {most} (8 per core), or None for all cores"
        )));
    }
    let mut kept = POOLS.lock().unwrap_or_else(PoisonError::into_inner);
    let process = std::process::id();
    if kept.as_ref().is_some_and(|p| p.process != process)
        && let Some(inherited) = kept.take()
    {
        std::mem::forget(inherited.by_size);
    }
    let pools = &mut kept.get_or_insert_with(|| Pools { process, by_size: HashMap::new() }).by_size;
    if let Some(pool) = pools.get(&n) {
        return Ok(Arc::clone(pool));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map(Arc::new)
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start worker threads: {e}")))?;
    pools.insert(n, Arc::clone(&pool));
    Ok(pool)
}

/// Runs `analysis` on `threads` workers without the GIL, watched from the
/// calling thread as the module's comment says; `progress`, a Python
/// callable, is told `(done, total)` scenario-trials.
pub fn watched<T: Send>(py: Python<'_>, watch: Watch, analysis: impl FnOnce(Monitor<'_>) -> T + Send) -> PyResult<T> {
    if let Some(why) = watch.reached() {
        return Err(why);
    }
    let pool = pool(watch.threads)?;
    let progress = watch.progress.as_ref();
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
                        let outcome = py.check_signals().and_then(|()| match (progress, told) {
                            (Some(callable), Some((done, total))) => callable.call1(py, (done, total)).map(drop),
                            _ => Ok(()),
                        });
                        // A finished analysis is kept even if its time ran out meanwhile.
                        let stop = if ended { None } else { watch.reached() };
                        if let Err(e) = outcome.and_then(|()| stop.map_or(Ok(()), Err)) {
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
