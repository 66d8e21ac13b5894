//! `alliance-sim serve` (#19): the studio's API over real HTTP — its
//! figures equal the CLI's, its what-if file reproduces them, and it
//! refuses what it must: requests without the token, paths out of its
//! folder (`..`, absolute, a symbolic link out, an `extends:` out), bodies
//! too large or malformed; it writes nothing. The page itself is driven in
//! Chromium by `tests/browser/studio_test.py`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::stdout_of;

/// A studio started in a scratch folder, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    token: String,
    /// The address it printed.
    address: String,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body.
struct Answer {
    status: u16,
    /// The header lines, lower-cased.
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Server {
    /// Starts `serve --port 0` in a folder holding `mine.yaml` (a file of
    /// the user's), with `args` added.
    fn start(args: &[&str]) -> Server {
        Server::start_with(args, None)
    }

    /// As [`Server::start`], the server allowed to open at most `files`
    /// files when given (`ulimit -n`).
    fn start_with(args: &[&str], files: Option<u32>) -> Server {
        let dir = tempfile::tempdir().expect("scratch folder");
        std::fs::write(dir.path().join("mine.yaml"), "extends: kazakhstan-2022\nname: Mine\n").expect("write");
        let binary = env!("CARGO_BIN_EXE_alliance-sim");
        let mut command = match files {
            None => Command::new(binary),
            Some(n) => {
                let mut c = Command::new("sh");
                c.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), binary]);
                c
            }
        };
        let mut child = command
            .args(["serve", "--port", "0"])
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("address");
        // http://127.0.0.1:PORT/?token=TOKEN#s=…
        let port = line.split(':').nth(2).and_then(|p| p.split('/').next()).and_then(|p| p.parse().ok()).expect("port");
        let token = line.split("token=").nth(1).and_then(|t| t.split('#').next()).expect("token").to_string();
        Server { child, port, token, address: line.trim_end().to_string(), dir }
    }

    /// Sends raw request bytes; returns the status and body.
    fn raw(&self, request: &[u8]) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(120))).expect("timeout");
        // A server may answer and close before a large body is all sent.
        let _ = stream.write_all(request);
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes).to_string();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Answer { status, head: head.to_lowercase(), body: body.to_string() }
    }

    fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let header = token.map_or(String::new(), |t| format!("x-studio-token: {t}\r\n"));
        self.raw(format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n{header}connection: close\r\n\r\n").as_bytes())
    }

    fn post(&self, path: &str, body: &Value) -> Answer {
        let body = body.to_string();
        self.raw(
            format!(
                "POST {path} HTTP/1.1\r\nhost: localhost\r\nx-studio-token: {}\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                self.token,
                body.len()
            )
            .as_bytes(),
        )
    }

    fn run(&self, sequence: u64, set: &[(&str, &str)], trials: u64, seed: u64) -> Answer {
        self.post(
            "/api/run",
            &json!({ "page": "test", "sequence": sequence, "scenario": "kazakhstan-2022", "set": set, "trials": trials, "seed": seed }),
        )
    }

    fn listing(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    }
}

fn cli_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&stdout_of(&all)).expect("JSON")
}

#[test]
fn every_request_needs_the_printed_token() {
    let server = Server::start(&[]);
    assert_eq!(server.get("/", None).status, 403);
    assert_eq!(server.get("/api/scenarios", Some("0123")).status, 403);
    assert_eq!(server.get(&format!("/?token={}x", server.token), None).status, 403);
    let page = server.get(&format!("/?token={}", server.token), None);
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&server.token) && page.body.contains("/studio.js"));
    for asset in ["/studio.js", "/studio.css", "/report.css"] {
        assert_eq!(server.get(&format!("{asset}?token={}", server.token), None).status, 200, "{asset}");
    }
    let list = server.get("/api/scenarios", Some(&server.token)).json();
    assert!(list["bundled"].as_array().expect("bundled").iter().any(|b| b["name"] == "kazakhstan-2022"));
    assert_eq!(list["files"], json!(["file:mine.yaml"]));
}

