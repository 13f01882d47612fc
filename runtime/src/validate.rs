//! Checks tool arguments against a tool's input schema before anything is sent, so a model gets
//! an error that names the argument and says what was expected, and can correct itself.
//!
//! It understands exactly the schema subset the generator emits: `type`, `properties`,
//! `required`, `items`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`, `minItems`/
//! `maxItems`, `additionalProperties: false`, `pattern` (reported, not enforced: no regex engine).
//! Unknown top-level arguments are refused, so a misspelt `were` never silently drops a filter.
//! `null` for an optional argument means "not given".

use caspio_contract::keywords::AT_LEAST_ONE_OF;
use serde_json::{Map, Value};

/// A rejected argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgError {
    /// Where: the argument name, with `.key` and `[i]` for nested values.
    pub argument: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.argument.is_empty() {
            write!(f, "invalid arguments: {}", self.message)
        } else {
            write!(f, "invalid argument `{}`: {}", self.argument, self.message)
        }
    }
}

impl std::error::Error for ArgError {}

/// Validates a tool call's arguments.
pub fn validate(schema: &Value, args: &Map<String, Value>) -> Result<(), ArgError> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for name in args.keys() {
        if !properties.contains_key(name) {
            let known: Vec<&str> = properties.keys().map(String::as_str).collect();
            let message = if known.is_empty() {
                "this tool takes no arguments".to_string()
            } else {
                format!("unknown argument; this tool takes {}", known.join(", "))
            };
            return Err(ArgError {
                argument: name.clone(),
                message,
            });
        }
    }
    check_object_members(schema, args, "")?;
    check_at_least_one(schema, args)
}

/// The validation schema's [`AT_LEAST_ONE_OF`]: an update needs something to change.
fn check_at_least_one(schema: &Value, args: &Map<String, Value>) -> Result<(), ArgError> {
    let Some(names) = schema.get(AT_LEAST_ONE_OF).and_then(Value::as_array) else {
        return Ok(());
    };
    let names: Vec<&str> = names.iter().filter_map(Value::as_str).collect();
    if names
        .iter()
        .any(|n| args.get(*n).is_some_and(|v| !v.is_null()))
    {
        return Ok(());
    }
    Err(ArgError {
        argument: String::new(),
        message: format!(
            "nothing to change: give at least one of {}",
            names.join(", ")
        ),
    })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn check_object_members(
    schema: &Value,
    obj: &Map<String, Value>,
    path: &str,
) -> Result<(), ArgError> {
    let empty = Map::new();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for name in required.iter().filter_map(Value::as_str) {
            if obj.get(name).is_none_or(Value::is_null) {
                let what = properties
                    .get(name)
                    .map(expected)
                    .unwrap_or_else(|| "a value".into());
                return Err(ArgError {
                    argument: join(path, name),
                    message: format!("required; expected {what}"),
                });
            }
        }
    }
    for (name, value) in obj {
        let here = join(path, name);
        match properties.get(name) {
            Some(_) if value.is_null() => {}
            Some(sub) => check(sub, value, &here)?,
            None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                let known: Vec<&str> = properties.keys().map(String::as_str).collect();
                return Err(ArgError {
                    argument: here,
                    message: format!("unknown key; allowed keys are {}", known.join(", ")),
                });
            }
            None => {}
        }
    }
    Ok(())
}

/// A short phrase for what a schema accepts, used in messages.
fn expected(schema: &Value) -> String {
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let list: Vec<String> = values.iter().map(Value::to_string).collect();
        return format!("one of {}", list.join(", "));
    }
    let bounds = match (num("minimum"), num("maximum")) {
        (Some(lo), Some(hi)) => format!(" from {lo} to {hi}"),
        (Some(lo), None) => format!(" of at least {lo}"),
        (None, Some(hi)) => format!(" of at most {hi}"),
        (None, None) => String::new(),
    };
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => "a string".into(),
        Some("integer") => format!("an integer{bounds}"),
        Some("number") => format!("a number{bounds}"),
        Some("boolean") => "true or false".into(),
        Some("array") => "an array".into(),
        Some("object")
            if schema
                .get("properties")
                .and_then(|p| p.get(caspio_contract::args::CONTENT_BASE64))
                .is_some() =>
        {
            "a file object {\"name\", \"content_base64\", \"content_type\"}".into()
        }
        Some("object") => "an object".into(),
        _ => "a value".into(),
    }
}

