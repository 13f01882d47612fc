//! Records in SQLite: the reads and writes behind the tables, views and directory users routes,
//! over a [`Source`] (see [`crate::schema`]); reads and writes through a view only ever touch the
//! rows it shows.

use super::db::{column, data_table, now};
use super::error::{CaspioError, Result};
pub use super::schema::*;
use super::sql::{self, Columns};
use rusqlite::types::Value as Sql;
use rusqlite::{params_from_iter, Connection};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The columns a query over `source` may name, qualified by their table's alias, and the fields
/// behind them (the joined table's last).
pub fn columns(conn: &Connection, source: &Source) -> Result<(Columns, Vec<Field>)> {
    let mut fields = fields(conn, &source.table)?;
    let mut readable = vec![("PK_ID".to_string(), "b.\"PK_ID\"".to_string())];
    let mut forbidden = Vec::new();
    for f in &fields {
        if f.kind == "PASSWORD" {
            forbidden.push(f.name.to_ascii_lowercase());
        } else {
            readable.push((f.name.clone(), format!("b.{}", column(&f.name))));
        }
    }
    if let Some(j) = &source.join {
        let other = self::fields(conn, &j.table)?;
        for name in &j.fields {
            let f = other
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name) && f.kind != "PASSWORD")
                .ok_or_else(|| {
                    CaspioError::internal(format!(
                        "view join names a missing field {}.{name}",
                        j.table
                    ))
                })?;
            readable.push((f.name.clone(), format!("j.{}", column(&f.name))));
            fields.push(f.clone());
        }
    }
    Ok((
        Columns {
            readable,
            forbidden,
            object: source.object.clone(),
            booleans: fields
                .iter()
                .filter(|f| f.kind == "YES/NO")
                .map(|f| f.name.to_ascii_lowercase())
                .collect(),
        },
        fields,
    ))
}

/// Query-string parameters, with lower-cased names.
pub type Params = HashMap<String, String>;

fn param<'a>(q: &'a Params, name: &str) -> Option<&'a str> {
    q.get(&name.to_ascii_lowercase()).map(String::as_str)
}

fn int_param(q: &Params, name: &str) -> Result<Option<i64>> {
    match param(q, name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| CaspioError::query(format!("{name} must be an integer, got '{v}'"))),
    }
}

/// The `WHERE` of a read or write: the view's filter AND the request's condition.
fn condition(source: &Source, request: Option<&str>, cols: &Columns) -> Result<(String, Vec<Sql>)> {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    if let Some(f) = &source.filter {
        let c = sql::where_clause(f, cols)?;
        parts.push(c.sql);
        params.extend(c.params);
    }
    if let Some(w) = request.filter(|w| !w.trim().is_empty()) {
        let c = sql::where_clause(w, cols)?;
        parts.push(c.sql);
        params.extend(c.params);
    }
    Ok((
        if parts.is_empty() {
            "1".into()
        } else {
            parts.join(" AND ")
        },
        params,
    ))
}

/// Converts a stored value to Caspio's JSON.
fn to_json(kind: Option<&str>, v: Sql, as_string_pk: bool) -> Value {
    match (kind, v) {
        (_, Sql::Null) => Value::Null,
        (Some("YES/NO"), Sql::Integer(i)) => Value::Bool(i != 0),
        (Some(k), Sql::Text(t)) if k.starts_with("LIST-") => {
            serde_json::from_str(&t).unwrap_or(Value::String(t))
        }
        (Some("PK_ID"), Sql::Integer(i)) if as_string_pk => Value::String(i.to_string()),
        (_, Sql::Integer(i)) => json!(i),
        (_, Sql::Real(f)) => json!(f),
        (_, Sql::Text(t)) => Value::String(t),
        (_, Sql::Blob(b)) => Value::String(format!("<{} bytes>", b.len())),
    }
}

