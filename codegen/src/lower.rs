//! From the typed OpenAPI model to the IR: operations with merged path-level parameters, the one
//! request body kind we send, and the success response.

use crate::error::{Error, Result};
use crate::ir::{
    Api, Body, Kind, Location, Method, Operation, Param, Part, PartKind, Response, Schema,
};
use crate::load::Document;
use crate::pointer::Pointer;
use crate::resolve::Resolver;
use openapiv3::{Parameter, ParameterSchemaOrContent, ReferenceOr, StatusCode};
use std::collections::BTreeSet;

/// Builds the IR of a loaded document.
pub fn lower(doc: &Document) -> Result<Api> {
    let resolver = Resolver::new(&doc.raw);
    let paths_at = Pointer::root().join("paths");
    let mut operations = Vec::new();
    let mut ids = BTreeSet::new();
    for (path, item) in doc.api.paths.iter() {
        let item_at = paths_at.join(path);
        let (item, item_at) = resolver.item(item, &item_at)?;
        for (method_name, method, op) in [
            ("get", Method::Get, &item.get),
            ("post", Method::Post, &item.post),
            ("put", Method::Put, &item.put),
            ("patch", Method::Patch, &item.patch),
            ("delete", Method::Delete, &item.delete),
        ] {
            let Some(op) = op else { continue };
            let at = item_at.join(method_name);
            let operation =
                lower_operation(&resolver, path, method, op, &item.parameters, &item_at, &at)?;
            if !ids.insert(operation.id.clone()) {
                return Err(Error::spec(
                    at.join("operationId").as_str(),
                    format!("operationId `{}` is used twice", operation.id),
                ));
            }
            operations.push(operation);
        }
        for (name, present) in [
            ("head", item.head.is_some()),
            ("options", item.options.is_some()),
            ("trace", item.trace.is_some()),
        ] {
            if present {
                return Err(Error::spec(
                    item_at.join(name).as_str(),
                    format!("{} operations are not supported", name.to_uppercase()),
                ));
            }
        }
    }
    Ok(Api {
        base_path: base_path(doc),
        operations,
    })
}

fn base_path(doc: &Document) -> String {
    let Some(server) = doc.api.servers.first() else {
        return String::new();
    };
    let url = server.url.as_str();
    let path = match url.find("://") {
        Some(scheme_end) => match url[scheme_end + 3..].find('/') {
            Some(slash) => &url[scheme_end + 3 + slash..],
            None => "",
        },
        None => url,
    };
    path.trim_end_matches('/').to_string()
}

