//! What a new teacher and analyst tripped on (issue #16). Each test failed
//! before its fix.

use std::process::Stdio;
use std::time::Duration;

use crate::{repo, sim, stdout_of};

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Writes `text` as `name` in `dir` and returns its path as a string.
fn file(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn a_misspelt_member_in_a_what_if_is_an_error_not_a_new_voter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let phantom = file(
        dir.path(),
        "phantom.yaml",
        "extends: kazakhstan-2022\nmembers:\n  rusia:\n    attributes: {alignment: 0.3}\n",
    );
    let out = sim().args(["validate", &phantom]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("phantom.yaml:3:3: member 'rusia' is not in kazakhstan-2022"), "{}", stderr(&out));
    assert!(stderr(&out).contains("did you mean 'russia'?"), "{}", stderr(&out));
    // A whole new member, on purpose, is added and shown.
    let added = file(
        dir.path(),
        "added.yaml",
        "extends: kazakhstan-2022\nmembers:\n  uzbekistan:\n    name: Uzbekistan\n    lead_time: 2\n    \
         attributes: {alignment: 0.4, needs_parliament: true, own_airlift: false, protest_risk: 0.3}\n    \
         pledges: {peacekeeping: 100}\n",
    );
    let out = sim().args(["validate", &added]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("7 members (added: uzbekistan (beyond the 6 of kazakhstan-2022))"), "{summary}");
}

#[test]
fn rules_can_be_appended_and_replacing_them_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rule = "        - when: severity > 0.9\n          add: 0.1\n          because: A very severe crisis\n";
    let append = file(
        dir.path(),
        "append.yaml",
        &format!("extends: kazakhstan-2022\ndecisions:\n  request:\n    rules:\n      append:\n{rule}"),
    );
    let replace = file(
        dir.path(),
        "replace.yaml",
        &format!("extends: kazakhstan-2022\ndecisions:\n  request:\n    rules:\n{rule}"),
    );
    let base_rules = stdout_of(&["validate", "kazakhstan-2022"]);
    let rules = |text: &str| -> u32 {
        let at = text.find(" rules").expect("rules");
        text[..at].rsplit(' ').next().expect("n").parse().expect("number")
    };
    let out = sim().args(["validate", &append]).output().expect("run");
    assert!(out.status.success() && !stderr(&out).contains("warning"), "{}", stderr(&out));
    assert_eq!(rules(&String::from_utf8_lossy(&out.stdout)), rules(&base_rules) + 1);
    let out = sim().args(["validate", &replace]).output().expect("run");
    assert!(stderr(&out).contains("replaces the 10 rules of decisions.request.rules"), "{}", stderr(&out));
}

#[test]
fn a_file_of_ones_own_extends_a_bundled_scenario_and_show_ejects_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let own = file(
        dir.path(),
        "mine.yaml",
        "extends: kazakhstan-2022\nname: Mine\nalliance:\n  pools:\n    peacekeeping: {cap: 5000}\n",
    );
    let summary = stdout_of(&["validate", &own]);
    assert!(summary.contains("peacekeeping (5000)"), "{summary}");
    let shown = stdout_of(&["show", "what-if/armenia-frozen"]);
    assert_eq!(shown, std::fs::read_to_string(repo("scenarios/what-if/armenia-frozen.yaml")).expect("read"));
    let eject = dir.path().join("ej");
    stdout_of(&["show", "what-if/armenia-frozen", "--eject", eject.to_str().expect("path")]);
    stdout_of(&["validate", eject.join("what-if/armenia-frozen.yaml").to_str().expect("path")]);
    assert!(eject.join("base/csto.yaml").exists() && eject.join("alliance-sim.schema.json").exists());
    // An edited copy is never overwritten.
    std::fs::write(eject.join("kazakhstan-2022.yaml"), "edited").expect("write");
    let out = sim().args(["show", "kazakhstan-2022", "--eject", eject.to_str().expect("path")]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(eject.join("kazakhstan-2022.yaml")).expect("read"), "edited");
}

