//! Caspio's own published v3 document (what a user downloads from their account) must generate
//! the same tools as ours: the same 70 names and the same argument names per tool, so a user can
//! point `CASPIO_SPEC` at their account's document and keep their prompts.
//!
//! The document lives in ../shared (never copied into the project). CI must have it: there the
//! test fails loudly when it is missing; elsewhere it is skipped with a message.

use std::collections::BTreeMap;
use std::path::PathBuf;

fn reference() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/caspio/reference/caspio-v3-openapi.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("CI must provide {}: {e}", path.display())
        }
        Err(e) => {
            eprintln!(
                "SKIPPED: Caspio's reference document is not at {} ({e})",
                path.display()
            );
            None
        }
    }
}

fn ours() -> (String, String) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(root.join("caspio-spec/openapi.yaml")).expect("our spec");
    let overrides =
        std::fs::read_to_string(root.join("caspio-spec/overrides.yaml")).expect("our overrides");
    (spec, overrides)
}

/// Tool name → argument names (sorted), with required ones marked.
fn signature(tools: &[caspio_codegen::tools::Tool]) -> BTreeMap<String, Vec<String>> {
    tools
        .iter()
        .map(|t| {
            let schema = &t.input_schema;
            let mut args: Vec<String> = schema["properties"]
                .as_object()
                .expect("properties")
                .keys()
                .cloned()
                .collect();
            args.sort();
            (t.name.clone(), args)
        })
        .collect()
}

#[test]
fn caspio_document_generates_the_same_tools_and_arguments() {
    let Some(reference) = reference() else { return };
    let (spec, overrides) = ours();
    let mine = caspio_codegen::generate(&spec, &overrides).expect("our spec generates");
    let theirs = caspio_codegen::generate(&reference, &overrides)
        .unwrap_or_else(|e| panic!("Caspio's document must generate with our overrides: {e}"));
    assert_eq!(
        theirs.tools.len(),
        70,
        "Caspio's document has 70 operations"
    );
    let (a, b) = (signature(&mine.tools), signature(&theirs.tools));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "tool names differ"
    );
    for (name, args) in &a {
        assert_eq!(Some(args), b.get(name), "arguments of `{name}` differ");
    }
    // The generated client compiles the same way for both: same operations, same functions.
    let ops = |g: &caspio_codegen::Generated| {
        g.tools
            .iter()
            .map(|t| t.operation.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ops(&mine), ops(&theirs));
}

#[test]
fn caspio_document_generation_is_deterministic() {
    let Some(reference) = reference() else { return };
    let (_, overrides) = ours();
    let first = caspio_codegen::generate(&reference, &overrides)
        .expect("generates")
        .code;
    let second = caspio_codegen::generate(&reference, &overrides)
        .expect("generates")
        .code;
    assert_eq!(first, second);
}
