//! A request as the generated builders describe it: method, path with encoded parameters, query
//! pairs, headers and a body. Kept as plain data so it can be sent again (after a 401, or by a
//! retry policy) and inspected in tests.

use crate::files::FileUpload;
use caspio_contract::HttpMethod;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{Map, Value};

/// Characters left as they are in a path segment: RFC 3986 unreserved ones.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A value that can stand in a path, query string, header or text part.
pub trait ParamValue {
    /// Its text form.
    fn to_param(&self) -> String;
}

impl ParamValue for String {
    fn to_param(&self) -> String {
        self.clone()
    }
}
impl ParamValue for str {
    fn to_param(&self) -> String {
        self.to_string()
    }
}
impl ParamValue for bool {
    fn to_param(&self) -> String {
        self.to_string()
    }
}
impl ParamValue for i32 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}
impl ParamValue for i64 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}
impl ParamValue for f64 {
    fn to_param(&self) -> String {
        self.to_string()
    }
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    None,
    /// A JSON value.
    Json(Value),
    /// Multipart form parts, in order.
    Multipart(Vec<FormPart>),
}

/// A multipart part.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPart {
    /// A file part.
    File {
        /// Part name, e.g. `File`.
        name: String,
        /// The file.
        file: FileUpload,
    },
    /// A text part.
    Text {
        /// Part name.
        name: String,
        /// Value.
        value: String,
    },
}

/// An HTTP request to a Caspio operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// HTTP method.
    pub method: HttpMethod,
    /// The path template, e.g. `/v3/tables/{tableName}`.
    pub template: &'static str,
    /// The path with parameters filled in and percent-encoded.
    pub path: String,
    /// Query pairs, unencoded, in order.
    pub query: Vec<(String, String)>,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// A value that could not be turned into JSON; reported when the request is sent.
    pub problem: Option<String>,
}

impl Request {
    /// A request for `method` on the path `template`.
    pub fn new(method: HttpMethod, template: &'static str) -> Self {
        Request {
            method,
            template,
            path: template.to_string(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::None,
            problem: None,
        }
    }

    /// Fills `{name}` with the encoded value. Every character outside RFC 3986's unreserved set
    /// is encoded, so a value can never add a segment, a query or a fragment.
    pub fn path<T: ParamValue + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let encoded = utf8_percent_encode(&value.to_param(), SEGMENT).to_string();
        self.path = self.path.replace(&format!("{{{name}}}"), &encoded);
        self
    }

    /// Adds a query parameter.
    pub fn query<T: ParamValue + ?Sized>(mut self, name: &str, value: &T) -> Self {
        self.query.push((name.to_string(), value.to_param()));
        self
    }

    /// Adds a query parameter when present.
    pub fn query_opt<T: ParamValue + ?Sized>(self, name: &str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Adds one query pair per element (`form` style, exploded).
    pub fn query_each<T: ParamValue>(mut self, name: &str, values: &[T]) -> Self {
        for v in values {
            self.query.push((name.to_string(), v.to_param()));
        }
        self
    }

    /// Like [`Request::query_each`] when present.
    pub fn query_each_opt<T: ParamValue>(self, name: &str, values: Option<&Vec<T>>) -> Self {
        match values {
            Some(v) => self.query_each(name, v),
            None => self,
        }
    }

    /// Adds a header.
    pub fn header<T: ParamValue + ?Sized>(mut self, name: &str, value: &T) -> Self {
        self.headers.push((name.to_string(), value.to_param()));
        self
    }

    /// Adds a header when present.
    pub fn header_opt<T: ParamValue + ?Sized>(self, name: &str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.header(name, v),
            None => self,
        }
    }

