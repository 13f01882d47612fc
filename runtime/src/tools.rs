//! The MCP tool layer: tool definitions as data (so a server can filter and transform them per
//! request), and [`call_tool`]: JSON arguments → checked → the tool's own request builder →
//! sent → structured result. Protocol-agnostic: the server maps these types to MCP messages.
//! It knows no Caspio operation: the generated crate hands it a [`crate::Registry`].

use crate::guard::Refusal;
use crate::request::Request;
use crate::response::{Download, Response};
use crate::validate::{coerce_lossless, normalize_integers, validate, ArgError};
use crate::{Client, Error, RateLimit};
use caspio_contract::args::{
    CONFIRM_COUNT, CONTENT_BASE64, DEFAULT_MAX_ROWS, DRY_RUN, FETCH_ALL, MAX_ROWS, PAGE_NUMBER,
    PAGE_SIZE, RUNTIME_ONLY, WHERE,
};
pub use caspio_contract::{Extras, Hints, MethodKind, OutputKind, Schema, Tag};
use futures::StreamExt;
use serde_json::{json, Map, Value};

/// Turns checked arguments into the HTTP request of one operation (a generated builder).
pub type BuildFn = fn(Map<String, Value>) -> Result<Request, CallError>;

/// Answers checked arguments without a call to Caspio (a hand-written local tool).
pub type LocalFn = fn(&Map<String, Value>) -> Result<Value, ArgError>;

/// One tool: the contract's definition, executed by this runtime's builders.
pub type ToolDef = caspio_contract::ToolDef<BuildFn, LocalFn>;

/// What a tool executes.
pub type ToolKind = caspio_contract::ToolKind<BuildFn, LocalFn>;

/// How the guard counts a bulk write's records.
pub type CountReader = caspio_contract::CountReader<BuildFn>;

/// How an argument that wants a key also takes a name.
pub type NameLookup = caspio_contract::NameLookup<BuildFn>;

/// Why a tool call failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// No tool has that name.
    #[error("unknown tool `{0}`")]
    UnknownTool(String),
    /// The arguments do not fit the tool's input schema.
    #[error("{0}")]
    InvalidArguments(ArgError),
    /// The bulk guard counted what the call would touch and refused it: only reads were sent,
    /// nothing was changed. The message says how to go on.
    #[error("{0}")]
    Refused(Refusal),
    /// A name given for a key matched several items, or nothing (with Caspio's 404 and the
    /// closest names). Nothing was changed.
    #[error("{0}")]
    Name(crate::names::NameError),
    /// The call reached Caspio (or tried to) and failed.
    #[error("{0}")]
    Api(#[from] Error),
}

/// The result of a successful call.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// The HTTP status.
    pub status: u16,
    /// The JSON answer, as structured content: objects as they are, anything else wrapped as
    /// `{"Result": ...}` (MCP before 2026-07-28 requires an object). `None` for empty and
    /// binary answers.
    pub structured: Option<Value>,
    /// A text rendering for clients that read only text content.
    pub text: String,
    /// The file of a download.
    pub file: Option<Download>,
    /// Caspio's request id.
    pub request_id: Option<String>,
    /// Rate-limit headers, normalised.
    pub rate_limit: RateLimit,
    /// Names the call was given where keys are wanted, and the keys it was made with.
    pub resolved: Vec<crate::names::Resolved>,
}

impl ToolOutput {
    /// An answer made here, without a call to Caspio (dry runs, local tools).
    pub fn local(answer: Value) -> Self {
        let text = answer.to_string();
        ToolOutput {
            status: 200,
            structured: Some(answer),
            text,
            file: None,
            request_id: None,
            rate_limit: RateLimit::default(),
            resolved: vec![],
        }
    }

