//! Every command a user is shown — in `--help`, README.md and the guide's
//! chapters (docs/*.md) — runs, so an example can never rot (issue #16
//! item 2); every output shown is what the command prints; every link in
//! them leads somewhere.
//!
//! Commands are gathered from the help of every subcommand (the "Examples"
//! lines), from `sh` and console blocks of the Markdown, and from inline
//! code that starts with `alliance-sim `. They run in bash, in order, in one
//! scratch directory holding a copy of `scenarios/`, with the built binary
//! first on PATH (`cargo run --release --` stands for it). So that the
//! suite stays fast, trial counts above 50,000 are lowered to 50,000 and
//! `bench` runs one short repetition; `serve` listens on a free port, must
//! print its address, and is stopped by Ctrl-C after two seconds. Nothing
//! else about a command changes. They run as in an 80-column terminal
//! (`COLUMNS=80`), and what they print for a reader must fit it.

use std::path::Path;
use std::process::Command;

use crate::{repo, stdout_of};

/// Most trials a documented command runs here.
const MOST_TRIALS: u64 = 50_000;

/// Commands shown to users that are not alliance-sim's to run here, each
/// with the reason: developer tooling, and a real cluster.
const NOT_RUN_HERE: [(&str, &str); 14] = [
    ("cargo ", "the toolchain itself: builds, tests and benches (`cargo run --release --` is run, as the binary)"),
    ("valgrind ", "an instruction count, minutes long"),
    ("/usr/bin/time ", "a timing of 10⁶–10⁹ trials"),
    ("fuzz/", "fuzzing, run by .ci/run"),
    ("benches/instructions.sh", "instruction counts under callgrind, run by .ci/run"),
    ("deploy/slurm/", "needs a Slurm cluster; .ci/run starts one and runs deploy/slurm/ci-test.sh"),
    ("cat parts/", "the output of the Slurm job above"),
    ("RUSTFLAGS=", "a rebuild"),
    ("python3 ", "NumPy and pandas, which .ci/run installs, then runs each of these commands (shortened)"),
    ("pip install ", "the Python package: .ci/run builds and installs it in a fresh virtual environment"),
    ("python ", "the Python package's tests, notebook and overhead bench, which .ci/run runs in that environment"),
    ("jupyter ", "the analyst's notebook, which .ci/run executes in that environment"),
    ("alliance-sim COMMAND", "a placeholder"),
    (
        "alliance-sim calibrate --fit decisions.request.base=0:0.5 --fit decisions.request.rules.survival.add=0:0.9 --fit decisions.council",
        "the model card's calibration, a minute long: `model_card_figures_are_the_output_of_its_commands` runs it and compares",
    ),
];

/// The README and every chapter of the guide (`docs/*.md`).
fn guide_pages() -> Vec<std::path::PathBuf> {
    let mut pages: Vec<std::path::PathBuf> = std::fs::read_dir(repo("docs"))
        .expect("docs")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.insert(0, repo("README.md"));
    pages
}

/// A command, where it was found.
struct Shown {
    place: String,
    command: String,
}

/// Joins lines ending in `\` with the next.
fn join_continuations(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in lines {
        let line = line.trim();
        if let Some(head) = line.strip_suffix('\\') {
            pending.push_str(head.trim_end());
            pending.push(' ');
        } else {
            pending.push_str(line);
            out.push(std::mem::take(&mut pending));
        }
    }
    out
}

/// Drops a trailing shell comment (`  # …`) outside quotes.
fn strip_comment(command: &str) -> String {
    let mut quote = None;
    let bytes: Vec<char> = command.chars().collect();
    for (i, &c) in bytes.iter().enumerate() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') if i > 0 && bytes[i - 1] == ' ' => {
                return bytes[..i].iter().collect::<String>().trim_end().to_string();
            }
            _ => {}
        }
    }
    command.trim_end().to_string()
}

/// The lines of a help text's "Examples:" section.
fn example_lines(help: &str) -> Vec<&str> {
    help.lines()
        .skip_while(|l| !l.starts_with("Example"))
        .take_while(|l| !l.trim().is_empty() || l.starts_with("Example"))
        .filter(|l| l.starts_with("  "))
        .collect()
}

/// "" (the top level) and every subcommand, from the top-level help.
fn subcommands() -> Vec<String> {
    let top = stdout_of(&["--help"]);
    let mut subcommands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|s| s != "help")
        .collect();
    subcommands.insert(0, String::new());
    subcommands
}

