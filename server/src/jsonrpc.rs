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
/// Internal error: the server failed to produce an answer.
pub const INTERNAL_ERROR: i64 = -32603;
/// Server error (JSON-RPC's implementation-defined range): the server is at a limit, try later.
pub const SERVER_BUSY: i64 = -32000;

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
    // Only an id a client can match is echoed: a string or an integer (found by the property
    // test below: `{"jsonrpc":null,"id":[]}` was answered with `"id":[]`).
    let id = obj
        .get("id")
        .filter(|id| id.is_string() || id.is_i64() || id.is_u64())
        .cloned()
        .unwrap_or(Value::Null);
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
    // MCP narrows JSON-RPC's ids to strings and integers, never null; rmcp refuses any other id
    // with a bare HTTP 415 (and nothing at all over stdio). It cannot be echoed, so the error
    // carries a null id, as JSON-RPC 2.0 says for an id that could not be read.
    if obj
        .get("id")
        .is_some_and(|id| !id.is_string() && !id.is_i64())
    {
        return error(
            Value::Null,
            INVALID_REQUEST,
            format!(
                "Invalid Request: `id` must be a string or an integer, got {}",
                obj["id"]
            ),
        );
    }
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
    if let Some(why) = params_problem(method, params) {
        return error(
            id,
            INVALID_PARAMS,
            format!("Invalid params of {method}: {why}"),
        );
    }
    None
}

/// What is wrong with the params of a method this server serves, if anything. rmcp takes a
/// request whose params it cannot decode for an unknown method ("resources/read" with no `uri`
/// was answered "Method not found"), or refuses it without its id (`"_meta": 5`). The params are
/// decoded here with rmcp's own types, so exactly what rmcp accepts passes, and the error names
/// the field at fault.
fn params_problem(method: &str, params: Option<&Value>) -> Option<String> {
    use rmcp::model::{
        CallToolRequestParams, GetPromptRequestParams, InitializeRequestParams,
        PaginatedRequestParams, ReadResourceRequestParams,
    };
    fn decode<T: serde::de::DeserializeOwned>(params: Option<&Value>) -> Option<String> {
        let params = params.cloned().unwrap_or_else(|| json!({}));
        serde_path_to_error::deserialize::<_, T>(params)
            .err()
            .map(|e| match e.path().to_string().as_str() {
                "." => e.inner().to_string(),
                path => format!("`{path}`: {}", e.inner()),
            })
    }
    match method {
        "initialize" => decode::<InitializeRequestParams>(params),
        "tools/call" => decode::<CallToolRequestParams>(params),
        "resources/read" => decode::<ReadResourceRequestParams>(params),
        "prompts/get" => decode::<GetPromptRequestParams>(params),
        "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list" => {
            decode::<PaginatedRequestParams>(params)
        }
        _ => None,
    }
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
    fn ids_other_than_strings_and_integers_are_refused() {
        for id in [
            "null",
            "1.5",
            r#"{"a":1}"#,
            "[1]",
            "true",
            "18446744073709551615",
        ] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
            let e = problem(body.as_bytes()).unwrap_or_else(|| panic!("id {id} was let through"));
            assert_eq!(e["error"]["code"], INVALID_REQUEST, "{id}: {e}");
            assert!(e["id"].is_null(), "{id}: {e}");
            assert!(
                e["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("`id` must be a string or an integer"),
                "{e}"
            );
        }
        for id in ["7", "-3", r#""abc""#] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
            assert_eq!(problem(body.as_bytes()), None, "{id}");
        }
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
    fn params_are_checked_with_rmcps_own_types_and_the_field_is_named() {
        let message = |body: &str| {
            let e = problem(body.as_bytes()).expect("refused");
            assert_eq!(e["error"]["code"], INVALID_PARAMS, "{e}");
            assert_eq!(e["id"], 4, "{e}");
            e["error"]["message"].as_str().unwrap().to_string()
        };
        let m = message(r#"{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{}}"#);
        assert!(
            m.contains("resources/read") && m.contains("missing field `uri`"),
            "{m}"
        );
        let m = message(
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"a","_meta":5}}"#,
        );
        assert!(m.contains("`_meta`"), "{m}");
        let m = message(r#"{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":7}}"#);
        assert!(m.contains("`name`"), "{m}");
        let m = message(r#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"cursor":1}}"#);
        assert!(m.contains("`cursor`"), "{m}");
        let m = message(
            r#"{"jsonrpc":"2.0","id":4,"method":"initialize","params":{"capabilities":{}}}"#,
        );
        assert!(m.contains("protocolVersion"), "{m}");
        // What rmcp accepts passes: no params, extra fields, 2026-era _meta.
        for ok in [
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"x":1}}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"a","arguments":null,"_meta":{"progressToken":1,"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
            r#"{"jsonrpc":"2.0","id":4,"method":"some/other","params":{"x":1}}"#,
        ] {
            assert_eq!(problem(ok.as_bytes()), None, "{ok}");
        }
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

    #[test]
    fn an_id_that_cannot_be_matched_is_never_echoed() {
        for body in [
            r#"{"jsonrpc":null,"id":[],"method":null,"params":null}"#,
            r#"{"jsonrpc":"1.0","id":{"a":1},"method":"ping"}"#,
            r#"{"jsonrpc":"2.0","id":1.5,"method":7}"#,
        ] {
            let answer = problem(body.as_bytes()).expect("refused");
            assert!(answer["id"].is_null(), "{body}: {answer}");
        }
        let answer = problem(br#"{"jsonrpc":"1.0","id":"r1","method":"ping"}"#).unwrap();
        assert_eq!(answer["id"], "r1");
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        /// JSON-RPC-shaped messages with fields of any shape, so the checks meet every mix.
        fn messages() -> impl Strategy<Value = String> {
            let any = prop_oneof![
                Just("null".to_string()),
                Just("1.5".to_string()),
                Just("-7".to_string()),
                Just("\"x\"".to_string()),
                Just("[]".to_string()),
                Just("{}".to_string()),
                Just("true".to_string()),
                "\\PC{0,12}".prop_map(|s| serde_json::to_string(&s).unwrap()),
            ];
            (any.clone(), any.clone(), any.clone(), any).prop_map(|(v, id, m, p)| {
                format!(r#"{{"jsonrpc":{v},"id":{id},"method":{m},"params":{p}}}"#)
            })
        }

        proptest! {
            #[test]
            fn any_bytes_pass_or_get_a_json_rpc_error(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
                if let Some(answer) = problem(&bytes) {
                    prop_assert_eq!(&answer["jsonrpc"], "2.0");
                    prop_assert!(answer["error"]["code"].as_i64().is_some());
                }
            }

            #[test]
            fn any_message_shape_passes_or_gets_an_error_with_a_readable_id(text in messages()) {
                if let Some(answer) = problem(text.as_bytes()) {
                    let id = &answer["id"];
                    prop_assert!(id.is_null() || id.is_string() || id.is_i64() || id.is_u64(), "{}", answer);
                    prop_assert!(answer["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
                }
            }
        }
    }
}
