//! `alliance-sim serve`: the classroom studio, a local web application over
//! the library — scenarios picked, inputs moved by sliders, results beside
//! the unmodified scenario on common random numbers.
//!
//! One binary, nothing fetched: the page, its script and style are
//! embedded, and the charts are the HTML report's own SVG (rendered here,
//! per request). The engine is a library call on a blocking thread; at most
//! `jobs` run at once (the rest wait their turn), each capped in trials, and
//! a newer request from the same page stops the older one. The server
//! writes nothing and reads only bundled scenarios and regular files inside
//! the folder it was started in. Every request carries the random token of
//! the printed address (as Jupyter does), header or query.
//!
//! `api` holds the handlers; `controls` derives the sliders from a
//! scenario and writes a what-if file from their values.

mod api;
mod controls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::Semaphore;

use crate::scenario::{self, Source, bundled};

/// The page, its script and its style, embedded.
const INDEX: &str = include_str!("page/index.html");
const SCRIPT: &str = include_str!("page/studio.js");
const STYLE: &str = include_str!("page/studio.css");

/// Largest request body accepted (a scenario file is at most 1 MiB).
pub const MOST_BODY_BYTES: usize = 2 << 20;

/// How the studio is set up.
#[derive(Debug, Clone)]
pub struct Config {
    /// The folder whose scenario files may be opened.
    pub root: PathBuf,
    /// The access token every request must carry.
    pub token: String,
    /// Most trials one request may run.
    pub most_trials: u64,
    /// Most engine jobs at once.
    pub jobs: usize,
}

/// The server's state.
pub struct Studio {
    root: PathBuf,
    token: String,
    most_trials: u64,
    jobs: Semaphore,
    /// Each page's running job: its sequence number and stop flag.
    running: Mutex<HashMap<String, (u64, Arc<AtomicBool>)>>,
}

impl Studio {
    /// A studio over `config.root` (which must exist).
    pub fn new(config: Config) -> std::io::Result<Studio> {
        let root = std::fs::canonicalize(&config.root)?;
        Ok(Studio {
            root,
            token: config.token,
            most_trials: config.most_trials.max(1),
            jobs: Semaphore::new(config.jobs.max(1)),
            running: Mutex::new(HashMap::new()),
        })
    }

    /// The scenario a page names: a bundled name, or `file:PATH` inside
    /// the root (see [`Studio::file`]).
    fn source(&self, name: &str) -> Result<Source, api::ApiError> {
        if let Some(relative) = name.strip_prefix("file:") {
            return self.file(relative);
        }
        bundled::find(name)
            .map(|n| Source::Bundled(n.to_string()))
            .ok_or_else(|| api::ApiError::not_found(format!("no bundled scenario '{name}' (files are 'file:PATH')")))
    }

    /// A `.yaml` file inside the root, as a [`Source::Within`] (so that
    /// nothing it extends may leave the root either): refused (403) when
    /// it leaves the root (`..`, an absolute path, a symbolic link out),
    /// is hidden or is not a regular `.yaml` file; 404 when missing.
    fn file(&self, relative: &str) -> Result<Source, api::ApiError> {
        let path = Path::new(relative);
        scenario::inside(&self.root, path, false).map_err(|why| api::ApiError::forbidden(format!("refused {why}")))?;
        if std::fs::symlink_metadata(self.root.join(path)).is_err() {
            return Err(api::ApiError::not_found(format!("no file '{relative}' in the studio's folder")));
        }
        scenario::inside(&self.root, path, true).map_err(|why| api::ApiError::forbidden(format!("refused {why}")))?;
        Ok(Source::Within { root: self.root.clone(), path: path.to_path_buf(), text: None })
    }

    /// Starts a page's engine job: stops the page's older job, then waits
    /// its turn among the jobs. Refused (409) when a newer request from the
    /// page came first or arrives while it waits.
    async fn job(&self, page: &str, sequence: u64) -> Result<Job<'_>, api::ApiError> {
        let stop = self.start_job(page, sequence)?;
        let gone = StopOnDrop(Arc::clone(&stop));
        let turn = self.jobs.acquire().await.map_err(|_| api::ApiError::superseded())?;
        if stop.load(Ordering::Relaxed) {
            return Err(api::ApiError::superseded());
        }
        Ok(Job { stop, _gone: gone, _turn: turn })
    }

    /// Registers a page's new job, stopping its older one; the returned
    /// flag stops this one.
    fn start_job(&self, page: &str, sequence: u64) -> Result<Arc<AtomicBool>, api::ApiError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((newest, _)) = running.get(page)
            && *newest > sequence
        {
            return Err(api::ApiError::superseded());
        }
        let stop = Arc::new(AtomicBool::new(false));
        if let Some((_, older)) = running.insert(page.to_string(), (sequence, Arc::clone(&stop))) {
            older.store(true, Ordering::Relaxed);
        }
        // Pages that went away leave one entry each; keep the map bounded.
        if running.len() > 10_000 {
            running.retain(|_, (_, flag)| !flag.load(Ordering::Relaxed));
        }
        Ok(stop)
    }
}

/// A running engine job: the flag that stops it, raised also when its
/// request goes away, and its turn among the jobs (released when dropped).
struct Job<'a> {
    stop: Arc<AtomicBool>,
    _gone: StopOnDrop,
    _turn: tokio::sync::SemaphorePermit<'a>,
}

/// Raises a job's stop flag when its request goes away (the page navigated,
/// or a newer request aborted this one).
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// The studio's routes.
pub fn router(studio: Arc<Studio>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/studio.js", get(|| async { asset("text/javascript; charset=utf-8", SCRIPT) }))
        .route("/studio.css", get(|| async { asset("text/css; charset=utf-8", STYLE) }))
        .route("/report.css", get(|| async { asset("text/css; charset=utf-8", crate::report::html::STYLE) }))
        .route("/api/scenarios", get(api::scenarios))
        .route("/api/controls", get(api::controls))
        .route("/api/run", post(api::run))
        .route("/api/tornado", post(api::tornado))
        .route("/api/validate", post(api::validate))
        .route("/api/story", post(api::story))
        .route("/api/what-if", post(api::what_if))
        .layer(axum::extract::DefaultBodyLimit::max(MOST_BODY_BYTES))
        .layer(middleware::from_fn_with_state(Arc::clone(&studio), check_token))
        .layer(middleware::map_response(no_store))
        .with_state(studio)
}

/// Serves `router` on `listener` until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, studio: Arc<Studio>) -> std::io::Result<()> {
    axum::serve(listener, router(studio).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind)], body).into_response()
}

/// The page, with the token it must send back.
async fn page(State(studio): State<Arc<Studio>>) -> Response {
    let html = INDEX.replace("{{TOKEN}}", &studio.token);
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// Refuses a request without the studio's token (403), in the
/// `x-studio-token` header or the `token` query parameter.
async fn check_token(State(studio): State<Arc<Studio>>, request: Request, next: Next) -> Response {
    let header = request.headers().get("x-studio-token").and_then(|v| v.to_str().ok());
    let query = request.uri().query().and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("token=")));
    let given = header.or(query).unwrap_or("");
    if same(given.as_bytes(), studio.token.as_bytes()) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "this studio needs the token of the address it printed when it started\n")
            .into_response()
    }
}

/// Compares in time independent of where the texts differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Answers are never cached (they carry the token's page and live figures).
async fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A random access token: 128 bits from rand's thread-local generator (a
/// CSPRNG seeded by the operating system), as hex.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
