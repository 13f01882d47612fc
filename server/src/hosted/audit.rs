//! The audit log's writer: each tool call of a hosted MCP server, redacted, into the store.

use super::store::{now_ms, AuditEntry, Store};
use crate::audit::{self, Audit, CallRecord};
use std::future::Future;
use std::pin::Pin;

/// Records the calls of one MCP server.
pub(super) struct ToStore {
    pub store: Store,
    pub server_id: String,
}

impl Audit for ToStore {
    fn record(&self, call: CallRecord<'_>) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        let entry = AuditEntry {
            id: uuid::Uuid::new_v4().simple().to_string(),
            at: now_ms(),
            server_id: self.server_id.clone(),
            tool: call.tool.to_string(),
            arguments: audit::redact(call.tool, call.arguments),
            outcome: audit::outcome(call.outcome),
            records_affected: audit::records_affected(call.outcome),
            request_id: audit::request_id(call.outcome),
            duration_ms: call.duration.as_millis() as i64,
        };
        let store = self.store.clone();
        Box::pin(async move {
            // A call that happened is not undone because its record could not be written; the
            // operator's log says so instead.
            if let Err(e) = store.insert_audit(&entry).await {
                tracing::error!(error = %caspio::runtime::describe(&e), tool = %entry.tool, "audit entry lost");
            }
        })
    }
}
