//! Caspio's error answers: `{Code, Message, Resource, RequestId}` with the status Caspio uses,
//! and the request id that the middleware also sends as `X-Caspio-Request-ID`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

tokio::task_local! {
    /// The id and URL of the request being served, set by the request-id middleware.
    pub static CURRENT: (String, String);
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaspioError {
    /// HTTP status.
    pub status: StatusCode,
    /// Caspio's error code.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl std::fmt::Display for CaspioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for CaspioError {}

impl CaspioError {
    /// 400 IncorrectQueryParameter.
    pub fn query(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::BAD_REQUEST,
            code: "IncorrectQueryParameter",
            message: message.into(),
        }
    }
    /// 400 IncorrectBodyParameter.
    pub fn body(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::BAD_REQUEST,
            code: "IncorrectBodyParameter",
            message: message.into(),
        }
    }
    /// 400 SqlServerError.
    pub fn sql(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::BAD_REQUEST,
            code: "SqlServerError",
            message: message.into(),
        }
    }
    /// 404 ObjectNotFound.
    pub fn not_found(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::NOT_FOUND,
            code: "ObjectNotFound",
            message: message.into(),
        }
    }
    /// 409 Conflict.
    pub fn conflict(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::CONFLICT,
            code: "Conflict",
            message: message.into(),
        }
    }
    /// 401 Unauthorized.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::UNAUTHORIZED,
            code: "Unauthorized",
            message: message.into(),
        }
    }
    /// 413 Content Too Large.
    pub fn too_large(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "ContentTooLarge",
            message: message.into(),
        }
    }
    /// 500, for storage failures (which a demo sandbox should never have).
    pub fn internal(message: impl Into<String>) -> Self {
        CaspioError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "InternalError",
            message: message.into(),
        }
    }
}

impl From<rusqlite::Error> for CaspioError {
    fn from(e: rusqlite::Error) -> Self {
        match &e {
            rusqlite::Error::SqliteFailure(f, msg)
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                CaspioError::sql(format!(
                    "Constraint violation: {}",
                    msg.clone().unwrap_or_default()
                ))
            }
            _ => CaspioError::internal(format!("storage error: {e}")),
        }
    }
}

impl IntoResponse for CaspioError {
    fn into_response(self) -> Response {
        let (request_id, resource) = CURRENT.try_with(|c| c.clone()).unwrap_or_default();
        let body = json!({"Code": self.code, "Message": self.message, "Resource": resource, "RequestId": request_id});
        (self.status, axum::Json(body)).into_response()
    }
}

/// Result alias for handlers.
pub type Result<T, E = CaspioError> = std::result::Result<T, E>;
