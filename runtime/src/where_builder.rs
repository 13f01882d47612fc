//! `caspio_build_where`: a hand-written tool that turns (field, operator, value) triples into a
//! correctly quoted q.where condition, so a model need not write SQL, or quote, for simple
//! filters. It runs locally (no Caspio call) and its answer is checked by the q.where parser.

use crate::tools::{Extras, Hints, MethodKind, OutputKind, Schema, Tag, ToolDef, ToolKind};
use crate::validate::ArgError;
use caspio_contract::args::WHERE;
use serde_json::{json, Map, Value};

/// The tool's definition, listed after the generated ones.
pub static TOOL: ToolDef = ToolDef {
    name: "caspio_build_where",
    title: "Build a where",
    description:
        "Build a quoted where condition from field/op/value items, for other tools' where.",
    tags: &[Tag::Records],
    method: MethodKind::Custom("build"),
    hints: Hints {
        read_only: true,
        destructive: false,
        idempotent: true,
        bulk: false,
    },
    input_schema: Schema::new(
        r#"{"type":"object","properties":{"conditions":{"description":"Items; value is text, a number, true/false, or a list for IN and BETWEEN.","type":"array","minItems":1,"items":{"type":"object","properties":{"field":{"type":"string"},"op":{"type":"string","enum":["=","<>","<","<=",">",">=","LIKE","NOT LIKE","IN","NOT IN","BETWEEN","IS NULL","IS NOT NULL"]},"value":{}},"required":["field","op"]}},"join":{"description":"Combine with (default AND).","type":"string","enum":["AND","OR"]}},"required":["conditions"]}"#,
    ),
    validation_schema: None,
    output_schema: None,
    output: OutputKind::Json,
    kind: ToolKind::Local { run: answer },
    extras: Extras::None,
    names: &[],
};

fn bad(argument: String, message: impl Into<String>) -> ArgError {
    ArgError {
        argument,
        message: message.into(),
    }
}

/// A field name as T-SQL writes it: plain when it is a plain identifier, else in brackets.
fn field(name: &str, at: &str) -> Result<String, ArgError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(bad(at.into(), "a field name is needed"));
    }
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    Ok(if plain {
        name.to_string()
    } else {
        format!("[{}]", name.replace(']', "]]"))
    })
}

fn literal(v: &Value, at: &str) -> Result<String, ArgError> {
    Ok(match v {
        Value::String(s) => caspio_qwhere::quote(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Value::Null => return Err(bad(at.into(), "null: use op IS NULL instead")),
        _ => return Err(bad(at.into(), "expected text, a number or true/false")),
    })
}

/// Builds the condition.
pub fn build(args: &Map<String, Value>) -> Result<String, ArgError> {
    let items = args
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("conditions".into(), "expected an array"))?;
    let or = args
        .get("join")
        .and_then(Value::as_str)
        .is_some_and(|j| j.eq_ignore_ascii_case("or"));
    let mut parts = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("conditions[{i}]");
        let f = field(item["field"].as_str().unwrap_or(""), &format!("{at}.field"))?;
        let op = item["op"].as_str().unwrap_or("").to_ascii_uppercase();
        let value = item.get("value").unwrap_or(&Value::Null);
        let vat = format!("{at}.value");
        let list = |min: usize| -> Result<Vec<String>, ArgError> {
            let a = value.as_array().filter(|a| a.len() >= min).ok_or_else(|| {
                bad(
                    vat.clone(),
                    format!("{op} needs a list of at least {min} value(s)"),
                )
            })?;
            a.iter().map(|x| literal(x, &vat)).collect()
        };
        parts.push(match op.as_str() {
            "IS NULL" | "IS NOT NULL" => format!("{f} {op}"),
            "=" if value.is_null() => format!("{f} IS NULL"),
            "<>" if value.is_null() => format!("{f} IS NOT NULL"),
            "IN" | "NOT IN" => format!("{f} {op} ({})", list(1)?.join(", ")),
            "BETWEEN" => {
                let l = list(2)?;
                if l.len() != 2 {
                    return Err(bad(vat, "BETWEEN needs exactly two values"));
                }
                format!("{f} BETWEEN {} AND {}", l[0], l[1])
            }
            "=" | "<>" | "<" | "<=" | ">" | ">=" | "LIKE" | "NOT LIKE" => {
                format!("{f} {op} {}", literal(value, &vat)?)
            }
            other => {
                return Err(bad(
                    format!("{at}.op"),
                    format!("unknown operator `{other}`"),
                ))
            }
        });
    }
    let condition = if or && parts.len() > 1 {
        // Each part in parentheses, so an OR never mixes with an AND inside a part.
        parts
            .iter()
            .map(|p| format!("({p})"))
            .collect::<Vec<_>>()
            .join(" OR ")
    } else {
        parts.join(" AND ")
    };
    caspio_qwhere::parse(&condition)
        .map_err(|e| bad("conditions".into(), e.explain(&condition)))?;
    Ok(condition)
}

/// The tool's answer.
pub fn answer(args: &Map<String, Value>) -> Result<Value, ArgError> {
    Ok(json!({ WHERE: build(args)? }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(v: Value) -> Result<String, String> {
        build(v.as_object().unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(
            run(json!({"conditions": [{"field": "Assignee", "op": "=", "value": "O'Brien"}, {"field": "Status", "op": "IN", "value": ["Open", "Escalated"]}]})).unwrap(),
            "Assignee = N'O''Brien' AND Status IN (N'Open', N'Escalated')"
        );
        assert_eq!(run(json!({"conditions": [{"field": "Qty", "op": "BETWEEN", "value": [1, 5]}, {"field": "Done", "op": "=", "value": true}], "join": "OR"})).unwrap(), "(Qty BETWEEN 1 AND 5) OR (Done = 1)");
        assert_eq!(
            run(json!({"conditions": [{"field": "First Name", "op": "LIKE", "value": "A%"}]}))
                .unwrap(),
            "[First Name] LIKE N'A%'"
        );
        assert_eq!(
            run(json!({"conditions": [{"field": "Closed", "op": "=", "value": null}]})).unwrap(),
            "Closed IS NULL"
        );
        assert_eq!(run(json!({"conditions": [{"field": "x]; DROP", "op": "=", "value": "'; DROP TABLE t; --"}]})).unwrap(), "[x]]; DROP] = N'''; DROP TABLE t; --'");
    }

    #[test]
    fn refuses_what_it_cannot_build() {
        assert!(
            run(json!({"conditions": [{"field": "", "op": "=", "value": 1}]}))
                .unwrap_err()
                .contains("conditions[0].field")
        );
        assert!(
            run(json!({"conditions": [{"field": "A", "op": "IN", "value": []}]}))
                .unwrap_err()
                .contains("conditions[0].value")
        );
        assert!(
            run(json!({"conditions": [{"field": "A", "op": "~", "value": 1}]}))
                .unwrap_err()
                .contains("unknown operator")
        );
        assert!(
            run(json!({"conditions": [{"field": "A", "op": "=", "value": {"x": 1}}]}))
                .unwrap_err()
                .contains("expected text")
        );
    }
}
