//! The MCP handler: `tools/list`, `tools/call` and `get_tool` over the generated registry, for one
//! request context (which Caspio account, which tools are visible). Transports build one handler
//! per session or request from a shared `Arc<Context>`; nothing here is global, so a hosted
//! deployment can hand each request the context of its own account.

use crate::audit::{Audit, CallRecord};
use crate::confirm::Asker;
use crate::discovery;
use crate::profile::Profile;
use crate::scope::{Exposure, Scope};
use base64::Engine;
use caspio::runtime::tools::{CallError, Policy, ToolDef, ToolOutput};
use caspio::runtime::{Error, Registry};
use caspio::Client;
#[allow(deprecated)]
use rmcp::model::SetLevelRequestParams;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock as Content,
    CustomRequest, CustomResult, ErrorCode, GetPromptRequestParams, GetPromptResponse,
    Implementation, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult,
    ListToolsResult, MetaObject, PaginatedRequestParams, ProgressNotificationParam, ProgressToken,
    ReadResourceRequestParams, ReadResourceResponse, ResourceContents, ServerCapabilities,
    ServerConfig, Tool,
};
use rmcp::service::{Peer, RequestContext};
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{json, Map};
use std::sync::Arc;

/// Files larger than this are not returned inline; the error says how to get them.
pub const DEFAULT_DOWNLOAD_CAP: usize = 10 * 1024 * 1024;

/// What a request may do: the account it acts on and the tools it sees.
pub struct Context {
    /// The Caspio account.
    pub client: Client,
    /// The tools in scope, in registry order: the only ones that can be called.
    pub defs: Vec<&'static ToolDef>,
    /// What `tools/list` answers under each schema profile, built once: the tools in scope, or
    /// the discovery meta-tools.
    lists: std::collections::BTreeMap<Profile, Vec<Tool>>,
    /// The schema profile when a connection does not choose one (`?profile=`).
    pub profile: Profile,
    /// How the tools are offered.
    pub exposure: Exposure,
    /// Where each tool call is recorded, if anywhere (hosted mode).
    pub audit: Option<Arc<dyn Audit>>,
    /// When a guarded write needs the user's confirmation.
    pub policy: Policy,
    /// The most tokens one tool result may cost (see [`crate::budget`]).
    pub max_result_tokens: usize,
    /// Largest file returned inline.
    pub download_cap: usize,
    /// The latest rate-limit information Caspio sent for this account, for HTTP response headers.
    pub last_rate_limit: std::sync::Mutex<caspio::runtime::RateLimit>,
}

impl Context {
    /// A context for `client` seeing the tools of `registry` that `filter` keeps.
    pub fn new(
        client: Client,
        registry: &'static Registry,
        filter: impl Fn(&ToolDef) -> bool,
    ) -> anyhow::Result<Self> {
        let defs: Vec<&'static ToolDef> = registry
            .tools()
            .iter()
            .copied()
            .filter(|t| filter(t))
            .collect();
        Self::of(client, defs, Exposure::All)
    }

    /// A context for `client` seeing the tools of `registry` in `scope`, offered as `exposure`
    /// says. A scope that keeps no tool is an error that says so.
    pub fn scoped(
        client: Client,
        registry: &'static Registry,
        scope: &Scope,
        exposure: Exposure,
    ) -> anyhow::Result<Self> {
        let defs = scope
            .select(registry.tools())
            .map_err(|e| anyhow::anyhow!(e))?;
        Self::of(client, defs, exposure)
    }

    fn of(client: Client, defs: Vec<&'static ToolDef>, exposure: Exposure) -> anyhow::Result<Self> {
        let tools = match exposure {
            Exposure::All => crate::catalog::mcp_tools(defs.iter().copied())?,
            Exposure::Discovery => discovery::tool_list()
                .into_iter()
                .map(serde_json::from_value)
                .collect::<Result<_, _>>()?,
        };
        let lists = Profile::ALL
            .into_iter()
            .map(|p| Ok((p, crate::catalog::profiled(&tools, p)?)))
            .collect::<anyhow::Result<_>>()?;
        Ok(Context {
            client,
            defs,
            lists,
            exposure,
            profile: Profile::Default,
            audit: None,
            policy: Policy::default(),
            max_result_tokens: crate::budget::DEFAULT_MAX_RESULT_TOKENS,
            download_cap: DEFAULT_DOWNLOAD_CAP,
            last_rate_limit: Default::default(),
        })
    }

