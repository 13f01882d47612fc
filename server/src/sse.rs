//! The deprecated HTTP+SSE transport (MCP 2024-11-05), which rmcp no longer serves: `GET /sse`
//! opens an event stream whose first event, `endpoint`, names the URL to POST to;
//! `POST /messages?sessionId=…` answers 202 and the reply arrives on the stream. Each stream runs
//! the same handler as the other transports, over a pair of channels.

use crate::handler::{CaspioMcp, Context};
use crate::jsonrpc;
use axum::body::{to_bytes, Body};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt};
use rmcp::model::{ClientJsonRpcMessage, ServerJsonRpcMessage};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// One open SSE session: where its messages go, and the ids of its requests not yet answered
/// (a second request with one of them is refused, as on Streamable HTTP: see
/// `crate::http::inflight`).
#[derive(Clone)]
struct Open {
    sender: mpsc::Sender<ClientJsonRpcMessage>,
    in_flight: Arc<Mutex<HashSet<String>>>,
}

type OpenSessions = HashMap<String, Open>;

/// Open SSE sessions.
#[derive(Clone)]
pub struct Sessions {
    inner: Arc<Mutex<OpenSessions>>,
    ctx: Arc<Context>,
    shutdown: CancellationToken,
    max_body: usize,
    max_sessions: usize,
    /// Where the client POSTs its messages (the `endpoint` event names it).
    messages_path: String,
}

impl Sessions {
    /// Sessions serving `ctx`, ended when `shutdown` is cancelled, at most `max_sessions` at once.
    pub fn new(
        ctx: Arc<Context>,
        shutdown: CancellationToken,
        max_body: usize,
        max_sessions: usize,
    ) -> Self {
        Sessions {
            inner: Default::default(),
            ctx,
            shutdown,
            max_body,
            max_sessions,
            messages_path: "/messages".into(),
        }
    }

    /// The same sessions, telling clients to POST to `path` (hosted mode's per-server path).
    pub fn with_messages_path(mut self, path: impl Into<String>) -> Self {
        self.messages_path = path.into();
        self
    }
}

/// Removes the session when its stream ends.
struct Guard {
    id: String,
    sessions: Arc<Mutex<OpenSessions>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(&self.id);
        }
    }
}

/// `GET /sse`.
pub async fn open(State(sessions): State<Sessions>, uri: axum::http::Uri) -> Response {
    // `?profile=` chooses the schema profile for the whole session.
    let profile = match crate::handler::profile_query(uri.query())
        .map(|name| crate::profile::Profile::parse(&name))
        .transpose()
    {
        Ok(p) => p,
        Err(e) => return (axum::http::StatusCode::BAD_REQUEST, e).into_response(),
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (to_server, from_client) = mpsc::channel::<ClientJsonRpcMessage>(64);
    let (to_client, from_server) = mpsc::channel::<ServerJsonRpcMessage>(64);
    let in_flight: Arc<Mutex<HashSet<String>>> = Default::default();
    let answered = in_flight.clone();
    if let Ok(mut s) = sessions.inner.lock() {
        if s.len() >= sessions.max_sessions {
            return crate::http::too_many_sessions(s.len());
        }
        s.insert(
            id.clone(),
            Open {
                sender: to_server,
                in_flight: in_flight.clone(),
            },
        );
    }
    let handler = CaspioMcp::with_profile(sessions.ctx.clone(), profile);
    let shutdown = sessions.shutdown.clone();
    tokio::spawn(async move {
        match rmcp::serve_server(handler, (to_client, from_client)).await {
            Ok(running) => {
                tokio::select! {
                    _ = running.waiting() => {}
                    _ = shutdown.cancelled() => {}
                }
            }
            Err(e) => tracing::warn!(error = %e, "SSE session failed to start"),
        }
    });
    let guard = Guard {
        id: id.clone(),
        sessions: sessions.inner.clone(),
    };
    let path = sessions.messages_path.clone();
    let endpoint = futures::stream::once(async move {
        Ok::<_, std::convert::Infallible>(
            Event::default()
                .event("endpoint")
                .data(format!("{path}?sessionId={id}")),
        )
    });
    let shutdown = sessions.shutdown.clone();
    let messages = from_server
        .map(move |msg| {
            let _keep = &guard;
            let id = match &msg {
                ServerJsonRpcMessage::Response(r) => serde_json::to_string(&r.id).ok(),
                ServerJsonRpcMessage::Error(e) => {
                    e.id.as_ref().and_then(|id| serde_json::to_string(id).ok())
                }
                _ => None,
            };
            if let (Some(id), Ok(mut waiting)) = (id, answered.lock()) {
                waiting.remove(&id);
            }
            let data = serde_json::to_string(&msg).unwrap_or_else(|_| "{}".into());
            Ok::<_, std::convert::Infallible>(Event::default().event("message").data(data))
        })
        .take_until(async move { shutdown.cancelled().await });
    Sse::new(endpoint.chain(messages))
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// `POST /messages?sessionId=…`.
pub async fn post(
    State(sessions): State<Sessions>,
    Query(q): Query<HashMap<String, String>>,
    body: Body,
) -> Response {
    let Some(id) = q.get("sessionId") else {
        return (StatusCode::BAD_REQUEST, "sessionId is required").into_response();
    };
    let open = sessions.inner.lock().ok().and_then(|s| s.get(id).cloned());
    let Some(Open {
        mut sender,
        in_flight,
    }) = open
    else {
        return (StatusCode::NOT_FOUND, "unknown or closed session").into_response();
    };
    let read = tokio::time::timeout(
        crate::http::DEFAULT_BODY_TIMEOUT,
        to_bytes(body, sessions.max_body),
    );
    let bytes = match read.await {
        Ok(Ok(b)) => b,
        Err(_) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                "the request body did not arrive in time",
            )
                .into_response()
        }
        Ok(Err(_)) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {} bytes", sessions.max_body),
            )
                .into_response()
        }
    };
    if let Some(error) = jsonrpc::problem(&bytes) {
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    let message: ClientJsonRpcMessage = match serde_json::from_slice(&bytes) {
        Ok(m) => m,
        Err(e) => {
            // JSON and an object (the checks above passed), but not a message rmcp knows.
            let id = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("id").cloned())
                .unwrap_or_default();
            let error = jsonrpc::error(
                id,
                jsonrpc::INVALID_REQUEST,
                format!("Invalid Request: {e}"),
            );
            return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
        }
    };
    if let ClientJsonRpcMessage::Request(r) = &message {
        // As JSON, so the number 7 and the string "7" stay two ids.
        let id = serde_json::to_string(&r.id).unwrap_or_default();
        let fresh = in_flight
            .lock()
            .map(|mut f| f.insert(id.clone()))
            .unwrap_or(true);
        if !fresh {
            let error = jsonrpc::error(
                serde_json::to_value(&r.id).unwrap_or_default(),
                jsonrpc::INVALID_REQUEST,
                format!("request id {id} is already in flight in this session; give every request its own id"),
            );
            return (StatusCode::CONFLICT, axum::Json(error)).into_response();
        }
    }
    if sender.send(message).await.is_err() {
        return (StatusCode::NOT_FOUND, "the session has ended").into_response();
    }
    StatusCode::ACCEPTED.into_response()
}
