//! Scenarios bundled in the binary, so `alliance-sim run kazakhstan-2022`
//! works from any directory.

/// (name, path under `scenarios/`, text) of every bundled file.
const FILES: &[(&str, &str)] = &[
    ("base/csto", include_str!("../../scenarios/base/csto.yaml")),
    ("kazakhstan-2022", include_str!("../../scenarios/kazakhstan-2022.yaml")),
    ("kyrgyzstan-2010", include_str!("../../scenarios/kyrgyzstan-2010.yaml")),
    ("armenia-2022", include_str!("../../scenarios/armenia-2022.yaml")),
    ("kyrgyzstan-2005", include_str!("../../scenarios/kyrgyzstan-2005.yaml")),
    ("tajikistan-2010", include_str!("../../scenarios/tajikistan-2010.yaml")),
    ("kazakhstan-2011", include_str!("../../scenarios/kazakhstan-2011.yaml")),
    ("armenia-2020", include_str!("../../scenarios/armenia-2020.yaml")),
    ("kyrgyzstan-2020", include_str!("../../scenarios/kyrgyzstan-2020.yaml")),
    ("armenia-2021", include_str!("../../scenarios/armenia-2021.yaml")),
    ("armenia-2023", include_str!("../../scenarios/armenia-2023.yaml")),
    ("russia-2024", include_str!("../../scenarios/russia-2024.yaml")),
    ("hypothetical-rapid-reaction", include_str!("../../scenarios/hypothetical-rapid-reaction.yaml")),
    ("hypothetical-beyond-caps", include_str!("../../scenarios/hypothetical-beyond-caps.yaml")),
    ("what-if/armenia-frozen", include_str!("../../scenarios/what-if/armenia-frozen.yaml")),
    ("what-if/russia-committed-elsewhere", include_str!("../../scenarios/what-if/russia-committed-elsewhere.yaml")),
    ("what-if/purely-internal", include_str!("../../scenarios/what-if/purely-internal.yaml")),
    ("what-if/crisis-twice-as-large", include_str!("../../scenarios/what-if/crisis-twice-as-large.yaml")),
    ("what-if/peacekeeping-enlarged", include_str!("../../scenarios/what-if/peacekeeping-enlarged.yaml")),
    ("what-if/kazakhstan-chair", include_str!("../../scenarios/what-if/kazakhstan-chair.yaml")),
    ("what-if/severity-drives-need", include_str!("../../scenarios/what-if/severity-drives-need.yaml")),
    ("uncertain/kazakhstan-2022", include_str!("../../scenarios/uncertain/kazakhstan-2022.yaml")),
];

/// The default scenario of `alliance-sim run`.
pub const DEFAULT: &str = "kazakhstan-2022";

/// The bundled name matching `arg` (with or without `.yaml` / `scenarios/`).
pub fn find(arg: &str) -> Option<&'static str> {
    let name = arg.trim_start_matches("scenarios/").trim_end_matches(".yaml");
    FILES.iter().map(|(n, _)| *n).find(|n| *n == name)
}

/// Every bundled file's name, bases included (what `extends:` may name).
pub fn names() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(n, _)| *n)
}

/// The text of a bundled scenario.
pub fn text(name: &str) -> Option<&'static str> {
    FILES.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Resolves `extends: parent` written in bundled file `name`.
pub fn relative(name: &str, parent: &str) -> Option<String> {
    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
    let mut parts: Vec<&str> = if dir.is_empty() { Vec::new() } else { dir.split('/').collect() };
    for part in parent.trim_end_matches(".yaml").split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    find(&joined).map(str::to_string)
}

/// `name` and every bundled file it extends, nearest first: the files a
/// copy of it needs.
pub fn chain(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut next = find(name);
    while let Some(n) = next {
        if out.contains(&n) {
            break;
        }
        out.push(n);
        let parent = text(n).and_then(|t| t.lines().find_map(|l| l.strip_prefix("extends:")));
        next = parent.and_then(|p| relative(n, p.trim().trim_matches('"'))).and_then(|p| find(&p));
    }
    out
}

/// Bundled scenarios that are complete (not bases), with their descriptions' first lines.
pub fn list() -> Vec<(&'static str, &'static str)> {
    FILES
        .iter()
        .filter(|(n, _)| !n.starts_with("base/"))
        .map(|(n, t)| {
            let line = t.lines().find_map(|l| l.strip_prefix("name:")).map_or("", |s| s.trim().trim_matches('"'));
            (*n, line)
        })
        .collect()
}
