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
mod queue;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use lru::LruCache;
use tokio::sync::OnceCell;
use tower_http::timeout::RequestBodyTimeout;

use queue::{Priority, Stop, Turns};

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

/// Trials of a move's first picture, the page's first request: asked at
/// the first priority.
pub const FIRST_PICTURE: u64 = 20_000;

/// How far a refinement goes while the class is busy (someone waits for
/// a turn, or another job runs): the page says "refined to 200,000: the
/// class is busy".
pub const BUSY_FLOOR: u64 = 200_000;

/// Answers kept to share: a class moves the same sliders to the same
/// marks, and an answer is computed once for all of them.
const KEPT_ANSWERS: NonZeroUsize = NonZeroUsize::new(256).unwrap();

/// Longest page id (the page makes 16 hex digits).
const PAGE_ID_BYTES: usize = 64;

/// Pages whose newest move is remembered (a few hundred bytes each; a
/// class has tens).
const KEPT_PAGES: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

/// The server's state.
pub struct Studio {
    root: PathBuf,
    token: String,
    most_trials: u64,
    turns: Arc<Turns>,
    /// The newest move and the running jobs of the pages seen last.
    pages: Mutex<LruCache<String, Page>>,
    /// Answers by what was asked (see [`Studio::answer`]).
    answers: Mutex<LruCache<[u8; 32], Shared>>,
    /// Numbers jobs.
    jobs_started: AtomicU64,
}

/// An answer shared by every request that asks it: empty until the first
/// to compute it has.
type Shared = Arc<OnceCell<Arc<str>>>;

/// A page's jobs: its newest move's number and each job's stop signal.
#[derive(Default)]
struct Page {
    newest: u64,
    jobs: Vec<(Kind, u64, Arc<Stop>)>,
}

/// What a page's job computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A picture: the changed scenario beside the unmodified one.
    Run,
    /// The tornado of every input.
    Tornado,
    /// The story of one trial.
    Story,
}

impl Studio {
    /// A studio over `config.root` (which must exist).
    pub fn new(config: Config) -> std::io::Result<Studio> {
        let root = std::fs::canonicalize(&config.root)?;
        Ok(Studio {
            root,
            token: config.token,
            most_trials: config.most_trials.max(1),
            turns: Turns::new(config.jobs),
            pages: Mutex::new(LruCache::new(KEPT_PAGES)),
            answers: Mutex::new(LruCache::new(KEPT_ANSWERS)),
            jobs_started: AtomicU64::new(0),
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

    fn pages(&self) -> std::sync::MutexGuard<'_, LruCache<String, Page>> {
        self.pages.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Enlists a page's job of `kind` for its move `sequence`: a newer move
    /// stops every older job of the page (pictures, tornado, story); a job
    /// of the same kind replaces the page's running one. Refused (409) for
    /// a move older than the page's newest, and (400) for a page id that
    /// is not a short token.
    fn enlist(self: &Arc<Self>, page: &str, sequence: u64, kind: Kind) -> Result<Enlisted, api::ApiError> {
        if page.is_empty()
            || page.len() > PAGE_ID_BYTES
            || !page.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(api::ApiError::bad(format!(
                "page: expected an id of 1 to {PAGE_ID_BYTES} letters, digits, '-' or '_'"
            )));
        }
        let mut pages = self.pages();
        let entry = pages.get_or_insert_mut(page.to_string(), Page::default);
        if entry.newest > sequence {
            return Err(api::ApiError::superseded());
        }
        let newer = sequence > entry.newest;
        entry.newest = sequence;
        for (k, _, stop) in &entry.jobs {
            if newer || *k == kind {
                stop.raise();
            }
        }
        let id = self.jobs_started.fetch_add(1, Ordering::Relaxed);
        let stop = Arc::new(Stop::default());
        entry.jobs.push((kind, id, Arc::clone(&stop)));
        Ok(Enlisted { studio: Arc::clone(self), page: page.to_string(), id, stop })
    }

    /// The answer to a request `key` names (a hash of everything it asked:
    /// see [`api`]): kept from an earlier request, or being computed for
    /// another page (waited for), or else computed here by `compute` in a
    /// turn of `priority` and `size` on a blocking thread. Ends (409) when
    /// `stop` is raised first. Also says whether the answer was shared.
    async fn answer(
        self: &Arc<Self>,
        key: [u8; 32],
        priority: Priority,
        size: u64,
        stop: &Arc<Stop>,
        compute: impl FnOnce(&AtomicBool) -> Result<String, api::ApiError> + Send + 'static,
    ) -> Result<(Arc<str>, bool), api::ApiError> {
        let cell = {
            let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(answers.get_or_insert(key, || Arc::new(OnceCell::new())))
        };
        let computed = AtomicBool::new(false);
        let work = cell.get_or_try_init(|| async {
            computed.store(true, Ordering::Relaxed);
            let turn = tokio::select! {
                turn = self.turns.take(priority, size) => turn,
                () = stop.raised() => return Err(api::ApiError::superseded()),
            };
            let stop = Arc::clone(stop);
            tokio::task::spawn_blocking(move || {
                let _turn = turn;
                if stop.is_raised() {
                    return Err(api::ApiError::superseded());
                }
                compute(stop.flag()).map(Arc::from)
            })
            .await
            .map_err(|e| api::ApiError::bad(format!("the computation failed: {e}")))?
        });
        let answer = tokio::select! {
            answer = work => answer?,
            () = stop.raised() => return Err(api::ApiError::superseded()),
        };
        Ok((Arc::clone(answer), !computed.load(Ordering::Relaxed)))
    }

    /// Whether the class is busy: someone waits for a turn, or a job runs.
    fn busy(&self) -> bool {
        self.turns.busy(0)
    }

    /// Whether an answer to `key` is kept.
    fn kept(&self, key: &[u8; 32]) -> Option<Arc<str>> {
        let mut answers = self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        answers.get(key).and_then(|cell| cell.get().cloned())
    }
}

/// A page's job, enlisted: its stop signal is raised when the page's newer
/// move comes and when the request goes away (the page navigated or
/// aborted it, the connection closed); then it leaves its page's list.
struct Enlisted {
    studio: Arc<Studio>,
    page: String,
    id: u64,
    stop: Arc<Stop>,
}

impl Drop for Enlisted {
    fn drop(&mut self) {
        self.stop.raise();
        let mut pages = self.studio.pages();
        if let Some(entry) = pages.peek_mut(&self.page) {
            entry.jobs.retain(|(_, id, _)| *id != self.id);
        }
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
        .layer(middleware::map_response(guard_headers))
        .with_state(studio)
}

/// Most connections served at once (fewer when the process may open
/// fewer than twice as many files: half the file limit); further ones
/// wait to be accepted, in the listener's backlog, so that idle
/// connections can never take every file the process may open.
pub const MOST_CONNECTIONS: usize = 256;

/// Connections served at once: [`MOST_CONNECTIONS`], or half the files
/// the process may open if that is fewer (the rest are for the scenario
/// files, the engine's threads and the listener).
fn connection_cap() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the struct it is given and nothing else.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
            let half = usize::try_from(limit.rlim_cur / 2).unwrap_or(usize::MAX);
            return MOST_CONNECTIONS.min(half).max(1);
        }
    }
    MOST_CONNECTIONS
}

