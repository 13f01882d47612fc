//! The intermediate representation between reading the spec and emitting code: operations with
//! their parameters by location, bodies and success responses, and a small schema model with
//! every `$ref` already resolved. Emitters never look at `openapiv3` types.

// IR values are built once per generation run and there are a few hundred of them: boxing the
// large variants would cost clarity for no measurable gain.
#![allow(clippy::large_enum_variant)]

use serde_json::Value;

/// The whole API, in document order.
#[derive(Debug, Clone)]
pub struct Api {
    /// Path prefix taken from the first server URL (e.g. `/integrations/rest`), without a
    /// trailing slash; operation paths are appended to it.
    pub base_path: String,
    /// Every operation, in document order.
    pub operations: Vec<Operation>,
}

/// HTTP methods the generator supports: the contract's, so the generator and the runtime decide
/// idempotency and default hints the same way.
pub use caspio_contract::HttpMethod as Method;

/// One API operation.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The operationId.
    pub id: String,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/v3/tables/{tableName}`.
    pub path: String,
    /// Where the operation is in the document.
    pub pointer: String,
    /// The spec's summary.
    pub summary: Option<String>,
    /// The spec's description.
    pub description: Option<String>,
    /// Path, query and header parameters (path-level ones merged in).
    pub params: Vec<Param>,
    /// The request body, if any.
    pub body: Option<Body>,
    /// What a success answer carries.
    pub response: Response,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` segment of the path.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// A path, query or header parameter.
#[derive(Debug, Clone)]
pub struct Param {
    /// The wire name, e.g. `q.where`.
    pub name: String,
    /// Where it goes.
    pub location: Location,
    /// Whether the API requires it.
    pub required: bool,
    /// Its schema (a primitive or an array of primitives).
    pub schema: Schema,
    /// The spec's description.
    pub description: Option<String>,
    /// Where it is in the document.
    pub pointer: String,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Body {
    /// `application/json`.
    Json {
        /// The body's schema.
        schema: Schema,
        /// Whether a body must be sent.
        required: bool,
        /// The spec's description of the body.
        description: Option<String>,
        /// Where the schema is in the document.
        pointer: String,
    },
    /// `multipart/form-data`.
    Multipart {
        /// The form parts.
        parts: Vec<Part>,
        /// Where the schema is in the document.
        pointer: String,
    },
}

/// One part of a multipart body.
#[derive(Debug, Clone)]
pub struct Part {
    /// The part name, e.g. `File`.
    pub name: String,
    /// What the part holds.
    pub kind: PartKind,
    /// Whether it must be sent.
    pub required: bool,
    /// The spec's description.
    pub description: Option<String>,
}

/// What a multipart part holds.
#[derive(Debug, Clone)]
pub enum PartKind {
    /// One file.
    File,
    /// Several files under the same part name.
    Files,
    /// A text value.
    Text(Schema),
}

/// What a success answer carries.
#[derive(Debug, Clone)]
pub enum Response {
    /// No body (204, or a 2xx without content).
    Empty,
    /// A JSON body. `may_be_empty` is set when the spec says the body is nullable, since such
    /// answers are sent with no body at all.
    Json {
        /// The body's schema.
        schema: Schema,
        /// The spec marks the body nullable.
        may_be_empty: bool,
    },
    /// Raw bytes (a download).
    Binary,
}

/// A resolved schema. Only what the client, the tool schemas and the argument validator need.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The shape.
    pub kind: Kind,
    /// `null` is allowed.
    pub nullable: bool,
    /// The spec's description.
    pub description: Option<String>,
    /// The spec's default value.
    pub default: Option<Value>,
    /// The component name when this schema came from `#/components/schemas/<name>`.
    pub name: Option<String>,
    /// Constraints the tool schema subset cannot express (said in descriptions instead).
    pub notes: Vec<String>,
}

/// The shape of a schema.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A string.
    String {
        /// `format`, if any (other than binary).
        format: Option<String>,
        /// Allowed values; empty means any.
        enumeration: Vec<String>,
        /// `minLength`.
        min_length: Option<u64>,
        /// `maxLength`.
        max_length: Option<u64>,
        /// `pattern`.
        pattern: Option<String>,
    },
    /// An integer.
    Integer {
        /// `int32` or `int64`.
        format: Option<String>,
        /// Inclusive minimum.
        minimum: Option<i64>,
        /// Inclusive maximum.
        maximum: Option<i64>,
        /// Allowed values; empty means any.
        enumeration: Vec<i64>,
    },
    /// A number.
    Number {
        /// Inclusive minimum.
        minimum: Option<f64>,
        /// Inclusive maximum.
        maximum: Option<f64>,
    },
    /// A boolean.
    Boolean,
    /// Raw bytes (`format: binary`).
    Binary,
    /// An array.
    Array {
        /// The element schema.
        items: Box<Schema>,
        /// `minItems`.
        min_items: Option<u64>,
        /// `maxItems`.
        max_items: Option<u64>,
    },
    /// An object.
    Object {
        /// Declared properties, in document order.
        properties: Vec<Property>,
        /// What other keys may hold.
        additional: Additional,
    },
    /// Anything.
    Any,
}

/// An object property.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// The key.
    pub name: String,
    /// Its schema.
    pub schema: Schema,
    /// Listed in `required`.
    pub required: bool,
}

/// What undeclared object keys may hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Additional {
    /// No other keys (`additionalProperties: false`).
    Closed,
    /// Anything (the OpenAPI default).
    Any,
    /// Values of this schema.
    Typed(Box<Schema>),
}

impl Schema {
    /// A schema of the given kind with nothing else set.
    pub fn of(kind: Kind) -> Self {
        Schema {
            kind,
            nullable: false,
            description: None,
            default: None,
            name: None,
            notes: vec![],
        }
    }

    /// True for an object with no declared properties (a free-form map, such as a record).
    pub fn is_free_form_object(&self) -> bool {
        matches!(&self.kind, Kind::Object { properties, .. } if properties.is_empty())
    }
}
