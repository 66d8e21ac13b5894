//! The JSON Schema that `alliance-sim schema` prints matches the format.

use crate::{repo, stdout_of};

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&stdout_of(&["schema"])).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn yaml_as_json(path: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).expect("read");
    serde_saphyr::from_str(&text).expect("YAML")
}

#[test]
fn every_shipped_scenario_validates_against_the_schema() {
    let validator = validator();
    let mut count = 0;
    for dir in ["scenarios", "scenarios/base", "scenarios/what-if"] {
        for entry in std::fs::read_dir(repo(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let instance = yaml_as_json(&path);
                let errors: Vec<String> =
                    validator.iter_errors(&instance).map(|e| format!("{e} at {}", e.instance_path())).collect();
                assert!(errors.is_empty(), "{}: {errors:?}", path.display());
                count += 1;
            }
        }
    }
    assert!(count >= 12);
}

#[test]
fn the_schema_flags_a_misspelt_field_and_a_wrong_type() {
    let validator = validator();
    let typo = serde_json::json!({"alliance": {"name": "X", "decison_rule": "consensus"}});
    assert!(!validator.is_valid(&typo));
    let wrong = serde_json::json!({"alliance": {"pools": {"peacekeeping": {"cap": "lots"}}}});
    assert!(!validator.is_valid(&wrong));
    let status = serde_json::json!({"members": {"armenia": {"status": "sleeping"}}});
    assert!(!validator.is_valid(&status));
    let rule = serde_json::json!({"when": "true", "add": 0.1, "because": "x"});
    let append = serde_json::json!({"decisions": {"request": {"base": 0.5, "rules": {"append": [rule]}}}});
    assert!(validator.is_valid(&append), "{{append: [...]}} adds to inherited rules");
    let stray = serde_json::json!({"decisions": {"request": {"base": 0.5, "rulez": []}}});
    assert!(!validator.is_valid(&stray));
}

#[test]
fn the_schema_knows_every_top_level_field_the_loader_accepts() {
    let schema: serde_json::Value = serde_json::from_str(&stdout_of(&["schema"])).expect("json");
    let mut names: Vec<&str> =
        schema["properties"].as_object().expect("properties").keys().map(String::as_str).collect();
    names.sort_unstable();
    // The loader's list (scenario/build.rs TOP), sorted.
    assert_eq!(
        names,
        [
            "alliance",
            "crisis",
            "decisions",
            "description",
            "extends",
            "members",
            "name",
            "observed",
            "outcomes",
            "run",
            "uncertain"
        ]
    );
}

#[test]
fn the_committed_schema_is_the_one_the_binary_prints() {
    let committed = std::fs::read_to_string(repo("scenarios/alliance-sim.schema.json")).expect("committed schema");
    assert_eq!(committed, stdout_of(&["schema"]), "run: alliance-sim schema > scenarios/alliance-sim.schema.json");
}

/// Every map of every shipped scenario, given one field more: the loader
/// and the schema (two descriptions of the format) must agree on whether
/// the file is still valid. Where one knows a field the other does not,
/// they disagree, and this names the place.
#[test]
fn the_loader_and_the_schema_agree_on_every_map_of_every_shipped_scenario() {
    use alliance_sim::scenario::{Source, load};

    fn maps(value: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        if let Some(object) = value.as_object() {
            out.push(path.clone());
            for (key, child) in object {
                path.push(key.clone());
                maps(child, path, out);
                path.pop();
            }
        } else if let Some(items) = value.as_array() {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                maps(child, path, out);
                path.pop();
            }
        }
    }

    fn at<'v>(value: &'v mut serde_json::Value, path: &[String]) -> &'v mut serde_json::Value {
        path.iter().fold(value, |v, key| match v {
            serde_json::Value::Array(items) => &mut items[key.parse::<usize>().expect("index")],
            other => &mut other[key.as_str()],
        })
    }

    let validator = validator();
    let mut checked = 0;
    let mut disagreements = Vec::new();
    for dir in ["scenarios", "scenarios/base", "scenarios/what-if"] {
        for entry in std::fs::read_dir(repo(dir)).expect("dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            let mut original = yaml_as_json(&path);
            // The parent by its absolute path, so the copy loads from anywhere.
            if let Some(parent) = original.get("extends").and_then(|e| e.as_str()) {
                let absolute = path.parent().expect("dir").join(parent);
                original["extends"] = absolute.display().to_string().into();
            }
            let mut places = Vec::new();
            maps(&original, &mut Vec::new(), &mut places);
            for place in places {
                let mut changed = original.clone();
                let map = at(&mut changed, &place);
                map["zz_not_a_field"] = serde_json::json!({"zz": 1});
                let text = serde_json::to_string_pretty(&changed).expect("json");
                let loads = load(&Source::Text { name: "t.yaml".into(), text }, &[]).is_ok();
                let valid = validator.is_valid(&changed);
                if loads != valid {
                    disagreements.push(format!(
                        "{} at {}: loader {}, schema {}",
                        path.display(),
                        place.join("."),
                        if loads { "accepts" } else { "refuses" },
                        if valid { "accepts" } else { "refuses" }
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "maps checked: {checked}");
    assert!(disagreements.is_empty(), "{} disagreements:\n{}", disagreements.len(), disagreements.join("\n"));
}