/// The help text of a subcommand ("" for the top level).
fn help_of(sub: &str) -> String {
    if sub.is_empty() { stdout_of(&["--help"]) } else { stdout_of(&[sub, "--help"]) }
}

fn from_help() -> Vec<Shown> {
    let mut out = Vec::new();
    for sub in subcommands() {
        let help = help_of(&sub);
        for command in join_continuations(&example_lines(&help)) {
            out.push(Shown { place: format!("alliance-sim {sub} --help"), command: strip_comment(&command) });
        }
    }
    out
}

fn from_markdown(path: &Path) -> Vec<Shown> {
    let text = std::fs::read_to_string(path).expect("markdown");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
    let mut out = Vec::new();
    let mut fence: Option<String> = None;
    let mut block: Vec<&str> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match fence.take() {
                None => fence = Some(info.trim().to_string()),
                Some(kind) => {
                    let commands: Vec<String> = match kind.as_str() {
                        "sh" | "bash" => join_continuations(&block),
                        // Console transcripts: only the prompted lines, with
                        // the lines they continue onto.
                        _ => {
                            let mut prompted: Vec<&str> = Vec::new();
                            let mut continued = false;
                            for l in &block {
                                let l = l.trim();
                                match l.strip_prefix("$ ") {
                                    Some(command) => prompted.push(command),
                                    None if continued => prompted.push(l),
                                    None => {}
                                }
                                continued = prompted.last().is_some_and(|c| c.ends_with('\\'))
                                    && (l.starts_with("$ ") || continued);
                            }
                            join_continuations(&prompted)
                        }
                    };
                    for command in commands {
                        let command = strip_comment(&command);
                        if !command.is_empty() && !command.starts_with('#') {
                            out.push(Shown { place: name.clone(), command });
                        }
                    }
                    block.clear();
                }
            }
            continue;
        }
        if fence.is_some() {
            block.push(line);
            continue;
        }
        // Inline code that is a whole command.
        for (i, span) in line.split('`').enumerate() {
            if i % 2 == 1 && span.starts_with("alliance-sim ") && !span.contains("bash|zsh") {
                out.push(Shown { place: name.clone(), command: span.to_string() });
            }
        }
    }
    out
}

/// The command as run here: `cargo run --release --` is the built binary,
/// trial counts are lowered (`bench` to one short repetition), placeholders
/// are filled.
fn as_run_here(command: &str) -> String {
    let command = match command.strip_prefix("cargo run --release -- ") {
        Some(rest) => format!("alliance-sim {rest}"),
        None => command.to_string(),
    };
    let bench = command.starts_with("alliance-sim bench");
    let most = if bench { 20_000 } else { MOST_TRIALS };
    let words: Vec<&str> = command.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let after = |flags: &[&str]| i > 0 && flags.contains(&words[i - 1]);
        out.push(match word.parse::<u64>() {
            Ok(n) if after(&["-n", "--trials"]) && n > most => most.to_string(),
            Ok(_) if after(&["--repeat"]) => "1".to_string(),
            _ => word.replace("what-if/NAME", "what-if/armenia-frozen").replace("/usr/local/share/man/man1/", "man1/"),
        });
    }
    if bench && !words.iter().any(|w| matches!(*w, "-n" | "--trials")) {
        out.extend(["--trials".into(), most.to_string()]);
    }
    if bench && !words.contains(&"--repeat") {
        out.extend(["--repeat".into(), "1".into()]);
    }
    if command.starts_with("alliance-sim serve") {
        return as_served(&out);
    }
    out.join(" ")
}

/// A `serve` command runs until stopped: here it listens on a free port,
/// must print its address, and is stopped by Ctrl-C (SIGINT) after two
/// seconds, after which it must exit cleanly.
fn as_served(words: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut after_port = false;
    for word in words {
        out.push(if after_port { "0".to_string() } else { word.clone() });
        after_port = word == "--port";
    }
    if !words.iter().any(|w| w == "--port") {
        out.extend(["--port".into(), "0".into()]);
    }
    format!("timeout -s INT --preserve-status 2 {} | grep -q '^http://127.0.0.1:'", out.join(" "))
}

