//! Routes for directories and their users. A directory's users live in a table (visible through
//! the tables endpoints, as in Caspio) with the system fields `UserGUID`, `Email`, `_status`,
//! `_sign_in_method` and `_2fa_status`. Writes select users with `Where` (no `q.` prefix), which
//! may not name the status fields.

use super::error::{CaspioError, Result};
use super::http::{db, json, object, params, result, AppState, State};
use super::records::{self, Source};
use super::tables::rows;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use std::sync::Arc;

/// Fields every directory has, which writes may not set.
pub const STATUS_FIELDS: &[&str] = &["_status", "_sign_in_method", "_2fa_status"];

/// The routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v3/directories", get(list))
        .route(
            "/v3/directories/{id}/users",
            get(list_users)
                .post(create_user)
                .put(update_users)
                .delete(delete_users),
        )
        .route("/v3/directories/{id}/users/activate", post(activate))
}

/// The users of a directory as a source of rows.
pub fn source(c: &Connection, id: &str) -> Result<Source> {
    let (name, table): (String, String) = c
        .query_row(
            "SELECT name, tbl FROM _meta_directories WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find directory '{id}'")))?;
    let mut read_only: Vec<String> = STATUS_FIELDS.iter().map(|s| s.to_string()).collect();
    read_only.push("UserGUID".into());
    Ok(Source {
        table,
        filter: None,
        object: format!("directory '{name}'"),
        is_view: false,
        read_only,
        directory: true,
        join: None,
    })
}

/// Refuses a `Where` that names a status field, as Caspio does.
fn check_where(raw: &Option<String>) -> Result<()> {
    let q = params(raw.clone());
    if let Some(w) = q.get("where") {
        if let Ok(expr) = caspio_qwhere::parse(w) {
            if let Some(f) = expr
                .fields()
                .into_iter()
                .find(|f| STATUS_FIELDS.iter().any(|s| s.eq_ignore_ascii_case(f)))
            {
                return Err(CaspioError::query(format!(
                    "Where may not use '{f}'; filter on it when listing users instead"
                )));
            }
        }
    }
    Ok(())
}

async fn list(state: State) -> Result<Response> {
    let all = db(&state, |c| {
        let mut s =
            c.prepare("SELECT id, name, tbl, created FROM _meta_directories ORDER BY name")?;
        let rows = s
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, name, table, created)| {
                let n: i64 = c.query_row(&format!("SELECT COUNT(*) FROM {}", super::db::data_table(&table)), [], |r| r.get(0))?;
                Ok(json!({"Id": id, "Name": name, "NumberOfUsers": n, "DateCreated": created, "DateUpdated": created, "CreatedBy": "sandbox", "UpdatedBy": "sandbox"}))
            })
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(result(Value::Array(all)))
}

async fn list_users(
    state: State,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    rows::list(&state, |c| source(c, &id), raw)
}

async fn create_user(
    state: State,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    let b = object(&body)?;
    let email = b
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Email"))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or("");
    if !email.contains('@') {
        return Err(CaspioError::body(
            "Email is required and must be an email address",
        ));
    }
    let duplicate = db(&state, |c| {
        let s = source(c, &id)?;
        Ok(!records::matching(
            c,
            &s,
            Some(&format!("Email = {}", caspio_qwhere::quote(email))),
            "Where",
        )?
        .is_empty())
    })?;
    if duplicate {
        return Err(CaspioError::body(format!(
            "A user with Email '{email}' already exists"
        )));
    }
    rows::create(&state, |c| source(c, &id), raw, &body)
}

async fn update_users(
    state: State,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    check_where(&raw)?;
    rows::update(
        &state,
        |c| source(c, &id),
        raw,
        &body,
        "Where",
        "UsersAffected",
    )
}

async fn delete_users(
    state: State,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    check_where(&raw)?;
    rows::delete(&state, |c| source(c, &id), raw, "Where", "UsersAffected")
}

async fn activate(state: State, Path(id): Path<String>, body: Bytes) -> Result<Response> {
    let b = object(&body)?;
    let guid = b
        .get("UserGUID")
        .and_then(Value::as_str)
        .filter(|g| !g.is_empty())
        .ok_or_else(|| CaspioError::body("UserGUID is required"))?
        .to_string();
    let host = state.config.account_host.clone();
    let url = db(&state, |c| {
        let s = source(c, &id)?;
        let table = super::db::data_table(&s.table);
        let status: Option<String> = c
            .query_row(
                &format!("SELECT \"_status\" FROM {table} WHERE \"UserGUID\" = ?1"),
                [&guid],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                CaspioError::not_found(format!("Cannot find user '{guid}' in directory '{id}'"))
            })?;
        if status.as_deref() == Some("Active") {
            return Err(CaspioError::conflict(format!(
                "User '{guid}' is already active"
            )));
        }
        c.execute(
            &format!("UPDATE {table} SET \"_status\" = 'Active' WHERE \"UserGUID\" = ?1"),
            [&guid],
        )?;
        Ok(format!(
            "https://{host}/activate?dir={id}&token={}",
            uuid::Uuid::new_v4().simple()
        ))
    })?;
    Ok(json(
        StatusCode::OK,
        json!({"Result": {"ActivationUrl": url}}),
    ))
}