/// Reads records (`GET .../records`).
pub fn list(conn: &Connection, source: &Source, q: &Params) -> Result<Value> {
    let (cols, fields) = columns(conn, source)?;
    let select = sql::select(param(q, "q.select"), &cols)?;
    let (where_sql, where_params) = condition(source, param(q, "q.where"), &cols)?;
    let mut params = select.params.clone();
    params.extend(where_params.clone());
    let mut text = format!(
        "SELECT {} FROM {} WHERE {where_sql}",
        select.sql.join(", "),
        from_clause(source)
    );
    if let Some(g) = param(q, "q.groupBy").filter(|g| !g.trim().is_empty()) {
        text.push_str(&format!(
            " GROUP BY {}",
            sql::group_by(g, &cols, &mut params)?
        ));
    }
    let order = match param(q, "q.orderBy").filter(|o| !o.trim().is_empty()) {
        Some(o) => sql::order_by(o, &cols, &select, &mut params)?,
        None if param(q, "q.groupBy").is_none() => "b.\"PK_ID\" ASC".into(),
        None => String::new(),
    };
    if !order.is_empty() {
        text.push_str(&format!(" ORDER BY {order}"));
    }
    let page_number = int_param(q, "q.pageNumber")?;
    let page_size = int_param(q, "q.pageSize")?;
    let paged = page_number.is_some() || page_size.is_some();
    let (limit, offset, number, size) = if paged {
        let size = page_size.unwrap_or(25);
        if !(5..=MAX_ROWS).contains(&size) {
            return Err(CaspioError::query(format!(
                "q.pageSize must be from 5 to {MAX_ROWS}, got {size}"
            )));
        }
        let number = page_number.unwrap_or(1);
        if number < 1 {
            return Err(CaspioError::query(format!(
                "q.pageNumber must be at least 1, got {number}"
            )));
        }
        (size, (number - 1) * size, number, size)
    } else {
        let limit = int_param(q, "q.limit")?.unwrap_or(100);
        if !(1..=MAX_ROWS).contains(&limit) {
            return Err(CaspioError::query(format!(
                "q.limit must be from 1 to {MAX_ROWS}, got {limit}"
            )));
        }
        (limit, 0, 1, limit)
    };
    let count_text = format!("SELECT COUNT(*) FROM ({text})");
    text.push_str(&format!(" LIMIT {limit} OFFSET {offset}"));
    let kinds: Vec<Option<String>> = select
        .names
        .iter()
        .map(|n| {
            if n.eq_ignore_ascii_case("PK_ID") {
                Some("PK_ID".to_string())
            } else {
                fields
                    .iter()
                    .find(|f| f.name.eq_ignore_ascii_case(n))
                    .map(|f| f.kind.clone())
            }
        })
        .collect();
    let mut stmt = conn
        .prepare(&text)
        .map_err(|e| CaspioError::sql(format!("{e}")))?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| {
            let mut obj = Map::new();
            for (i, name) in select.names.iter().enumerate() {
                let v: Sql = r.get(i)?;
                obj.insert(
                    name.clone(),
                    to_json(kinds[i].as_deref(), v, source.is_view),
                );
            }
            Ok(Value::Object(obj))
        })
        .map_err(|e| CaspioError::sql(format!("{e}")))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| CaspioError::sql(format!("{e}")))?;
    let mut answer = json!({"Result": rows});
    if param(q, "q.getPaginationInfo").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        let total: i64 = conn
            .query_row(&count_text, params_from_iter(params.iter()), |r| r.get(0))
            .map_err(|e| CaspioError::sql(format!("{e}")))?;
        answer["Pagination"] = json!({"TotalCount": total, "PageNumber": number, "PageSize": size});
    }
    Ok(answer)
}

