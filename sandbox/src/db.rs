//! Storage: one SQLite database (a file, or memory) holding the account's metadata in `_meta_*`
//! tables and each Caspio table's rows in a real SQLite table with real columns. Every value from
//! a request reaches SQL as a bound parameter; names reach it only after `check_name` and quoted.

use super::error::{CaspioError, Result};
use rusqlite::Connection;
use std::sync::{Arc, Mutex};

/// The database, shared by all handlers. Calls hold the lock only for their own statements.
#[derive(Clone)]
pub struct Db(Arc<Mutex<Connection>>);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS _meta_tables (name TEXT PRIMARY KEY COLLATE NOCASE, note TEXT, kind TEXT NOT NULL DEFAULT 'table');
CREATE TABLE IF NOT EXISTS _meta_fields (
  tbl TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE, type TEXT NOT NULL,
  position INTEGER NOT NULL, definition TEXT NOT NULL,
  PRIMARY KEY (tbl, name));
CREATE TABLE IF NOT EXISTS _meta_views (
  name TEXT PRIMARY KEY COLLATE NOCASE, base TEXT NOT NULL COLLATE NOCASE, filter TEXT, note TEXT, join_spec TEXT);
CREATE TABLE IF NOT EXISTS _meta_attachments (
  tbl TEXT NOT NULL COLLATE NOCASE, field TEXT NOT NULL COLLATE NOCASE, pk INTEGER NOT NULL,
  file_name TEXT NOT NULL, file_type TEXT NOT NULL, data BLOB NOT NULL, created TEXT NOT NULL, updated TEXT,
  PRIMARY KEY (tbl, field, pk));
CREATE TABLE IF NOT EXISTS _meta_passwords (
  tbl TEXT NOT NULL COLLATE NOCASE, field TEXT NOT NULL COLLATE NOCASE, pk INTEGER NOT NULL, hash TEXT NOT NULL,
  PRIMARY KEY (tbl, field, pk));
CREATE TABLE IF NOT EXISTS _meta_folders (key TEXT PRIMARY KEY, name TEXT NOT NULL, parent TEXT, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _meta_files (
  key TEXT PRIMARY KEY, name TEXT NOT NULL, folder TEXT, content_type TEXT NOT NULL, data BLOB NOT NULL,
  created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _meta_apps (key TEXT PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _meta_datapages (
  app TEXT NOT NULL, app_key TEXT PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL, type TEXT NOT NULL,
  deployed INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, modified TEXT NOT NULL, note TEXT);
CREATE TABLE IF NOT EXISTS _meta_tasks (
  key TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL, time_zone TEXT NOT NULL, frequency TEXT NOT NULL,
  note TEXT, runs INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS _meta_webhooks (
  id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, description TEXT, urls TEXT NOT NULL,
  throttling INTEGER NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, secret TEXT NOT NULL,
  created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _meta_events (
  id TEXT PRIMARY KEY, webhook TEXT NOT NULL, type TEXT NOT NULL, object TEXT NOT NULL COLLATE NOCASE,
  fields TEXT NOT NULL, sources TEXT NOT NULL, payload_fields TEXT NOT NULL, template TEXT,
  enabled INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _meta_directories (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE COLLATE NOCASE, tbl TEXT NOT NULL, created TEXT NOT NULL);
";

impl Db {
    /// Opens (creating if needed) a database file, or an in-memory one for `None`.
    pub fn open(path: Option<&std::path::Path>) -> Result<Self, crate::OpenError> {
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(|source| crate::OpenError::Database {
            path: path.map_or("in memory".into(), |p| p.display().to_string()),
            source,
        })?;
        conn.execute_batch(SCHEMA)
            .map_err(crate::OpenError::Schema)?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;")
            .ok();
        Ok(Db(Arc::new(Mutex::new(conn))))
    }

    /// Runs `f` with the connection.
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self
            .0
            .lock()
            .map_err(|_| CaspioError::internal("the sandbox database lock is poisoned"))?;
        f(&mut conn)
    }

    /// True when the account has no tables yet (a fresh database).
    pub fn is_empty(&self) -> Result<bool> {
        self.with(|c| {
            Ok(c.query_row("SELECT COUNT(*) FROM _meta_tables", [], |r| {
                r.get::<_, i64>(0)
            })? == 0)
        })
    }
}

/// Checks a table, view or field name: letters, digits and underscores, starting with a letter
/// or underscore, at most 64 characters. Names pass this before they are quoted into SQL.
/// The first column, as text, of every row a parameterless query returns: the names or keys of
/// the objects a list route then reads one by one.
pub fn first_column(conn: &Connection, sql: &str) -> Result<Vec<String>> {
    let mut statement = conn.prepare(sql)?;
    let rows = statement.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn check_name(kind: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || name.len() > 64 || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(CaspioError::body(format!(
            "Invalid {kind} name '{name}': use letters, digits and underscores, starting with a letter"
        )));
    }
    Ok(())
}

/// The SQLite table holding a Caspio table's rows.
pub fn data_table(table: &str) -> String {
    format!("\"t_{}\"", table.to_ascii_lowercase())
}

/// A quoted column name (the name must have passed `check_name`).
pub fn column(name: &str) -> String {
    format!("\"{}\"", name.replace('"', ""))
}

/// The current UTC time as Caspio writes it (ISO 8601, seconds).
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    iso(secs as i64)
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SS`.
pub fn iso(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso(0), "1970-01-01T00:00:00");
        assert_eq!(iso(1_709_210_096), "2024-02-29T12:34:56");
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("table", "Support_Tickets").is_ok());
        for bad in ["", "1abc", "a b", "a\"b", "x;DROP", "é", &"a".repeat(65)] {
            assert!(check_name("table", bad).is_err(), "{bad}");
        }
    }
}
