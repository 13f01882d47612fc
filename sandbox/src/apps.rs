//! Routes for bridge applications, their DataPages and deployment, and data import/export tasks.

use super::db::{first_column, now};
use super::error::{CaspioError, Result};
use super::http::{db, empty, json, object, params, result, AppState, State};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};
use std::sync::Arc;

/// The routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v3/bridgeApplications", get(list_apps))
        .route("/v3/bridgeApplications/{app}", get(get_app))
        .route("/v3/bridgeApplications/{app}/datapages", get(list_pages))
        .route(
            "/v3/bridgeApplications/{app}/datapages/deployment",
            put(deploy_all),
        )
        .route(
            "/v3/bridgeApplications/{app}/datapages/{page}",
            get(get_page),
        )
        .route(
            "/v3/bridgeApplications/{app}/datapages/{page}/deployment",
            get(deploy_code).put(deploy_one),
        )
        .route("/v3/dataImportExportTasks", get(list_tasks))
        .route("/v3/dataImportExportTasks/{task}", get(get_task))
        .route("/v3/dataImportExportTasks/{task}/run", post(run_task))
}

fn app(c: &Connection, key: &str) -> Result<Value> {
    c.query_row(
        "SELECT a.name, a.key, (SELECT COUNT(*) FROM _meta_datapages d WHERE d.app = a.key), a.created, a.modified FROM _meta_apps a WHERE a.key = ?1",
        [key],
        |r| {
            Ok(json!({"AppName": r.get::<_, String>(0)?, "ExternalKey": r.get::<_, String>(1)?, "DataPagesCount": r.get::<_, i64>(2)?,
                      "DateCreated": r.get::<_, String>(3)?, "DateModified": r.get::<_, String>(4)?, "DefaultIcon": true, "IconFileName": Value::Null}))
        },
    )
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find application '{key}'")))
}

fn page_json(r: &rusqlite::Row) -> rusqlite::Result<Value> {
    Ok(json!({
        "Name": r.get::<_, String>(0)?, "AppKey": r.get::<_, String>(1)?, "AppName": r.get::<_, String>(2)?, "Path": r.get::<_, String>(3)?,
        "Type": r.get::<_, String>(4)?, "DateCreated": r.get::<_, String>(5)?, "DateModified": r.get::<_, String>(6)?,
        "CreatedBy": "sandbox", "ModifiedBy": "sandbox", "Note": r.get::<_, Option<String>>(7)?, "Deployed": r.get::<_, bool>(8)?
    }))
}

const PAGE_COLUMNS: &str =
    "d.name, d.app_key, a.name, d.path, d.type, d.created, d.modified, d.note, d.deployed";

fn page(c: &Connection, app_key: &str, page: &str) -> Result<Value> {
    app(c, app_key)?;
    c.query_row(
        &format!("SELECT {PAGE_COLUMNS} FROM _meta_datapages d JOIN _meta_apps a ON a.key = d.app WHERE d.app = ?1 AND d.app_key = ?2"),
        [app_key, page],
        page_json,
    )
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find DataPage '{page}' in application '{app_key}'")))
}

