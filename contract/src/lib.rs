//! The contract between the generator and the runtime: the one place where the words both sides
//! use are defined. `caspio-codegen` emits values of these types into the generated crate; the
//! runtime (`caspio-runtime`) executes them. Nothing here knows Caspio's API, and nothing here
//! sends a request.
//!
//! What lives here, so that no name is agreed on by spelling it twice:
//! - [`ToolDef`]: one tool as data (name, text, [`Tag`]s, [`MethodKind`], [`Hints`], schemas,
//!   what it executes as a [`ToolKind`]), generic over the runtime's request builder so this
//!   crate needs no HTTP types;
//! - [`HttpMethod`], which decides idempotency once (for default hints and for retries);
//! - [`args`]: the arguments the runtime adds to tools and handles itself (`dry_run`, ...);
//! - [`keywords`]: our `x-` keywords in validation schemas.
#![warn(missing_docs)]

pub mod args;
pub mod keywords;
mod method;
mod schema;
mod tag;

pub use method::{HttpMethod, MethodClass, MethodKind};
pub use schema::Schema;
pub use tag::Tag;

use serde_json::{json, Map, Value};

/// Safety hints of a tool: the MCP annotations, plus `bulk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Hints {
    /// Changes nothing.
    pub read_only: bool,
    /// May overwrite or delete data.
    pub destructive: bool,
    /// Repeating the call has no further effect.
    pub idempotent: bool,
    /// Acts on every record a where condition selects.
    pub bulk: bool,
}

/// What a successful call answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// JSON.
    Json,
    /// Nothing (204).
    Empty,
    /// A file.
    Binary,
}

/// What a tool executes. `B` is the runtime's request builder and `L` its local-tool function:
/// generated tools point at their own typed builder, so the runtime dispatches through a value,
/// never by matching a name.
#[derive(Debug, Clone, Copy)]
pub enum ToolKind<B: 'static, L: 'static> {
    /// One Caspio operation.
    Http {
        /// Its operationId.
        operation_id: &'static str,
        /// HTTP method.
        method: HttpMethod,
        /// Path template, relative to the API's base path.
        path: &'static str,
        /// Turns checked arguments into the request.
        build: B,
    },
    /// A tool answered by the runtime itself, without a call to Caspio.
    Local {
        /// Answers checked arguments.
        run: L,
    },
}

/// How the bulk guard counts what a guarded write would touch: with the list operation over
/// the same records, called with the write's `carry` arguments, its `where`, and a small page.
/// The overrides name it per tool (`count_with`); a guarded tool without one does not build.
#[derive(Debug, Clone, Copy)]
pub struct CountReader<B: 'static> {
    /// The list tool's name (for messages).
    pub tool: &'static str,
    /// The list tool's request builder.
    pub build: B,
    /// Arguments the write and the read share (the table, view or directory), copied across.
    pub carry: &'static [&'static str],
}

/// How an argument that wants a key also takes the name a person sees (an application's
/// external key, a directory's id, ...): with the list operation that pairs them. The overrides
/// declare it (`names`); the runtime reads the list only when Caspio answers 404 to what was
/// given, so a call made with a real key costs no extra round trip.
#[derive(Debug, Clone, Copy)]
pub struct NameLookup<B: 'static> {
    /// The tool argument holding the key.
    pub argument: &'static str,
    /// The list tool's name (for messages).
    pub tool: &'static str,
    /// The list tool's request builder; called with no arguments.
    pub build: B,
    /// The field of each listed item that holds the key.
    pub key: &'static str,
    /// The field of each listed item that holds the name.
    pub name: &'static str,
}