#[test]
fn the_figures_are_the_cli_figures_and_the_what_if_reproduces_them() {
    let server = Server::start(&[]);
    let set = [("members.russia.attributes.alignment", "0.5"), ("alliance.pools.peacekeeping.cap", "2000")];
    let answer = server.run(1, &set, 20_000, 5);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let result = answer.json();
    let cli_variant = cli_json(&[
        "run",
        "kazakhstan-2022",
        "--set",
        "members.russia.attributes.alignment=0.5",
        "--set",
        "alliance.pools.peacekeeping.cap=2000",
        "-n",
        "20000",
        "--seed",
        "5",
    ]);
    assert_eq!(result["variant"], cli_variant);
    assert_eq!(result["base"], cli_json(&["run", "kazakhstan-2022", "-n", "20000", "--seed", "5"]));
    let compared = cli_json(&[
        "compare",
        "kazakhstan-2022",
        "kazakhstan-2022",
        "--set-for",
        "2:members.russia.attributes.alignment=0.5",
        "--set-for",
        "2:alliance.pools.peacekeeping.cap=2000",
        "-n",
        "20000",
        "--seed",
        "5",
    ]);
    assert_eq!(result["comparison"]["against"][0]["lines"], compared["against"][0]["lines"]);
    assert!(result["html"].as_str().expect("html").contains("data-section=\"funnel\""));

    let what_if = server.post("/api/what-if", &json!({ "scenario": "kazakhstan-2022", "set": set }));
    assert_eq!(what_if.status, 200, "{}", what_if.body);
    assert!(what_if.body.contains("extends: \"kazakhstan-2022\"") && what_if.body.contains("alignment: 0.5"));
    let file = tempfile::NamedTempFile::with_suffix(".yaml").expect("temp");
    std::fs::write(file.path(), &what_if.body).expect("write");
    let path = file.path().to_string_lossy().to_string();
    let from_file = cli_json(&["run", &path, "-n", "20000", "--seed", "5"]);
    for section in ["funnel", "deployment", "members", "timing", "outcomes"] {
        assert_eq!(from_file[section], cli_variant[section], "{section}");
    }
}

#[test]
fn a_changed_crisis_variable_is_written_whole_in_the_what_if() {
    let server = Server::start(&[]);
    let set = [("crisis.variables.severity.beta.alpha", "9"), ("members.armenia.status", "frozen")];
    let what_if = server.post("/api/what-if", &json!({ "scenario": "kazakhstan-2022", "set": set }));
    assert_eq!(what_if.status, 200, "{}", what_if.body);
    assert!(what_if.body.contains("alpha: 9") && what_if.body.contains("beta: 2"), "{}", what_if.body);
    let result = server.run(1, &set, 5_000, 1).json();
    let file = tempfile::NamedTempFile::with_suffix(".yaml").expect("temp");
    std::fs::write(file.path(), &what_if.body).expect("write");
    let from_file = cli_json(&["run", &file.path().to_string_lossy(), "-n", "5000", "--seed", "1"]);
    assert_eq!(from_file["funnel"], result["variant"]["funnel"]);
}