    /// Sets the whole JSON body.
    pub fn json_body<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => self.body = Body::Json(v),
            Err(e) => self.problem = Some(format!("body cannot be sent as JSON: {e}")),
        }
        self
    }

    /// Sets the whole JSON body when present.
    pub fn json_body_opt<T: Serialize>(self, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.json_body(v),
            None => self,
        }
    }

    /// Sets one property of a JSON object body.
    pub fn json_field<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        let v = match serde_json::to_value(value) {
            Ok(v) => v,
            Err(e) => {
                self.problem = Some(format!("`{name}` cannot be sent as JSON: {e}"));
                return self;
            }
        };
        if let Body::Json(Value::Object(map)) = &mut self.body {
            map.insert(name.to_string(), v);
        } else {
            let mut map = Map::new();
            map.insert(name.to_string(), v);
            self.body = Body::Json(Value::Object(map));
        }
        self
    }

    /// Sets one property of a JSON object body when present.
    pub fn json_field_opt<T: Serialize>(self, name: &str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.json_field(name, v),
            None => self,
        }
    }

    fn part(mut self, part: FormPart) -> Self {
        match &mut self.body {
            Body::Multipart(parts) => parts.push(part),
            _ => self.body = Body::Multipart(vec![part]),
        }
        self
    }

    /// Adds a file part.
    pub fn file(self, name: &str, file: &FileUpload) -> Self {
        self.part(FormPart::File {
            name: name.to_string(),
            file: file.clone(),
        })
    }

    /// Adds a file part when present.
    pub fn file_opt(self, name: &str, file: Option<&FileUpload>) -> Self {
        match file {
            Some(f) => self.file(name, f),
            None => self,
        }
    }

    /// Adds one part per file, all under `name`.
    pub fn files(mut self, name: &str, files: &[FileUpload]) -> Self {
        for f in files {
            self = self.file(name, f);
        }
        self
    }

    /// Like [`Request::files`] when present.
    pub fn files_opt(self, name: &str, files: Option<&Vec<FileUpload>>) -> Self {
        match files {
            Some(f) => self.files(name, f),
            None => self,
        }
    }

    /// Adds a text part.
    pub fn text<T: ParamValue + ?Sized>(self, name: &str, value: &T) -> Self {
        self.part(FormPart::Text {
            name: name.to_string(),
            value: value.to_param(),
        })
    }

    /// Adds a text part when present.
    pub fn text_opt<T: ParamValue + ?Sized>(self, name: &str, value: Option<&T>) -> Self {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    /// The longest variable part of the URI, by its encoded length: a path parameter (named as
    /// in the template) or a query parameter. Said when a URI is over Caspio's limit, so the
    /// caller knows what to shorten.
    pub fn longest_part(&self) -> Option<(String, usize)> {
        let path_parts = self
            .template
            .split('/')
            .zip(self.path.split('/'))
            .filter_map(|(template, filled)| {
                let name = template.strip_prefix('{')?.strip_suffix('}')?;
                Some((name.to_string(), filled.len()))
            });
        let query_parts = self.query.iter().map(|(name, value)| {
            (
                name.clone(),
                utf8_percent_encode(value, SEGMENT).to_string().len(),
            )
        });
        path_parts.chain(query_parts).max_by_key(|(_, len)| *len)
    }

    /// The path and query as they go on the wire (for length checks and logs).
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            return self.path.clone();
        }
        let encoded: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, SEGMENT),
                    utf8_percent_encode(v, SEGMENT)
                )
            })
            .collect();
        format!("{}?{}", self.path, encoded.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_part_is_named_by_its_parameter() {
        let r = Request::new(HttpMethod::Get, "/v3/tables/{tableName}/records")
            .path("tableName", &"T".repeat(30))
            .query("q.where", "A = 'x y'")
            .query("q.select", "PK_ID");
        assert_eq!(r.longest_part(), Some(("tableName".into(), 30)));
        let r = r.query("q.orderBy", &"é".repeat(20));
        assert_eq!(r.longest_part(), Some(("q.orderBy".into(), 120)));
    }

    #[test]
    fn path_values_cannot_escape_their_segment() {
        let r = Request::new(HttpMethod::Get, "/v3/tables/{tableName}/records")
            .path("tableName", "a/../b?x=1#f");
        assert_eq!(r.path, "/v3/tables/a%2F..%2Fb%3Fx%3D1%23f/records");
        let r = Request::new(HttpMethod::Get, "/v3/tables/{tableName}")
            .path("tableName", "Café Orders");
        assert_eq!(r.path, "/v3/tables/Caf%C3%A9%20Orders");
    }

    #[test]
    fn optional_values_are_left_out() {
        let none: Option<&String> = None;
        let r = Request::new(HttpMethod::Get, "/x")
            .query_opt("q.select", none)
            .query("q.limit", &5i32);
        assert_eq!(r.query, vec![("q.limit".to_string(), "5".to_string())]);
        assert_eq!(r.path_and_query(), "/x?q.limit=5");
    }

    #[test]
    fn json_fields_build_one_object() {
        let r = Request::new(HttpMethod::Post, "/x")
            .json_field("Name", "A")
            .json_field_opt("Unique", Some(&true));
        assert_eq!(
            r.body,
            Body::Json(serde_json::json!({"Name": "A", "Unique": true}))
        );
    }

    #[test]
    fn files_become_parts_in_order() {
        let f = |n: &str| FileUpload {
            name: n.into(),
            content_type: None,
            data: vec![1],
        };
        let r = Request::new(HttpMethod::Post, "/v3/files").files("Files", &[f("a"), f("b")]);
        let Body::Multipart(parts) = r.body else {
            panic!("not multipart")
        };
        let names: Vec<_> = parts
            .iter()
            .map(|p| match p {
                FormPart::File { name, file } => format!("{name}:{}", file.name),
                FormPart::Text { name, .. } => name.clone(),
            })
            .collect();
        assert_eq!(names, vec!["Files:a", "Files:b"]);
    }
}
