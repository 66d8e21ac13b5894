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
        ["alliance", "crisis", "decisions", "description", "extends", "members", "name", "observed", "outcomes", "run"]
    );
}

#[test]
fn the_committed_schema_is_the_one_the_binary_prints() {
    let committed = std::fs::read_to_string(repo("scenarios/alliance-sim.schema.json")).expect("committed schema");
    assert_eq!(committed, stdout_of(&["schema"]), "run: alliance-sim schema > scenarios/alliance-sim.schema.json");
}