#[test]
fn controls_come_from_the_scenario_with_their_reasons() {
    let server = Server::start(&[]);
    let controls = server.get("/api/controls?scenario=kazakhstan-2022", Some(&server.token)).json();
    let all: Vec<&Value> = controls["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["controls"].as_array().expect("c"))
        .collect();
    let find = |path: &str| all.iter().find(|c| c["path"] == path).unwrap_or_else(|| panic!("no control {path}"));
    assert_eq!(find("alliance.pools.peacekeeping.cap")["value"], 3600.0);
    assert_eq!(find("members.armenia.status")["kind"], "choice");
    assert_eq!(find("alliance.decision_rule")["value"], "consensus");
    let survival = find("decisions.request.rules.survival.add");
    assert!(survival["because"].as_str().expect("because").contains("threat to its survival"));
    assert_eq!(find("crisis.variables.own_territory")["kind"], "switch");
    assert_eq!(find("members.russia.attributes.lead_nation")["value"], true);
    let file = server.get("/api/controls?scenario=file:mine.yaml", Some(&server.token)).json();
    assert_eq!(file["name"], "Mine");
    // Every slider of every bundled scenario holds its value as written
    // (in range, a whole number of steps from its start) and stays within
    // what the language accepts.
    let listing = server.get("/api/scenarios", Some(&server.token)).json();
    for name in listing["bundled"].as_array().expect("bundled").iter().map(|b| b["name"].as_str().expect("name")) {
        let controls = server.get(&format!("/api/controls?scenario={name}"), Some(&server.token)).json();
        for c in
            controls["groups"].as_array().expect("groups").iter().flat_map(|g| g["controls"].as_array().expect("c"))
        {
            if c["kind"] != "slider" {
                continue;
            }
            let [value, lo, hi, step] = ["value", "min", "max", "step"].map(|k| c[k].as_f64().expect("number"));
            let k = (value - lo) / step;
            let path = c["path"].as_str().expect("path");
            assert!(
                lo <= value && value <= hi && (k - k.round()).abs() < 1e-6,
                "{name}: {path} = {value} on {lo}..{hi} by {step}"
            );
            if path.ends_with(".alpha") || path.ends_with(".beta.beta") || path.ends_with(".sd") {
                assert!(lo > 0.0, "{name}: {path} may reach 0");
            }
            if path.ends_with("lead_time") {
                assert!(hi > 1.0, "{name}: {path}, a number of days, on 0..1");
            }
        }
    }
}

#[test]
fn paths_out_of_the_folder_are_refused() {
    let server = Server::start(&[]);
    let outside = tempfile::NamedTempFile::with_suffix(".yaml").expect("temp");
    std::fs::write(outside.path(), "extends: kazakhstan-2022\nname: Outside\n").expect("write");
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside.path(), server.dir.path().join("link.yaml")).expect("symlink");
    std::fs::write(server.dir.path().join("notes.txt"), "not a scenario").expect("write");
    let absolute = format!("file:{}", outside.path().display());
    for (name, status) in [
        ("file:../x.yaml", 403),
        (absolute.as_str(), 403),
        ("file:link.yaml", 403),
        ("file:notes.txt", 403),
        ("file:missing.yaml", 404),
        ("kazakhstan-2033", 404),
    ] {
        let answer = server.get(&format!("/api/controls?scenario={name}"), Some(&server.token));
        assert_eq!(answer.status, status, "{name}: {}", answer.body);
    }
    // Edited YAML may not reach out either.
    let parent = outside.path().display().to_string();
    for extends in ["../outside.yaml", parent.as_str(), "link.yaml"] {
        let body = json!({ "scenario": "kazakhstan-2022", "yaml": format!("extends: {extends}\nname: x\n") });
        let answer = server.post("/api/validate", &body);
        assert_eq!(answer.status, 403, "extends {extends}: {}", answer.body);
    }
    let listing = server.get("/api/scenarios", Some(&server.token)).json();
    assert_eq!(listing["files"], json!(["file:mine.yaml"]), "links out are not listed");
}

/// A handed-in what-if dropped into the class folder may not read outside
/// it through `extends:` (a relative climb, an absolute path, a link, a
/// hidden file), and no answer names the folder's absolute path.
#[test]
fn no_extends_hop_leaves_the_folder_and_no_answer_names_it() {
    let server = Server::start(&[]);
    let root = server.dir.path();
    let secret_dir = tempfile::tempdir().expect("scratch");
    let secret = secret_dir.path().join("secret.yaml");
    std::fs::write(&secret, "extends: kazakhstan-2022\nname: The secret name\n").expect("write");
    std::fs::create_dir(root.join("sub")).expect("mkdir");
    std::fs::create_dir(root.join(".config")).expect("mkdir");
    std::fs::write(root.join(".config/hosts.yaml"), "extends: kazakhstan-2022\nname: Hidden\n").expect("write");
    let climb = pathdiff(&secret, root);
    let cases = [
        ("climb.yaml", climb.clone()),
        ("absolute.yaml", secret.display().to_string()),
        ("passwd.yaml", "/etc/passwd".to_string()),
        ("hidden.yaml", ".config/hosts.yaml".to_string()),
        ("sub/deeper.yaml", format!("../{climb}")),
    ];
    for (file, extends) in &cases {
        std::fs::write(root.join(file), format!("extends: {extends}\nname: Handed in\n")).expect("write");
        let answer = server.get(&format!("/api/controls?scenario=file:{file}"), Some(&server.token));
        assert_eq!(answer.status, 422, "{file} extends {extends}: {}", answer.body);
        assert!(!answer.body.contains("The secret name") && !answer.body.contains("Hidden"), "{}", answer.body);
        let first = &answer.json()["diagnostics"][0];
        assert_eq!(first["file"], *file, "named inside the folder: {first}");
        assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(1), Some(10)), "{first}");
    }
    // A file inside may still extend another file inside, through `..`.
    std::fs::write(root.join("sub/fine.yaml"), "extends: ../mine.yaml\nname: Fine\n").expect("write");
    let fine = server.get("/api/controls?scenario=file:sub/fine.yaml", Some(&server.token));
    assert_eq!(fine.status, 200, "{}", fine.body);
    let hidden = server.get("/api/controls?scenario=file:.config/hosts.yaml", Some(&server.token));
    assert_eq!(hidden.status, 403, "{}", hidden.body);
    let absolute = root.canonicalize().expect("canonical").display().to_string();
    for answer in [&hidden, &server.get("/api/controls?scenario=file:climb.yaml", Some(&server.token))] {
        assert!(!answer.body.contains(&absolute), "the folder's absolute path is shown: {}", answer.body);
    }
}

