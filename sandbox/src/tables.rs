//! Routes for tables, views, their fields and records, password fields and attachments.

use super::db::{column, data_table, first_column, now};
use super::error::{CaspioError, Result};
use super::http::{db, empty, json, object, params, result, wants_rows, AppState, State};
use super::records::{self, Source};
use axum::body::Bytes;
use axum::extract::{Multipart, Path, RawQuery};
use axum::http::{header, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use std::sync::Arc;

/// The routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v3/tables", get(list_tables).post(create_table))
        .route("/v3/tables/{t}", get(get_table))
        .route("/v3/tables/{t}/fields", get(list_fields).post(create_field))
        .route(
            "/v3/tables/{t}/fields/{f}",
            get(get_field).put(update_field).delete(delete_field),
        )
        .route("/v3/tables/{t}/passwordFields", get(password_fields))
        .route(
            "/v3/tables/{t}/passwordFields/{f}",
            axum::routing::put(set_password).delete(reset_password),
        )
        .route("/v3/views", get(list_views))
        .route("/v3/views/{v}", get(get_view))
        .route("/v3/views/{v}/fields", get(list_view_fields))
        .route("/v3/views/{v}/fields/{f}", get(get_view_field))
        .merge(owned_routes::<Table>("/v3/tables/{t}"))
        .merge(owned_routes::<View>("/v3/views/{v}"))
}

/// The record and attachment routes under a table's or a view's path, `base`.
fn owned_routes<O: Owner>(base: &str) -> Router<Arc<AppState>> {
    Router::new()
        .route(
            &format!("{base}/records"),
            get(list_records::<O>)
                .post(create_record::<O>)
                .put(update_records::<O>)
                .delete(delete_records::<O>),
        )
        .route(
            &format!("{base}/attachments/{{f}}/fileInfo"),
            get(attachment_info::<O>).put(rename_attachments::<O>),
        )
        .route(
            &format!("{base}/attachments/{{f}}/{{pk}}"),
            get(download_attachment::<O>).put(upload_attachment::<O>),
        )
        .route(
            &format!("{base}/attachments/{{f}}"),
            axum::routing::delete(delete_attachments::<O>),
        )
}

/// The condition of a write. Caspio binds query names case-insensitively and, in practice, takes
/// `where` without the `q.` prefix too (Caspio's own n8n node sends it so); directory users use
/// `Where` alone.
pub fn where_of(q: &super::records::Params, name: &str) -> Option<String> {
    q.get(&name.to_ascii_lowercase())
        .or_else(|| {
            if name == "q.where" {
                q.get("where")
            } else {
                None
            }
        })
        .cloned()
}

/// A table as a source of rows.
pub fn table_source(conn: &Connection, name: &str) -> Result<Source> {
    let table = records::table_name(conn, name)?;
    Ok(Source {
        object: format!("table '{table}'"),
        table,
        filter: None,
        is_view: false,
        read_only: vec![],
        directory: false,
        join: None,
    })
}

/// A view as a source of rows.
pub fn view_source(conn: &Connection, name: &str) -> Result<Source> {
    let (view, base, filter, join): (String, String, Option<String>, Option<String>) = conn
        .query_row(
            "SELECT name, base, filter, join_spec FROM _meta_views WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find view '{name}'")))?;
    let join: Option<records::Join> = match join {
        Some(text) => Some(
            serde_json::from_str(&text)
                .map_err(|e| CaspioError::internal(format!("view '{view}' has a bad join: {e}")))?,
        ),
        None => None,
    };
    // Through a view only the base (primary) table's fields can be written.
    let read_only = join.as_ref().map(|j| j.fields.clone()).unwrap_or_default();
    Ok(Source {
        table: base,
        filter,
        object: format!("view '{view}'"),
        is_view: true,
        read_only,
        directory: false,
        join,
    })
}

async fn list_tables(state: State) -> Result<Response> {
    let names = db(&state, |c| {
        first_column(c, "SELECT name FROM _meta_tables ORDER BY name")
    })?;
    Ok(result(json!(names)))
}

async fn create_table(state: State, body: Bytes) -> Result<Response> {
    let body = object(&body)?;
    let name = body
        .get("Name")
        .and_then(Value::as_str)
        .ok_or_else(|| CaspioError::body("Name is required"))?
        .to_string();
    let fields = body
        .get("Fields")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    db(&state, |c| {
        records::create_table(c, &name, &fields, "table")
    })?;
    Ok(empty(StatusCode::CREATED))
}