    fn from_response(output: OutputKind, response: Response) -> Result<Self, Error> {
        let request_id = response.request_id();
        let rate_limit = response.rate_limit();
        let status = response.status;
        match output {
            OutputKind::Json => {
                let value = response.json_value()?;
                let (structured, text) = match value {
                    Some(v @ Value::Object(_)) => {
                        let text = v.to_string();
                        (v, text)
                    }
                    Some(v) => {
                        let text = v.to_string();
                        (json!({"Result": v}), text)
                    }
                    // Caspio answers inserts without `response=rows` with an empty 201.
                    None => (
                        json!({}),
                        format!("Done (HTTP {status}); Caspio sent no body."),
                    ),
                };
                Ok(ToolOutput {
                    status,
                    structured: Some(structured),
                    text,
                    file: None,
                    request_id,
                    rate_limit,
                    resolved: vec![],
                })
            }
            OutputKind::Empty => Ok(ToolOutput {
                status,
                structured: None,
                text: format!("Done (HTTP {status})."),
                file: None,
                request_id,
                rate_limit,
                resolved: vec![],
            }),
            OutputKind::Binary => {
                let file = response.download()?;
                let text = format!(
                    "File{} of {} bytes{}.",
                    file.file_name
                        .as_deref()
                        .map(|n| format!(" `{n}`"))
                        .unwrap_or_default(),
                    file.bytes.len(),
                    file.content_type
                        .as_deref()
                        .map(|t| format!(", {t}"))
                        .unwrap_or_default()
                );
                Ok(ToolOutput {
                    status,
                    structured: None,
                    text,
                    file: Some(file),
                    request_id,
                    rate_limit,
                    resolved: vec![],
                })
            }
        }
    }
}

/// The largest file a tool call uploads (decoded). Caspio's own limits are per field or plan and
/// unpublished; this keeps a base64 argument from exhausting memory on the way.
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Refuses file arguments whose content is larger than [`MAX_UPLOAD_BYTES`].
fn check_upload_sizes(args: &Map<String, Value>) -> Result<(), CallError> {
    fn walk(v: &Value, path: &str) -> Result<(), ArgError> {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(b64)) = m.get(CONTENT_BASE64) {
                    let approx = b64.len() / 4 * 3;
                    if approx > MAX_UPLOAD_BYTES {
                        return Err(ArgError {
                            argument: path.to_string(),
                            message: format!(
                                "the file is about {approx} bytes; tool uploads are limited to {MAX_UPLOAD_BYTES} bytes. Upload larger files in Caspio directly"
                            ),
                        });
                    }
                }
                Ok(())
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .try_for_each(|(i, x)| walk(x, &format!("{path}[{i}]"))),
            _ => Ok(()),
        }
    }
    args.iter()
        .try_for_each(|(k, v)| walk(v, k))
        .map_err(CallError::InvalidArguments)
}

/// Checks arguments against a tool's input schema, and a `where` condition against the q.where
/// grammar, so a syntax error comes back at once instead of as Caspio's 400. Whole numbers sent
/// as floats (`25.0`) are rewritten as integers where the schema wants one.
pub fn check_arguments(tool: &ToolDef, args: &mut Map<String, Value>) -> Result<(), CallError> {
    let schema = tool.checked_schema();
    coerce_lossless(schema, args);
    validate(schema, args).map_err(CallError::InvalidArguments)?;
    normalize_integers(schema, args);
    check_upload_sizes(args)?;
    if let Some(Value::String(condition)) = args.get(WHERE) {
        // An empty optional filter means "all rows" to Caspio; required ones are checked by the
        // schema's minLength or refused by Caspio.
        if !condition.trim().is_empty() {
            let expr = caspio_qwhere::parse(condition).map_err(|e| {
                CallError::InvalidArguments(ArgError {
                    argument: WHERE.into(),
                    message: e.explain(condition),
                })
            })?;
            // T-SQL has no boolean literals: a bare `true` reads as a field named true, which
            // Caspio refuses as an unknown column without saying what was meant.
            if let Some(word) = expr
                .fields()
                .into_iter()
                .find(|f| f.eq_ignore_ascii_case("true") || f.eq_ignore_ascii_case("false"))
            {
                return Err(CallError::InvalidArguments(ArgError {
                    argument: WHERE.into(),
                    message: format!(
                        "`{word}` is not a value in T-SQL; YES/NO fields compare with 1 and 0 (In_Stock = {})",
                        if word.eq_ignore_ascii_case("true") { 1 } else { 0 }
                    ),
                }));
            }
        }
    }
    Ok(())
}