/// `target` relative to `base` (both absolute), climbing with `..`.
fn pathdiff(target: &std::path::Path, base: &std::path::Path) -> String {
    let base = base.canonicalize().expect("canonical");
    let target = target.canonicalize().expect("canonical");
    let shared = base.components().zip(target.components()).take_while(|(a, b)| a == b).count();
    let ups = base.components().count() - shared;
    let rest: Vec<String> =
        target.components().skip(shared).map(|c| c.as_os_str().to_string_lossy().to_string()).collect();
    format!("{}{}", "../".repeat(ups), rest.join("/"))
}

#[test]
fn edited_yaml_is_located_and_a_file_of_the_folder_can_be_extended() {
    let server = Server::start(&[]);
    let bad = json!({ "scenario": "kazakhstan-2022", "yaml": "extends: kazakhstan-2022\ncrisis:\n  severty: 1\n" });
    let answer = server.post("/api/validate", &bad).json();
    assert_eq!(answer["ok"], false);
    let first = &answer["diagnostics"][0];
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(3), Some(3)), "{answer}");
    assert!(first["message"].as_str().expect("message").contains("severty"));
    let good = json!({ "scenario": "file:mine.yaml", "yaml": "extends: mine.yaml\nname: Mine, edited\n" });
    let answer = server.post("/api/validate", &good).json();
    assert_eq!((answer["ok"].as_bool(), answer["name"].as_str()), (Some(true), Some("Mine, edited")), "{answer}");
    let run = server.post(
        "/api/run",
        &json!({ "page": "p", "sequence": 1, "scenario": "file:mine.yaml", "yaml": "extends: mine.yaml\nname: E\n", "trials": 1000 }),
    );
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.json()["variant"]["meta"]["scenario"], "E");
}

#[test]
fn bad_requests_get_4xx_and_the_server_writes_nothing() {
    let server = Server::start(&["--most-trials", "50000"]);
    let before = server.listing();
    let huge = format!("{{\"scenario\": \"{}\"}}", "x".repeat(3 << 20));
    let request = format!(
        "POST /api/validate HTTP/1.1\r\nhost: l\r\nx-studio-token: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{huge}",
        server.token,
        huge.len()
    );
    assert_eq!(server.raw(request.as_bytes()).status, 413);
    let malformed = format!(
        "POST /api/run HTTP/1.1\r\nhost: l\r\nx-studio-token: {}\r\ncontent-type: application/json\r\ncontent-length: 9\r\nconnection: close\r\n\r\n{{\"page\":1",
        server.token
    );
    let status = server.raw(malformed.as_bytes()).status;
    assert!((400..500).contains(&status), "malformed JSON: {status}");
    assert_eq!(server.raw(b"NONSENSE\r\n\r\n").status, 400);
    let wrong_type = server
        .post("/api/run", &json!({ "page": "p", "sequence": "one", "scenario": "kazakhstan-2022", "trials": 10 }));
    assert!((400..500).contains(&wrong_type.status));
    let story = server.post(
        "/api/story",
        &json!({ "page": "p", "sequence": 9, "scenario": "kazakhstan-2022", "outcome": "victory" }),
    );
    assert_eq!(story.status, 400);
    let bad_set = server.run(1, &[("members.rusia.attributes.alignment", "0.5")], 1000, 1);
    assert_eq!(bad_set.status, 422);
    assert!(bad_set.json()["diagnostics"][0]["message"].as_str().unwrap_or("").contains("did you mean 'russia'"));
    // The cap on trials per request.
    let capped = server.run(2, &[], 1_000_000_000, 1).json();
    assert_eq!(capped["trials"], 50_000);
    assert_eq!(server.listing(), before, "the studio wrote in its folder");
}

