//! Request plumbing shared by the sandbox's routes: the state, query strings with Caspio's
//! case-insensitive names, JSON bodies refused in Caspio's shape, and small answer helpers.

use super::db::Db;
use super::error::{CaspioError, Result};
use super::records::Params;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Shared state of a running sandbox.
pub struct AppState {
    /// Storage.
    pub db: Db,
    /// Settings.
    pub config: super::SandboxConfig,
    /// Issued tokens and fault counters.
    pub auth: super::auth::Tokens,
    /// Every request served, for tests that must prove what reached the API.
    pub log: std::sync::Mutex<Vec<super::LogEntry>>,
    /// Fault injection state.
    pub faults: super::faults::FaultState,
    /// TCP connections accepted, for tests that check clients reuse theirs.
    pub connections: std::sync::atomic::AtomicU64,
}

/// The state as handlers take it.
pub type State = axum::extract::State<Arc<AppState>>;

/// Parses a raw query string; names are lower-cased (Caspio binds them case-insensitively).
pub fn params(raw: Option<String>) -> Params {
    let mut out = Params::new();
    for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        out.insert(decode(k).to_ascii_lowercase(), decode(v));
    }
    out
}

/// A JSON object body.
pub fn object(body: &Bytes) -> Result<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(CaspioError::body("The request body must be a JSON object")),
        Err(e) => Err(CaspioError::body(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// `{"Result": value}` with 200.
pub fn result(value: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({ "Result": value })),
    )
        .into_response()
}

/// A JSON answer with a status.
pub fn json(status: StatusCode, value: Value) -> Response {
    (status, axum::Json(value)).into_response()
}

/// An empty answer.
pub fn empty(status: StatusCode) -> Response {
    status.into_response()
}

/// True when the query asks for the affected rows back.
pub fn wants_rows(q: &Params) -> bool {
    q.get("response")
        .is_some_and(|v| v.eq_ignore_ascii_case("rows"))
}

/// Runs a storage closure.
pub fn db<T>(
    state: &AppState,
    f: impl FnOnce(&mut rusqlite::Connection) -> Result<T>,
) -> Result<T> {
    state.db.with(f)
}

/// A file download: its bytes, content type, and name in `Content-Disposition` (RFC 6266,
/// UTF-8 encoded so any name survives).
pub fn file(name: &str, content_type: String, data: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename*=UTF-8''{}",
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        data,
    )
        .into_response()
}

/// Files sent as multipart parts named `part_name`: (file name, content type, bytes). Every part
/// needs a plain file name; a part over the upload limit is 413, however it is detected.
pub async fn uploads(
    state: &AppState,
    mut form: axum::extract::Multipart,
    part_name: &str,
) -> Result<Vec<(String, String, Vec<u8>)>> {
    let malformed = |e: axum::extract::multipart::MultipartError| {
        let text = e.to_string();
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            CaspioError::too_large(format!(
                "The upload is larger than {} bytes",
                state.config.max_upload_bytes
            ))
        } else {
            CaspioError::body(format!("Malformed multipart body: {text}"))
        }
    };
    let mut files = Vec::new();
    while let Some(part) = form.next_field().await.map_err(malformed)? {
        if part.name() != Some(part_name) {
            continue;
        }
        let name = part
            .file_name()
            .map(str::to_string)
            .ok_or_else(|| CaspioError::body("Every file part needs a file name"))?;
        if name.contains(['/', '\\']) || name.trim().is_empty() {
            return Err(CaspioError::body(format!("Invalid file name '{name}'")));
        }
        let kind = part
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_string();
        let data = part.bytes().await.map_err(malformed)?;
        if data.len() > state.config.max_upload_bytes {
            return Err(CaspioError::too_large(format!(
                "'{name}' is {} bytes; the limit is {}",
                data.len(),
                state.config.max_upload_bytes
            )));
        }
        files.push((name, kind, data.to_vec()));
    }
    if files.is_empty() {
        return Err(CaspioError::body(format!(
            "The multipart part '{part_name}' is required"
        )));
    }
    Ok(files)
}