    /// What `tools/list` answers under `profile`.
    pub fn tools(&self, profile: Profile) -> &[Tool] {
        self.lists.get(&profile).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The same context, shaping schemas as `profile` says unless a connection asks otherwise.
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }

    /// The same context, confirming guarded writes as `policy` says.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The same context, holding each result to `max_tokens`.
    pub fn with_max_result_tokens(mut self, max_tokens: usize) -> Self {
        self.max_result_tokens = max_tokens;
        self
    }

    /// The same context, recording every tool call in `audit`.
    pub fn with_audit(mut self, audit: Arc<dyn Audit>) -> Self {
        self.audit = Some(audit);
        self
    }

    /// The tool in scope with this name.
    fn find(&self, name: &str) -> Option<&'static ToolDef> {
        self.defs.iter().copied().find(|d| d.name == name)
    }
}

/// The handler.
#[derive(Clone)]
pub struct CaspioMcp {
    ctx: Arc<Context>,
    /// The schema profile this connection asked for when it opened (legacy SSE), if any.
    profile: Option<Profile>,
}

impl CaspioMcp {
    /// A handler over a context.
    pub fn new(ctx: Arc<Context>) -> Self {
        CaspioMcp { ctx, profile: None }
    }

    /// A handler whose connection asked for `profile`.
    pub fn with_profile(ctx: Arc<Context>, profile: Option<Profile>) -> Self {
        CaspioMcp { ctx, profile }
    }

    /// The schema profile of a request: `?profile=` on the URL it was posted to, else the one
    /// the connection opened with, else the server's.
    fn profile_of(&self, context: &RequestContext<RoleServer>) -> Result<Profile, McpError> {
        let asked = context
            .extensions
            .get::<axum::http::request::Parts>()
            .and_then(|parts| profile_query(parts.uri.query()));
        match asked {
            Some(name) => Profile::parse(&name).map_err(|e| McpError::invalid_params(e, None)),
            None => Ok(self.profile.unwrap_or(self.ctx.profile)),
        }
    }
}

/// The `profile` parameter of a query string, if there is one.
pub fn profile_query(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("profile="))
        .map(str::to_string)
}

const INSTRUCTIONS: &str = "Tools for one Caspio account. Find tables with list_all_caspio_tables and their \
fields with list_all_caspio_fields before filtering or writing. Update and delete tools act on every record \
their where condition matches: list the records first and check the count.";

impl ServerHandler for CaspioMcp {
    #[allow(deprecated)] // enable_logging: see set_level
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .enable_prompts()
                .enable_logging()
                .build(),
        )
        .with_server_info(
            Implementation::new("caspio-mcp", env!("CARGO_PKG_VERSION")).with_title("Caspio"),
        )
        .with_instructions(INSTRUCTIONS)
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let profile = self.profile_of(&context)?;
        Ok(ListToolsResult::with_all_items(
            self.ctx.tools(profile).to_vec(),
        ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        crate::resources::list(&self.ctx.client).await
    }

    async fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, McpError> {
        Ok(crate::resources::templates())
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        crate::resources::read(&self.ctx.client, &request.uri)
            .await
            .map(Into::into)
    }

    async fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, McpError> {
        Ok(crate::prompts::list())
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, McpError> {
        crate::prompts::get(&request.name, request.arguments.as_ref()).map(Into::into)
    }

    // Logging is deprecated from 2026-07-28 (SEP-2577) but 2025-era clients still set a level.
    // The server sends no log notifications at any level, so accepting the setting is all there
    // is to do.
    #[allow(deprecated)]
    async fn set_level(
        &self,
        _request: SetLevelRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        Ok(())
    }

    // rmcp's default answer to an unknown method carries only the method's name as its message.
    async fn on_custom_request(
        &self,
        request: CustomRequest,
        _context: RequestContext<RoleServer>,
    ) -> Result<CustomResult, McpError> {
        Err(McpError::new(
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: `{}`", request.method),
            None,
        ))
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        let profile = self.profile.unwrap_or(self.ctx.profile);
        self.ctx
            .tools(profile)
            .iter()
            .find(|t| t.name == name)
            .cloned()
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let mut args = request.arguments.clone().unwrap_or_default();
        let profile = self.profile_of(&context)?;
        let discovering = self.ctx.exposure == Exposure::Discovery;
        if discovering && discovery::is_meta(&request.name) {
            if let Some(meta) = discovery::tool_list()
                .into_iter()
                .find(|t| t["name"] == request.name.as_ref())
            {
                if let Err(e) = profile.restore(&meta["inputSchema"], &mut args) {
                    return Ok(invalid(&request.name, e).into());
                }
            }
            match self.meta(&request.name, &mut args, profile) {
                Meta::Answer(result) => return Ok(result.into()),
                Meta::Call(def) => {
                    if let Err(e) = profile.restore(def.input_schema.value(), &mut args) {
                        return Ok(invalid(def.name, e).into());
                    }
                    return self.run(def, args, &request, context).await;
                }
            }
        }
        // A tool outside the scope gets the answer a name that exists nowhere gets.
        let Some(def) = self.ctx.find(&request.name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool `{}`", request.name),
                None,
            ));
        };
        if let Err(e) = profile.restore(def.input_schema.value(), &mut args) {
            return Ok(invalid(def.name, e).into());
        }
        self.run(def, args, &request, context).await
    }
}

