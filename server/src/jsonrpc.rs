//! The checks every transport makes on an incoming JSON-RPC message before rmcp sees it. rmcp
//! answers some malformed messages with a bare HTTP error, or over stdio not at all (a line that
//! is not JSON is dropped, a request with bad `params` is refused without its id), which leaves
//! a client waiting; here each gets a JSON-RPC error that says what is wrong, with the request's
//! id whenever it has one.

use serde_json::{json, Value};

/// Parse error: the message is not JSON.
pub const PARSE_ERROR: i64 = -32700;
/// Invalid Request: JSON, but not one well-formed JSON-RPC message.
pub const INVALID_REQUEST: i64 = -32600;
/// Invalid params: a well-formed request whose `params` are not what its method takes.
pub const INVALID_PARAMS: i64 = -32602;

/// A JSON-RPC error response.
pub fn error(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

/// A JSON-RPC error for a body that is not JSON (-32700), not a JSON-RPC message (-32600), or a
/// `tools/call` without a tool name or with non-object arguments (-32602).
pub fn problem(body: &[u8]) -> Option<Value> {
    let error = |id: Value, code: i64, message: String| Some(error(id, code, message));
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return error(Value::Null, PARSE_ERROR, format!("Parse error: {e}")),
    };
    let Some(obj) = value.as_object() else {
        return error(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: expected one JSON-RPC message object".into(),
        );
    };
    let id = obj.get("id").cloned().unwrap_or(Value::Null);
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return error(
            id,
            INVALID_REQUEST,
            "Invalid Request: `jsonrpc` must be \"2.0\"".into(),
        );
    }
    let Some(method) = obj.get("method") else {
        // A response or an error from the client: rmcp handles those.
        return None;
    };
    let Some(method) = method.as_str() else {
        return error(
            id,
            INVALID_REQUEST,
            "Invalid Request: `method` must be a string".into(),
        );
    };
    let params = obj.get("params");
    if params.is_some_and(|p| !p.is_object()) {
        return error(
            id,
            INVALID_PARAMS,
            format!("Invalid params: `params` of {method} must be an object"),
        );
    }
    if method == "tools/call" {
        let p = params.and_then(Value::as_object);
        if !p.and_then(|p| p.get("name")).is_some_and(Value::is_string) {
            return error(
                id,
                INVALID_PARAMS,
                "Invalid params: tools/call needs `name`, the tool's name".into(),
            );
        }
        if p.and_then(|p| p.get("arguments"))
            .is_some_and(|a| !a.is_object() && !a.is_null())
        {
            return error(
                id,
                INVALID_PARAMS,
                "Invalid params: `arguments` must be an object".into(),
            );
        }
    }
    None
}

/// Whether `message` (already known to be an object) is a notification: a method and no id. A
/// notification gets no answer, not even an error (JSON-RPC 2.0 §4.1).
pub fn is_notification(message: &[u8]) -> bool {
    serde_json::from_slice::<Value>(message)
        .ok()
        .and_then(|v| {
            v.as_object()
                .map(|o| o.contains_key("method") && !o.contains_key("id"))
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonrpc_problems() {
        let code = |b: &str| problem(b.as_bytes()).map(|e| e["error"]["code"].as_i64().unwrap());
        assert_eq!(code("{\"jsonrpc\":"), Some(-32700));
        assert_eq!(code("[1,2]"), Some(-32600));
        assert_eq!(
            code(r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#),
            Some(-32600)
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"nme":1}}"#),
            Some(-32602)
        );
        assert_eq!(
            code(
                r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":[1]}}"#
            ),
            Some(-32602)
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":7}"#),
            Some(-32602)
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"}}"#),
            None
        );
        assert_eq!(
            code(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#),
            None
        );
    }

    #[test]
    fn the_id_is_kept_when_the_message_has_one() {
        let e =
            problem(br#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":"bad"}"#).unwrap();
        assert_eq!(e["id"], 6);
        let e = problem(br#"{"id":"a"}"#).unwrap();
        assert_eq!(
            (e["id"].as_str(), e["error"]["code"].as_i64()),
            (Some("a"), Some(-32600))
        );
        let e = problem(b"not json").unwrap();
        assert!(e["id"].is_null());
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("line 1 column 2"),
            "{e}"
        );
    }

    #[test]
    fn notifications() {
        assert!(is_notification(
            br#"{"jsonrpc":"2.0","method":"x","params":1}"#
        ));
        assert!(!is_notification(
            br#"{"jsonrpc":"2.0","id":1,"method":"x"}"#
        ));
        assert!(!is_notification(b"[1]"));
        assert!(!is_notification(b"nope"));
    }
}
