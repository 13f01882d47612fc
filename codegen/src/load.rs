//! Reading the OpenAPI document: text (YAML or JSON) to a `serde_json::Value` kept for `$ref`
//! resolution, and to `openapiv3::OpenAPI`, with deserialization errors located by JSON pointer.

use crate::error::{Error, Result};
use crate::pointer::Pointer;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A parsed document: the raw tree (for `$ref` lookups) and its typed form.
pub struct Document {
    /// The document as plain JSON, in source order.
    pub raw: Value,
    /// The typed OpenAPI model.
    pub api: openapiv3::OpenAPI,
}

/// Parses YAML or JSON text into a tree. JSON is tried first when the text looks like JSON, since
/// a YAML parser would accept it too but report errors less precisely.
pub fn parse_tree(text: &str, source: crate::error::Source) -> Result<Value> {
    let located = |message: String| Error {
        source,
        pointer: "#".into(),
        message,
    };
    if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| located(format!("not valid JSON: {e}")))
    } else {
        serde_yaml_ng::from_str(text).map_err(|e| located(format!("not valid YAML: {e}")))
    }
}

/// Reads an OpenAPI 3.0.x document.
pub fn load(text: &str) -> Result<Document> {
    let raw = parse_tree(text, crate::error::Source::Spec)?;
    let version = raw.get("openapi").and_then(Value::as_str).ok_or_else(|| {
        Error::spec(
            "#/openapi",
            "missing `openapi` version field; only OpenAPI 3.0.x is supported",
        )
    })?;
    if !version.starts_with("3.0.") {
        return Err(Error::spec(
            "#/openapi",
            format!("OpenAPI {version} is not supported; convert the document to 3.0.x"),
        ));
    }
    match from_value_at(&raw, &Pointer::root(), crate::error::Source::Spec) {
        Ok(api) => Ok(Document { raw, api }),
        // openapiv3 flattens extension maps into most objects, which hides the inner path from
        // serde; find the innermost part that fails on its own to say where the problem is.
        Err(coarse) => Err(refine(&raw).unwrap_or(coarse)),
    }
}

/// Tries the document's parts one by one, innermost first, and returns the first failure.
fn refine(raw: &Value) -> Option<Error> {
    use openapiv3::{Operation, Parameter, ReferenceOr, RequestBody, Response, Schema};
    fn try_at<T: DeserializeOwned>(value: &Value, at: &Pointer) -> Option<Error> {
        from_value_at::<T>(value, at, crate::error::Source::Spec).err()
    }
    fn try_list<T: DeserializeOwned>(value: Option<&Value>, at: &Pointer) -> Option<Error> {
        let items = value?.as_array()?;
        items
            .iter()
            .enumerate()
            .find_map(|(i, v)| try_at::<ReferenceOr<T>>(v, &at.join(i.to_string())))
    }
    fn try_map<T: DeserializeOwned>(value: Option<&Value>, at: &Pointer) -> Option<Error> {
        let map = value?.as_object()?;
        map.iter()
            .find_map(|(k, v)| try_at::<ReferenceOr<T>>(v, &at.join(k)))
    }
    let root = Pointer::root();
    if let Some(paths) = raw.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            let item_at = root.join("paths").join(path);
            if let Some(e) =
                try_list::<Parameter>(item.get("parameters"), &item_at.join("parameters"))
            {
                return Some(e);
            }
            for method in [
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ] {
                let Some(op) = item.get(method) else { continue };
                let at = item_at.join(method);
                let inner = try_list::<Parameter>(op.get("parameters"), &at.join("parameters"))
                    .or_else(|| {
                        op.get("requestBody").and_then(|b| {
                            try_at::<ReferenceOr<RequestBody>>(b, &at.join("requestBody"))
                        })
                    })
                    .or_else(|| {
                        let responses = op.get("responses")?.as_object()?;
                        responses.iter().find_map(|(k, v)| {
                            try_at::<ReferenceOr<Response>>(v, &at.join("responses").join(k))
                        })
                    })
                    .or_else(|| try_at::<Operation>(op, &at));
                if inner.is_some() {
                    return inner;
                }
            }
        }
    }
    let components = raw.get("components");
    let c_at = root.join("components");
    try_map::<Schema>(
        components.and_then(|c| c.get("schemas")),
        &c_at.join("schemas"),
    )
    .or_else(|| {
        try_map::<Parameter>(
            components.and_then(|c| c.get("parameters")),
            &c_at.join("parameters"),
        )
    })
    .or_else(|| {
        try_map::<RequestBody>(
            components.and_then(|c| c.get("requestBodies")),
            &c_at.join("requestBodies"),
        )
    })
    .or_else(|| {
        try_map::<Response>(
            components.and_then(|c| c.get("responses")),
            &c_at.join("responses"),
        )
    })
}

/// Deserializes `value` (found at `at`) into `T`; an error carries the pointer of the innermost
/// part serde could name.
pub fn from_value_at<T: DeserializeOwned>(
    value: &Value,
    at: &Pointer,
    source: crate::error::Source,
) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let mut pointer = at.clone();
        for segment in err.path().iter() {
            use serde_path_to_error::Segment;
            match segment {
                Segment::Seq { index } => pointer = pointer.join(index.to_string()),
                Segment::Map { key } => pointer = pointer.join(key),
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        Error {
            source,
            pointer: pointer.into(),
            message: err.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_openapi_31() {
        let err = load("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n")
            .err()
            .unwrap();
        assert_eq!(err.pointer, "#/openapi");
        assert!(err.message.contains("3.1.0"), "{err}");
    }

    #[test]
    fn locates_type_errors() {
        let text = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: X\n      parameters: 7\n      responses: {}\n";
        let err = load(text).err().unwrap();
        assert!(err.pointer.starts_with("#/paths/~1x/get"), "{err}");
    }

    #[test]
    fn reports_yaml_syntax_errors() {
        let err = load("openapi: [3.0.3\n").err().unwrap();
        assert!(err.message.contains("not valid YAML"), "{err}");
    }
}