fn lower_operation(
    resolver: &Resolver,
    path: &str,
    method: Method,
    op: &openapiv3::Operation,
    path_level: &[ReferenceOr<Parameter>],
    item_at: &Pointer,
    at: &Pointer,
) -> Result<Operation> {
    let id = op.operation_id.clone().ok_or_else(|| {
        Error::spec(
            at.as_str(),
            "operation has no operationId; tools and overrides are keyed by it",
        )
    })?;
    if id.trim().is_empty() {
        return Err(Error::spec(
            at.join("operationId").as_str(),
            "operationId is empty",
        ));
    }

    // Operation-level parameters replace path-level ones with the same name and location.
    let mut params: Vec<Param> = Vec::new();
    for (i, p) in path_level.iter().enumerate() {
        params.push(lower_param(
            resolver,
            p,
            &item_at.join("parameters").join(i.to_string()),
        )?);
    }
    for (i, p) in op.parameters.iter().enumerate() {
        let param = lower_param(resolver, p, &at.join("parameters").join(i.to_string()))?;
        match params
            .iter_mut()
            .find(|q| q.name == param.name && q.location == param.location)
        {
            Some(existing) => *existing = param,
            None => params.push(param),
        }
    }
    check_path_params(path, &params, at)?;

    let body = match &op.request_body {
        Some(body) => Some(lower_body(resolver, body, &at.join("requestBody"))?),
        None => None,
    };
    let response = lower_response(resolver, &op.responses, &at.join("responses"))?;
    Ok(Operation {
        id,
        method,
        path: path.to_string(),
        pointer: at.to_string(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        params,
        body,
        response,
    })
}

fn lower_param(resolver: &Resolver, p: &ReferenceOr<Parameter>, at: &Pointer) -> Result<Param> {
    let (param, at) = resolver.item(p, at)?;
    let location = match &param {
        Parameter::Path { .. } => Location::Path,
        Parameter::Query { .. } => Location::Query,
        Parameter::Header { .. } => Location::Header,
        Parameter::Cookie { .. } => {
            return Err(Error::spec(
                at.join("in").as_str(),
                "cookie parameters are not supported",
            ))
        }
    };
    let data = param.parameter_data();
    let schema = match &data.format {
        ParameterSchemaOrContent::Schema(s) => resolver.schema(s, &at.join("schema"))?,
        ParameterSchemaOrContent::Content(_) => {
            return Err(Error::spec(
                at.join("content").as_str(),
                "parameters described by `content` are not supported; use `schema`",
            ))
        }
    };
    let primitive = |s: &Schema| {
        matches!(
            s.kind,
            Kind::String { .. } | Kind::Integer { .. } | Kind::Number { .. } | Kind::Boolean
        )
    };
    let ok = match &schema.kind {
        Kind::Array { items, .. } => primitive(items),
        _ => primitive(&schema),
    };
    if !ok {
        return Err(Error::spec(
            at.join("schema").as_str(),
            format!(
                "parameter `{}` must be a primitive or an array of primitives",
                data.name
            ),
        ));
    }
    if location == Location::Path && !data.required {
        return Err(Error::spec(
            at.join("required").as_str(),
            format!("path parameter `{}` must be required", data.name),
        ));
    }
    Ok(Param {
        name: data.name,
        location,
        required: data.required,
        schema,
        description: data.description,
        pointer: at.to_string(),
    })
}

fn check_path_params(path: &str, params: &[Param], at: &Pointer) -> Result<()> {
    let mut in_template = BTreeSet::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(Error::spec(
                at.as_str(),
                format!("unclosed `{{` in path `{path}`"),
            ));
        };
        in_template.insert(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    for name in &in_template {
        if !params
            .iter()
            .any(|p| p.location == Location::Path && &p.name == name)
        {
            return Err(Error::spec(
                at.as_str(),
                format!("path segment `{{{name}}}` has no path parameter"),
            ));
        }
    }
    if let Some(p) = params
        .iter()
        .find(|p| p.location == Location::Path && !in_template.contains(&p.name))
    {
        return Err(Error::spec(
            p.pointer.as_str(),
            format!("path parameter `{}` does not appear in `{path}`", p.name),
        ));
    }
    Ok(())
}

fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or(media)
        .trim()
        .to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json") || m == "text/json"
}

