//! Routes for outgoing webhooks and their events, with Caspio's rules: unique names, HTTPS URLs,
//! throttling within the plan, one insert and one delete event per table and webhook.

use super::db::{first_column, now};
use super::error::{CaspioError, Result};
use super::http::{db, empty, json, object, AppState, State};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// The plan's maximum calls per second.
pub const PLAN_THROTTLING: i64 = 10;
const EVENT_TYPES: &[&str] = &[
    "table.recordInsert",
    "table.recordUpdate",
    "table.recordDelete",
];
const SOURCES: &[&str] = &[
    "Datasheet",
    "DataPages",
    "RESTAPIs",
    "TriggeredActions",
    "Tasks",
    "DataParts",
    "Extensions",
];

/// The routes.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/v3/outgoingWebhooks", get(list).post(create))
        .route(
            "/v3/outgoingWebhooks/{id}",
            get(get_one).put(update).delete(remove),
        )
        .route(
            "/v3/outgoingWebhooks/{id}/events",
            get(list_events).post(create_event),
        )
        .route(
            "/v3/outgoingWebhooks/{id}/events/{event}",
            get(get_event).put(update_event).delete(remove_event),
        )
}

fn strings(v: Option<&Value>, what: &str) -> Result<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| CaspioError::body(format!("{what} must be an array of strings")))
            })
            .collect(),
        Some(_) => Err(CaspioError::body(format!(
            "{what} must be an array of strings"
        ))),
    }
}

fn check_urls(urls: &[String]) -> Result<()> {
    if urls.is_empty() {
        return Err(CaspioError::body("OutgoingUrls needs at least one URL"));
    }
    for (i, u) in urls.iter().enumerate() {
        if !u.to_ascii_lowercase().starts_with("https://") || u.len() < 12 {
            return Err(CaspioError::body(format!(
                "OutgoingUrls[{i}] must be an https:// URL, got '{u}'"
            )));
        }
        if urls[..i].iter().any(|o| o.eq_ignore_ascii_case(u)) {
            return Err(CaspioError::body(format!("OutgoingUrls has '{u}' twice")));
        }
    }
    Ok(())
}

fn check_throttling(v: Option<&Value>) -> Result<Option<i64>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let n = v
                .as_i64()
                .ok_or_else(|| CaspioError::body("CallThrottling must be an integer"))?;
            if !(1..=PLAN_THROTTLING).contains(&n) {
                return Err(CaspioError::body(format!(
                    "CallThrottling must be from 1 to {PLAN_THROTTLING} on this plan"
                )));
            }
            Ok(Some(n))
        }
    }
}

fn webhook(c: &Connection, id: &str, detail: bool) -> Result<Value> {
    let row = c
        .query_row(
            "SELECT id, name, description, urls, throttling, enabled, created, modified FROM _meta_webhooks WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?, r.get::<_, bool>(5)?, r.get::<_, String>(6)?, r.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find webhook '{id}'")))?;
    let (id, name, description, urls, throttling, enabled, created, modified) = row;
    let mut v = json!({
        "Id": id, "Status": if enabled { "Active" } else { "Inactive" }, "Name": name, "Description": description,
        "OutgoingUrls": serde_json::from_str::<Value>(&urls).unwrap_or(json!([])), "CallThrottling": throttling,
        "LastModified": modified, "ModifiedBy": "sandbox", "DateCreated": created, "CreatedBy": "sandbox"
    });
    if detail {
        let events: i64 = c.query_row(
            "SELECT COUNT(*) FROM _meta_events WHERE webhook = ?1",
            [&v["Id"].as_str().unwrap_or_default()],
            |r| r.get(0),
        )?;
        v["Events"] = json!(events);
        v["Messages"] = json!(0);
        v["Calls"] = json!(0);
        v["Errors"] = json!(0);
    }
    Ok(v)
}

