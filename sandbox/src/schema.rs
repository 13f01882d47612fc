//! Tables and fields in SQLite: field types and definitions, where rows come from (a [`Source`]:
//! a table, a view over one, or a directory's user table), and creating and changing tables and
//! fields. Records themselves are [`crate::records`]'s.

use super::db::{check_name, column, data_table};
use super::error::{CaspioError, Result};
use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Map, Value};

/// Caspio's limit on records per call.
pub const MAX_ROWS: i64 = 1000;

/// Field types a table can have.
pub const TYPES: &[&str] = &[
    "AUTONUMBER",
    "PREFIXED AUTONUMBER",
    "GUID",
    "RANDOM ID",
    "STRING",
    "TEXT",
    "PASSWORD",
    "NUMBER",
    "INTEGER",
    "CURRENCY",
    "DATE/TIME",
    "YES/NO",
    "FILE",
    "TIMESTAMP",
    "LIST-STRING",
    "LIST-NUMBER",
    "LIST-DATE/TIME",
    "ATTACHMENT",
];

/// A field of a table.
#[derive(Debug, Clone)]
pub struct Field {
    /// Name, as created.
    pub name: String,
    /// Caspio type token.
    pub kind: String,
    /// The definition as Caspio reports it (BaseColumnResult).
    pub definition: Value,
}

/// Where rows come from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The table holding the rows.
    pub table: String,
    /// A view's filter over the table.
    pub filter: Option<String>,
    /// For messages: "table 'X'" or "view 'Y'".
    pub object: String,
    /// A view: PK_ID is reported as a string.
    pub is_view: bool,
    /// Fields a write through this source may not name (directory status fields).
    pub read_only: Vec<String>,
    /// A directory's users: inserts get a UserGUID and start pending activation.
    pub directory: bool,
    /// A view's second table, joined to the base table (its fields are read-only).
    pub join: Option<Join>,
}

/// A join in a view: `base LEFT JOIN table ON base.base_key = table.other_key`, showing `fields`
/// of the joined table beside the base table's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Join {
    /// The joined table.
    pub table: String,
    /// The base table's field matched.
    pub base_key: String,
    /// The joined table's field matched.
    pub other_key: String,
    /// The joined table's fields the view shows.
    pub fields: Vec<String>,
}

/// The FROM clause of reads: the base table as `b`, and a view's joined table as `j`.
pub(crate) fn from_clause(source: &Source) -> String {
    match &source.join {
        None => format!("{} AS b", data_table(&source.table)),
        Some(j) => format!(
            "{} AS b LEFT JOIN {} AS j ON b.{} = j.{}",
            data_table(&source.table),
            data_table(&j.table),
            column(&j.base_key),
            column(&j.other_key)
        ),
    }
}

/// The canonical name of an existing table.
pub fn table_name(conn: &Connection, name: &str) -> Result<String> {
    conn.query_row(
        "SELECT name FROM _meta_tables WHERE name = ?1",
        [name],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CaspioError::not_found(format!("Cannot find table '{name}'")))
}

/// A table's fields, in display order.
pub fn fields(conn: &Connection, table: &str) -> Result<Vec<Field>> {
    let mut stmt = conn.prepare(
        "SELECT name, type, definition FROM _meta_fields WHERE tbl = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([table], |r| {
        let def: String = r.get(2)?;
        Ok(Field {
            name: r.get(0)?,
            kind: r.get(1)?,
            definition: serde_json::from_str(&def).unwrap_or(Value::Null),
        })
    })?;
    Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// One field, or 404.
pub fn field(conn: &Connection, table: &str, name: &str) -> Result<Field> {
    fields(conn, table)?
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            CaspioError::not_found(format!("Cannot find field '{name}' in table '{table}'"))
        })
}

fn sql_type(kind: &str) -> &'static str {
    match kind {
        "AUTONUMBER" | "INTEGER" | "YES/NO" => "INTEGER",
        "NUMBER" | "CURRENCY" => "REAL",
        _ => "TEXT COLLATE NOCASE",
    }
}

