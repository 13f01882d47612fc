//! Schema profiles: the same tools, with input schemas reshaped for what a model vendor's
//! function calling accepts (shared/mcp/NOTES.md §E.2), chosen per server (`--schema-profile`)
//! or per connection (`?profile=` on the URL).
//!
//! - `default`: the subset every major client accepts (object roots, `items` on arrays, no
//!   `$ref`, `oneOf`, `default`, formats or `additionalProperties`).
//! - `openai-strict`: OpenAI's strict mode. Every object closed (`additionalProperties: false`)
//!   with every property required; optional ones take `null` ("not given"). Strict mode cannot
//!   express an object with free keys (a record's field values), so those arguments become a
//!   JSON object written as a string, which [`Profile::restore`] parses back before the call.
//!   `minLength` (unsupported) is dropped; the server still checks it.
//! - `gemini`: Gemini's OpenAPI subset. No `additionalProperties`, `default`, `$ref`, `$defs`,
//!   `$schema`, `const`, `oneOf`/`allOf`, `exclusive*`, or formats it rejects; one type per
//!   schema (`nullable` for null); a schema with no type becomes text.
//!
//! Only `inputSchema` changes: it is what the client hands the model.

use serde_json::{json, Map, Value};

/// How input schemas are shaped for the client's model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Profile {
    /// The lowest common denominator.
    #[default]
    Default,
    /// OpenAI strict function calling.
    OpenAiStrict,
    /// Gemini function declarations.
    Gemini,
}

impl Profile {
    /// Every profile, in the order the docs list them.
    pub const ALL: [Profile; 3] = [Profile::Default, Profile::OpenAiStrict, Profile::Gemini];

    /// The name used on the command line, in config files and in `?profile=`.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::OpenAiStrict => "openai-strict",
            Profile::Gemini => "gemini",
        }
    }

    /// Parses a profile name.
    pub fn parse(text: &str) -> Result<Self, String> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == text)
            .ok_or_else(|| {
                let names: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "unknown schema profile `{text}`; one of {}",
                    names.join(", ")
                )
            })
    }

    /// A tool's input schema under this profile.
    pub fn input_schema(self, schema: &Value) -> Value {
        match self {
            Profile::Default => schema.clone(),
            Profile::OpenAiStrict => strict(schema, true),
            Profile::Gemini => gemini(schema),
        }
    }

    /// Turns arguments a model filled in under this profile back into what the tool's own
    /// `schema` takes: `null` for an optional argument means "not given", and a free-keyed object
    /// sent as a JSON string is parsed. The error names the argument.
    pub fn restore(self, schema: &Value, args: &mut Map<String, Value>) -> Result<(), String> {
        match self {
            Profile::OpenAiStrict => restore_object(schema, args, ""),
            Profile::Default | Profile::Gemini => Ok(()),
        }
    }
}

/// An object whose keys are not declared (a record's values): strict mode cannot say so.
fn is_free_object(schema: &Value) -> bool {
    schema["type"] == "object"
        && schema
            .get("properties")
            .and_then(Value::as_object)
            .is_none_or(|p| p.is_empty())
}

/// The formats OpenAI's strict mode accepts.
const STRICT_FORMATS: [&str; 9] = [
    "date-time",
    "time",
    "date",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uuid",
];