async fn list(state: State) -> Result<Response> {
    let all = db(&state, |c| {
        first_column(c, "SELECT id FROM _meta_webhooks ORDER BY created, id")?
            .iter()
            .map(|id| webhook(c, id, false))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(json(StatusCode::OK, Value::Array(all)))
}

async fn create(state: State, body: Bytes) -> Result<Response> {
    let b = object(&body)?;
    let name = b
        .get("Name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| CaspioError::body("Name is required"))?
        .to_string();
    let urls = strings(b.get("OutgoingUrls"), "OutgoingUrls")?;
    check_urls(&urls)?;
    let throttling = check_throttling(b.get("CallThrottling"))?.unwrap_or(PLAN_THROTTLING);
    let description = b
        .get("Description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let answer = db(&state, |c| {
        let clash: i64 = c.query_row(
            "SELECT COUNT(*) FROM _meta_webhooks WHERE name = ?1",
            [&name],
            |r| r.get(0),
        )?;
        if clash > 0 {
            return Err(CaspioError::body(format!(
                "A webhook named '{name}' already exists"
            )));
        }
        let id = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        let secret = uuid::Uuid::new_v4().simple().to_string();
        let when = now();
        c.execute(
            "INSERT INTO _meta_webhooks (id, name, description, urls, throttling, enabled, secret, created, modified) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7, ?7)",
            rusqlite::params![id, name, description, json!(urls).to_string(), throttling, secret, when],
        )?;
        Ok(
            json!({"Id": id, "Name": name, "Description": description, "OutgoingUrls": urls, "CallThrottling": throttling,
                  "Secret": secret, "DateCreated": when, "CreatedBy": "sandbox"}),
        )
    })?;
    Ok(json(StatusCode::CREATED, answer))
}

async fn get_one(state: State, Path(id): Path<String>) -> Result<Response> {
    Ok(json(StatusCode::OK, db(&state, |c| webhook(c, &id, true))?))
}

async fn update(state: State, Path(id): Path<String>, body: Bytes) -> Result<Response> {
    let b = object(&body)?;
    const KNOWN: &[&str] = &[
        "Name",
        "Description",
        "OutgoingUrls",
        "CallThrottling",
        "Enabled",
    ];
    if !b.keys().any(|k| KNOWN.contains(&k.as_str())) {
        return Err(CaspioError::body(
            "Send at least one of Name, Description, OutgoingUrls, CallThrottling, Enabled",
        ));
    }
    if let Some(k) = b.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(CaspioError::body(format!("Unknown property '{k}'")));
    }
    let answer = db(&state, |c| {
        webhook(c, &id, false)?;
        let when = now();
        if let Some(name) = b.get("Name").and_then(Value::as_str) {
            let clash: i64 = c.query_row(
                "SELECT COUNT(*) FROM _meta_webhooks WHERE name = ?1 AND id <> ?2",
                [name, &id],
                |r| r.get(0),
            )?;
            if clash > 0 {
                return Err(CaspioError::body(format!(
                    "A webhook named '{name}' already exists"
                )));
            }
            c.execute(
                "UPDATE _meta_webhooks SET name = ?2 WHERE id = ?1",
                [&id, name],
            )?;
        }
        if let Some(d) = b.get("Description") {
            c.execute(
                "UPDATE _meta_webhooks SET description = ?2 WHERE id = ?1",
                rusqlite::params![id, d.as_str()],
            )?;
        }
        if b.contains_key("OutgoingUrls") {
            let urls = strings(b.get("OutgoingUrls"), "OutgoingUrls")?;
            check_urls(&urls)?;
            c.execute(
                "UPDATE _meta_webhooks SET urls = ?2 WHERE id = ?1",
                rusqlite::params![id, json!(urls).to_string()],
            )?;
        }
        if let Some(t) = check_throttling(b.get("CallThrottling"))? {
            c.execute(
                "UPDATE _meta_webhooks SET throttling = ?2 WHERE id = ?1",
                rusqlite::params![id, t],
            )?;
        }
        if let Some(e) = b.get("Enabled").and_then(Value::as_bool) {
            c.execute(
                "UPDATE _meta_webhooks SET enabled = ?2 WHERE id = ?1",
                rusqlite::params![id, e],
            )?;
            c.execute(
                "UPDATE _meta_events SET enabled = ?2 WHERE webhook = ?1",
                rusqlite::params![id, e],
            )?;
        }
        c.execute(
            "UPDATE _meta_webhooks SET modified = ?2 WHERE id = ?1",
            [&id, &when],
        )?;
        webhook(c, &id, false)
    })?;
    Ok(json(StatusCode::OK, answer))
}

async fn remove(state: State, Path(id): Path<String>) -> Result<Response> {
    db(&state, |c| {
        webhook(c, &id, false)?;
        c.execute("DELETE FROM _meta_events WHERE webhook = ?1", [&id])?;
        c.execute("DELETE FROM _meta_webhooks WHERE id = ?1", [&id])?;
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn event(c: &Connection, webhook_id: &str, id: &str, detail: bool) -> Result<Value> {
    let row = c
        .query_row(
            "SELECT id, type, enabled, object, fields, sources, payload_fields, template, created, modified FROM _meta_events WHERE webhook = ?1 AND id = ?2",
            [webhook_id, id],
            |r| {
                Ok(json!({
                    "Id": r.get::<_, String>(0)?, "Type": r.get::<_, String>(1)?,
                    "Status": if r.get::<_, bool>(2)? { "Active" } else { "Inactive" },
                    "ObjectName": r.get::<_, String>(3)?, "ObjectId": Value::Null,
                    "ObjectFields": serde_json::from_str::<Value>(&r.get::<_, String>(4)?).unwrap_or(json!([])),
                    "EventSources": serde_json::from_str::<Value>(&r.get::<_, String>(5)?).unwrap_or(json!([])),
                    "CustomPayloadFields": serde_json::from_str::<Value>(&r.get::<_, String>(6)?).unwrap_or(json!([])),
                    "CustomPayloadTemplate": r.get::<_, Option<String>>(7)?,
                    "DateCreated": r.get::<_, String>(8)?, "CreatedBy": "sandbox",
                    "LastModified": r.get::<_, String>(9)?, "ModifiedBy": "sandbox",
                }))
            },
        )
        .optional()?
        .ok_or_else(|| CaspioError::not_found(format!("Cannot find event '{id}' of webhook '{webhook_id}'")))?;
    let mut v = row;
    if detail {
        v["Messages"] = json!(0);
        v["Calls"] = json!(0);
        v["Errors"] = json!(0);
    }
    Ok(v)
}

async fn list_events(state: State, Path(id): Path<String>) -> Result<Response> {
    let all = db(&state, |c| {
        webhook(c, &id, false)?;
        let mut s =
            c.prepare("SELECT id FROM _meta_events WHERE webhook = ?1 ORDER BY created, id")?;
        let ids = s
            .query_map([&id], |r| r.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        ids.iter()
            .map(|e| event(c, &id, e, false))
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(json(StatusCode::OK, Value::Array(all)))
}

struct EventSpec {
    kind: String,
    object: String,
    fields: Vec<String>,
    sources: Vec<String>,
    payload: Vec<String>,
    template: Option<String>,
    enabled: bool,
}

fn event_spec(c: &Connection, b: &Map<String, Value>) -> Result<EventSpec> {
    let kind = b
        .get("EventType")
        .and_then(Value::as_str)
        .ok_or_else(|| CaspioError::body("EventType is required"))?;
    let kind = EVENT_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(kind))
        .ok_or_else(|| {
            CaspioError::body(format!(
                "EventType must be one of {}",
                EVENT_TYPES.join(", ")
            ))
        })?;
    let object = b
        .get("ObjectName")
        .and_then(Value::as_str)
        .ok_or_else(|| CaspioError::body("ObjectName is required"))?;
    let table = super::records::table_name(c, object)
        .map_err(|_| CaspioError::body(format!("ObjectName '{object}' is not a table")))?;
    let fields = strings(b.get("ObjectFields"), "ObjectFields")?;
    if !fields.is_empty() && *kind != "table.recordUpdate" {
        return Err(CaspioError::body(
            "ObjectFields applies only to table.recordUpdate",
        ));
    }
    let known = super::records::fields(c, &table)?;
    for f in &fields {
        if !known.iter().any(|k| k.name.eq_ignore_ascii_case(f)) {
            return Err(CaspioError::body(format!(
                "ObjectFields: '{f}' is not a field of '{table}'"
            )));
        }
    }
    let sources = strings(b.get("EventSources"), "EventSources")?;
    if let Some(s) = sources
        .iter()
        .find(|s| !SOURCES.iter().any(|k| k.eq_ignore_ascii_case(s)))
    {
        return Err(CaspioError::body(format!(
            "EventSources: '{s}' is not one of {}",
            SOURCES.join(", ")
        )));
    }
    Ok(EventSpec {
        kind: kind.to_string(),
        object: table,
        fields,
        sources,
        payload: strings(b.get("CustomPayloadFields"), "CustomPayloadFields")?,
        template: b
            .get("CustomPayloadTemplate")
            .and_then(Value::as_str)
            .map(str::to_string),
        enabled: b.get("Enabled").and_then(Value::as_bool).unwrap_or(true),
    })
}

/// Per table and webhook only one insert and one delete event; update events may repeat when
/// each watches its own fields.
fn check_unique(
    c: &Connection,
    webhook_id: &str,
    spec: &EventSpec,
    except: Option<&str>,
) -> Result<()> {
    let mut s = c.prepare(
        "SELECT id, fields FROM _meta_events WHERE webhook = ?1 AND type = ?2 AND object = ?3",
    )?;
    let others = s
        .query_map([webhook_id, &spec.kind, &spec.object], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?;
    for (id, fields) in others {
        if Some(id.as_str()) == except {
            continue;
        }
        let fields: Vec<String> = serde_json::from_str(&fields).unwrap_or_default();
        if spec.kind != "table.recordUpdate" || fields.is_empty() || spec.fields.is_empty() {
            return Err(CaspioError::body(format!(
                "This webhook already has a {} event for '{}'",
                spec.kind, spec.object
            )));
        }
    }
    Ok(())
}

async fn create_event(state: State, Path(id): Path<String>, body: Bytes) -> Result<Response> {
    let b = object(&body)?;
    let answer = db(&state, |c| {
        webhook(c, &id, false)?;
        let spec = event_spec(c, &b)?;
        check_unique(c, &id, &spec, None)?;
        let event_id = uuid::Uuid::new_v4().simple().to_string()[..10].to_string();
        let when = now();
        c.execute(
            "INSERT INTO _meta_events (id, webhook, type, object, fields, sources, payload_fields, template, enabled, created, modified)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
            rusqlite::params![event_id, id, spec.kind, spec.object, json!(spec.fields).to_string(), json!(spec.sources).to_string(),
                              json!(spec.payload).to_string(), spec.template, spec.enabled, when],
        )?;
        event(c, &id, &event_id, false)
    })?;
    Ok(json(StatusCode::CREATED, answer))
}

async fn get_event(state: State, Path((id, e)): Path<(String, String)>) -> Result<Response> {
    Ok(json(
        StatusCode::OK,
        db(&state, |c| event(c, &id, &e, true))?,
    ))
}

async fn update_event(
    state: State,
    Path((id, e)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let b = object(&body)?;
    let answer = db(&state, |c| {
        event(c, &id, &e, false)?;
        let spec = event_spec(c, &b)?;
        check_unique(c, &id, &spec, Some(&e))?;
        c.execute(
            "UPDATE _meta_events SET type = ?3, object = ?4, fields = ?5, sources = ?6, payload_fields = ?7, template = ?8, enabled = ?9, modified = ?10
             WHERE webhook = ?1 AND id = ?2",
            rusqlite::params![id, e, spec.kind, spec.object, json!(spec.fields).to_string(), json!(spec.sources).to_string(),
                              json!(spec.payload).to_string(), spec.template, spec.enabled, now()],
        )?;
        event(c, &id, &e, false)
    })?;
    Ok(json(StatusCode::OK, answer))
}

async fn remove_event(state: State, Path((id, e)): Path<(String, String)>) -> Result<Response> {
    db(&state, |c| {
        event(c, &id, &e, false)?;
        c.execute(
            "DELETE FROM _meta_events WHERE webhook = ?1 AND id = ?2",
            [&id, &e],
        )?;
        Ok(())
    })?;
    Ok(empty(StatusCode::NO_CONTENT))
}