/// Turns checked arguments into a parameter struct. Used by the generated dispatcher.
pub fn decode<T: serde::de::DeserializeOwned>(args: Map<String, Value>) -> Result<T, CallError> {
    serde_path_to_error::deserialize(Value::Object(args)).map_err(|e| {
        // After validation this only fails on content serde checks and the schema cannot
        // express, such as base64 that does not decode; the path names the argument at fault.
        let argument = match e.path().to_string() {
            dot if dot == "." => String::new(),
            path => path,
        };
        CallError::InvalidArguments(ArgError {
            argument,
            message: e.into_inner().to_string(),
        })
    })
}

/// Calls a known tool. Guarded bulk tools are counted first (see [`crate::guard`]): a dry run
/// stops there, and a call that would touch every record, or more than the policy's count,
/// needs the user's confirmation.
pub async fn call_tool(
    client: &Client,
    tool: &ToolDef,
    args: Map<String, Value>,
) -> Result<ToolOutput, CallError> {
    call_tool_with_progress(client, tool, args, |_, _| {}).await
}

/// Like [`call_tool`], reporting progress (rows so far, total when known) while `fetch_all`
/// gathers pages.
pub async fn call_tool_with_progress(
    client: &Client,
    tool: &ToolDef,
    args: Map<String, Value>,
    progress: impl Fn(u64, Option<u64>) + Send + Sync,
) -> Result<ToolOutput, CallError> {
    call_tool_with(client, tool, args, progress, &CannotAsk, &Policy::default()).await
}

/// What a person is asked before a guarded write that needs their yes.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// The tool.
    pub tool: &'static str,
    /// Why it needs confirming ("`1=1` names no field, so it selects all 10 records").
    pub why: String,
    /// Records it would change.
    pub matching: u64,
    /// Records there are.
    pub total: u64,
    /// Some of those records.
    pub sample: Vec<Value>,
}

/// Asks a person (MCP elicitation, in the server); the runtime knows no protocol.
pub trait Confirm: Send + Sync {
    /// `Some(true)`: go on; `Some(false)`: they said no; `None`: there is no way to ask, and the
    /// model must show the count to the user and call again with `confirm_count`.
    fn confirm<'a>(
        &'a self,
        question: &'a Question,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<bool>> + Send + 'a>>;
}

/// A caller with no person to ask.
pub struct CannotAsk;

impl Confirm for CannotAsk {
    fn confirm<'a>(
        &'a self,
        _: &'a Question,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<bool>> + Send + 'a>> {
        Box::pin(async { None })
    }
}

pub use crate::guard::Policy;

/// Calls a tool, asking `confirm` before a guarded write that needs a person's yes (under
/// `policy`), reporting `progress` while `fetch_all` gathers pages.
pub async fn call_tool_with(
    client: &Client,
    tool: &ToolDef,
    mut args: Map<String, Value>,
    progress: impl Fn(u64, Option<u64>) + Send + Sync,
    confirm: &dyn Confirm,
    policy: &Policy,
) -> Result<ToolOutput, CallError> {
    check_arguments(tool, &mut args)?;
    let build = match tool.kind {
        ToolKind::Local { run } => {
            let answer = run(&args).map_err(CallError::InvalidArguments)?;
            return Ok(ToolOutput::local(answer));
        }
        ToolKind::Http { build, .. } => build,
    };
    if tool.names.is_empty() {
        return call_http(client, tool, build, args, &progress, confirm, policy).await;
    }
    // A name where a key is wanted shows as Caspio's 404; nothing was done, so the call is made
    // again with the key (see `crate::names`).
    let given = args.clone();
    match call_http(client, tool, build, args, &progress, confirm, policy).await {
        Err(CallError::Api(not_found)) if crate::names::is_not_found(&not_found) => {
            let (args, resolved) =
                crate::names::resolve(client, tool.names, &given, not_found).await?;
            let mut out = call_http(client, tool, build, args, &progress, confirm, policy).await?;
            out.resolved = resolved;
            Ok(out)
        }
        other => other,
    }
}