/// Builds a field definition from a FieldModel body (create) or merges an update into one.
fn definition(
    model: &Map<String, Value>,
    base: Option<&Value>,
    table: &str,
) -> Result<(String, String, Value)> {
    let mut def = base.cloned().unwrap_or_else(|| {
        json!({"Name": null, "Type": null, "Unique": false, "Editable": true, "Description": null, "DisplayOrder": 0,
               "Label": null, "UniqueAllowNulls": false, "IsFormula": false})
    });
    const KNOWN: &[&str] = &[
        "Name",
        "Type",
        "Unique",
        "UniqueAllowNulls",
        "Label",
        "Description",
        "DisplayOrder",
        "OnInsert",
        "OnUpdate",
        "TimeZone",
        "Format",
        "Prefix",
        "Length",
        "IsFormula",
        "ListField",
        "AttachmentPermittedFileTypes",
        "AttachmentMinFileSize",
        "AttachmentMaxFileSize",
        "AttachmentSmartResizer",
        "AttachmentSmartResizerForRetina",
        "AttachmentAltText",
        "AttachmentTitle",
    ];
    for (k, v) in model {
        let Some(known) = KNOWN.iter().find(|n| n.eq_ignore_ascii_case(k)) else {
            return Err(CaspioError::body(format!("Unknown field property '{k}'")));
        };
        def[*known] = v.clone();
    }
    let name = def["Name"]
        .as_str()
        .ok_or_else(|| CaspioError::body("Field Name is required"))?
        .to_string();
    check_name("field", &name)?;
    if name.eq_ignore_ascii_case("PK_ID") {
        return Err(CaspioError::body("PK_ID is a system field"));
    }
    let kind = def["Type"]
        .as_str()
        .ok_or_else(|| CaspioError::body("Field Type is required"))?
        .to_ascii_uppercase();
    if !TYPES.contains(&kind.as_str()) {
        return Err(CaspioError::body(format!(
            "Unknown field type '{kind}' for field '{name}' in table '{table}'; use one of {}",
            TYPES.join(", ")
        )));
    }
    def["Type"] = json!(kind);
    if let Some(list) = def.get("ListField").and_then(Value::as_array).cloned() {
        // Caspio reports list values as an id → value map.
        let map: Map<String, Value> = list
            .iter()
            .enumerate()
            .map(|(i, v)| ((i + 1).to_string(), v.clone()))
            .collect();
        def["ListField"] = Value::Object(map);
    }
    Ok((name, kind, def))
}

/// Creates a table with its fields.
pub fn create_table(conn: &mut Connection, name: &str, models: &[Value], kind: &str) -> Result<()> {
    check_name("table", name)?;
    let tx = conn.transaction()?;
    let exists: i64 = tx.query_row(
        "SELECT COUNT(*) FROM _meta_tables WHERE name = ?1",
        [name],
        |r| r.get(0),
    )?;
    if exists > 0 {
        return Err(CaspioError::body(format!("Table '{name}' already exists")));
    }
    tx.execute(
        "INSERT INTO _meta_tables (name, note, kind) VALUES (?1, NULL, ?2)",
        rusqlite::params![name, kind],
    )?;
    tx.execute_batch(&format!(
        "CREATE TABLE {} (\"PK_ID\" INTEGER PRIMARY KEY AUTOINCREMENT)",
        data_table(name)
    ))?;
    for (i, m) in models.iter().enumerate() {
        let model = m
            .as_object()
            .ok_or_else(|| CaspioError::body(format!("Fields[{i}] must be an object")))?;
        add_field_in(&tx, name, model)?;
    }
    tx.commit()?;
    Ok(())
}

