//! `alliance-sim serve`: starts the classroom studio (see `crate::studio`)
//! and prints its address.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Component, Path};
use std::process::ExitCode;
use std::sync::Arc;

use super::Failure;
use crate::cli::ServeArgs;
use crate::scenario::{Source, bundled};
use crate::studio::{self, Config, Studio};

/// Runs the studio until Ctrl-C.
pub fn run(args: &ServeArgs) -> Result<ExitCode, Failure> {
    let start = match &args.scenario {
        None => bundled::DEFAULT.to_string(),
        Some(name) => match Source::resolve(name) {
            Source::Bundled(n) => n,
            // As the page names files: relative, `./` dropped, never `..`.
            Source::File(path)
                if path.is_file()
                    && path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir)) =>
            {
                let parts: Vec<String> = path
                    .components()
                    .filter_map(|c| match c {
                        Component::Normal(part) => Some(part.to_string_lossy().to_string()),
                        _ => None,
                    })
                    .collect();
                format!("file:{}", parts.join("/"))
            }
            _ => {
                return Err(Failure::input(format!(
                    "error: {name}: expected a bundled scenario (see `alliance-sim list`) or a .yaml file inside this folder"
                )));
            }
        },
    };
    let root = std::env::current_dir().map_err(|e| Failure::failed(format!("cannot read this folder: {e}")))?;
    let config = Config {
        root,
        token: token(args.token_file.as_deref())?,
        most_trials: args.most_trials,
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let token = config.token.clone();
    let studio = Arc::new(Studio::new(config).map_err(|e| Failure::failed(format!("cannot read this folder: {e}")))?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::failed(format!("cannot start the server: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port))
            .await
            .map_err(|e| Failure::input(format!("error: cannot listen on {}:{}: {e}", args.host, args.port)))?;
        let bound = listener.local_addr().map_err(|e| Failure::failed(e.to_string()))?;
        let shown = if args.host.is_unspecified() { "127.0.0.1".to_string() } else { args.host.to_string() };
        let shown = if args.host.is_ipv6() && !args.host.is_unspecified() { format!("[{shown}]") } else { shown };
        let address = format!("http://{shown}:{}/?token={token}#s={}", bound.port(), start);
        if !args.host.is_loopback() {
            eprintln!(
                "warning: serving the network on {bound}: anyone who can reach this machine and has the address \
                 (its token) can use the studio; give students the address with this machine's name or IP in place \
                 of {shown}"
            );
        }
        eprintln!("alliance-sim studio: open this address in a browser (Ctrl-C stops the server)");
        println!("{address}");
        if args.open {
            open_browser(&address);
        }
        studio::serve(listener, studio).await.map_err(|e| Failure::failed(format!("the server stopped: {e}")))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The access token: from `file` when it exists (so that prepared links
/// keep working across restarts), else a new one, written to `file` when
/// one is named (created readable by its owner only, then renamed into
/// place).
fn token(file: Option<&Path>) -> Result<String, Failure> {
    let Some(path) = file else { return Ok(studio::new_token()) };
    match crate::input::read_bounded(path, 4096) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let token = text.trim();
            if (16..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric()) {
                Ok(token.to_string())
            } else {
                Err(Failure::input(format!(
                    "error: {}: expected a token of 16 to 128 letters and digits (remove the file for a new one)",
                    path.display()
                )))
            }
        }
        Err(crate::input::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = studio::new_token();
            let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            // tempfile makes the file 0600; the rename puts it in place whole.
            let written = tempfile::NamedTempFile::new_in(folder).and_then(|mut f| {
                f.write_all(format!("{token}\n").as_bytes())?;
                f.persist(path).map_err(|e| e.error)?;
                Ok(())
            });
            written
                .map_err(|e| Failure::input(format!("error: {}: cannot write the token file: {e}", path.display())))?;
            eprintln!("note: the access token is kept in {} for the next start", path.display());
            Ok(token)
        }
        Err(e) => Err(Failure::input(format!("error: {}: cannot read the token file: {e}", path.display()))),
    }
}

/// Opens `address` with the desktop's opener; says so when there is none.
fn open_browser(address: &str) {
    let opener = if cfg!(target_os = "macos") { "open" } else { "xdg-open" };
    if std::process::Command::new(opener).arg(address).spawn().is_err() {
        eprintln!("note: could not start {opener}; open the address by hand");
    }
}