/// A scratch directory as a user's: the scenarios, their own files and the
/// folders the help's shell set-up writes to.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = Command::new("cp").arg("-r").arg(repo("scenarios")).arg(dir.path()).status().expect("cp");
    assert!(copy.success());
    for own in ["my-crisis.yaml", "my-case.yaml"] {
        let text = "extends: kazakhstan-2022\nname: My own case\nmembers:\n  russia:\n    lead_time: 1\n";
        std::fs::write(dir.path().join(own), text).expect("write");
    }
    for folder in
        ["home/.local/share/bash-completion/completions", "home/.zfunc", "home/.config/fish/completions", "man1"]
    {
        std::fs::create_dir_all(dir.path().join(folder)).expect("mkdir");
    }
    // GNU parallel and man may be missing: stand-ins that do the same here.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let parallel = "#!/usr/bin/env bash\n# parallel CMD… ::: ARGS: runs CMD with {} replaced by each ARG.\n\
        cmd=(); while [ \"$1\" != ':::' ]; do cmd+=(\"$1\"); shift; done; shift\n\
        for a in \"$@\"; do \"${cmd[@]//\\{\\}/$a}\" & done; wait\n";
    let man = "#!/usr/bin/env bash\nhead -c 200 \"$1\" | grep -q '^\\.\\(TH\\|ie\\)' \n";
    // `serve --open` would start a browser: a stand-in that only records it.
    let opener = "#!/usr/bin/env bash\necho \"$1\" >> opened.txt\n";
    for (name, text) in [("parallel", parallel), ("man", man), ("xdg-open", opener)] {
        let path = bin.join(name);
        std::fs::write(&path, text).expect("write");
        let _ = Command::new("chmod").arg("+x").arg(&path).status();
    }
    dir
}

/// The first line of a command's output that is wider than an 80-column
/// terminal, for output meant to be read there (#34): not machine formats
/// (JSON, CSV, Markdown, HTML, YAML, shell scripts, man pages), which keep
/// whole lines for the programs that read them.
fn too_wide(command: &str, stdout: &str) -> Option<String> {
    const FOR_PROGRAMS: [&str; 8] =
        ["--format", "--json", " show", "completions", " man", "--help-man", "--version", "|"];
    if FOR_PROGRAMS.iter().any(|f| command.contains(f)) || stdout.trim_start().starts_with(['{', '[']) {
        return None;
    }
    stdout.lines().find(|l| l.chars().count() > 80).map(str::to_string)
}

/// Runs `command` in bash in the scratch directory `dir` as a user would
/// there (the built binary and the stand-ins first on PATH, `HOME` in
/// `dir`, no colour), with `COLUMNS` when given.
fn in_bash(dir: &Path, command: &str, columns: Option<&str>) -> std::process::Output {
    let binary = Path::new(env!("CARGO_BIN_EXE_alliance-sim")).parent().expect("bin dir").to_path_buf();
    let path =
        format!("{}:{}:{}", dir.join("bin").display(), binary.display(), std::env::var("PATH").unwrap_or_default());
    let mut bash = Command::new("bash");
    bash.args(["-euo", "pipefail", "-c", command])
        .current_dir(dir)
        .env("PATH", &path)
        .env("HOME", dir.join("home"))
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS");
    if let Some(columns) = columns {
        bash.env("COLUMNS", columns);
    }
    bash.output().expect("bash")
}

