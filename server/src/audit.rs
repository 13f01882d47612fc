//! What an audit log is told of each tool call, and how arguments are redacted for it: file
//! content becomes its size, secret-looking values become `<redacted>`, long text is cut, so a
//! log can be read by people who must not see the data it describes.

use caspio::runtime::tools::{CallError, ToolOutput};
use serde_json::{Map, Value};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// One finished tool call.
pub struct CallRecord<'a> {
    /// The tool.
    pub tool: &'a str,
    /// The arguments as the client sent them.
    pub arguments: &'a Map<String, Value>,
    /// How it ended.
    pub outcome: &'a Result<ToolOutput, CallError>,
    /// How long it took.
    pub duration: Duration,
}

/// Where tool calls are recorded (hosted mode's audit table).
pub trait Audit: Send + Sync {
    /// Records one call; the future finishes once it is stored.
    fn record(&self, call: CallRecord<'_>) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// The longest text kept of one argument value.
const MAX_TEXT: usize = 200;
/// The longest digest kept of all arguments.
const MAX_DIGEST: usize = 2000;

/// Whether an argument's name says it holds a secret.
fn is_secret(key: &str, tool: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "secret", "token", "authorization"]
        .iter()
        .any(|s| key.contains(s))
        || (tool.contains("password") && key == "value")
}

fn redact_value(key: &str, tool: &str, value: &Value) -> Value {
    if is_secret(key, tool) {
        return Value::String("<redacted>".into());
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let redacted = if k == caspio::runtime::contract::args::CONTENT_BASE64 {
                        let len = v.as_str().map_or(0, |s| s.len() / 4 * 3);
                        Value::String(format!("<file, about {len} bytes>"))
                    } else {
                        redact_value(k, tool, v)
                    };
                    (k.clone(), redacted)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| redact_value(key, tool, v)).collect())
        }
        Value::String(s) if s.chars().count() > MAX_TEXT => Value::String(format!(
            "{}… ({} characters)",
            s.chars().take(MAX_TEXT).collect::<String>(),
            s.chars().count()
        )),
        other => other.clone(),
    }
}

/// The arguments of a call of `tool`, redacted and bounded, as JSON text.
pub fn redact(tool: &str, arguments: &Map<String, Value>) -> String {
    let redacted = redact_value("", tool, &Value::Object(arguments.clone()));
    let text = redacted.to_string();
    if text.len() <= MAX_DIGEST {
        return text;
    }
    let mut cut = MAX_DIGEST;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… ({} bytes)", &text[..cut], text.len())
}

/// How a call ended, in a few words: `ok`, `refused: ...`, `invalid arguments: ...`, `error: ...`.
pub fn outcome(outcome: &Result<ToolOutput, CallError>) -> String {
    let short = |s: String| s.chars().take(300).collect::<String>();
    match outcome {
        Ok(_) => "ok".into(),
        Err(CallError::Refused(r)) => short(format!("refused: {}", r.reason)),
        Err(CallError::InvalidArguments(a)) => short(format!("invalid arguments: {a}")),
        Err(e) => short(format!("error: {e}")),
    }
}

/// The records or users a call changed, when Caspio said.
pub fn records_affected(outcome: &Result<ToolOutput, CallError>) -> Option<i64> {
    let answer = outcome.as_ref().ok()?.structured.as_ref()?;
    answer
        .get("RecordsAffected")
        .or_else(|| answer.get("UsersAffected"))
        .and_then(Value::as_i64)
}

/// Caspio's request id of a call.
pub fn request_id(outcome: &Result<ToolOutput, CallError>) -> Option<String> {
    match outcome {
        Ok(out) => out.request_id.clone(),
        Err(CallError::Api(caspio::runtime::Error::Api(e))) => e.request_id.clone(),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn file_content_and_secrets_never_reach_the_log() {
        let args = json!({
            "table_name": "T",
            "file": {"name": "a.pdf", caspio::runtime::contract::args::CONTENT_BASE64: "QUJD".repeat(1000)},
            "client_secret": "s3cret",
            "record": {"Api_Token": "t0ken", "Note": "x".repeat(500)}
        });
        let text = redact(
            "update_a_caspio_attachment_by_id",
            args.as_object().unwrap(),
        );
        assert!(
            !text.contains("QUJD") && text.contains("<file, about 3000 bytes>"),
            "{text}"
        );
        assert!(
            !text.contains("s3cret") && !text.contains("t0ken"),
            "{text}"
        );
        assert!(text.contains("(500 characters)"), "{text}");
        let value = json!({"table_name": "T", "password_field_name": "Pw", "value": "hunter2", "where": "PK_ID=1"});
        let text = redact(
            "update_a_caspio_password_field_by_id",
            value.as_object().unwrap(),
        );
        assert!(
            !text.contains("hunter2") && text.contains("PK_ID=1"),
            "{text}"
        );
        let huge: Map<String, Value> = (0..100)
            .map(|i| (format!("k{i}"), json!("v".repeat(100))))
            .collect();
        assert!(redact("t", &huge).len() < MAX_DIGEST + 40);
    }
}