/// What a discovery meta-tool call comes to: an answer of its own, or a call of a tool in scope.
enum Meta {
    Answer(CallToolResult),
    Call(&'static ToolDef),
}

impl CaspioMcp {
    /// Answers `caspio_search_tools` and `caspio_tool_schema`; for `caspio_call_tool`, finds the
    /// tool in scope and leaves its arguments in `args`.
    fn meta(
        &self,
        name: &str,
        args: &mut serde_json::Map<String, serde_json::Value>,
        profile: Profile,
    ) -> Meta {
        let text = |args: &serde_json::Map<String, serde_json::Value>, key: &str| {
            args.get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let refuse =
            |message: String| Meta::Answer(CallToolResult::error(vec![Content::text(message)]));
        match name {
            discovery::SEARCH => {
                let limit = args
                    .get("limit")
                    .and_then(|v| v.as_u64())
                    .map_or(discovery::DEFAULT_LIMIT, |n| n.clamp(1, 20) as usize);
                let mut found = discovery::search(&self.ctx.defs, &text(args, "query"), limit);
                reshape_schemas(&mut found, profile);
                Meta::Answer(CallToolResult::structured(found))
            }
            discovery::SCHEMA => match discovery::schema(&self.ctx.defs, &text(args, "name")) {
                Some(mut schema) => {
                    reshape_schemas(&mut schema, profile);
                    Meta::Answer(CallToolResult::structured(schema))
                }
                None => refuse(format!(
                    "unknown tool `{}`; {} finds the tools there are",
                    text(args, "name"),
                    discovery::SEARCH
                )),
            },
            _ => {
                let target = text(args, "name");
                let Some(def) = self.ctx.find(&target) else {
                    return refuse(format!(
                        "unknown tool `{target}`; {} finds the tools there are",
                        discovery::SEARCH
                    ));
                };
                *args = match args.remove("arguments") {
                    Some(serde_json::Value::Object(inner)) => inner,
                    _ => Default::default(),
                };
                Meta::Call(def)
            }
        }
    }

    /// Calls a tool in scope: progress relayed, rate limits kept, call counts in `_meta`.
    async fn run(
        &self,
        def: &'static ToolDef,
        args: serde_json::Map<String, serde_json::Value>,
        request: &CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        // Progress for long calls (fetch_all), when the client asked for it.
        let token = request
            .meta
            .as_ref()
            .and_then(|m| m.get_progress_token())
            .or_else(|| context.meta.get_progress_token());
        let (report, relay) = progress_relay(token, context.peer.clone());
        let audited = self.ctx.audit.as_ref().map(|_| args.clone());
        // What the result budget's note needs of the arguments: the page asked for.
        let paging: serde_json::Map<String, serde_json::Value> = args
            .get("page_number")
            .map(|p| {
                [("page_number".to_string(), p.clone())]
                    .into_iter()
                    .collect()
            })
            .unwrap_or_default();
        let started = std::time::Instant::now();
        // How a write that needs a person's yes asks them (see `crate::confirm`).
        let asker = Asker::for_request(def.name, &args, request, &context);
        let outcome = caspio::runtime::tools::call_tool_with(
            &self.ctx.client,
            def,
            args,
            report,
            asker.confirm(),
            &self.ctx.policy,
        )
        .await;
        if let Some(input) = asker.input_required() {
            // Only the count was read; nothing changed. The client asks and calls again.
            return Ok(input.into());
        }
        if let Some(relay) = relay {
            // Every notification goes out before the result: a client drops progress that
            // arrives for a request it has already seen answered.
            let _ = relay.await;
        }
        if let (Some(audit), Some(arguments)) = (&self.ctx.audit, &audited) {
            audit
                .record(CallRecord {
                    tool: def.name,
                    arguments,
                    outcome: &outcome,
                    duration: started.elapsed(),
                })
                .await;
        }
        self.remember_rate_limit(&outcome);
        let mut result = match outcome {
            Ok(out) => success(
                out,
                self.ctx.download_cap,
                self.ctx.max_result_tokens,
                &paging,
            ),
            Err(e) => failure(def, e),
        };
        add_call_counts(&mut result, self.ctx.client.stats());
        Ok(result.into())
    }
}

impl CaspioMcp {
    /// Keeps the rate-limit figures of the latest Caspio answer, for the HTTP response headers.
    fn remember_rate_limit(&self, outcome: &Result<ToolOutput, CallError>) {
        let limits = match outcome {
            Ok(out) => &out.rate_limit,
            Err(CallError::Api(Error::Api(e))) => &e.rate_limit,
            Err(_) => return,
        };
        if limits.is_empty() {
            return;
        }
        if let Ok(mut last) = self.ctx.last_rate_limit.lock() {
            *last = limits.clone();
        }
    }
}

/// A progress callback for the tool runtime, and the task that sends what it reports as
/// `notifications/progress` under `token`, one after another in the order reported (the runtime's
/// callback cannot await; a task per notification could reorder them). The task ends once the
/// callback is dropped. Without a token nothing is sent and there is no task.
fn progress_relay(
    token: Option<ProgressToken>,
    peer: Peer<RoleServer>,
) -> (
    impl Fn(u64, Option<u64>) + Send + Sync,
    Option<tokio::task::JoinHandle<()>>,
) {
    let (send, mut pending) = tokio::sync::mpsc::unbounded_channel::<ProgressNotificationParam>();
    let relay = token.clone().map(|_| {
        tokio::spawn(async move {
            while let Some(p) = pending.recv().await {
                let _ = peer.notify_progress(p).await;
            }
        })
    });
    let report = move |done: u64, total: Option<u64>| {
        if let Some(token) = &token {
            let mut p = ProgressNotificationParam::new(token.clone(), done as f64);
            p.total = total.map(|t| t as f64);
            p.message = Some(format!("{done} rows fetched"));
            let _ = send.send(p);
        }
    };
    (report, relay)
}

/// Caspio bills API calls: every result says how many this account has made through the server.
fn add_call_counts(result: &mut CallToolResult, stats: caspio::CallStats) {
    let meta = result.meta.get_or_insert_with(Default::default);
    meta.0
        .insert("caspio/apiCalls".into(), json!(stats.api_calls));
    meta.0
        .insert("caspio/tokenRequests".into(), json!(stats.token_requests));
}

/// Rate-limit headers, normalised, for a result's `_meta`.
fn rate_meta(rl: &caspio::RateLimit, request_id: Option<&str>) -> Option<MetaObject> {
    let mut m = Map::new();
    if let Some(v) = rl.limit {
        m.insert("ratelimit-limit".into(), json!(v));
    }
    if let Some(v) = rl.remaining {
        m.insert("ratelimit-remaining".into(), json!(v));
    }
    if let Some(v) = rl.reset.or(rl.retry_after) {
        m.insert("ratelimit-reset".into(), json!(v));
    }
    if let Some(id) = request_id {
        m.insert("caspio/requestId".into(), json!(id));
    }
    (!m.is_empty()).then_some(MetaObject(m))
}

fn is_text(content_type: Option<&str>) -> bool {
    let t = content_type.unwrap_or("").to_ascii_lowercase();
    t.starts_with("text/")
        || t.contains("json")
        || t.contains("xml")
        || t.contains("csv")
        || t.contains("javascript")
}

fn success(
    mut out: ToolOutput,
    cap: usize,
    max_tokens: usize,
    paging: &serde_json::Map<String, serde_json::Value>,
) -> CallToolResult {
    let mut meta = rate_meta(&out.rate_limit, out.request_id.as_deref());
    let resolved = std::mem::take(&mut out.resolved);
    if !resolved.is_empty() {
        let list: Vec<serde_json::Value> = resolved.iter().map(|r| r.to_json()).collect();
        meta.get_or_insert_with(Default::default)
            .0
            .insert("caspio/resolved".into(), json!(list));
    }
    let mut result = if let Some(file) = out.file {
        let name = file.file_name.clone().unwrap_or_else(|| "file".into());
        let mime = file
            .content_type
            .clone()
            .unwrap_or_else(|| "application/octet-stream".into());
        let link = crate::budget::link_if_over(
            &name,
            &mime,
            file.bytes.len(),
            is_text(file.content_type.as_deref()),
            max_tokens,
        )
        .and_then(|link| serde_json::from_value(link).ok());
        if let Some(link) = link {
            CallToolResult::success(vec![
                Content::text(format!(
                    "{} The file `{name}` ({mime}, {} bytes) is over the result budget of {max_tokens} tokens, so it is linked, not included.",
                    out.text,
                    file.bytes.len()
                )),
                Content::resource_link(link),
            ])
        } else if file.bytes.len() > cap {
            CallToolResult::error(vec![Content::text(format!(
                "The file is {} bytes, over the {} byte limit for returning files inline. Use the matching \
                 file info tool to see its name and size, and download it from Caspio directly.",
                file.bytes.len(),
                cap
            ))])
        } else {
            let uri = format!(
                "caspio://file/{}",
                percent_encoding::utf8_percent_encode(&name, percent_encoding::NON_ALPHANUMERIC)
            );
            let resource = match (
                is_text(file.content_type.as_deref()),
                String::from_utf8(file.bytes.clone()),
            ) {
                (true, Ok(text)) => ResourceContents::text(text, uri).with_mime_type(mime),
                _ => ResourceContents::blob(
                    base64::engine::general_purpose::STANDARD.encode(&file.bytes),
                    uri,
                )
                .with_mime_type(mime),
            };
            CallToolResult::success(vec![Content::text(out.text), Content::resource(resource)])
        }
    } else if let Some(mut value) = out.structured {
        match crate::budget::fit(&mut value, max_tokens, paging) {
            Some(note) => {
                let mut result = CallToolResult::structured(value.clone());
                result.content = vec![Content::text(format!("{note}\n{value}"))];
                result
            }
            None => CallToolResult::structured(value),
        }
    } else {
        CallToolResult::success(vec![Content::text(out.text)])
    };
    // Said first, so a model reading only text sees which item the call acted on.
    if !resolved.is_empty() {
        let said: Vec<String> = resolved.iter().map(|r| r.sentence()).collect();
        result.content.insert(0, Content::text(said.join(" ")));
    }
    result.with_meta(meta)
}

/// Arguments that do not fit even after the profile's restoring: nothing was sent.
fn invalid(tool: &str, message: String) -> CallToolResult {
    CallToolResult::error(vec![Content::text(format!(
        "invalid argument {message}\nNothing was sent to Caspio. Fix the arguments of {tool} and call it again."
    ))])
}

/// Shapes every `inputSchema` in a discovery answer as the profile says.
fn reshape_schemas(answer: &mut serde_json::Value, profile: Profile) {
    match answer {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "inputSchema" {
                    *value = profile.input_schema(value);
                } else {
                    reshape_schemas(value, profile);
                }
            }
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(|v| reshape_schemas(v, profile))
        }
        _ => {}
    }
}