#[test]
fn every_documented_command_runs() {
    let mut shown = from_help();
    for page in guide_pages() {
        shown.extend(from_markdown(&page));
    }
    assert!(shown.len() > 60, "only {} commands found: the extraction is broken", shown.len());
    let dir = scratch();
    let mut failures = Vec::new();
    let mut ran = 0;
    for Shown { place, command } in &shown {
        let here = as_run_here(command);
        if NOT_RUN_HERE.iter().any(|(prefix, _)| here.starts_with(prefix)) {
            continue;
        }
        let out = in_bash(dir.path(), &here, Some("80"));
        ran += 1;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() || stderr.contains("panicked") {
            failures.push(format!("{place}: `{command}` (run as `{here}`) → {}\n{stderr}", out.status));
        }
        let stdout = String::from_utf8_lossy(&out.stdout);
        if let Some(line) = too_wide(&here, &stdout) {
            failures.push(format!("{place}: `{command}` prints a line wider than 80 columns at COLUMNS=80:\n{line}"));
        }
    }
    assert!(failures.is_empty(), "{} of {ran} documented commands failed:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn help_examples_fit_an_80_column_terminal() {
    for sub in subcommands() {
        for line in example_lines(&help_of(&sub)) {
            assert!(line.chars().count() <= 79, "alliance-sim {sub} --help: `{line}` would wrap in 80 columns");
        }
    }
}

/// A command shown with what it prints, where it was found.
struct Transcript {
    place: String,
    command: String,
    shown: Vec<String>,
}

/// The console blocks of a Markdown file that show a command's output:
/// each `$ ` line (with the lines it continues onto) and the lines after it
/// up to the next prompt or the block's end.
fn transcripts(path: &Path) -> Vec<Transcript> {
    let text = std::fs::read_to_string(path).expect("markdown");
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?").to_string();
    let mut out: Vec<Transcript> = Vec::new();
    let mut in_console = false;
    let mut continued = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_console = !in_console && info.trim() == "console";
            continue;
        }
        if !in_console {
            continue;
        }
        if let Some(command) = trimmed.strip_prefix("$ ") {
            out.push(Transcript { place: name.clone(), command: command.to_string(), shown: Vec::new() });
            continued = command.ends_with('\\');
        } else if continued {
            let last = out.last_mut().expect("a prompt before");
            last.command = format!("{} {trimmed}", last.command.trim_end_matches('\\').trim_end());
            continued = trimmed.ends_with('\\');
        } else if let Some(last) = out.last_mut()
            && !trimmed.is_empty()
            && trimmed != "…"
        {
            last.shown.push(line.trim_end().to_string());
        }
    }
    out.retain(|t| !t.shown.is_empty());
    out
}

/// What the docs show a command printing is what it prints today (#34):
/// every line shown (a transcript may leave lines out, never change one)
/// is a line of the command's output, run exactly as shown at full width.
#[test]
fn every_output_shown_in_the_docs_is_what_the_command_prints() {
    let mut all = Vec::new();
    for page in guide_pages() {
        all.extend(transcripts(&page));
    }
    assert!(all.len() >= 4, "only {} transcripts found: the extraction is broken", all.len());
    let dir = scratch();
    let mut failures = Vec::new();
    for Transcript { place, command, shown } in &all {
        let out = in_bash(dir.path(), command, None);
        let printed = String::from_utf8_lossy(&out.stdout);
        let printed: Vec<&str> = printed.lines().map(str::trim_end).collect();
        for line in shown {
            if !printed.contains(&line.as_str()) {
                failures.push(format!("{place}: `{command}` no longer prints\n  {line}\nbut:\n{}", printed.join("\n")));
                break;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The anchor a heading gets in the book and on GitHub: lower case,
/// punctuation dropped, spaces as hyphens.
fn anchor_of(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The headings' anchors of a Markdown file (outside code blocks).
fn anchors(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.push(anchor_of(line.trim_start_matches('#')));
        }
    }
    out
}

/// The targets of the Markdown links `[text](target)` in `text`, outside
/// code.
fn links(text: &str) -> Vec<String> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let mut rest = line;
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            out.push(after[..end].to_string());
            rest = &after[end..];
        }
    }
    out
}

/// The guide has no broken link (#34): every relative link in the README
/// and the chapters names a file that exists and, with `#anchor`, a heading
/// in it; every chapter is in the book's table of contents.
#[test]
fn every_link_in_the_guide_leads_somewhere() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in guide_pages() {
        let text = std::fs::read_to_string(&page).expect("read");
        let dir = page.parent().expect("dir");
        for target in links(&text) {
            if target.starts_with("http://") || target.starts_with("https://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let path = if file.is_empty() { page.clone() } else { dir.join(file) };
            if !path.exists() {
                broken.push(format!("{}: [..]({target}): no file {}", page.display(), path.display()));
                continue;
            }
            if !anchor.is_empty() {
                let there = std::fs::read_to_string(&path).unwrap_or_default();
                if !anchors(&there).iter().any(|a| a == anchor) {
                    broken.push(format!(
                        "{}: [..]({target}): no heading #{anchor} in {}",
                        page.display(),
                        path.display()
                    ));
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} links checked: the search is broken");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
    let summary = std::fs::read_to_string(repo("docs/SUMMARY.md")).expect("docs/SUMMARY.md");
    for page in guide_pages().iter().skip(1) {
        let name = page.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            name == "SUMMARY.md" || summary.contains(&format!("]({name})")),
            "docs/{name} is not in docs/SUMMARY.md, so the book leaves it out"
        );
    }
}