async fn get_table(state: State, Path(t): Path<String>) -> Result<Response> {
    let (name, note): (String, Option<String>) = db(&state, |c| {
        let name = records::table_name(c, &t)?;
        Ok(c.query_row(
            "SELECT name, note FROM _meta_tables WHERE name = ?1",
            [&name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    Ok(result(json!({"Name": name, "Note": note})))
}

fn field_json(f: &records::Field, view_of: Option<&str>) -> Value {
    let mut d = f.definition.clone();
    d["Name"] = json!(f.name);
    d["TableFieldName"] = match view_of {
        Some(_) => json!(f.name),
        None => Value::Null,
    };
    d
}

async fn list_fields(state: State, Path(t): Path<String>) -> Result<Response> {
    let fields = db(&state, |c| {
        let table = records::table_name(c, &t)?;
        records::fields(c, &table)
    })?;
    Ok(result(Value::Array(
        fields.iter().map(|f| field_json(f, None)).collect(),
    )))
}

async fn create_field(state: State, Path(t): Path<String>, body: Bytes) -> Result<Response> {
    let body = object(&body)?;
    db(&state, |c| {
        let table = records::table_name(c, &t)?;
        records::add_field(c, &table, &body)
    })?;
    Ok(empty(StatusCode::CREATED))
}

async fn get_field(state: State, Path((t, f)): Path<(String, String)>) -> Result<Response> {
    let field = db(&state, |c| {
        let table = records::table_name(c, &t)?;
        records::field(c, &table, &f)
    })?;
    Ok(result(field_json(&field, None)))
}

async fn update_field(
    state: State,
    Path((t, f)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let body = object(&body)?;
    db(&state, |c| {
        let table = records::table_name(c, &t)?;
        records::update_field(c, &table, &f, &body)
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn delete_field(state: State, Path((t, f)): Path<(String, String)>) -> Result<Response> {
    db(&state, |c| {
        let table = records::table_name(c, &t)?;
        records::delete_field(c, &table, &f)
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The record handlers, shared by tables and views.
pub mod rows {
    use super::*;

    pub fn list(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        raw: Option<String>,
    ) -> Result<Response> {
        let q = params(raw);
        let answer = db(state, |c| {
            let s = source(c)?;
            records::list(c, &s, &q)
        })?;
        Ok(json(StatusCode::OK, answer))
    }

    pub fn create(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        raw: Option<String>,
        body: &Bytes,
    ) -> Result<Response> {
        let q = params(raw);
        let body = object(body)?;
        let (pk, rows) = db(state, |c| {
            let s = source(c)?;
            let pk = records::insert(c, &s, &body)?;
            let rows = if wants_rows(&q) {
                records::rows_by_id(c, &s, &[pk])?
            } else {
                vec![]
            };
            Ok((pk, rows))
        })?;
        let mut response = if wants_rows(&q) {
            json(StatusCode::CREATED, json!({"Result": rows}))
        } else {
            empty(StatusCode::CREATED)
        };
        if let Ok(v) = format!("PK_ID={pk}").parse() {
            response.headers_mut().insert(header::LOCATION, v);
        }
        Ok(response)
    }

    pub fn update(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        raw: Option<String>,
        body: &Bytes,
        where_name: &str,
        count_name: &str,
    ) -> Result<Response> {
        let q = params(raw);
        let body = object(body)?;
        let (n, rows) = db(state, |c| {
            let s = source(c)?;
            let w = where_of(&q, where_name);
            let ids = records::update(c, &s, w.as_deref(), &body)
                .map_err(|e| rename_where(e, where_name))?;
            let rows = if wants_rows(&q) {
                records::rows_by_id(c, &s, &ids)?
            } else {
                vec![]
            };
            Ok((ids.len(), rows))
        })?;
        Ok(json(
            StatusCode::OK,
            json!({ count_name: n, "Result": rows }),
        ))
    }

    pub fn delete(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        raw: Option<String>,
        where_name: &str,
        count_name: &str,
    ) -> Result<Response> {
        let q = params(raw);
        let n = db(state, |c| {
            let s = source(c)?;
            let w = where_of(&q, where_name);
            records::delete(c, &s, w.as_deref()).map_err(|e| rename_where(e, where_name))
        })?;
        Ok(json(StatusCode::OK, json!({ count_name: n })))
    }

    /// Error messages name the parameter the caller used (`Where` for directory users).
    fn rename_where(mut e: CaspioError, where_name: &str) -> CaspioError {
        if where_name != "q.where" {
            e.message = e.message.replace("q.where", where_name);
        }
        e
    }
}

/// What owns records and attachments at a route: a table or a view, named by the path's first
/// segment. The record and attachment handlers are written once, generic over it.
trait Owner: Send + Sync + 'static {
    /// The rows of the owner with this name.
    fn source(conn: &Connection, name: &str) -> Result<Source>;
}

/// `/v3/tables/{t}/...`
struct Table;
/// `/v3/views/{v}/...`
struct View;

impl Owner for Table {
    fn source(conn: &Connection, name: &str) -> Result<Source> {
        table_source(conn, name)
    }
}
impl Owner for View {
    fn source(conn: &Connection, name: &str) -> Result<Source> {
        view_source(conn, name)
    }
}

async fn list_records<O: Owner>(
    state: State,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    rows::list(&state, |c| O::source(c, &name), raw)
}
async fn create_record<O: Owner>(
    state: State,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    rows::create(&state, |c| O::source(c, &name), raw, &body)
}
async fn update_records<O: Owner>(
    state: State,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    rows::update(
        &state,
        |c| O::source(c, &name),
        raw,
        &body,
        "q.where",
        "RecordsAffected",
    )
}
async fn delete_records<O: Owner>(
    state: State,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    rows::delete(
        &state,
        |c| O::source(c, &name),
        raw,
        "q.where",
        "RecordsAffected",
    )
}

async fn password_fields(state: State, Path(t): Path<String>) -> Result<Response> {
    let names = db(&state, |c| {
        let table = records::table_name(c, &t)?;
        Ok(records::fields(c, &table)?
            .into_iter()
            .filter(|f| f.kind == "PASSWORD")
            .map(|f| f.name)
            .collect::<Vec<_>>())
    })?;
    Ok(result(json!(names)))
}

async fn set_password(
    state: State,
    Path((t, f)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    let q = params(raw);
    let body = object(&body)?;
    let value = body
        .get("Value")
        .and_then(Value::as_str)
        .ok_or_else(|| CaspioError::body("Value is required"))?
        .to_string();
    let n = db(&state, |c| {
        let s = table_source(c, &t)?;
        records::set_password(c, &s, &f, where_of(&q, "q.where").as_deref(), Some(&value))
    })?;
    Ok(json(StatusCode::OK, json!({"RecordsAffected": n})))
}

async fn reset_password(
    state: State,
    Path((t, f)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let q = params(raw);
    let n = db(&state, |c| {
        let s = table_source(c, &t)?;
        records::set_password(c, &s, &f, where_of(&q, "q.where").as_deref(), None)
    })?;
    Ok(json(StatusCode::OK, json!({"RecordsAffected": n})))
}

async fn list_views(state: State) -> Result<Response> {
    let names = db(&state, |c| {
        first_column(c, "SELECT name FROM _meta_views ORDER BY name")
    })?;
    Ok(result(json!(names)))
}

async fn get_view(state: State, Path(v): Path<String>) -> Result<Response> {
    let (name, note): (String, Option<String>) = db(&state, |c| {
        view_source(c, &v)?;
        Ok(c.query_row(
            "SELECT name, note FROM _meta_views WHERE name = ?1",
            [&v],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    Ok(result(json!({"Name": name, "Note": note})))
}

/// A view's fields: the base table's (editable), then the joined table's (read-only).
fn view_fields(c: &Connection, v: &str) -> Result<Vec<Value>> {
    let s = view_source(c, v)?;
    let mut out: Vec<Value> = records::fields(c, &s.table)?
        .iter()
        .map(|f| field_json(f, Some(v)))
        .collect();
    if let Some(j) = &s.join {
        for f in records::fields(c, &j.table)?
            .iter()
            .filter(|f| j.fields.iter().any(|n| n.eq_ignore_ascii_case(&f.name)))
        {
            let mut d = field_json(f, Some(v));
            d["Editable"] = json!(false);
            out.push(d);
        }
    }
    Ok(out)
}

async fn list_view_fields(state: State, Path(v): Path<String>) -> Result<Response> {
    Ok(result(Value::Array(db(&state, |c| view_fields(c, &v))?)))
}

async fn get_view_field(state: State, Path((v, f)): Path<(String, String)>) -> Result<Response> {
    let field = db(&state, |c| {
        view_fields(c, &v)?
            .into_iter()
            .find(|d| {
                d["Name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&f))
            })
            .ok_or_else(|| CaspioError::not_found(format!("Cannot find field '{f}' in view '{v}'")))
    })?;
    Ok(result(field))
}

/// Attachment handlers, shared by tables and views.
mod files {
    use super::*;

    fn attachment_field(c: &Connection, s: &Source, f: &str) -> Result<records::Field> {
        let field = records::field(c, &s.table, f)?;
        if field.kind != "ATTACHMENT" {
            return Err(CaspioError::body(format!(
                "Field '{}' is not an ATTACHMENT field",
                field.name
            )));
        }
        Ok(field)
    }

    fn pk(raw: &str) -> Result<i64> {
        raw.parse().map_err(|_| {
            CaspioError::query(format!("recordPkId must be a PK_ID number, got '{raw}'"))
        })
    }

    pub fn download(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        f: &str,
        pk_raw: &str,
    ) -> Result<Response> {
        let id = pk(pk_raw)?;
        let (name, kind, data) = db(state, |c| {
            let s = source(c)?;
            let field = attachment_field(c, &s, f)?;
            if records::rows_by_id(c, &s, &[id])?.is_empty() {
                return Err(CaspioError::not_found(format!(
                    "Cannot find record {id} in {}",
                    s.object
                )));
            }
            c.query_row(
                "SELECT file_name, file_type, data FROM _meta_attachments WHERE tbl = ?1 AND field = ?2 AND pk = ?3",
                rusqlite::params![s.table, field.name, id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Vec<u8>>(2)?)),
            )
            .optional()?
            .ok_or_else(|| CaspioError::not_found(format!("Record {id} has no file in '{}'", field.name)))
        })?;
        Ok(crate::http::file(&name, kind, data))
    }

    pub async fn upload(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        f: &str,
        pk_raw: &str,
        form: Multipart,
    ) -> Result<Response> {
        let id = pk(pk_raw)?;
        let mut files = crate::http::uploads(state, form, "File").await?;
        if files.len() != 1 {
            return Err(CaspioError::body("Send exactly one 'File' part"));
        }
        let (name, kind, data) = files.remove(0);
        db(state, |c| {
            let s = source(c)?;
            let field = attachment_field(c, &s, f)?;
            if records::rows_by_id(c, &s, &[id])?.is_empty() {
                return Err(CaspioError::not_found(format!(
                    "Cannot find record {id} in {}",
                    s.object
                )));
            }
            let when = now();
            c.execute(
                "INSERT INTO _meta_attachments (tbl, field, pk, file_name, file_type, data, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)
                 ON CONFLICT (tbl, field, pk) DO UPDATE SET file_name = excluded.file_name, file_type = excluded.file_type, data = excluded.data, updated = ?7",
                rusqlite::params![s.table, field.name, id, name, kind, data, when],
            )?;
            c.execute(
                &format!(
                    "UPDATE {} SET {} = ?1 WHERE \"PK_ID\" = ?2",
                    data_table(&s.table),
                    column(&field.name)
                ),
                rusqlite::params![name, id],
            )?;
            Ok(())
        })?;
        Ok(empty(StatusCode::NO_CONTENT))
    }

    pub fn info(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        f: &str,
        raw: Option<String>,
    ) -> Result<Response> {
        let q = params(raw);
        let rows = db(state, |c| {
            let s = source(c)?;
            let field = attachment_field(c, &s, f)?;
            let ids = match where_of(&q, "q.where").filter(|w| !w.trim().is_empty()) {
                Some(w) => records::matching(c, &s, Some(&w), "q.where")?,
                None => records::matching(c, &s, Some("PK_ID > 0"), "q.where")?,
            };
            let mut out = Vec::new();
            for id in ids {
                let row = c
                    .query_row(
                        "SELECT file_name, file_type, length(data), created, updated FROM _meta_attachments WHERE tbl = ?1 AND field = ?2 AND pk = ?3",
                        rusqlite::params![s.table, field.name, id],
                        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?)),
                    )
                    .optional()?;
                if let Some((name, kind, size, created, updated)) = row {
                    let pk = if s.is_view {
                        json!(id.to_string())
                    } else {
                        json!(id)
                    };
                    out.push(json!({"PK_ID": pk, "FileName": name, "FileType": kind, "Size": size, "DateCreated": created, "DateUpdated": updated}));
                }
            }
            Ok(out)
        })?;
        Ok(result(Value::Array(rows)))
    }

    pub fn rename(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        f: &str,
        raw: Option<String>,
        body: &Bytes,
    ) -> Result<Response> {
        let q = params(raw);
        let body = object(body)?;
        let new_name = body
            .get("FileName")
            .and_then(Value::as_str)
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| CaspioError::body("FileName is required"))?
            .to_string();
        if new_name.contains(['/', '\\']) {
            return Err(CaspioError::body("FileName may not contain / or \\"));
        }
        let (n, rows) = db(state, |c| {
            let s = source(c)?;
            let field = attachment_field(c, &s, f)?;
            let ids = records::matching(c, &s, where_of(&q, "q.where").as_deref(), "q.where")?;
            let mut changed = Vec::new();
            for id in ids {
                let k = c.execute(
                    "UPDATE _meta_attachments SET file_name = ?4, updated = ?5 WHERE tbl = ?1 AND field = ?2 AND pk = ?3",
                    rusqlite::params![s.table, field.name, id, new_name, now()],
                )?;
                if k > 0 {
                    c.execute(
                        &format!(
                            "UPDATE {} SET {} = ?1 WHERE \"PK_ID\" = ?2",
                            data_table(&s.table),
                            column(&field.name)
                        ),
                        rusqlite::params![new_name, id],
                    )?;
                    changed.push(id);
                }
            }
            let rows = if wants_rows(&q) {
                records::rows_by_id(c, &s, &changed)?
            } else {
                vec![]
            };
            Ok((changed.len(), rows))
        })?;
        Ok(json(
            StatusCode::OK,
            json!({"RecordsAffected": n, "Result": rows}),
        ))
    }

    pub fn delete(
        state: &AppState,
        source: impl FnOnce(&Connection) -> Result<Source>,
        f: &str,
        raw: Option<String>,
    ) -> Result<Response> {
        let q = params(raw);
        let n = db(state, |c| {
            let s = source(c)?;
            let field = attachment_field(c, &s, f)?;
            let ids = records::matching(c, &s, where_of(&q, "q.where").as_deref(), "q.where")?;
            let mut n = 0;
            for id in ids {
                n += c.execute(
                    "DELETE FROM _meta_attachments WHERE tbl = ?1 AND field = ?2 AND pk = ?3",
                    rusqlite::params![s.table, field.name, id],
                )?;
                c.execute(
                    &format!(
                        "UPDATE {} SET {} = NULL WHERE \"PK_ID\" = ?1",
                        data_table(&s.table),
                        column(&field.name)
                    ),
                    [id],
                )?;
            }
            Ok(n)
        })?;
        Ok(json(StatusCode::OK, json!({"RecordsAffected": n})))
    }
}

async fn download_attachment<O: Owner>(
    state: State,
    Path((name, f, pk)): Path<(String, String, String)>,
) -> Result<Response> {
    files::download(&state, |c| O::source(c, &name), &f, &pk)
}
async fn upload_attachment<O: Owner>(
    state: State,
    Path((name, f, pk)): Path<(String, String, String)>,
    form: Multipart,
) -> Result<Response> {
    files::upload(&state, |c| O::source(c, &name), &f, &pk, form).await
}
async fn attachment_info<O: Owner>(
    state: State,
    Path((name, f)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    files::info(&state, |c| O::source(c, &name), &f, raw)
}
async fn rename_attachments<O: Owner>(
    state: State,
    Path((name, f)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response> {
    files::rename(&state, |c| O::source(c, &name), &f, raw, &body)
}
async fn delete_attachments<O: Owner>(
    state: State,
    Path((name, f)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    files::delete(&state, |c| O::source(c, &name), &f, raw)
}