/// Executes an HTTP tool with checked arguments: paged, guarded or plain.
async fn call_http(
    client: &Client,
    tool: &ToolDef,
    build: BuildFn,
    mut args: Map<String, Value>,
    progress: &(impl Fn(u64, Option<u64>) + Send + Sync),
    confirm: &dyn Confirm,
    policy: &Policy,
) -> Result<ToolOutput, CallError> {
    match &tool.extras {
        Extras::None => send(client, tool, build(args)?).await,
        Extras::Paged => {
            let fetch_all = take_flag(&mut args, FETCH_ALL);
            let max_rows = args
                .remove(MAX_ROWS)
                .and_then(|v| v.as_u64())
                .unwrap_or(DEFAULT_MAX_ROWS);
            if fetch_all {
                fetch_all_pages(client, build, args, max_rows, progress).await
            } else {
                send(client, tool, build(args)?).await
            }
        }
        Extras::Guarded(reader) => {
            let dry_run = take_flag(&mut args, DRY_RUN);
            let confirmed = args.remove(CONFIRM_COUNT).and_then(|v| v.as_u64());
            let count = crate::guard::count(client, reader, &args).await?;
            if dry_run {
                return Ok(ToolOutput::local(crate::guard::dry_run_answer(
                    tool, &count,
                )));
            }
            if let Some(why) = crate::guard::needs_confirmation(&args, &count, policy) {
                confirm_or_refuse(tool, why, &count, confirmed, confirm).await?;
            }
            let mut out = send(client, tool, build(args)?).await?;
            crate::guard::note_difference(&mut out, &count);
            Ok(out)
        }
        Extras::Drops(reader) => {
            let confirmed = args.remove(CONFIRM_COUNT).and_then(|v| v.as_u64());
            let count = crate::guard::count(client, reader, &args).await?;
            if let Some(why) =
                crate::guard::drop_needs_confirmation(tool, reader, &args, &count, policy)
            {
                confirm_or_refuse(tool, why, &count, confirmed, confirm).await?;
            }
            send(client, tool, build(args)?).await
        }
    }
}

/// Asks the person, when one can be asked, whatever the call says; only when none can be does
/// the count the model was told to show them stand in for their yes.
async fn confirm_or_refuse(
    tool: &ToolDef,
    why: String,
    count: &crate::guard::Count,
    confirmed: Option<u64>,
    confirm: &dyn Confirm,
) -> Result<(), CallError> {
    let question = Question {
        tool: tool.name,
        why,
        matching: count.matching,
        total: count.total,
        sample: count.sample.clone(),
    };
    match confirm.confirm(&question).await {
        Some(true) => Ok(()),
        Some(false) => Err(CallError::Refused(Refusal {
            argument: String::new(),
            reason: format!(
                "the user declined to change {} records with {}; nothing was changed",
                count.matching, tool.name
            ),
        })),
        None => crate::guard::check(tool, &question.why, count, confirmed),
    }
}

/// Removes a boolean runtime argument, `false` when absent.
fn take_flag(args: &mut Map<String, Value>, name: &str) -> bool {
    args.remove(name).and_then(|v| v.as_bool()).unwrap_or(false)
}

/// Sends one request and reads the answer as the tool says.
async fn send(client: &Client, tool: &ToolDef, request: Request) -> Result<ToolOutput, CallError> {
    let response = client.send(request).await?;
    Ok(ToolOutput::from_response(tool.output, response)?)
}