/// What the runtime adds to a tool and handles itself, before any request is built.
#[derive(Debug, Clone, Copy)]
pub enum Extras<B: 'static> {
    /// Nothing.
    None,
    /// A paged list: takes [`args::FETCH_ALL`] and [`args::MAX_ROWS`].
    Paged,
    /// A bulk write selected by [`args::WHERE`]: takes [`args::DRY_RUN`] and
    /// [`args::CONFIRM_COUNT`], and is counted first with this reader.
    Guarded(CountReader<B>),
    /// A delete that takes data out of every record (a field and its values): the records are
    /// counted with this reader and the user confirms, as for a write that selects them all.
    /// Takes [`args::CONFIRM_COUNT`] (checked, not advertised: the refusal introduces it).
    Drops(CountReader<B>),
}

/// One tool, as generated from the spec and overrides (or written by hand for local tools).
#[derive(Debug)]
pub struct ToolDef<B: 'static, L: 'static> {
    /// Tool name.
    pub name: &'static str,
    /// Display title.
    pub title: &'static str,
    /// LLM-facing description.
    pub description: &'static str,
    /// Domain tags.
    pub tags: &'static [Tag],
    /// What kind of method it is (list, get, create, ... or a custom verb).
    pub method: MethodKind,
    /// Safety hints.
    pub hints: Hints,
    /// The `inputSchema` a client receives.
    pub input_schema: Schema,
    /// The schema arguments are checked against, when it says more than `input_schema`.
    pub validation_schema: Option<Schema>,
    /// The `outputSchema` a client receives, for tools with a JSON answer.
    pub output_schema: Option<Schema>,
    /// What a success answers.
    pub output: OutputKind,
    /// What it executes.
    pub kind: ToolKind<B, L>,
    /// What the runtime adds to it.
    pub extras: Extras<B>,
    /// Arguments that take a name where the API wants a key.
    pub names: &'static [NameLookup<B>],
}

impl<B, L> ToolDef<B, L> {
    /// The schema arguments are checked against.
    pub fn checked_schema(&self) -> &Value {
        self.validation_schema
            .as_ref()
            .unwrap_or(&self.input_schema)
            .value()
    }

    /// The operationId of an HTTP tool.
    pub fn operation_id(&self) -> Option<&'static str> {
        match self.kind {
            ToolKind::Http { operation_id, .. } => Some(operation_id),
            ToolKind::Local { .. } => None,
        }
    }

    /// Whether it is a paged list (takes `fetch_all` and `max_rows`).
    pub fn is_paged(&self) -> bool {
        matches!(self.extras, Extras::Paged)
    }

    /// The guard's reader, for a guarded bulk write or a delete that drops data.
    pub fn count_reader(&self) -> Option<&CountReader<B>> {
        match &self.extras {
            Extras::Guarded(reader) | Extras::Drops(reader) => Some(reader),
            _ => None,
        }
    }

    /// The MCP tool object exactly as a client receives it in `tools/list`. Annotations equal to
    /// the MCP defaults (readOnlyHint false, destructiveHint true, idempotentHint false,
    /// openWorldHint true) are left out: they mean the same to every client and cost tokens in
    /// every conversation. `destructiveHint` and `idempotentHint` only mean something for tools
    /// that are not read-only, so read-only tools carry `readOnlyHint` alone.
    pub fn to_mcp_json(&self) -> Value {
        let mut tool = Map::new();
        tool.insert("name".into(), json!(self.name));
        tool.insert("title".into(), json!(self.title));
        tool.insert("description".into(), json!(self.description));
        tool.insert("inputSchema".into(), self.input_schema.value().clone());
        if let Some(out) = &self.output_schema {
            tool.insert("outputSchema".into(), out.value().clone());
        }
        let mut annotations = Map::new();
        if self.hints.read_only {
            annotations.insert("readOnlyHint".into(), json!(true));
        } else {
            if !self.hints.destructive {
                annotations.insert("destructiveHint".into(), json!(false));
            }
            if self.hints.idempotent {
                annotations.insert("idempotentHint".into(), json!(true));
            }
        }
        if !annotations.is_empty() {
            tool.insert("annotations".into(), Value::Object(annotations));
        }
        Value::Object(tool)
    }
}
