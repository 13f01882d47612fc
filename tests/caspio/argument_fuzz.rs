//! Tool arguments, fuzzed: for every tool, argument maps made of its own argument names (and
//! strangers) holding any JSON, the numbers and strings models send included. Checking and
//! building a request either succeeds or names the argument at fault: never a panic, never an
//! error that does not say where.

use caspio::runtime::tools::{request_of, CallError};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "\\PC{0,24}".prop_map(Value::String),
        prop_oneof![
            Just("1=1"),
            Just("PK_ID > 0"),
            Just("'"),
            Just("../x"),
            Just("9942"),
            Just("QUFB"),
            Just("")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A tool (by index), and for it argument names drawn from its schema plus a stranger.
fn call() -> impl Strategy<Value = (usize, Map<String, Value>)> {
    let count = caspio::registry().tools().len();
    (
        0..count,
        proptest::collection::vec((0..12usize, any_json()), 0..8),
    )
        .prop_map(|(i, picks)| {
            let tool = caspio::registry().tools()[i];
            let mut names: Vec<String> = tool.input_schema.value()["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            names.push("not_an_argument".into());
            let args = picks
                .into_iter()
                .map(|(k, v)| (names[k % names.len()].clone(), v))
                .collect();
            (i, args)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn any_arguments_build_a_request_or_name_the_argument_at_fault((i, args) in call()) {
        let tool = caspio::registry().tools()[i];
        match request_of(tool, args.clone()) {
            Ok(_) => {}
            Err(CallError::InvalidArguments(e)) => {
                prop_assert!(!e.message.is_empty(), "{}: {:?}", tool.name, args);
                prop_assert!(
                    !e.argument.is_empty() || e.message.contains("argument") || args.is_empty() || e.message.contains("at least one"),
                    "{}: an error that says where: {} ({:?})", tool.name, e, args
                );
            }
            // A local tool sends nothing; its own checks ran above.
            Err(CallError::UnknownTool(_)) => prop_assert!(tool.operation_id().is_none()),
            Err(other) => prop_assert!(false, "{}: {other} ({:?})", tool.name, args),
        }
    }
}
