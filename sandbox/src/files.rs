//! Routes for Files: a tree of folders with files in them, paged and sorted as Caspio documents,
//! uploaded as multipart (`Files` to add, `File` to overwrite), found by key or by path.

use super::db::now;
use super::error::{CaspioError, Result};
use super::http::{db, empty, json, params, AppState, State};
use super::records::Params;
use axum::extract::{Multipart, Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use std::sync::Arc;

/// The routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v3/files/folders", get(list_folders))
        .route("/v3/files/folders/{key}", get(get_folder))
        .route(
            "/v3/files",
            get(list_files).post(upload_files).put(overwrite_file),
        )
        .route("/v3/files/path/fileInfo", get(info_by_path))
        .route(
            "/v3/files/path",
            get(download_by_path).delete(delete_by_path),
        )
        .route("/v3/files/{key}/fileInfo", get(info_by_key))
        .route(
            "/v3/files/{key}",
            get(download_by_key).delete(delete_by_key),
        )
}

fn folder(c: &Connection, key: Option<&str>) -> Result<Option<String>> {
    match key.filter(|k| !k.trim().is_empty()) {
        None => Ok(None),
        Some(k) => c
            .query_row("SELECT key FROM _meta_folders WHERE key = ?1", [k], |r| {
                r.get(0)
            })
            .optional()?
            .map(Some)
            .ok_or_else(|| CaspioError::not_found(format!("Cannot find folder '{k}'"))),
    }
}

struct Paging {
    number: i64,
    size: i64,
    sort: String,
    descending: bool,
}

fn paging(q: &Params, sortable: &[&str]) -> Result<Paging> {
    let int = |name: &str, default: i64| -> Result<i64> {
        q.get(&name.to_ascii_lowercase())
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| CaspioError::query(format!("{name} must be an integer")))
            })
            .unwrap_or(Ok(default))
    };
    let size = int("pageSize", 25)?;
    if !(5..=1000).contains(&size) {
        return Err(CaspioError::query(format!(
            "pageSize must be from 5 to 1000, got {size}"
        )));
    }
    let number = int("pageNumber", 1)?;
    if number < 1 {
        return Err(CaspioError::query("pageNumber must be at least 1"));
    }
    let sort = q.get("sortfield").cloned().unwrap_or_else(|| "Name".into());
    let sort = sortable
        .iter()
        .find(|s| s.eq_ignore_ascii_case(&sort))
        .ok_or_else(|| {
            CaspioError::query(format!("sortField must be one of {}", sortable.join(", ")))
        })?;
    let descending = q
        .get("sortdescending")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    Ok(Paging {
        number,
        size,
        sort: sort.to_string(),
        descending,
    })
}

