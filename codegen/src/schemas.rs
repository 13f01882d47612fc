//! The JSON schemas of a tool: the `inputSchema` a client receives (the subset every major client
//! accepts, see [`crate::tools`]), the fuller schema arguments are checked against, and the
//! `outputSchema` of the envelopes Caspio answers with.

use crate::ir::{Additional, Kind, Response, Schema};
use crate::tools::{Arg, ArgSource};
use caspio_contract::args;
use serde_json::{json, Map, Value};

/// The `inputSchema` of a tool: as clients see it, or with `full` as arguments are checked.
pub fn input_schema(args: &[Arg], full: bool, guarded: bool, pageable: bool) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for arg in args {
        let mut schema = if full {
            schema_value(&arg.schema, true)
        } else if arg.brief {
            brief_json(&arg.schema)
        } else {
            schema_json(&arg.schema)
        };
        if full && matches!(arg.source, ArgSource::Path(_)) {
            require_text(&mut schema);
        }
        let mut text: Vec<String> = arg.description.iter().cloned().collect();
        text.extend(arg.schema.notes.iter().cloned());
        if !text.is_empty() {
            schema = described(&text.join(" "), schema);
        }
        properties.insert(arg.name.clone(), schema);
        if arg.required {
            required.push(Value::String(arg.name.clone()));
        }
    }
    if guarded {
        for (name, kind, description) in args::GUARD {
            // A count is at least 0: checked, but not worth telling every conversation.
            let schema = if kind == "integer" && full {
                json!({"type": kind, "minimum": 0})
            } else {
                json!({"type": kind})
            };
            properties.insert(name.into(), described(description, schema));
        }
    }
    if pageable {
        let (fetch, cap) = (args::PAGING[0], args::PAGING[1]);
        properties.insert(
            fetch.0.into(),
            described(fetch.1, json!({"type": "boolean"})),
        );
        properties.insert(
            cap.0.into(),
            described(
                cap.1,
                json!({"type": "integer", "minimum": 1, "maximum": args::MAX_MAX_ROWS}),
            ),
        );
    }
    let mut root = Map::new();
    root.insert("type".into(), json!("object"));
    root.insert("properties".into(), Value::Object(properties));
    if !required.is_empty() {
        root.insert("required".into(), Value::Array(required));
    }
    Value::Object(root)
}

/// A path parameter names an object: an empty one would change the URL itself (`/files/`
/// instead of `/files/{key}`) and reach another endpoint, or none. The validation schema says so;
/// the client-facing one does not spend tokens on it, since the check's error explains itself.
fn require_text(schema: &mut Value) {
    if let Value::Object(map) = schema {
        if map.get("type") == Some(&json!("string")) && !map.contains_key("minLength") {
            map.insert("minLength".into(), json!(1));
        }
    }
}

/// An argument's schema with its description as the first key. The order is free for a client
/// and saves tokens: o200k_base merges `."` with the `,"type":` that follows a description but
/// not with the `"}` that closes one, about one token per argument (82 over the whole list).
fn described(text: &str, schema: Value) -> Value {
    let mut map = Map::new();
    map.insert("description".into(), Value::String(text.to_owned()));
    if let Value::Object(rest) = schema {
        for (k, v) in rest {
            if k != "description" {
                map.insert(k, v);
            }
        }
    }
    Value::Object(map)
}

/// The schema a client sees for an uploaded file.
fn file_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            (args::CONTENT_BASE64): {"type": "string"},
            "content_type": {"type": "string"}
        },
        "required": ["name", args::CONTENT_BASE64]
    })
}

/// Only the outer type of a schema (arrays keep an outer-typed `items`).
fn brief_json(schema: &Schema) -> Value {
    match &schema.kind {
        Kind::Array { items, .. } => json!({"type": "array", "items": brief_json(items)}),
        Kind::Object { .. } | Kind::Binary => json!({"type": "object"}),
        _ => schema_json(schema),
    }
}

/// A schema in the client-safe subset. Nested property descriptions are left out to keep the
/// tool list small; arguments carry theirs.
fn schema_json(schema: &Schema) -> Value {
    schema_value(schema, false)
}