fn got(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 60 {
        let mut end = 57;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &text[..end])
    } else {
        text
    }
}

fn check(schema: &Value, value: &Value, path: &str) -> Result<(), ArgError> {
    let fail = || ArgError {
        argument: path.to_string(),
        message: format!("expected {}, got {}", expected(schema), got(value)),
    };
    let num = |k: &str| schema.get(k).and_then(Value::as_f64);
    let count = |k: &str| schema.get(k).and_then(Value::as_u64);
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => {
            let s = value.as_str().ok_or_else(fail)?;
            let chars = s.chars().count() as u64;
            if let Some(min) = count("minLength") {
                if chars < min {
                    let message = if min == 1 {
                        "must not be empty".to_string()
                    } else {
                        format!("must have at least {min} characters")
                    };
                    return Err(ArgError {
                        argument: path.into(),
                        message,
                    });
                }
            }
            if let Some(max) = count("maxLength") {
                if chars > max {
                    return Err(ArgError {
                        argument: path.into(),
                        message: format!("must have at most {max} characters, got {chars}"),
                    });
                }
            }
        }
        Some("integer") => {
            let is_int = value.is_i64()
                || value.is_u64()
                || value
                    .as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.is_finite());
            if !is_int {
                return Err(fail());
            }
        }
        Some("number") => {
            value.as_f64().ok_or_else(fail)?;
        }
        Some("boolean") => {
            value.as_bool().ok_or_else(fail)?;
        }
        Some("array") => {
            let items = value.as_array().ok_or_else(fail)?;
            if let Some(min) = count("minItems") {
                if (items.len() as u64) < min {
                    return Err(ArgError {
                        argument: path.into(),
                        message: format!("must have at least {min} item(s)"),
                    });
                }
            }
            if let Some(max) = count("maxItems") {
                if items.len() as u64 > max {
                    return Err(ArgError {
                        argument: path.into(),
                        message: format!("must have at most {max} items"),
                    });
                }
            }
            if let Some(item_schema) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    check(item_schema, item, &format!("{path}[{i}]"))?;
                }
            }
        }
        Some("object") => {
            let obj = value.as_object().ok_or_else(fail)?;
            check_object_members(schema, obj, path)?;
        }
        _ => {}
    }
    if let Some(n) = value.as_f64() {
        if num("minimum").is_some_and(|lo| n < lo) || num("maximum").is_some_and(|hi| n > hi) {
            return Err(fail());
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        if !values.contains(value) {
            return Err(fail());
        }
    }
    Ok(())
}

/// Whether an argument's name says it holds an identifier or key: models send these as numbers
/// (`record_pk_id: 9942`, `directory_id: 402`) at least once in every conversation.
fn is_identifier(name: &str) -> bool {
    ["_id", "_key", "_guid"].iter().any(|s| name.ends_with(s)) || name == "id" || name == "key"
}

/// The lossless fixes of the mistakes models make most, applied before checking: a whole JSON
/// number for a string identifier becomes its decimal text, and a string of digits for an integer
/// argument becomes the integer (only when writing the integer back gives the same text, so
/// `"007"` and `"1e3"` stay strings and are refused with their argument named). Anything else
/// is left for the check to refuse.
pub fn coerce_lossless(schema: &Value, args: &mut Map<String, Value>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, value) in args.iter_mut() {
        let Some(sub) = properties.get(name) else {
            continue;
        };
        match (sub.get("type").and_then(Value::as_str), &*value) {
            (Some("string"), Value::Number(n))
                if is_identifier(name) && (n.is_i64() || n.is_u64()) =>
            {
                *value = Value::String(n.to_string());
            }
            (Some("integer"), Value::String(text)) => {
                if let Ok(n) = text.parse::<i64>() {
                    if n.to_string() == *text {
                        *value = Value::from(n);
                    }
                }
            }
            (Some("object"), Value::Object(_)) => {
                if let Value::Object(members) = value {
                    coerce_lossless(sub, members);
                }
            }
            _ => {}
        }
    }
}