async fn list_folders(state: State, RawQuery(raw): RawQuery) -> Result<Response> {
    let q = params(raw);
    let p = paging(&q, &["Name", "DateCreated"])?;
    let answer = db(&state, |c| {
        let parent = folder(c, q.get("externalkey").map(String::as_str))?;
        let column = if p.sort == "Name" {
            "name COLLATE NOCASE"
        } else {
            "created"
        };
        let dir = if p.descending { "DESC" } else { "ASC" };
        let total: i64 = c.query_row(
            "SELECT COUNT(*) FROM _meta_folders WHERE parent IS ?1",
            [&parent],
            |r| r.get(0),
        )?;
        let mut s = c.prepare(&format!("SELECT name, key, created FROM _meta_folders WHERE parent IS ?1 ORDER BY {column} {dir} LIMIT ?2 OFFSET ?3"))?;
        let rows = s
            .query_map(rusqlite::params![parent, p.size, (p.number - 1) * p.size], |r| {
                Ok(json!({"Name": r.get::<_, String>(0)?, "ExternalKey": r.get::<_, String>(1)?, "DateCreated": r.get::<_, String>(2)?}))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(
            json!({"Result": rows, "Pagination": {"TotalCount": total, "PageNumber": p.number, "PageSize": p.size}}),
        )
    })?;
    Ok(json(StatusCode::OK, answer))
}

async fn get_folder(state: State, Path(key): Path<String>) -> Result<Response> {
    let row = db(&state, |c| {
        c.query_row("SELECT name, key, created FROM _meta_folders WHERE key = ?1", [&key], |r| {
            Ok(json!({"Name": r.get::<_, String>(0)?, "ExternalKey": r.get::<_, String>(1)?, "DateCreated": r.get::<_, String>(2)?}))
        })
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find folder '{key}'")))
    })?;
    Ok(json(StatusCode::OK, json!({ "Result": row })))
}

fn file_json(r: &rusqlite::Row) -> rusqlite::Result<Value> {
    Ok(json!({
        "Name": r.get::<_, String>(0)?, "ExternalKey": r.get::<_, String>(1)?, "Size": r.get::<_, i64>(2)?,
        "ContentType": r.get::<_, String>(3)?, "DateCreated": r.get::<_, String>(4)?, "LastModified": r.get::<_, String>(5)?
    }))
}

const FILE_COLUMNS: &str = "name, key, length(data), content_type, created, modified";

async fn list_files(state: State, RawQuery(raw): RawQuery) -> Result<Response> {
    let q = params(raw);
    let p = paging(
        &q,
        &["Name", "Size", "ContentType", "DateCreated", "LastModified"],
    )?;
    let answer = db(&state, |c| {
        let dir = folder(c, q.get("externalkey").map(String::as_str))?;
        let column = match p.sort.as_str() {
            "Size" => "length(data)",
            "ContentType" => "content_type",
            "DateCreated" => "created",
            "LastModified" => "modified",
            _ => "name COLLATE NOCASE",
        };
        let order = if p.descending { "DESC" } else { "ASC" };
        let total: i64 = c.query_row(
            "SELECT COUNT(*) FROM _meta_files WHERE folder IS ?1",
            [&dir],
            |r| r.get(0),
        )?;
        let mut s = c.prepare(&format!("SELECT {FILE_COLUMNS} FROM _meta_files WHERE folder IS ?1 ORDER BY {column} {order} LIMIT ?2 OFFSET ?3"))?;
        let rows = s
            .query_map(
                rusqlite::params![dir, p.size, (p.number - 1) * p.size],
                file_json,
            )?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(
            json!({"Result": rows, "Pagination": {"TotalCount": total, "PageNumber": p.number, "PageSize": p.size}}),
        )
    })?;
    Ok(json(StatusCode::OK, answer))
}

async fn upload_files(state: State, RawQuery(raw): RawQuery, form: Multipart) -> Result<Response> {
    let q = params(raw);
    let files = super::http::uploads(&state, form, "Files").await?;
    let stored = db(&state, |c| {
        let dir = folder(c, q.get("externalkey").map(String::as_str))?;
        let tx = c.transaction()?;
        let mut out = Vec::new();
        for (name, kind, data) in &files {
            let clash: i64 = tx.query_row(
                "SELECT COUNT(*) FROM _meta_files WHERE folder IS ?1 AND name = ?2 COLLATE NOCASE",
                rusqlite::params![dir, name],
                |r| r.get(0),
            )?;
            if clash > 0 {
                return Err(CaspioError::conflict(format!(
                    "A file named '{name}' already exists in this folder"
                )));
            }
            let key = uuid::Uuid::new_v4().to_string();
            let when = now();
            tx.execute(
                "INSERT INTO _meta_files (key, name, folder, content_type, data, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                rusqlite::params![key, name, dir, kind, data, when],
            )?;
            out.push(json!({"Name": name, "ExternalKey": key}));
        }
        tx.commit()?;
        Ok(out)
    })?;
    Ok(json(StatusCode::CREATED, json!({ "Result": stored })))
}

async fn overwrite_file(
    state: State,
    RawQuery(raw): RawQuery,
    form: Multipart,
) -> Result<Response> {
    let q = params(raw);
    let mut files = super::http::uploads(&state, form, "File").await?;
    if files.len() != 1 {
        return Err(CaspioError::body("Send exactly one 'File' part"));
    }
    let (name, kind, data) = files.remove(0);
    let (status, key) = db(&state, |c| {
        let dir = folder(c, q.get("externalkey").map(String::as_str))?;
        let existing: Option<String> = c
            .query_row(
                "SELECT key FROM _meta_files WHERE folder IS ?1 AND name = ?2 COLLATE NOCASE",
                rusqlite::params![dir, name],
                |r| r.get(0),
            )
            .optional()?;
        let when = now();
        Ok(match existing {
            Some(key) => {
                c.execute("UPDATE _meta_files SET data = ?2, content_type = ?3, modified = ?4 WHERE key = ?1", rusqlite::params![key, data, kind, when])?;
                (StatusCode::OK, key)
            }
            None => {
                let key = uuid::Uuid::new_v4().to_string();
                c.execute(
                    "INSERT INTO _meta_files (key, name, folder, content_type, data, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                    rusqlite::params![key, name, dir, kind, data, when],
                )?;
                (StatusCode::CREATED, key)
            }
        })
    })?;
    Ok(json(
        status,
        json!({"Result": {"Name": name, "ExternalKey": key}}),
    ))
}

/// The key of the file at a path such as `/Reports/q1.pdf`.
fn key_by_path(c: &Connection, path: Option<&String>) -> Result<String> {
    let path = path
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| CaspioError::query("filePath is required"))?;
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (file, dirs) = parts
        .split_last()
        .ok_or_else(|| CaspioError::query("filePath names no file"))?;
    let mut parent: Option<String> = None;
    for d in dirs {
        parent = Some(
            c.query_row(
                "SELECT key FROM _meta_folders WHERE parent IS ?1 AND name = ?2 COLLATE NOCASE",
                rusqlite::params![parent, d],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| {
                CaspioError::not_found(format!("Cannot find folder '{d}' in '{path}'"))
            })?,
        );
    }
    c.query_row(
        "SELECT key FROM _meta_files WHERE folder IS ?1 AND name = ?2 COLLATE NOCASE",
        rusqlite::params![parent, file],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find file '{path}'")))
}

fn info(c: &Connection, key: &str) -> Result<Value> {
    c.query_row(
        &format!("SELECT {FILE_COLUMNS} FROM _meta_files WHERE key = ?1"),
        [key],
        file_json,
    )
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find file '{key}'")))
}

fn download(c: &Connection, key: &str) -> Result<Response> {
    let (name, kind, data): (String, String, Vec<u8>) = c
        .query_row(
            "SELECT name, content_type, data FROM _meta_files WHERE key = ?1",
            [key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find file '{key}'")))?;
    Ok(crate::http::file(&name, kind, data))
}

fn remove(c: &Connection, key: &str) -> Result<Response> {
    let n = c.execute("DELETE FROM _meta_files WHERE key = ?1", [key])?;
    if n == 0 {
        return Err(CaspioError::not_found(format!("Cannot find file '{key}'")));
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn info_by_key(state: State, Path(key): Path<String>) -> Result<Response> {
    Ok(json(
        StatusCode::OK,
        json!({"Result": db(&state, |c| info(c, &key))?}),
    ))
}
async fn download_by_key(state: State, Path(key): Path<String>) -> Result<Response> {
    db(&state, |c| download(c, &key))
}
async fn delete_by_key(state: State, Path(key): Path<String>) -> Result<Response> {
    db(&state, |c| remove(c, &key))
}
async fn info_by_path(state: State, RawQuery(raw): RawQuery) -> Result<Response> {
    let q = params(raw);
    Ok(json(
        StatusCode::OK,
        json!({"Result": db(&state, |c| info(c, &key_by_path(c, q.get("filepath"))?))?}),
    ))
}
async fn download_by_path(state: State, RawQuery(raw): RawQuery) -> Result<Response> {
    let q = params(raw);
    db(&state, |c| download(c, &key_by_path(c, q.get("filepath"))?))
}
async fn delete_by_path(state: State, RawQuery(raw): RawQuery) -> Result<Response> {
    let q = params(raw);
    db(&state, |c| remove(c, &key_by_path(c, q.get("filepath"))?))
}