#[test]
fn a_misspelt_bundled_name_gets_a_suggestion() {
    let out = sim().args(["run", "kazakstan-2022"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean 'kazakhstan-2022'?"), "{}", stderr(&out));
}

#[test]
fn a_sweep_stops_on_ctrl_c_and_keeps_the_earlier_export() {
    let dir = tempfile::tempdir().expect("dir");
    let keep = dir.path().join("keep.csv");
    std::fs::write(&keep, "old\n").expect("write");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("alliance-sim"))
        .args(["sweep", "kazakhstan-2022", "--vary", "alliance.pools.peacekeeping.cap=1000:9000:200"])
        .args(["-n", "1000000000", "-j", "1", "--format", "csv", "--export-csv"])
        .arg(&keep)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(1500));
    let _ = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    // It ends (the wait is bounded so that a hang fails here, not in CI);
    // its output is read meanwhile, so a full pipe cannot block it.
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || send.send(child.wait_with_output()));
    let out = receive.recv_timeout(Duration::from_secs(60)).expect("the sweep ignored Ctrl-C").expect("output");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("interrupted: no results were printed or written"), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "no partial result on stdout");
    assert_eq!(std::fs::read_to_string(&keep).expect("read"), "old\n", "the earlier export is kept");
}

#[test]
fn a_markdown_sweep_has_as_many_header_cells_as_row_cells() {
    let text = stdout_of(&[
        "sweep",
        "kazakhstan-2022",
        "--vary",
        "alliance.pools.peacekeeping.cap=1000,2000",
        "-n",
        "2000",
        "--format",
        "markdown",
    ]);
    let cells = |line: &str| line.replace("\\|", "").matches('|').count();
    let table: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    assert!(table.len() >= 3);
    for line in &table[..3] {
        assert_eq!(cells(line), cells(table[0]), "{line}");
    }
}

#[test]
fn report_sensitivity_runs_the_trials_asked_for() {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("r.html");
    stdout_of(&[
        "report",
        "kazakhstan-2022",
        "--sensitivity",
        "deploy",
        "-n",
        "30000",
        "-o",
        html.to_str().expect("path"),
    ]);
    let text = std::fs::read_to_string(&html).expect("report");
    assert!(text.contains("30,000 trials per point"), "the tornado did not run the 30,000 trials asked for");
}