#[test]
fn a_story_is_told_for_the_asked_outcome() {
    let server = Server::start(&[]);
    let answer = server.post(
        "/api/story",
        &json!({ "page": "p", "sequence": 1, "scenario": "kazakhstan-2022", "set": [["members.russia.attributes.alignment", "0.2"]], "outcome": "non_military", "seed": 3 }),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let story = answer.json();
    let trial = story["trial"].as_u64().expect("a trial");
    let cli = stdout_of(&[
        "explain",
        "kazakhstan-2022",
        "--set",
        "members.russia.attributes.alignment=0.2",
        "--seed",
        "3",
        "--trial",
        &trial.to_string(),
    ]);
    assert_eq!(story["text"].as_str().expect("text").trim(), cli.trim());
}

#[test]
fn a_newer_request_from_the_same_page_stops_the_older_one() {
    let server = Server::start(&["--most-trials", "2000000000"]);
    std::thread::scope(|scope| {
        // Without the stop this would run 2·10⁹ trials, minutes long.
        let older = scope.spawn(|| server.run(1, &[], 2_000_000_000, 1));
        std::thread::sleep(Duration::from_millis(500));
        let newer = server.run(2, &[("alliance.pools.peacekeeping.cap", "3000")], 1000, 1);
        assert_eq!(newer.status, 200, "{}", newer.body);
        let older = older.join().expect("older request");
        assert_eq!(older.status, 409, "{}", older.body);
    });
    // An older sequence number than the newest is refused at once.
    assert_eq!(server.run(1, &[], 1000, 1).status, 409);
}

#[test]
fn the_tornado_ranks_the_inputs_as_sensitivity_does() {
    let server = Server::start(&[]);
    let set = [("members.russia.attributes.alignment", "0.6")];
    let answer = server.post(
        "/api/tornado",
        &json!({ "page": "t", "sequence": 1, "scenario": "kazakhstan-2022", "set": set, "trials": 2000, "seed": 3 }),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let html = answer.json()["html"].as_str().expect("html").to_string();
    assert!(html.contains("data-section=\"tornado\""));
    let cli = cli_json(&[
        "sensitivity",
        "kazakhstan-2022",
        "--set",
        "members.russia.attributes.alignment=0.6",
        "-n",
        "2000",
        "--seed",
        "3",
    ]);
    // The same ranking, row by row: each row's change (its `data-value`)
    // is the CLI's for that input.
    let drawn: Vec<f64> = html
        .split("data-key=\"")
        .skip(1)
        .filter_map(|part| part.split("data-value=\"").nth(1).and_then(|v| v.split('"').next()))
        .filter_map(|v| v.parse().ok())
        .collect();
    let cli_changes: Vec<f64> = cli["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .take(drawn.len() / 2)
        // An input moved out of what it accepts (a rule's `set: 1` up 10%)
        // has no effect: drawn as 0.
        .flat_map(|i| ["low", "high"].map(|side| i[side]["effect"]["diff"].as_f64().unwrap_or(0.0)))
        .collect();
    assert!(drawn.len() >= 4, "{html}");
    assert_eq!(drawn, cli_changes);
    // One naming: every row names a control of the page (rules by id), so
    // that a click on it opens that control.
    let controls = server.post("/api/validate", &json!({ "scenario": "kazakhstan-2022", "set": set })).json();
    let paths: Vec<&str> =
        controls["values"].as_array().expect("values").iter().map(|v| v[0].as_str().expect("path")).collect();
    let rows: Vec<&str> = html.split("data-input=\"").skip(1).filter_map(|p| p.split('"').next()).collect();
    assert!(!rows.is_empty());
    for row in rows {
        assert!(paths.contains(&row), "tornado row {row} names no control");
    }
}

#[test]
fn the_starting_scenario_is_named_as_the_page_names_files() {
    let server = Server::start(&["./mine.yaml"]);
    assert!(server.address.ends_with("#s=file:mine.yaml"), "{}", server.address);
    // A file that exists, but above the folder the studio would serve.
    std::fs::create_dir(server.dir.path().join("sub")).expect("mkdir");
    let outside = Command::new(env!("CARGO_BIN_EXE_alliance-sim"))
        .args(["serve", "../mine.yaml", "--port", "0"])
        .current_dir(server.dir.path().join("sub"))
        .output()
        .expect("runs");
    assert_eq!(outside.status.code(), Some(2));
}

/// A class moves the same sliders to the same marks: one answer, computed
/// once, for every page that asks it (however the change was written).
#[test]
fn identical_what_ifs_are_computed_once_and_shared() {
    let server = Server::start(&[]);
    let ask = |page: &str, set: Value| {
        server.post(
            "/api/run",
            &json!({ "page": page, "sequence": 1, "scenario": "kazakhstan-2022", "set": set, "trials": 20000, "seed": 5 }),
        )
    };
    let first = ask("a", json!([["alliance.pools.peacekeeping.cap", "3000"]]));
    let second = ask("b", json!([["alliance.pools.peacekeeping.cap", "3000.0"]]));
    assert_eq!((first.status, second.status), (200, 200), "{}", second.body);
    assert!(first.head.contains("x-studio-shared: 0"), "{}", first.head);
    assert!(second.head.contains("x-studio-shared: 1"), "the second page's answer was computed again");
    assert_eq!(first.body, second.body);
    let other = ask("c", json!([["alliance.pools.peacekeeping.cap", "3100"]]));
    assert!(other.head.contains("x-studio-shared: 0"), "another value is another answer");
}

/// Refinements past 200,000 trials go only as far as the load allows: with
/// others waiting, a refinement stops at 200,000 and says so; its figures
/// are the CLI's at 200,000 trials.
#[test]
fn a_refinement_stops_at_the_floor_while_the_class_is_busy() {
    let server = Server::start(&[]);
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let asks: Vec<_> = (0..8)
            .map(|k| {
                let server = &server;
                scope.spawn(move || {
                    let cap = (2000 + 100 * k).to_string();
                    server.post(
                        "/api/run",
                        &json!({ "page": format!("p{k}"), "sequence": 1, "scenario": "kazakhstan-2022",
                                 "set": [["alliance.pools.peacekeeping.cap", cap]], "trials": 1_000_000, "seed": 2 }),
                    )
                })
            })
            .collect();
        asks.into_iter().map(|a| a.join().expect("client")).collect()
    });
    let mut busy = 0;
    for (k, answer) in answers.iter().enumerate() {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let value = answer.json();
        if value["busy"] == json!(true) {
            busy += 1;
            assert_eq!((value["trials"].as_u64(), value["asked"].as_u64()), (Some(200_000), Some(1_000_000)));
            let cap = format!("alliance.pools.peacekeeping.cap={}", 2000 + 100 * k);
            let cli = cli_json(&["run", "kazakhstan-2022", "--set", &cap, "-n", "200000", "--seed", "2"]);
            assert_eq!(value["variant"]["funnel"], cli["funnel"], "page {k}");
        } else {
            assert_eq!(value["trials"], 1_000_000);
        }
    }
    assert!(busy >= 4, "eight refinements at once on two cores: only {busy} were held to the floor");
}

/// The page id is a short token, and what a page leaves behind is bounded:
/// 300 pages come and go and the server's memory stays flat.
#[test]
fn page_ids_are_bounded_and_memory_stays_flat() {
    let server = Server::start(&[]);
    let long = "x".repeat(100_000);
    let refused =
        server.post("/api/run", &json!({ "page": long, "sequence": 1, "scenario": "kazakhstan-2022", "trials": 10 }));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let rss = || {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).expect("status");
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("VmRSS").to_string();
        line.split_whitespace().nth(1).and_then(|kb| kb.parse::<u64>().ok()).expect("kB")
    };
    // Pages come, run once (a kept answer after the first) and go.
    let visit = |pages: std::ops::Range<usize>| {
        for k in pages {
            let body =
                json!({ "page": format!("{k:0>64}"), "sequence": 1, "scenario": "kazakhstan-2022", "trials": 1000 });
            assert_eq!(server.post("/api/run", &body).status, 200);
        }
    };
    visit(0..20);
    let before = rss();
    visit(20..320);
    let after = rss();
    assert!(after < before + 20_000, "300 pages took the server from {before} kB to {after} kB");
}