/// Checks and converts a value for a field.
fn to_sql(f: &Field, v: &Value) -> Result<Sql> {
    let bad = |what: &str| {
        CaspioError::body(format!(
            "Field '{}' ({}) expects {what}, got {v}",
            f.name, f.kind
        ))
    };
    if v.is_null() {
        return Ok(Sql::Null);
    }
    Ok(match f.kind.as_str() {
        "STRING" | "TEXT" | "FILE" => {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(bad("text")),
            };
            let max = if f.kind == "STRING" { 255 } else { 64_000 };
            if s.chars().count() > max {
                return Err(CaspioError::body(format!(
                    "Field '{}' holds at most {max} characters",
                    f.name
                )));
            }
            Sql::Text(s)
        }
        "NUMBER" | "CURRENCY" => match v {
            Value::Number(n) => Sql::Real(n.as_f64().ok_or_else(|| bad("a number"))?),
            Value::String(s) => Sql::Real(s.trim().parse().map_err(|_| bad("a number"))?),
            _ => return Err(bad("a number")),
        },
        "INTEGER" => match v {
            Value::Number(n) => Sql::Integer(n.as_i64().ok_or_else(|| bad("an integer"))?),
            Value::String(s) => Sql::Integer(s.trim().parse().map_err(|_| bad("an integer"))?),
            _ => return Err(bad("an integer")),
        },
        "YES/NO" => match v {
            Value::Bool(b) => Sql::Integer(*b as i64),
            Value::Number(n) if n.as_i64() == Some(0) || n.as_i64() == Some(1) => {
                Sql::Integer(n.as_i64().unwrap_or(0))
            }
            Value::String(s) if s.eq_ignore_ascii_case("true") || s == "1" => Sql::Integer(1),
            Value::String(s) if s.eq_ignore_ascii_case("false") || s == "0" => Sql::Integer(0),
            _ => return Err(bad("true or false")),
        },
        "DATE/TIME" => {
            let s = v.as_str().ok_or_else(|| bad("a date"))?;
            Sql::Text(
                normalize_date(s)
                    .ok_or_else(|| bad("a date such as 2024-05-31 or 2024-05-31T14:00:00"))?,
            )
        }
        k if k.starts_with("LIST-") => {
            let items = match v {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            Sql::Text(Value::Array(items).to_string())
        }
        "PASSWORD" => {
            let s = v.as_str().ok_or_else(|| bad("text"))?;
            Sql::Text(hash_password(s))
        }
        "ATTACHMENT" => {
            return Err(CaspioError::body(format!(
                "Field '{}' is an attachment: upload the file through the attachments endpoint",
                f.name
            )))
        }
        _ => {
            return Err(CaspioError::body(format!(
                "Field '{}' ({}) is set by Caspio and cannot be written",
                f.name, f.kind
            )))
        }
    })
}

/// A sandbox-grade password digest: stored so that it is never returned, not meant as real
/// password security.
pub fn hash_password(s: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ("caspio-sandbox", s).hash(&mut h);
    format!("h:{:016x}", h.finish())
}

fn normalize_date(s: &str) -> Option<String> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t.trim_end_matches('Z'))),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 || parts[0].len() != 4 {
        return None;
    }
    let y: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let d: u32 = parts[2].parse().ok()?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || y < 1753 {
        return None;
    }
    let (hh, mm, ss) = match time {
        None => (0, 0, 0),
        Some(t) => {
            let t = t.split('.').next().unwrap_or(t);
            let tp: Vec<&str> = t.split(':').collect();
            let n = |i: usize| tp.get(i).map(|x| x.parse::<u32>().ok()).unwrap_or(Some(0));
            (n(0)?, n(1)?, n(2)?)
        }
    };
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}"))
}