/// The stdout of a run that must succeed, with `COLUMNS` set when given.
fn stdout_at_width(args: &[&str], columns: Option<&str>) -> String {
    let mut cmd = sim();
    cmd.args(args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().expect("run");
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn tables_fit_the_terminal_width_and_files_keep_full_width() {
    let table_lines = |args: &[&str], columns: Option<&str>| -> usize {
        stdout_at_width(args, columns)
            .lines()
            .filter(|l| l.starts_with(['│', '┌', '└', '╞', '├']))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    for args in [
        vec!["run", "-n", "5000"],
        vec!["compare", "kazakhstan-2022", "armenia-2022", "-n", "5000"],
        vec!["sensitivity", "kazakhstan-2022", "-n", "1000", "--top", "5"],
    ] {
        assert!(table_lines(&args, None) > 100, "{args:?}: a pipe gets the full width");
        assert!(table_lines(&args, Some("100")) <= 100, "{args:?}: wider than 100 columns");
    }
}

#[test]
fn every_line_fits_a_narrow_terminal_and_a_pipe_keeps_whole_lines() {
    let widest = |args: &[&str], columns: Option<&str>| -> (usize, String) {
        let text = stdout_at_width(args, columns);
        let line = text.lines().max_by_key(|l| l.chars().count()).unwrap_or_default().to_string();
        (line.chars().count(), line)
    };
    for args in [
        vec!["run", "what-if/peacekeeping-enlarged", "-n", "5000"],
        vec!["compare", "kazakhstan-2022", "what-if/crisis-twice-as-large", "-n", "5000"],
        vec!["sensitivity", "kazakhstan-2022", "-n", "1000", "--top", "5"],
        vec!["sweep", "kazakhstan-2022", "--vary", "members.russia.status=active,frozen", "-n", "2000"],
        vec!["explain", "kazakhstan-2022", "--trial", "17"],
        vec!["backtest", "-n", "2000"],
        vec!["validate", "scenarios/kazakhstan-2022.yaml"],
        vec!["list"],
    ] {
        let (width, line) = widest(&args, Some("60"));
        assert!(width <= 60, "{args:?}: a line of {width} columns in a 60-column terminal:\n{line}");
    }
    // A pipe or a file keeps prose whole (one line per title), as tables.
    let piped = stdout_of(&["run", "what-if/peacekeeping-enlarged", "-n", "5000"]);
    let title = piped.lines().next().unwrap_or_default();
    assert!(title.starts_with("What if: a large crisis") && title.ends_with("seed 2022"), "{title}");
}

#[test]
fn a_scenario_compared_with_itself_is_labelled_by_its_overrides() {
    let text = stdout_of(&[
        "compare",
        "kazakhstan-2022",
        "kazakhstan-2022",
        "--set-for",
        "2:alliance.pools.peacekeeping.cap=5000",
        "-n",
        "5000",
    ]);
    assert!(
        text.contains("Kazakhstan 2022 (January unrest) [--set alliance.pools.peacekeeping.cap=5000] − Kazakhstan 2022 (January unrest)"),
        "{text}"
    );
}

#[test]
fn every_json_document_carries_its_schema_version_and_the_host_is_not_a_contributor() {
    for args in [
        vec!["run", "-n", "2000", "--format", "json"],
        vec!["bench", "-n", "2000", "--repeat", "1", "--max-threads", "1", "--format", "json"],
        vec![
            "sweep",
            "kazakhstan-2022",
            "--vary",
            "alliance.pools.peacekeeping.cap=1000,2000",
            "-n",
            "2000",
            "--format",
            "json",
        ],
        vec!["sensitivity", "kazakhstan-2022", "-n", "500", "--top", "2", "--format", "json"],
        vec!["compare", "kazakhstan-2022", "armenia-2022", "-n", "2000", "--format", "json"],
    ] {
        let v: serde_json::Value = serde_json::from_str(&stdout_of(&args)).expect("json");
        assert!(v["schema_version"].is_u64(), "{args:?}: no top-level schema_version");
    }
    let table = stdout_of(&["run", "-n", "2000"]);
    let host = table.lines().find(|l| l.contains("Kazakhstan ┆")).expect("host row");
    assert!(host.contains("host") && !host.contains("0.0%  [0.0, 0.0]"), "{host}");
}

#[test]
fn a_rule_is_addressed_by_its_id_in_set() {
    let by_id =
        stdout_of(&["run", "-n", "5000", "--set", "decisions.request.rules.survival.add=0.3", "--format", "json"]);
    let by_index = stdout_of(&["run", "-n", "5000", "--set", "decisions.request.rules.3.add=0.3", "--format", "json"]);
    let funnel = |text: &str| serde_json::from_str::<serde_json::Value>(text).expect("json")["funnel"].clone();
    assert_eq!(funnel(&by_id), funnel(&by_index));
    assert_ne!(funnel(&by_id), funnel(&stdout_of(&["run", "-n", "5000", "--format", "json"])));
    let out = sim().args(["run", "--set", "decisions.request.rules.survivl.add=0.3"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean 'survival'?") && stderr(&out).contains("counts from 0"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_summary_csv_value_column_is_numeric_for_pandas() {
    let text = stdout_of(&["run", "-n", "2000", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(header.iter().next_back(), Some("text"));
    let mut meta_rows = 0;
    for row in reader.records() {
        let row = row.expect("row");
        assert!(row[3].is_empty() || row[3].parse::<f64>().is_ok(), "value {:?} is not a number", &row[3]);
        if &row[0] == "meta" {
            meta_rows += 1;
        }
    }
    assert!(meta_rows >= 7);
}

#[test]
fn the_progress_bar_on_a_terminal_shows_whole_trials_per_second() {
    // `script` gives the run a terminal (util-linux; skip where it is missing).
    if std::process::Command::new("script").arg("--version").output().is_err() {
        return;
    }
    let binary = assert_cmd::cargo::cargo_bin("alliance-sim");
    // Long enough for the rate to show: it is measured for a second first.
    let command = format!("{} run -n 30000000 -j 1", binary.display());
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("NO_COLOR", "1")
        .output()
        .expect("script");
    let text = String::from_utf8_lossy(&out.stdout);
    let rates: Vec<&str> = text
        .split(" trials/s")
        .filter_map(|before| before.rsplit([' ', '\r', '\n']).next())
        .filter(|r| !r.is_empty() && *r != "…")
        .collect();
    assert!(rates.len() >= 2, "no progress bar seen on a terminal: {text}");
    for rate in &rates {
        assert!(rate.chars().all(|c| c.is_ascii_digit()), "rate '{rate}' is not whole trials per second");
    }
}

#[test]
fn an_alignment_written_as_a_percentage_is_refused_not_clamped() {
    let out =
        sim().args(["run", "-n", "100", "--set", "members.russia.attributes.alignment=95"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a share, not a percentage"), "{}", stderr(&out));
}

#[test]
fn a_fractional_count_of_personnel_is_rounded_with_a_warning_that_says_to_what() {
    let out = crate::sim()
        .args(["run", "kazakhstan-2022", "--set", "alliance.pools.peacekeeping.cap=2304.7", "-n", "1000"])
        .output()
        .expect("run");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the cap of pool 'peacekeeping' is 2304.7: personnel are whole, so 2305 is used"),
        "{stderr}"
    );
}

/// Misspelt names in `--find` and in `extends:` get "did you mean", as
/// misspelt fields do (#34).
#[test]
fn a_misspelt_name_in_find_or_extends_gets_a_suggestion() {
    let out = sim().args(["explain", "kazakhstan-2022", "--find", "depoyed > 3"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean 'deployed'?"), "{}", stderr(&out));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = file(dir.path(), "mine.yaml", "extends: kazakhstan-202\nname: Mine\n");
    let out = sim().args(["validate", &path]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("did you mean 'kazakhstan-2022'?"), "{}", stderr(&out));
}

/// Every error begins "error:", whichever part of the program found it.
#[test]
fn every_error_begins_the_same_way() {
    for args in [vec!["merge", "no-such-part.json"], vec!["run", "no-such-scenario"], vec!["run", "-n", "abc"]] {
        let out = sim().args(&args).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).starts_with("error"), "{args:?}: {}", stderr(&out));
    }
}

/// A backtest says its throughput once, not once per case (#34).
#[test]
fn a_backtest_says_its_throughput_once() {
    let out = sim().args(["backtest", "-n", "2000"]).output().expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = stderr(&out).lines().filter(|l| l.contains("trials/s")).count();
    assert_eq!(lines, 1, "{}", stderr(&out));
}

/// The HTML report's subtitle says trials, seed and file; what reproduces
/// the run byte for byte (the sha256, the random streams) is at its foot.
#[test]
fn the_report_subtitle_is_for_a_reader() {
    let html = stdout_at_width(&["report", "kazakhstan-2022", "-n", "2000", "-o", "-"], None);
    let header = html.split("<header>").nth(1).and_then(|h| h.split("</header>").next()).expect("a header");
    assert!(header.contains("2,000 trials") && header.contains("seed"), "{header}");
    assert!(!header.contains("sha256") && !header.contains("ChaCha"), "{header}");
    let footer = html.split("<footer").nth(1).expect("a footer");
    assert!(footer.contains("sha256") && footer.contains("ChaCha"), "{footer}");
}

/// Numbers read at their size: a drawn value to four significant figures,
/// a Morris effect on a probability in percentage points, a drawn need
/// with its decimal beside the whole need it rounds up to (#34).
#[test]
fn numbers_are_shown_at_a_precision_that_suits_them() {
    let sweep = stdout_at_width(&["sweep", "uncertain/kazakhstan-2022", "--sample", "lhs:3", "-n", "500"], None);
    for line in sweep.lines().filter(|l| l.starts_with('│') && !l.contains("members.")) {
        let first = line.trim_start_matches('│').split('┆').next().unwrap_or("").trim();
        assert!(first.len() <= 6, "a drawn value printed as {first}: {line}");
    }
    let morris =
        stdout_at_width(&["sensitivity", "uncertain/kazakhstan-2022", "--method", "morris", "-n", "300"], None);
    assert!(morris.contains("in percentage points per step"), "{morris}");
    let story = stdout_at_width(&["explain", "kazakhstan-2022", "--trial", "1"], None);
    let required = story.lines().find(|l| l.trim_start().starts_with("required = ")).expect("required");
    assert!(required.contains('.'), "a drawn need shown as a whole number: {required}");
}

/// At 80 columns a comparison keeps each quantity to one line (it ran to
/// 91–94 lines, every row wrapped) and the tornado draws its bars whole,
/// with paths shortened from the left at a dot (#34).
#[test]
fn at_80_columns_each_row_keeps_to_one_line() {
    // A row that wraps continues on a line whose first cell is blank; a
    // header that wraps takes more than one line above its rule.
    let continued = |text: &str| {
        let rows = text.lines().filter(|l| l.starts_with("│ ") && l.trim_start_matches("│ ").starts_with("  ")).count();
        let mut header_lines = 0;
        let mut in_header = false;
        for l in text.lines() {
            if l.starts_with('┌') {
                in_header = true;
            } else if l.starts_with('╞') {
                in_header = false;
            } else if in_header {
                header_lines += 1;
            }
        }
        let tables = text.lines().filter(|l| l.starts_with('┌')).count();
        rows + header_lines - tables
    };
    for args in [
        vec!["compare", "kazakhstan-2022", "kyrgyzstan-2010", "-n", "5000"],
        vec!["sensitivity", "kazakhstan-2022", "-n", "1000", "--top", "5"],
        vec!["sweep", "uncertain/kazakhstan-2022", "--sample", "lhs:3", "-n", "500"],
        vec!["sweep", "kazakhstan-2022", "--vary", "members.russia.attributes.alignment=0.5:0.9:3", "-n", "500"],
    ] {
        let text = stdout_at_width(&args, Some("80"));
        assert_eq!(continued(&text), 0, "{args:?}: a row or header wraps at 80 columns:\n{text}");
    }
    // run's members (its other tables wrap prose and percentiles, at spaces).
    let run = stdout_at_width(&["run", "-n", "5000"], Some("80"));
    let members = run.split("\nMembers\n").nth(1).and_then(|m| m.split("\n\n").next()).expect("members");
    assert_eq!(continued(members), 0, "a member's row or the header wraps at 80 columns:\n{members}");
    let compare = stdout_at_width(&["compare", "kazakhstan-2022", "kyrgyzstan-2010", "-n", "5000"], Some("80"));
    assert!(compare.lines().count() < 60, "{compare}");
    let tornado = stdout_at_width(&["sensitivity", "kazakhstan-2022", "-n", "1000", "--top", "5"], Some("80"));
    assert!(tornado.contains("│ …foreign_backed.bernoulli"), "{tornado}");
}