/// Idle connections are closed after the header timeout, and however many
/// there are they cannot lock the class out: with the server allowed only
/// 128 files, 150 idle connections, then a real request is answered.
#[test]
fn idle_connections_neither_stay_nor_lock_the_studio_out() {
    let server = Server::start_with(&[], Some(128));
    let idle: Vec<TcpStream> = (0..150).filter_map(|_| TcpStream::connect(("127.0.0.1", server.port)).ok()).collect();
    assert!(idle.len() >= 100, "only {} connections opened", idle.len());
    let started = std::time::Instant::now();
    let answer = server.get("/api/scenarios", Some(&server.token));
    assert_eq!(answer.status, 200, "the studio was unreachable: {}", answer.body);
    // The first idle connection was served, and closed at the timeout.
    let mut first = &idle[0];
    first.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let mut byte = [0u8; 1];
    let read = first.read(&mut byte);
    let closed = matches!(&read, Ok(0)) || matches!(&read, Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset);
    assert!(closed && started.elapsed() < Duration::from_secs(25), "{read:?} after {:?}", started.elapsed());
    // A body that never comes ends its request too.
    let mut stalled = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stalled.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    let head = format!(
        "POST /api/validate HTTP/1.1\r\nhost: l\r\nx-studio-token: {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"sce",
        server.token
    );
    stalled.write_all(head.as_bytes()).expect("write");
    let waited = std::time::Instant::now();
    let mut answer = Vec::new();
    let _ = stalled.read_to_end(&mut answer);
    assert!(waited.elapsed() < Duration::from_secs(25), "the stalled body held the request {:?}", waited.elapsed());
}

