//! Our own document, broken at random: a node replaced by a value of another shape, a dangling or
//! cyclic `$ref`, or a key removed. Whatever the damage, generation either succeeds or returns an
//! error that says where (a JSON pointer into the document or the overrides): never a panic,
//! which in `build.rs` would be an unreadable build failure.

use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};

const SPEC: &str = include_str!("../../../caspio-spec/openapi.yaml");
const OVERRIDES: &str = include_str!("../../../caspio-spec/overrides.yaml");

/// Every node's JSON pointer, in document order.
fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let at = format!("{here}/{}", escape(key));
                out.push(at.clone());
                pointers(child, at, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let at = format!("{here}/{i}");
                out.push(at.clone());
                pointers(child, at, out);
            }
        }
        _ => {}
    }
}

/// A small deterministic generator (xorshift), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(tree: &mut Value, at: &str, how: usize) -> String {
    let replacements = [
        Value::Null,
        serde_json::json!(7),
        serde_json::json!("x"),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!({"$ref": "#/components/schemas/Nowhere"}),
        serde_json::json!({"$ref": "#/components"}),
        serde_json::json!({"$ref": "#"}),
        serde_json::json!({"$ref": "other.yaml#/x"}),
        serde_json::json!({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Loop"}}}),
    ];
    if how == replacements.len() {
        // Remove the key or item.
        let (parent, last) = at.rsplit_once('/').expect("pointers have a parent");
        match tree.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.shift_remove(&last.replace("~1", "/").replace("~0", "~"));
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = last.parse::<usize>() {
                    items.remove(i);
                }
            }
            _ => {}
        }
        return format!("removed {at}");
    }
    let replacement = replacements[how].clone();
    let label = format!("{at} = {replacement}");
    if let Some(node) = tree.pointer_mut(at) {
        *node = replacement;
    }
    label
}

/// Applies `count` random mutations to `base`, one at a time, runs `generate` on each result,
/// and returns (generated, refused, failures).
fn damage(
    base: &Value,
    count: usize,
    seed: u64,
    generate: impl Fn(&str) -> caspio_codegen::Result<caspio_codegen::Generated>,
) -> (usize, usize, Vec<String>) {
    let mut all = Vec::new();
    pointers(base, String::new(), &mut all);
    let mut rng = Rng(seed);
    let (mut failures, mut generated, mut refused) = (Vec::new(), 0, 0);
    for _ in 0..count {
        let mut tree = base.clone();
        let at = all[rng.pick(all.len())].clone();
        let what = mutate(&mut tree, &at, rng.pick(11));
        let text = serde_json::to_string(&tree).expect("serializes");
        match catch_unwind(AssertUnwindSafe(|| generate(&text))) {
            Err(_) => failures.push(format!("panic: {what}")),
            Ok(Ok(_)) => generated += 1,
            Ok(Err(e)) => {
                refused += 1;
                let message = e.to_string();
                if !message.contains("#/") {
                    failures.push(format!("unlocated error for {what}: {message}"));
                }
            }
        }
    }
    (generated, refused, failures)
}

#[test]
fn a_damaged_document_is_an_error_with_a_place_never_a_panic() {
    let mut base: Value = serde_yaml_ng::from_str(SPEC).expect("our spec is YAML");
    // A schema that refers to itself through a property: a legal cycle for the mutations to use.
    base["components"]["schemas"]["Loop"] = serde_json::json!({"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Loop"}}});
    let (generated, refused, failures) = damage(&base, 400, 0x2545_f491_4f6c_dd1d, |text| {
        caspio_codegen::generate(text, OVERRIDES)
    });
    println!(
        "400 damaged documents: {generated} generated, {refused} refused with a located error"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 0, "the mutations must reach the error paths");
}

#[test]
fn damaged_overrides_are_an_error_with_a_place_never_a_panic() {
    let base: Value = serde_yaml_ng::from_str(OVERRIDES).expect("our overrides are YAML");
    let (generated, refused, failures) = damage(&base, 300, 0x9e37_79b9_7f4a_7c15, |text| {
        caspio_codegen::generate(SPEC, text)
    });
    println!(
        "300 damaged overrides: {generated} generated, {refused} refused with a located error"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(refused > 0, "the mutations must reach the error paths");
}