/// [`schema_json`], or with `validation` the schema the arguments are checked against: the same,
/// plus what the generated Rust types imply and a client need not be told (an `int32` is
/// bounded by `i32`, so 2147483648 is refused in plain words rather than by the decoder).
fn schema_value(schema: &Schema, validation: bool) -> Value {
    let mut m = Map::new();
    match &schema.kind {
        Kind::String {
            format,
            enumeration,
            min_length,
            max_length,
            pattern,
        } => {
            m.insert("type".into(), json!("string"));
            if !enumeration.is_empty() {
                m.insert("enum".into(), json!(enumeration));
            }
            if let Some(f) = format
                .as_deref()
                .filter(|f| matches!(*f, "date" | "date-time"))
            {
                m.insert("format".into(), json!(f));
            }
            if let Some(n) = min_length.filter(|n| *n > 0) {
                m.insert("minLength".into(), json!(n));
            }
            if let Some(n) = max_length {
                m.insert("maxLength".into(), json!(n));
            }
            if let Some(p) = pattern {
                m.insert("pattern".into(), json!(p));
            }
        }
        Kind::Integer {
            format,
            minimum,
            maximum,
            enumeration,
        } => {
            m.insert("type".into(), json!("integer"));
            if !enumeration.is_empty() {
                m.insert("enum".into(), json!(enumeration));
            }
            let int32 = validation && format.as_deref() == Some("int32");
            let minimum = minimum.or(int32.then_some(i64::from(i32::MIN)));
            let maximum = maximum.or(int32.then_some(i64::from(i32::MAX)));
            if let Some(n) = minimum {
                m.insert("minimum".into(), json!(n));
            }
            if let Some(n) = maximum {
                m.insert("maximum".into(), json!(n));
            }
        }
        Kind::Number { minimum, maximum } => {
            m.insert("type".into(), json!("number"));
            if let Some(n) = minimum {
                m.insert("minimum".into(), json!(n));
            }
            if let Some(n) = maximum {
                m.insert("maximum".into(), json!(n));
            }
        }
        Kind::Boolean => {
            m.insert("type".into(), json!("boolean"));
        }
        Kind::Binary => return file_schema(),
        Kind::Array {
            items,
            min_items,
            max_items,
        } => {
            m.insert("type".into(), json!("array"));
            m.insert("items".into(), schema_value(items, validation));
            if let Some(n) = min_items.filter(|n| *n > 0) {
                m.insert("minItems".into(), json!(n));
            }
            if let Some(n) = max_items {
                m.insert("maxItems".into(), json!(n));
            }
        }
        Kind::Object {
            properties,
            additional,
        } => {
            m.insert("type".into(), json!("object"));
            if !properties.is_empty() {
                let mut props = Map::new();
                let mut required = Vec::new();
                for p in properties {
                    props.insert(p.name.clone(), schema_value(&p.schema, validation));
                    if p.required {
                        required.push(json!(p.name));
                    }
                }
                m.insert("properties".into(), Value::Object(props));
                if !required.is_empty() {
                    m.insert("required".into(), Value::Array(required));
                }
            }
            if *additional == Additional::Closed && !properties.is_empty() {
                m.insert("additionalProperties".into(), json!(false));
            }
        }
        Kind::Any => {}
    }
    Value::Object(m)
}

/// The `outputSchema` of a tool. Every JSON answer reaches the client as `structuredContent`
/// (a non-object one wrapped as `{"Result": ...}`), but a schema is published only where it
/// tells a model something the description does not: the envelopes that carry counts
/// (`RecordsAffected`, `UsersAffected`) or `Pagination`. Only their top-level keys and outer
/// types are promised, since a client validates results against it and deeper promises would
/// break on Caspio's nulls; for the rest, `{"Result": ...}` alone would cost every conversation
/// tokens and say nothing (see tests/caspio/token_budget.rs).
pub fn output_schema(response: &Response) -> Option<Value> {
    let Response::Json { schema, .. } = response else {
        return None;
    };
    let envelope = |props: Vec<(String, Value)>| {
        let mut m = Map::new();
        for (k, v) in props {
            m.insert(k, v);
        }
        json!({"type": "object", "properties": m})
    };
    match &schema.kind {
        Kind::Object { properties, .. }
            if properties
                .iter()
                .all(|p| ENVELOPE.contains(&p.name.as_str()))
                && properties.iter().any(|p| p.name != "Result") =>
        {
            Some(envelope(
                properties
                    .iter()
                    .map(|p| (p.name.clone(), outer(&p.schema)))
                    .collect(),
            ))
        }
        _ => None,
    }
}

/// Caspio's envelope keys.
const ENVELOPE: &[&str] = &["Result", "Pagination", "RecordsAffected", "UsersAffected"];

fn outer(schema: &Schema) -> Value {
    if schema.nullable {
        return json!({});
    }
    let t = match &schema.kind {
        Kind::String { .. } | Kind::Binary => "string",
        Kind::Integer { .. } => "integer",
        Kind::Number { .. } => "number",
        Kind::Boolean => "boolean",
        Kind::Array { .. } => "array",
        Kind::Object { .. } => "object",
        Kind::Any => return json!({}),
    };
    json!({"type": t})
}