/// Every answer carries the guard headers.
#[test]
fn every_answer_carries_the_guard_headers() {
    let server = Server::start(&[]);
    for path in ["/", "/studio.js", "/api/scenarios"] {
        let answer = server.get(path, Some(&server.token));
        for header in [
            "cache-control: no-store",
            "referrer-policy: no-referrer",
            "x-frame-options: deny",
            "x-content-type-options: nosniff",
            "content-security-policy: default-src 'none'; script-src 'self'",
        ] {
            assert!(answer.head.contains(header), "{path}: no {header}: {}", answer.head);
        }
    }
}

/// Edited YAML is offered back as the controls' changes when it changes
/// nothing else, so the page, its link and its what-if agree; an edit the
/// controls cannot write (a rule added) comes back as values only.
#[test]
fn edited_yaml_becomes_the_controls_changes_when_it_can() {
    let server = Server::start(&[]);
    let values = "extends: kazakhstan-2022\nmembers:\n  russia:\n    attributes:\n      alignment: 0.3\n\
                  alliance:\n  pools:\n    peacekeeping:\n      cap: 2000\n";
    let answer = server.post("/api/validate", &json!({ "scenario": "kazakhstan-2022", "yaml": values })).json();
    assert_eq!(answer["ok"], true, "{answer}");
    assert_eq!(
        answer["set"],
        json!([["alliance.pools.peacekeeping.cap", "2000"], ["members.russia.attributes.alignment", "0.3"]]),
        "{answer}"
    );
    let ruled = format!(
        "{values}decisions:\n  request:\n    rules:\n      append:\n        - id: extra\n          when: severity > 0.9\n          add: 0.2\n          because: a test\n"
    );
    let answer = server.post("/api/validate", &json!({ "scenario": "kazakhstan-2022", "yaml": ruled })).json();
    assert_eq!((answer["ok"].as_bool(), answer["set"].is_null()), (Some(true), true), "{answer}");
    let shown = answer["values"].as_array().expect("values");
    assert!(shown.contains(&json!(["alliance.pools.peacekeeping.cap", "2000"])), "{answer}");
}

/// `--token-file`: the token is made once, kept readable by its owner only,
/// and the next start takes it, so a prepared link keeps working; a file
/// that holds no token is refused (exit 2).
#[test]
fn a_token_file_keeps_the_address_across_restarts() {
    let keep = tempfile::tempdir().expect("dir");
    let file = keep.path().join("studio.token");
    let file_arg = file.to_str().expect("utf-8");
    let first = Server::start(&["--token-file", file_arg]);
    let token = first.token.clone();
    drop(first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("token file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token file is readable by others: {mode:o}");
    }
    let second = Server::start(&["--token-file", file_arg]);
    assert_eq!(second.token, token, "the second start took another token");
    assert_eq!(second.get("/api/scenarios", Some(&token)).status, 200);
    drop(second);
    std::fs::write(&file, "short\n").expect("write");
    let refused = Command::new(env!("CARGO_BIN_EXE_alliance-sim"))
        .args(["serve", "--port", "0", "--token-file", file_arg])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2), "{}", String::from_utf8_lossy(&refused.stderr));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("studio.token"));
}