fn add_field_in(conn: &Connection, table: &str, model: &Map<String, Value>) -> Result<()> {
    let (name, kind, def) = definition(model, None, table)?;
    let count: i64 = conn.query_row(
        "SELECT COUNT(*) FROM _meta_fields WHERE tbl = ?1 AND name = ?2",
        [table, &name],
        |r| r.get(0),
    )?;
    if count > 0 {
        return Err(CaspioError::body(format!(
            "Field '{name}' already exists in table '{table}'"
        )));
    }
    let position: i64 = conn.query_row(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM _meta_fields WHERE tbl = ?1",
        [table],
        |r| r.get(0),
    )?;
    conn.execute_batch(&format!(
        "ALTER TABLE {} ADD COLUMN {} {}",
        data_table(table),
        column(&name),
        sql_type(&kind)
    ))?;
    conn.execute(
        "INSERT INTO _meta_fields (tbl, name, type, position, definition) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![table, name, kind, position, def.to_string()],
    )?;
    if def["Unique"] == json!(true) {
        conn.execute_batch(&format!(
            "CREATE UNIQUE INDEX {} ON {} ({})",
            column(&format!(
                "u_{}_{}",
                table.to_ascii_lowercase(),
                name.to_ascii_lowercase()
            )),
            data_table(table),
            column(&name)
        ))
        .map_err(|_| {
            CaspioError::body(format!(
                "Field '{name}' cannot be unique: it has repeated values"
            ))
        })?;
    }
    Ok(())
}

/// Adds a field.
pub fn add_field(conn: &mut Connection, table: &str, model: &Map<String, Value>) -> Result<()> {
    let tx = conn.transaction()?;
    add_field_in(&tx, table, model)?;
    tx.commit()?;
    Ok(())
}

/// Changes a field's definition; a new name renames the column.
pub fn update_field(
    conn: &mut Connection,
    table: &str,
    name: &str,
    model: &Map<String, Value>,
) -> Result<()> {
    if model.is_empty() {
        return Err(CaspioError::body("Send at least one property to change"));
    }
    let current = field(conn, table, name)?;
    let (new_name, kind, def) = definition(model, Some(&current.definition), table)?;
    let tx = conn.transaction()?;
    if !new_name.eq_ignore_ascii_case(&current.name) || new_name != current.name {
        if !new_name.eq_ignore_ascii_case(&current.name) {
            let clash: i64 = tx.query_row(
                "SELECT COUNT(*) FROM _meta_fields WHERE tbl = ?1 AND name = ?2",
                [table, &new_name],
                |r| r.get(0),
            )?;
            if clash > 0 {
                return Err(CaspioError::body(format!(
                    "Field '{new_name}' already exists in table '{table}'"
                )));
            }
        }
        tx.execute_batch(&format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {}",
            data_table(table),
            column(&current.name),
            column(&new_name)
        ))?;
    }
    tx.execute(
        "UPDATE _meta_fields SET name = ?3, type = ?4, definition = ?5 WHERE tbl = ?1 AND name = ?2",
        rusqlite::params![table, current.name, new_name, kind, def.to_string()],
    )?;
    tx.commit()?;
    Ok(())
}

/// Deletes a field and its data.
pub fn delete_field(conn: &mut Connection, table: &str, name: &str) -> Result<()> {
    let f = field(conn, table, name)?;
    let tx = conn.transaction()?;
    let index = column(&format!(
        "u_{}_{}",
        table.to_ascii_lowercase(),
        f.name.to_ascii_lowercase()
    ));
    tx.execute_batch(&format!("DROP INDEX IF EXISTS {index}"))?;
    tx.execute_batch(&format!(
        "ALTER TABLE {} DROP COLUMN {}",
        data_table(table),
        column(&f.name)
    ))?;
    tx.execute(
        "DELETE FROM _meta_fields WHERE tbl = ?1 AND name = ?2",
        [table, &f.name],
    )?;
    tx.execute(
        "DELETE FROM _meta_attachments WHERE tbl = ?1 AND field = ?2",
        [table, &f.name],
    )?;
    tx.commit()?;
    Ok(())
}