/// A failed call as a tool error the model can read and act on.
fn failure(def: &ToolDef, e: CallError) -> CallToolResult {
    let (text, meta) = match e {
        CallError::InvalidArguments(a) => (
            format!(
                "{a}\nNothing was sent to Caspio. Fix the arguments of {} and call it again.",
                def.name
            ),
            None,
        ),
        // The guard read a count from Caspio, so "nothing was sent" would be untrue; its message
        // already says that nothing changed and how to go on.
        CallError::Refused(a) => (a.to_string(), None),
        CallError::Name(n) => (
            format!("{n}\nNothing was changed."),
            Some(MetaObject(
                [("caspio/status".to_string(), json!(404))]
                    .into_iter()
                    .collect(),
            )),
        ),
        CallError::Api(Error::Api(api)) => {
            let mut text = api.to_string();
            if api.status == 429 {
                let after = api
                    .rate_limit
                    .retry_after
                    .or(api.rate_limit.reset)
                    .map(|s| format!("{s} s"))
                    .unwrap_or_else(|| "a while".into());
                text.push_str(&format!(
                    "\nCaspio is rate-limiting this account: wait {after} before calling again."
                ));
            }
            let mut meta =
                rate_meta(&api.rate_limit, api.request_id.as_deref()).unwrap_or_default();
            meta.0.insert("caspio/status".into(), json!(api.status));
            if let Some(code) = &api.code {
                meta.0.insert("caspio/code".into(), json!(code));
            }
            (text, Some(meta))
        }
        // The whole chain: "could not reach Caspio (request): error sending request: connection
        // refused" says what to do; the first part alone does not.
        CallError::Api(other) => (caspio::runtime::describe(&other), None),
        CallError::UnknownTool(name) => (format!("unknown tool `{name}`"), None),
    };
    CallToolResult::error(vec![Content::text(text)]).with_meta(meta)
}