/// Values to write: checked against the fields (unknown, read-only and system fields refused).
fn assignments(
    fields: &[Field],
    source: &Source,
    body: &Map<String, Value>,
    inserting: bool,
) -> Result<Vec<(String, Sql)>> {
    let mut out = Vec::new();
    for (k, v) in body {
        if k.eq_ignore_ascii_case("PK_ID") {
            return Err(CaspioError::body(
                "PK_ID is set by Caspio and cannot be written",
            ));
        }
        if source.read_only.iter().any(|r| r.eq_ignore_ascii_case(k)) {
            return Err(CaspioError::body(format!("Field '{k}' is read-only here")));
        }
        let f = fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(k))
            .ok_or_else(|| {
                CaspioError::body(format!("Field '{k}' does not exist in {}", source.object))
            })?;
        out.push((f.name.clone(), to_sql(f, v)?));
    }
    if inserting && source.directory {
        out.push((
            "UserGUID".into(),
            Sql::Text(uuid::Uuid::new_v4().to_string()),
        ));
        out.push(("_status".into(), Sql::Text("ActivationPending".into())));
        out.push(("_sign_in_method".into(), Sql::Text("Caspio".into())));
        out.push(("_2fa_status".into(), Sql::Text("Disabled".into())));
    }
    for f in fields {
        let set =
            |name: &str, v: Sql, out: &mut Vec<(String, Sql)>| out.push((name.to_string(), v));
        match f.kind.as_str() {
            "TIMESTAMP"
                if (inserting && f.definition["OnInsert"] != json!(false))
                    || (!inserting && f.definition["OnUpdate"] == json!(true)) =>
            {
                set(&f.name, Sql::Text(now()), &mut out)
            }
            "GUID" if inserting => set(
                &f.name,
                Sql::Text(uuid::Uuid::new_v4().to_string()),
                &mut out,
            ),
            "RANDOM ID" if inserting => set(
                &f.name,
                Sql::Text(uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase()),
                &mut out,
            ),
            _ => {}
        }
    }
    Ok(out)
}

/// Inserts one record; returns its PK_ID.
pub fn insert(conn: &mut Connection, source: &Source, body: &Map<String, Value>) -> Result<i64> {
    let fields = fields(conn, &source.table)?;
    let values = assignments(&fields, source, body, true)?;
    let tx = conn.transaction()?;
    let mut names: Vec<String> = values.iter().map(|(n, _)| column(n)).collect();
    let mut params: Vec<Sql> = values.into_iter().map(|(_, v)| v).collect();
    for f in fields
        .iter()
        .filter(|f| f.kind == "AUTONUMBER" || f.kind == "PREFIXED AUTONUMBER")
    {
        let next: i64 = tx.query_row(
            &format!(
                "SELECT COALESCE(MAX(\"PK_ID\"), 0) + 1 FROM {}",
                data_table(&source.table)
            ),
            [],
            |r| r.get(0),
        )?;
        names.push(column(&f.name));
        params.push(if f.kind == "AUTONUMBER" {
            Sql::Integer(next)
        } else {
            Sql::Text(format!(
                "{}{next:07}",
                f.definition["Prefix"].as_str().unwrap_or("")
            ))
        });
    }
    let text = if names.is_empty() {
        format!("INSERT INTO {} DEFAULT VALUES", data_table(&source.table))
    } else {
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            data_table(&source.table),
            names.join(", "),
            vec!["?"; names.len()].join(", ")
        )
    };
    tx.execute(&text, params_from_iter(params.iter()))
        .map_err(constraint)?;
    let pk = tx.last_insert_rowid();
    tx.commit()?;
    Ok(pk)
}

fn constraint(e: rusqlite::Error) -> CaspioError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            CaspioError::sql("Cannot insert duplicate value in a unique field")
        }
        _ => CaspioError::from(e),
    }
}

/// PK_IDs of the rows a write by condition touches. A missing or empty condition is refused, as
/// Caspio refuses it.
pub fn matching(
    conn: &Connection,
    source: &Source,
    where_text: Option<&str>,
    name: &str,
) -> Result<Vec<i64>> {
    let w = where_text
        .filter(|w| !w.trim().is_empty())
        .ok_or_else(|| CaspioError::query(format!("{name} is required")))?;
    let (cols, _) = columns(conn, source)?;
    let (cond, params) = condition(source, Some(w), &cols)?;
    let mut stmt = conn
        .prepare(&format!(
            "SELECT b.\"PK_ID\" FROM {} WHERE {cond} ORDER BY b.\"PK_ID\"",
            from_clause(source)
        ))
        .map_err(|e| CaspioError::sql(e.to_string()))?;
    let ids = stmt
        .query_map(params_from_iter(params.iter()), |r| r.get(0))
        .map_err(|e| CaspioError::sql(e.to_string()))?
        .collect::<std::result::Result<Vec<i64>, _>>()?;
    Ok(ids)
}

