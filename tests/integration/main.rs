//! Integration tests: one binary, one module per concern.

mod calibrate;
mod cli;
mod compare;
mod correlate;
mod determinism;
mod documented;
mod engine;
mod errors;
mod explain;
mod expressions;
mod golden;
mod history;
mod hostile;
mod library;
mod limits;
mod newcomer;
mod outputs;
mod properties;
mod report;
mod round_three;
mod scenarios;
mod schema;
mod sensitivity;
mod shards;
mod studio;
mod sweep;
mod teaching;

use std::path::PathBuf;

use alliance_sim::scenario::{self, Loaded, Override, Source};

/// Path of a file under the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Loads a scenario file that must be valid.
pub fn load(path: &str) -> Loaded {
    load_with(path, &[])
}

/// Loads a scenario file with overrides; it must be valid.
pub fn load_with(path: &str, overrides: &[&str]) -> Loaded {
    let overrides: Vec<Override> = overrides.iter().map(|o| o.parse().expect("override")).collect();
    match scenario::load(&Source::File(repo(path)), &overrides) {
        Ok(l) => l,
        Err(e) => panic!("{path} should load:\n{e}"),
    }
}

/// The binary, run from the repository with colour off.
pub fn sim() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("alliance-sim").expect("binary");
    cmd.current_dir(repo("")).env("NO_COLOR", "1").env_remove("COLUMNS");
    cmd
}

/// Runs the binary with `args`, which must succeed, and returns its stdout.
pub fn stdout_of(args: &[&str]) -> String {
    let out = sim().args(args).output().expect("run");
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}