fn lower_body(
    resolver: &Resolver,
    body: &ReferenceOr<openapiv3::RequestBody>,
    at: &Pointer,
) -> Result<Body> {
    let (body, at) = resolver.item(body, at)?;
    let content_at = at.join("content");
    if let Some((media, content)) = body.content.iter().find(|(m, _)| is_json(m)) {
        let schema_at = content_at.join(media).join("schema");
        let schema = match &content.schema {
            Some(s) => resolver.schema(s, &schema_at)?,
            None => Schema::of(Kind::Any),
        };
        return Ok(Body::Json {
            schema,
            required: body.required,
            description: body.description.clone(),
            pointer: schema_at.to_string(),
        });
    }
    if let Some(content) = body.content.get("multipart/form-data") {
        let schema_at = content_at.join("multipart/form-data").join("schema");
        let schema = match &content.schema {
            Some(s) => resolver.schema(s, &schema_at)?,
            None => {
                return Err(Error::spec(
                    schema_at.as_str(),
                    "multipart body without a schema",
                ))
            }
        };
        let Kind::Object { properties, .. } = schema.kind else {
            return Err(Error::spec(
                schema_at.as_str(),
                "a multipart body must be an object of parts",
            ));
        };
        let parts = properties
            .into_iter()
            .map(|p| {
                let kind = match &p.schema.kind {
                    Kind::Binary => PartKind::File,
                    Kind::Array { items, .. } if items.kind == Kind::Binary => PartKind::Files,
                    Kind::String { .. }
                    | Kind::Integer { .. }
                    | Kind::Number { .. }
                    | Kind::Boolean => PartKind::Text(p.schema.clone()),
                    _ => {
                        return Err(Error::spec(
                            schema_at.join("properties").join(&p.name).as_str(),
                            "a multipart part must be a file, an array of files or a primitive",
                        ))
                    }
                };
                Ok(Part {
                    name: p.name,
                    kind,
                    required: p.required,
                    description: p.schema.description,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        return Ok(Body::Multipart {
            parts,
            pointer: schema_at.to_string(),
        });
    }
    let kinds: Vec<&str> = body.content.keys().map(String::as_str).collect();
    Err(Error::spec(
        content_at.as_str(),
        format!(
            "unsupported request content type(s) {kinds:?}: only application/json and multipart/form-data are supported"
        ),
    ))
}

fn lower_response(
    resolver: &Resolver,
    responses: &openapiv3::Responses,
    at: &Pointer,
) -> Result<Response> {
    let mut success: Vec<(u16, &ReferenceOr<openapiv3::Response>, String)> = responses
        .responses
        .iter()
        .filter_map(|(code, r)| match code {
            StatusCode::Code(c) if (200..300).contains(c) => Some((*c, r, c.to_string())),
            StatusCode::Range(2) => Some((299, r, "2XX".to_string())),
            _ => None,
        })
        .collect();
    success.sort_by_key(|(c, _, _)| *c);
    for (_, response, key) in &success {
        let (response, r_at) = resolver.item(*response, &at.join(key))?;
        if response.content.is_empty() {
            continue;
        }
        let content_at = r_at.join("content");
        // A declared binary schema wins whatever the media type says (Caspio declares downloads
        // under JSON media types).
        for (media, content) in &response.content {
            if let Some(s) = &content.schema {
                let schema = resolver.schema(s, &content_at.join(media).join("schema"))?;
                if schema.kind == Kind::Binary {
                    return Ok(Response::Binary);
                }
            }
        }
        if let Some((media, content)) = response.content.iter().find(|(m, _)| is_json(m)) {
            let schema = match &content.schema {
                Some(s) => resolver.schema(s, &content_at.join(media).join("schema"))?,
                None => Schema::of(Kind::Any),
            };
            let may_be_empty = schema.nullable;
            return Ok(Response::Json {
                schema,
                may_be_empty,
            });
        }
        return Ok(Response::Binary);
    }
    Ok(Response::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load;

    fn api(paths: &str) -> Result<Api> {
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\nservers: [{{url: 'https://x.example.com/api/'}}]\npaths:\n{paths}"
        );
        lower(&load(&text)?)
    }

    #[test]
    fn base_path_comes_from_the_first_server() {
        let a = api("  /a:\n    get: {operationId: A, responses: {'204': {description: ok}}}\n")
            .unwrap();
        assert_eq!(a.base_path, "/api");
        assert!(matches!(a.operations[0].response, Response::Empty));
    }

    #[test]
    fn missing_operation_id_is_located() {
        let err = api("  /a:\n    get: {responses: {'200': {description: ok}}}\n").unwrap_err();
        assert_eq!(err.pointer, "#/paths/~1a/get");
    }

    #[test]
    fn path_template_and_parameters_must_agree() {
        let err =
            api("  /a/{id}:\n    get: {operationId: A, responses: {'204': {description: ok}}}\n")
                .unwrap_err();
        assert!(err.message.contains("{id}"), "{err}");
    }

    #[test]
    fn duplicate_operation_ids_are_refused() {
        let err = api(
            "  /a:\n    get: {operationId: A, responses: {'204': {description: ok}}}\n  /b:\n    get: {operationId: A, responses: {'204': {description: ok}}}\n",
        )
        .unwrap_err();
        assert_eq!(err.pointer, "#/paths/~1b/get/operationId");
    }

    #[test]
    fn unsupported_body_types_are_located() {
        let err = api("  /a:\n    post:\n      operationId: A\n      requestBody: {content: {application/xml: {schema: {type: string}}}}\n      responses: {'204': {description: ok}}\n").unwrap_err();
        assert_eq!(err.pointer, "#/paths/~1a/post/requestBody/content");
    }

    #[test]
    fn multipart_parts_and_binary_responses() {
        let a = api("  /f:\n    put:\n      operationId: F\n      requestBody:\n        content:\n          multipart/form-data:\n            schema: {type: object, required: [File], properties: {File: {type: string, format: binary}, Files: {type: array, items: {type: string, format: binary}}, Note: {type: string}}}\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {type: string, format: binary}}}}\n").unwrap();
        let op = &a.operations[0];
        let Some(Body::Multipart { parts, .. }) = &op.body else {
            panic!("no multipart body")
        };
        let kinds: Vec<_> = parts
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    matches!(p.kind, PartKind::File),
                    p.required,
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("File", true, true),
                ("Files", false, false),
                ("Note", false, false)
            ]
        );
        assert!(matches!(op.response, Response::Binary));
    }

    #[test]
    fn cookie_and_object_parameters_are_refused() {
        let err = api("  /a:\n    get:\n      operationId: A\n      parameters: [{name: c, in: cookie, schema: {type: string}}]\n      responses: {'204': {description: ok}}\n").unwrap_err();
        assert_eq!(err.pointer, "#/paths/~1a/get/parameters/0/in");
        let err = api("  /a:\n    get:\n      operationId: A\n      parameters: [{name: o, in: query, schema: {type: object}}]\n      responses: {'204': {description: ok}}\n").unwrap_err();
        assert_eq!(err.pointer, "#/paths/~1a/get/parameters/0/schema");
    }
}