/// Rewrites whole numbers written as floats (`25.0`, `1e3`) as integers wherever the schema
/// expects an integer. JSON Schema counts them as integers, so [`validate`] accepts them and some
/// models send them; without this the typed parameters would refuse them after validation, and
/// a count read with `as_u64` (such as `max_rows`) would silently fall back to its default.
/// Call it after [`validate`] has accepted the arguments.
pub fn normalize_integers(schema: &Value, args: &mut Map<String, Value>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (name, value) in args.iter_mut() {
        if let Some(sub) = properties.get(name) {
            normalize(sub, value);
        }
    }
}

fn normalize(schema: &Value, value: &mut Value) {
    match (schema.get("type").and_then(Value::as_str), value) {
        (Some("integer"), value @ Value::Number(_)) => {
            let whole = value
                .as_f64()
                .filter(|f| !value.is_i64() && !value.is_u64() && f.fract() == 0.0);
            // Within ±2^53 a float holds a whole number exactly, so the conversion is lossless.
            if let Some(f) = whole.filter(|f| f.abs() <= 9_007_199_254_740_992.0) {
                *value = Value::from(f as i64);
            }
        }
        (Some("array"), Value::Array(items)) => {
            if let Some(item_schema) = schema.get("items") {
                items.iter_mut().for_each(|v| normalize(item_schema, v));
            }
        }
        (Some("object"), Value::Object(members)) => normalize_integers(schema, members),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caspio_contract::args::CONTENT_BASE64;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "properties": {
            "table_name": {"type": "string", "minLength": 1},
            "page_size": {"type": "integer", "minimum": 5, "maximum": 1000},
            "response": {"type": "string", "enum": ["rows"]},
            "fields": {"type": "array", "items": {"type": "object", "properties": {"Name": {"type": "string"}, "Type": {"type": "string"}}, "required": ["Name", "Type"], "additionalProperties": false}},
            "file": {"type": "object", "properties": {"name": {"type": "string"}, CONTENT_BASE64: {"type": "string"}}, "required": ["name", CONTENT_BASE64]}
        }, "required": ["table_name"]})
    }

    fn run(args: Value) -> Result<(), String> {
        validate(&schema(), args.as_object().unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn accepts_valid_arguments_and_null_optionals() {
        assert_eq!(
            run(json!({"table_name": "T", "page_size": 25, "response": null})),
            Ok(())
        );
        assert_eq!(run(json!({"table_name": "T", "page_size": 25.0})), Ok(()));
    }

    #[test]
    fn names_the_argument_and_what_was_expected() {
        assert_eq!(
            run(json!({})),
            Err("invalid argument `table_name`: required; expected a string".into())
        );
        assert_eq!(
            run(json!({"table_name": "T", "page_size": 2})),
            Err("invalid argument `page_size`: expected an integer from 5 to 1000, got 2".into())
        );
        assert_eq!(
            run(json!({"table_name": "T", "page_size": "25"})),
            Err(
                "invalid argument `page_size`: expected an integer from 5 to 1000, got \"25\""
                    .into()
            )
        );
        assert_eq!(
            run(json!({"table_name": "T", "response": "all"})),
            Err("invalid argument `response`: expected one of \"rows\", got \"all\"".into())
        );
        assert_eq!(
            run(json!({"table_name": ""})),
            Err("invalid argument `table_name`: must not be empty".into())
        );
    }

    #[test]
    fn refuses_unknown_arguments_and_keys() {
        let e = run(json!({"table_name": "T", "were": "x=1"})).unwrap_err();
        assert!(
            e.starts_with(
                "invalid argument `were`: unknown argument; this tool takes table_name, page_size"
            ),
            "{e}"
        );
        let e = run(
            json!({"table_name": "T", "fields": [{"Name": "A", "Type": "STRING", "Colour": 1}]}),
        )
        .unwrap_err();
        assert!(
            e.starts_with("invalid argument `fields[0].Colour`: unknown key"),
            "{e}"
        );
    }

    #[test]
    fn an_update_needs_something_to_change() {
        let schema = json!({"type": "object", "properties": {
            "webhook_id": {"type": "string"}, "name": {"type": "string"}, "enabled": {"type": "boolean"}
        }, "required": ["webhook_id"], AT_LEAST_ONE_OF: ["name", "enabled"]});
        let check =
            |args: Value| validate(&schema, args.as_object().unwrap()).map_err(|e| e.to_string());
        assert_eq!(
            check(json!({"webhook_id": "w"})),
            Err("invalid arguments: nothing to change: give at least one of name, enabled".into())
        );
        assert!(check(json!({"webhook_id": "w", "name": null})).is_err());
        assert_eq!(check(json!({"webhook_id": "w", "enabled": false})), Ok(()));
    }

    #[test]
    fn checks_nested_values() {
        let e = run(json!({"table_name": "T", "fields": [{"Name": "A"}]})).unwrap_err();
        assert_eq!(
            e,
            "invalid argument `fields[0].Type`: required; expected a string"
        );
        let e = run(json!({"table_name": "T", "file": "abc"})).unwrap_err();
        assert!(e.contains("expected a file object"), "{e}");
    }

    #[test]
    fn whole_floats_become_integers_where_integers_are_expected() {
        let schema = json!({"type": "object", "properties": {
            "page_size": {"type": "integer"},
            "ratio": {"type": "number"},
            "ids": {"type": "array", "items": {"type": "integer"}},
            "opts": {"type": "object", "properties": {"n": {"type": "integer"}}}
        }});
        let mut args = json!({"page_size": 1e3, "ratio": 2.0, "ids": [1.0, 2], "opts": {"n": 3.0}, "other": 4.0});
        normalize_integers(&schema, args.as_object_mut().unwrap());
        assert_eq!(
            args,
            json!({"page_size": 1000, "ratio": 2.0, "ids": [1, 2], "opts": {"n": 3}, "other": 4.0})
        );
        assert!(args["page_size"].is_i64() && args["ids"][0].is_i64() && args["ratio"].is_f64());
        // Too large to be exact: left alone for the typed parameters to refuse.
        let mut big = json!({"page_size": 1e300});
        normalize_integers(&schema, big.as_object_mut().unwrap());
        assert!(big["page_size"].is_f64());
    }

    #[test]
    fn lossless_fixes_happen_and_nothing_else() {
        let schema = json!({"type": "object", "properties": {
            "record_pk_id": {"type": "string"},
            "directory_id": {"type": "string"},
            "table_name": {"type": "string"},
            "page_size": {"type": "integer"},
            "page": {"type": "integer"},
            "settings": {"type": "object", "properties": {"display_order": {"type": "integer"}}}
        }});
        let mut args = json!({
            "record_pk_id": 9942, "directory_id": "402", "table_name": 2024,
            "page_size": "25", "page": "007", "settings": {"display_order": "2"}
        })
        .as_object()
        .cloned()
        .unwrap();
        coerce_lossless(&schema, &mut args);
        assert_eq!(
            Value::Object(args.clone()),
            json!({
                "record_pk_id": "9942", "directory_id": "402",
                // Not an identifier: a number for a name stays a mistake, refused by name.
                "table_name": 2024,
                "page_size": 25,
                // Not lossless: "007" is not how 7 is written.
                "page": "007",
                "settings": {"display_order": 2}
            })
        );
        let err = validate(&schema, &args).unwrap_err();
        assert_eq!(err.argument, "table_name");
        let mut float = json!({"record_pk_id": 1.5}).as_object().cloned().unwrap();
        coerce_lossless(&schema, &mut float);
        assert_eq!(
            float["record_pk_id"],
            json!(1.5),
            "only whole numbers become ids"
        );
    }
}