/// The records with these PK_IDs, as Caspio returns them.
pub fn rows_by_id(conn: &Connection, source: &Source, ids: &[i64]) -> Result<Vec<Value>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let id_list = ids
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let mut q = Params::new();
    q.insert("q.where".into(), format!("PK_ID IN ({id_list})"));
    q.insert("q.limit".into(), MAX_ROWS.to_string());
    let unfiltered = Source {
        filter: None,
        ..source.clone()
    };
    Ok(list(conn, &unfiltered, &q)?["Result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// Updates every matching record; returns the PK_IDs changed.
pub fn update(
    conn: &mut Connection,
    source: &Source,
    where_text: Option<&str>,
    body: &Map<String, Value>,
) -> Result<Vec<i64>> {
    if body.is_empty() {
        return Err(CaspioError::body("Send at least one field to change"));
    }
    let fields = fields(conn, &source.table)?;
    let values = assignments(&fields, source, body, false)?;
    let ids = matching(conn, source, where_text, "q.where")?;
    if ids.is_empty() {
        return Ok(ids);
    }
    let tx = conn.transaction()?;
    let sets: Vec<String> = values
        .iter()
        .map(|(n, _)| format!("{} = ?", column(n)))
        .collect();
    let mut params: Vec<Sql> = values.into_iter().map(|(_, v)| v).collect();
    let holders = vec!["?"; ids.len()].join(", ");
    params.extend(ids.iter().map(|i| Sql::Integer(*i)));
    tx.execute(
        &format!(
            "UPDATE {} SET {} WHERE \"PK_ID\" IN ({holders})",
            data_table(&source.table),
            sets.join(", ")
        ),
        params_from_iter(params.iter()),
    )
    .map_err(constraint)?;
    tx.commit()?;
    Ok(ids)
}

/// Deletes every matching record; returns how many.
pub fn delete(conn: &mut Connection, source: &Source, where_text: Option<&str>) -> Result<usize> {
    let ids = matching(conn, source, where_text, "q.where")?;
    let tx = conn.transaction()?;
    for id in &ids {
        tx.execute(
            &format!(
                "DELETE FROM {} WHERE \"PK_ID\" = ?1",
                data_table(&source.table)
            ),
            [id],
        )?;
        tx.execute(
            "DELETE FROM _meta_attachments WHERE tbl = ?1 AND pk = ?2",
            rusqlite::params![source.table, id],
        )?;
    }
    tx.commit()?;
    Ok(ids.len())
}

/// Sets (Some) or clears (None) a password field on matching records.
pub fn set_password(
    conn: &mut Connection,
    source: &Source,
    field_name: &str,
    where_text: Option<&str>,
    value: Option<&str>,
) -> Result<usize> {
    let f = field(conn, &source.table, field_name)?;
    if f.kind != "PASSWORD" {
        return Err(CaspioError::body(format!(
            "Field '{}' is not a PASSWORD field",
            f.name
        )));
    }
    let ids = matching(conn, source, where_text, "q.where")?;
    let tx = conn.transaction()?;
    for id in &ids {
        let v = value.map(hash_password);
        tx.execute(
            &format!(
                "UPDATE {} SET {} = ?1 WHERE \"PK_ID\" = ?2",
                data_table(&source.table),
                column(&f.name)
            ),
            rusqlite::params![v, id],
        )?;
    }
    tx.commit()?;
    Ok(ids.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_normalized_or_refused() {
        assert_eq!(
            normalize_date("2024-05-31").as_deref(),
            Some("2024-05-31T00:00:00")
        );
        assert_eq!(
            normalize_date("2024-05-31 14:05").as_deref(),
            Some("2024-05-31T14:05:00")
        );
        assert_eq!(
            normalize_date("2024-05-31T14:05:09.123Z").as_deref(),
            Some("2024-05-31T14:05:09")
        );
        for bad in ["31/05/2024", "2024-13-01", "2024-05-31T25:00", "yesterday"] {
            assert_eq!(normalize_date(bad), None, "{bad}");
        }
    }
}