/// Time a client has to send a request's headers, from the connection's
/// start or the end of its previous answer (an idle keep-alive connection
/// is closed then too).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Time a client has to send a request's body (at most
/// [`MOST_BODY_BYTES`]: a second is plenty on any network a class has).
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves the studio on `listener` until Ctrl-C: HTTP/1.1, at most
/// [`MOST_CONNECTIONS`] connections, each given [`HEADER_TIMEOUT`] for
/// every request's headers and [`BODY_TIMEOUT`] for its body.
pub async fn serve(listener: tokio::net::TcpListener, studio: Arc<Studio>) -> std::io::Result<()> {
    let app = RequestBodyTimeout::new(router(studio), BODY_TIMEOUT);
    let connections = Arc::new(tokio::sync::Semaphore::new(connection_cap()));
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => permit.map_err(std::io::Error::other)?,
            _ = &mut stop => return Ok(()),
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of files or a connection reset before it was taken:
                // not the server's end. Wait a moment and go on.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => return Ok(()),
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            // A client that goes away or sends nonsense ends its connection
            // only.
            let _ = connection.await;
        });
    }
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

/// Headers on every answer: never cached (answers carry the token's page
/// and live figures); never framed by another site, never sending the
/// address (with its token) on as a referrer; scripts, styles and data
/// only from the studio itself (the charts' SVG styles are inline).
async fn guard_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// A random access token: 128 bits from rand's thread-local generator (a
/// CSPRNG seeded by the operating system), as hex.
pub fn new_token() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn studio() -> Arc<Studio> {
        let config = Config { root: std::env::temp_dir(), token: "t".into(), most_trials: 10, jobs: 2 };
        Arc::new(Studio::new(config).expect("studio"))
    }

    #[test]
    fn a_newer_move_stops_all_older_work_of_its_page_and_no_other() {
        let studio = studio();
        let story = studio.enlist("a", 1, Kind::Story).expect("story");
        let tornado = studio.enlist("a", 1, Kind::Tornado).expect("tornado");
        let other = studio.enlist("b", 1, Kind::Story).expect("another page");
        let run = studio.enlist("a", 1, Kind::Run).expect("the same move's picture");
        assert!(!story.stop.is_raised() && !tornado.stop.is_raised(), "the same move keeps its work");
        let again = studio.enlist("a", 1, Kind::Story).expect("a second story");
        assert!(story.stop.is_raised(), "a second story replaces the first");
        let newer = studio.enlist("a", 2, Kind::Run).expect("the next move");
        assert!(again.stop.is_raised() && tornado.stop.is_raised() && run.stop.is_raised());
        assert!(!other.stop.is_raised(), "another page's story goes on");
        assert!(studio.enlist("a", 1, Kind::Run).is_err(), "an older move is refused");
        drop(newer);
        assert!(studio.pages().peek("a").is_some_and(|p| p.newest == 2), "the newest move is remembered");
    }

    #[test]
    fn a_page_id_is_a_short_token() {
        let studio = studio();
        for bad in ["", "a b", "x/y", &"x".repeat(65)] {
            assert!(studio.enlist(bad, 1, Kind::Run).is_err(), "{bad:?}");
        }
        assert!(studio.enlist(&"x".repeat(64), 1, Kind::Run).is_ok());
    }
}