async fn list_apps(state: State) -> Result<Response> {
    let all = db(&state, |c| {
        first_column(c, "SELECT key FROM _meta_apps ORDER BY name")?
            .iter()
            .map(|k| app(c, k))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(result(Value::Array(all)))
}

async fn get_app(state: State, Path(key): Path<String>) -> Result<Response> {
    Ok(result(db(&state, |c| app(c, &key))?))
}

async fn list_pages(state: State, Path(key): Path<String>) -> Result<Response> {
    let all = db(&state, |c| {
        app(c, &key)?;
        let mut s = c.prepare(&format!("SELECT {PAGE_COLUMNS} FROM _meta_datapages d JOIN _meta_apps a ON a.key = d.app WHERE d.app = ?1 ORDER BY d.name"))?;
        let rows = s
            .query_map([&key], page_json)?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(rows)
    })?;
    Ok(result(Value::Array(all)))
}

async fn get_page(state: State, Path((key, p)): Path<(String, String)>) -> Result<Response> {
    Ok(result(db(&state, |c| page(c, &key, &p))?))
}

async fn deploy_code(
    state: State,
    Path((key, p)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let q = params(raw);
    let method = q
        .get("method")
        .ok_or_else(|| CaspioError::query("method is required: iFrame, URL, Embedded or Net"))?;
    let host = state.config.account_host.clone();
    let code = db(&state, |c| {
        let v = page(c, &key, &p)?;
        if v["Deployed"] != json!(true) {
            return Err(CaspioError::body(format!("DataPage '{p}' is not deployed")));
        }
        let url = format!("https://{host}/dp/{p}");
        Ok(match method.to_ascii_lowercase().as_str() {
            "iframe" | "i" => format!("<iframe name=\"{p}\" title=\"{}\" src=\"{url}\">Sorry, but your browser does not support frames.</iframe>", v["Name"].as_str().unwrap_or_default()),
            "url" | "u" => url,
            "embedded" | "e" => format!("<script type=\"text/javascript\" src=\"https://{host}/dp/{p}/emb\"></script>"),
            "net" | "n" => format!("<%@ Register TagPrefix=\"caspio\" Namespace=\"Caspio\" %><caspio:DataPage AppKey=\"{p}\" runat=\"server\" />"),
            other => return Err(CaspioError::query(format!("method '{other}' is not one of iFrame, URL, Embedded, Net"))),
        })
    })?;
    Ok(json(StatusCode::OK, Value::String(code)))
}

fn deployed_flag(body: &Bytes) -> Result<bool> {
    object(body)?
        .get("Deployed")
        .and_then(Value::as_bool)
        .ok_or_else(|| CaspioError::body("Deployed (true or false) is required"))
}

async fn deploy_one(
    state: State,
    Path((key, p)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let deployed = deployed_flag(&body)?;
    db(&state, |c| {
        page(c, &key, &p)?;
        c.execute("UPDATE _meta_datapages SET deployed = ?3, modified = ?4 WHERE app = ?1 AND app_key = ?2", rusqlite::params![key, p, deployed, now()])?;
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

async fn deploy_all(state: State, Path(key): Path<String>, body: Bytes) -> Result<Response> {
    let deployed = deployed_flag(&body)?;
    db(&state, |c| {
        app(c, &key)?;
        c.execute(
            "UPDATE _meta_datapages SET deployed = ?2, modified = ?3 WHERE app = ?1",
            rusqlite::params![key, deployed, now()],
        )?;
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn task(c: &Connection, key: &str) -> Result<Value> {
    c.query_row("SELECT name, key, status, time_zone, frequency, note FROM _meta_tasks WHERE key = ?1", [key], |r| {
        Ok(json!({"Name": r.get::<_, String>(0)?, "ExternalKey": r.get::<_, String>(1)?, "Status": r.get::<_, String>(2)?,
                  "TaskTimeZone": r.get::<_, String>(3)?, "Frequency": r.get::<_, String>(4)?, "Note": r.get::<_, Option<String>>(5)?}))
    })
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find task '{key}'")))
}

async fn list_tasks(state: State) -> Result<Response> {
    let all = db(&state, |c| {
        first_column(c, "SELECT key FROM _meta_tasks ORDER BY name")?
            .iter()
            .map(|k| task(c, k))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(result(Value::Array(all)))
}

async fn get_task(state: State, Path(key): Path<String>) -> Result<Response> {
    Ok(result(db(&state, |c| task(c, &key))?))
}

/// Starts a task: it shows `Processing` until the run ends (a fraction of a second here), then
/// `Ready` again. A task already running cannot be started twice.
async fn run_task(state: State, Path(key): Path<String>) -> Result<Response> {
    db(&state, |c| {
        let t = task(c, &key)?;
        if t["Status"] != json!("Ready") {
            return Err(CaspioError::conflict(format!(
                "Task '{key}' is {} and cannot start now",
                t["Status"].as_str().unwrap_or("busy")
            )));
        }
        c.execute(
            "UPDATE _meta_tasks SET status = 'Processing', runs = runs + 1 WHERE key = ?1",
            [&key],
        )?;
        Ok(())
    })?;
    let state2 = state.0.clone();
    tokio::spawn(async move {
        tokio::time::sleep(state2.config.task_duration).await;
        let _ = state2.db.with(|c| {
            Ok(c.execute(
                "UPDATE _meta_tasks SET status = 'Ready' WHERE key = ?1",
                [&key],
            )?)
        });
    });
    Ok(empty(StatusCode::NO_CONTENT))
}