/// `schema` for strict mode; `root` keeps an object root an object even without properties.
fn strict(schema: &Value, root: bool) -> Value {
    let Some(s) = schema.as_object() else {
        return schema.clone();
    };
    if is_free_object(schema) && !root {
        let described = s
            .get("description")
            .and_then(Value::as_str)
            .map(|d| format!("{d} "))
            .unwrap_or_default();
        return json!({
            "type": "string",
            "description": format!("{described}A JSON object, written as a string."),
        });
    }
    let mut out = Map::new();
    for (key, value) in s {
        match key.as_str() {
            "properties" => {
                let required: Vec<&str> = s
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                let mut props = Map::new();
                for (name, prop) in value.as_object().into_iter().flatten() {
                    let mut p = strict(prop, false);
                    if !required.contains(&name.as_str()) {
                        nullable(&mut p);
                    }
                    props.insert(name.clone(), p);
                }
                out.insert(key.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(key.clone(), strict(value, false));
            }
            "minLength" | "maxLength" | "default" | "required" | "additionalProperties" => {}
            "format" if !STRICT_FORMATS.contains(&value.as_str().unwrap_or("")) => {}
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if !out.contains_key("type") && !out.contains_key("anyOf") {
        out.insert("type".into(), json!(["string", "number", "boolean"]));
    }
    if out["type"] == "object" {
        let keys: Vec<Value> = out
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().map(|k| json!(k)).collect())
            .unwrap_or_default();
        out.entry("properties").or_insert_with(|| json!({}));
        out.insert("required".into(), Value::Array(keys));
        out.insert("additionalProperties".into(), json!(false));
    }
    Value::Object(out)
}

/// Lets a strict schema take `null` too.
fn nullable(schema: &mut Value) {
    match schema.get_mut("type") {
        Some(Value::String(t)) => {
            let t = t.clone();
            schema["type"] = json!([t, "null"]);
        }
        Some(Value::Array(types)) if !types.contains(&json!("null")) => types.push(json!("null")),
        _ => {}
    }
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
}

fn restore_object(schema: &Value, args: &mut Map<String, Value>, at: &str) -> Result<(), String> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let keys: Vec<String> = args.keys().cloned().collect();
    for key in keys {
        let Some(prop) = props.get(&key) else {
            continue;
        };
        let path = if at.is_empty() {
            key.clone()
        } else {
            format!("{at}.{key}")
        };
        if args[&key].is_null() && !required.contains(&key.as_str()) {
            args.remove(&key);
            continue;
        }
        if let Some(value) = args.get_mut(&key) {
            restore_value(prop, value, &path)?;
        }
    }
    Ok(())
}

fn restore_value(schema: &Value, value: &mut Value, at: &str) -> Result<(), String> {
    if is_free_object(schema) {
        if let Value::String(text) = value {
            let parsed: Value = serde_json::from_str(text)
                .map_err(|e| format!("{at}: expected a JSON object written as a string: {e}"))?;
            if !parsed.is_object() {
                return Err(format!(
                    "{at}: expected a JSON object written as a string, got {parsed}"
                ));
            }
            *value = parsed;
        }
        return Ok(());
    }
    match value {
        Value::Object(map) => restore_object(schema, map, at),
        Value::Array(items) => {
            let item_schema = schema.get("items").cloned().unwrap_or(Value::Null);
            for (i, item) in items.iter_mut().enumerate() {
                restore_value(&item_schema, item, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Keywords Gemini's function declarations refuse.
const GEMINI_REFUSES: [&str; 11] = [
    "additionalProperties",
    "default",
    "$ref",
    "$defs",
    "$schema",
    "const",
    "oneOf",
    "allOf",
    "not",
    "exclusiveMinimum",
    "exclusiveMaximum",
];

/// `schema` for Gemini.
fn gemini(schema: &Value) -> Value {
    let Some(s) = schema.as_object() else {
        return schema.clone();
    };
    let mut out = Map::new();
    for (key, value) in s {
        match key.as_str() {
            k if GEMINI_REFUSES.contains(&k) => {}
            "properties" => {
                let props = value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(name, prop)| (name.clone(), gemini(prop)))
                    .collect();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(key.clone(), gemini(value));
            }
            "format" => {
                let kind = match s.get("type") {
                    Some(Value::String(t)) => t.as_str(),
                    Some(Value::Array(types)) => types
                        .iter()
                        .filter_map(Value::as_str)
                        .find(|t| *t != "null")
                        .unwrap_or(""),
                    _ => "",
                };
                let allowed: &[&str] = match kind {
                    "string" => &["enum", "date-time"],
                    "integer" => &["int32", "int64"],
                    "number" => &["float", "double"],
                    _ => &[],
                };
                if allowed.contains(&value.as_str().unwrap_or("")) {
                    out.insert(key.clone(), value.clone());
                }
            }
            "type" => match value {
                Value::Array(types) => {
                    let real: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                    out.insert(
                        key.clone(),
                        real.first().cloned().cloned().unwrap_or(json!("string")),
                    );
                    if real.len() < types.len() {
                        out.insert("nullable".into(), json!(true));
                    }
                }
                other => {
                    out.insert(key.clone(), other.clone());
                }
            },
            _ => {
                out.insert(key.clone(), value.clone());
            }
        }
    }
    if !out.contains_key("type") && !out.contains_key("anyOf") {
        out.insert("type".into(), json!("string"));
        let said = out
            .get("description")
            .and_then(Value::as_str)
            .map(|d| format!("{d} "))
            .unwrap_or_default();
        out.insert(
            "description".into(),
            json!(format!(
                "{said}Numbers and yes/no values may be written as text."
            )),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update_tool() -> Value {
        json!({
            "type": "object",
            "properties": {
                "table_name": {"type": "string", "minLength": 1, "description": "Table."},
                "values": {"type": "object", "description": "Field values."},
                "where": {"type": "string"},
                "mode": {"type": "string", "enum": ["a", "b"]},
                "rows": {"type": "array", "items": {"type": "object"}},
                "value": {}
            },
            "required": ["table_name", "values"]
        })
    }

    #[test]
    fn names_parse_and_unknown_ones_say_which_exist() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.name()), Ok(p));
        }
        let err = Profile::parse("strict").unwrap_err();
        assert!(
            err.contains("openai-strict") && err.contains("gemini"),
            "{err}"
        );
    }

    #[test]
    fn strict_closes_every_object_and_requires_every_property() {
        let s = Profile::OpenAiStrict.input_schema(&update_tool());
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(
            s["required"],
            json!(["table_name", "values", "where", "mode", "rows", "value"])
        );
        assert_eq!(s["properties"]["table_name"]["type"], "string");
        assert!(s["properties"]["table_name"].get("minLength").is_none());
        assert_eq!(s["properties"]["where"]["type"], json!(["string", "null"]));
        assert_eq!(s["properties"]["mode"]["enum"], json!(["a", "b", null]));
        // Free keys cannot be said in strict mode: a JSON object as a string.
        assert_eq!(s["properties"]["values"]["type"], "string");
        assert!(s["properties"]["values"]["description"]
            .as_str()
            .unwrap()
            .starts_with("Field values. A JSON object"));
        assert_eq!(s["properties"]["rows"]["items"]["type"], "string");
        assert_eq!(
            s["properties"]["value"]["type"],
            json!(["string", "number", "boolean", "null"])
        );
        // A tool without arguments still has a closed object root.
        let none = Profile::OpenAiStrict.input_schema(&json!({"type": "object"}));
        assert_eq!(
            none,
            json!({"type": "object", "properties": {}, "required": [], "additionalProperties": false})
        );
    }

    #[test]
    fn strict_arguments_come_back_as_the_tool_takes_them() {
        let mut args = json!({
            "table_name": "Inventory",
            "values": "{\"Qty\": 3}",
            "where": null,
            "mode": null,
            "rows": ["{\"a\": 1}", {"b": 2}],
            "value": 5
        })
        .as_object()
        .cloned()
        .unwrap();
        Profile::OpenAiStrict
            .restore(&update_tool(), &mut args)
            .unwrap();
        assert_eq!(
            Value::Object(args),
            json!({"table_name": "Inventory", "values": {"Qty": 3}, "rows": [{"a": 1}, {"b": 2}], "value": 5})
        );
        let mut bad = json!({"table_name": "T", "values": "{Qty: 3}"})
            .as_object()
            .cloned()
            .unwrap();
        let err = Profile::OpenAiStrict
            .restore(&update_tool(), &mut bad)
            .unwrap_err();
        assert!(err.starts_with("values: expected a JSON object"), "{err}");
        let mut list = json!({"table_name": "T", "values": "[1]"})
            .as_object()
            .cloned()
            .unwrap();
        assert!(Profile::OpenAiStrict
            .restore(&update_tool(), &mut list)
            .is_err());
    }

    #[test]
    fn gemini_drops_what_it_refuses_and_types_everything() {
        let schema = json!({
            "type": "object",
            "additionalProperties": false,
            "properties": {
                "a": {"type": ["integer", "null"], "default": 3, "format": "int32", "exclusiveMinimum": 0},
                "b": {"type": "string", "format": "uri"},
                "c": {}
            }
        });
        let g = Profile::Gemini.input_schema(&schema);
        assert_eq!(
            g,
            json!({
                "type": "object",
                "properties": {
                    "a": {"type": "integer", "nullable": true, "format": "int32"},
                    "b": {"type": "string"},
                    "c": {"type": "string", "description": "Numbers and yes/no values may be written as text."}
                }
            })
        );
    }
}