/// How many pages `fetch_all` reads at once after the first. Against a real account each page is
/// a 50-300 ms round trip, so a few at a time cut the wait several-fold while staying polite.
pub const PARALLEL_PAGES: usize = 4;

/// Gathers every page of a paged list (1,000 rows a page, Caspio's most), up to `max_rows`.
async fn fetch_all_pages(
    client: &Client,
    build: BuildFn,
    args: Map<String, Value>,
    max_rows: u64,
    progress: &(impl Fn(u64, Option<u64>) + Send + Sync),
) -> Result<ToolOutput, CallError> {
    const PAGE: u64 = 1000;
    // One page, read: its rows, the total when Caspio gives it, and the answer's request id and
    // rate-limit headers.
    let page = |number: u64| {
        let mut args = args.clone();
        args.insert(PAGE_NUMBER.into(), json!(number));
        args.insert(PAGE_SIZE.into(), json!(PAGE));
        async move {
            let response = client.send(build(args)?).await?;
            let meta = (response.request_id(), response.rate_limit());
            let answer = response.json_value()?.unwrap_or(Value::Null);
            let batch = answer["Result"].as_array().cloned().unwrap_or_default();
            Ok::<_, CallError>((batch, answer["Pagination"]["TotalCount"].as_u64(), meta))
        }
    };
    let (mut rows, total, first_meta) = page(1).await?;
    let mut last = Some(first_meta);
    progress(rows.len().min(max_rows as usize) as u64, total);
    let first_full = rows.len() as u64 == PAGE;
    match total {
        // The total says how many pages there are: the rest are read a few at a time, in
        // parallel (each waits its turn in the client's request budget), and kept in order.
        Some(t) if first_full => {
            let pages = t.min(max_rows).div_ceil(PAGE);
            let mut rest = futures::stream::iter(2..=pages)
                .map(page)
                .buffered(PARALLEL_PAGES);
            while let Some(next) = rest.next().await {
                let (batch, _, meta) = next?;
                let short = (batch.len() as u64) < PAGE;
                rows.extend(batch);
                last = Some(meta);
                progress(rows.len().min(max_rows as usize) as u64, total);
                if short {
                    break;
                }
            }
        }
        // Without a total, one page after another until a short one.
        None if first_full => {
            for number in 2u64.. {
                let (batch, _, meta) = page(number).await?;
                let short = (batch.len() as u64) < PAGE;
                rows.extend(batch);
                last = Some(meta);
                progress(rows.len().min(max_rows as usize) as u64, total);
                if short || rows.len() as u64 >= max_rows {
                    break;
                }
            }
        }
        _ => {}
    }
    let truncated = rows.len() as u64 > max_rows || total.is_some_and(|t| t > max_rows);
    rows.truncate(max_rows as usize);
    let fetched = rows.len();
    let answer = json!({
        "Result": rows,
        "Pagination": {"TotalCount": total, "Fetched": fetched, "Truncated": truncated}
    });
    let text = if truncated {
        format!(
            "{} (stopped at max_rows = {max_rows}; raise it, or narrow the where, to see the rest)",
            answer
        )
    } else {
        answer.to_string()
    };
    let (request_id, rate_limit) = last.unwrap_or_default();
    Ok(ToolOutput {
        status: 200,
        structured: Some(answer),
        text,
        file: None,
        request_id,
        rate_limit,
        resolved: vec![],
    })
}

/// Builds, without sending, the request a tool call would make (for tests and logs). The
/// runtime's own arguments are not part of the request; a local tool has none.
pub fn request_of(tool: &ToolDef, mut args: Map<String, Value>) -> Result<Request, CallError> {
    check_arguments(tool, &mut args)?;
    for runtime_only in RUNTIME_ONLY {
        args.remove(runtime_only);
    }
    match tool.kind {
        ToolKind::Http { build, .. } => build(args),
        ToolKind::Local { .. } => Err(CallError::UnknownTool(format!(
            "{} answers locally and sends no request",
            tool.name
        ))),
    }
}
