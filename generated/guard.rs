//! The bulk guard and dry runs for tools that change every record a `where` selects. Before such
//! a call is sent, the records it would touch are counted with a read of the same condition:
//! `dry_run: true` returns that count and a sample and changes nothing; a condition that selects
//! every record of a table with more than one (an empty one, `1=1`, `PK_ID>0`, or a tautology in
//! disguise) is refused unless the call says `allow_all_rows: true`. Deciding by counting, not
//! only by pattern, is what catches the disguised ones.
//!
//! The count and the write are two calls: a record added or changed in between can make
//! `RecordsAffected` differ from the count, and the answer then says so.

use crate::request::Request;
use crate::tools::{CallError, ToolDef};
use crate::validate::ArgError;
use crate::Client;
use serde_json::{json, Map, Value};

/// How many records a dry run shows.
pub const SAMPLE: usize = 5;

/// What the guard found.
#[derive(Debug, Clone, PartialEq)]
pub struct Count {
    /// Records the condition selects.
    pub matching: u64,
    /// Records in the table (or view, or directory).
    pub total: u64,
    /// Up to [`SAMPLE`] of the matching records.
    pub sample: Vec<Value>,
}

/// How to read what a guarded tool writes: the path its own path starts with, the list operation
/// over the same records, that operation's path parameter, and the argument the generator names
/// for it (snake case of the parameter).
struct Reader {
    prefix: &'static str,
    template: &'static str,
    param: &'static str,
    argument: &'static str,
}

const READERS: [Reader; 3] = [
    Reader {
        prefix: "/v3/tables/{tableName}",
        template: "/v3/tables/{tableName}/records",
        param: "tableName",
        argument: "table_name",
    },
    Reader {
        prefix: "/v3/views/{viewName}",
        template: "/v3/views/{viewName}/records",
        param: "viewName",
        argument: "view_name",
    },
    Reader {
        prefix: "/v3/directories/{directoryId}/users",
        template: "/v3/directories/{directoryId}/users",
        param: "directoryId",
        argument: "directory_id",
    },
];

fn reader(tool: &ToolDef) -> Option<&'static Reader> {
    READERS.iter().find(|r| tool.path.starts_with(r.prefix))
}

/// The count of the records `condition` selects (all without one), and the first few of them.
async fn read(
    client: &Client,
    reader: &Reader,
    object: &str,
    condition: Option<&str>,
) -> Result<(u64, Vec<Value>), CallError> {
    let mut request = Request::new("GET", reader.template)
        .path(reader.param, object)
        .query("q.pageSize", "5")
        .query("q.pageNumber", "1")
        .query("q.getPaginationInfo", "true");
    if let Some(c) = condition {
        request = request.query("q.where", c);
    }
    let answer = client
        .send(request)
        .await?
        .json_value()?
        .unwrap_or(Value::Null);
    let total = answer["Pagination"]["TotalCount"].as_u64().ok_or_else(|| {
        CallError::Api(crate::Error::Decode(
            "the count read returned no Pagination.TotalCount".into(),
        ))
    })?;
    let rows = answer["Result"].as_array().cloned().unwrap_or_default();
    Ok((total, rows))
}

/// Counts what a guarded call would touch: the records its `where` selects, and all records.
pub async fn count(
    client: &Client,
    tool: &ToolDef,
    args: &Map<String, Value>,
) -> Result<Count, CallError> {
    let reader = reader(tool).ok_or_else(|| {
        CallError::InvalidArguments(ArgError {
            argument: String::new(),
            message: format!("{} cannot be counted before it runs", tool.name),
        })
    })?;
    let object = args
        .get(reader.argument)
        .and_then(Value::as_str)
        .unwrap_or_default();
    let condition = args
        .get("where")
        .and_then(Value::as_str)
        .filter(|w| !w.trim().is_empty());
    let selected = match condition {
        Some(c) => Some(read(client, reader, object, Some(c)).await?),
        None => None,
    };
    let (total, all) = read(client, reader, object, None).await?;
    let (matching, mut sample) = selected.unwrap_or((total, all));
    sample.truncate(SAMPLE);
    Ok(Count {
        matching,
        total,
        sample,
    })
}

/// A condition that names no field is constant: it selects all records or none.
pub fn is_constant(condition: &str) -> bool {
    crate::qwhere::parse(condition)
        .map(|e| e.fields().is_empty())
        .unwrap_or(false)
}

/// Refuses a call that would touch every record without `allow_all_rows`.
pub fn check(
    tool: &ToolDef,
    args: &Map<String, Value>,
    count: &Count,
    allow_all_rows: bool,
) -> Result<(), CallError> {
    if allow_all_rows {
        return Ok(());
    }
    let condition = args
        .get("where")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim();
    let refuse = |why: String| {
        Err(CallError::Refused(ArgError {
            argument: "where".into(),
            message: format!(
                "{why}. Nothing was changed. If every record really should change, call {} again with allow_all_rows: true; \
                 otherwise narrow the condition (dry_run: true shows what it selects).",
                tool.name
            ),
        }))
    };
    if condition.is_empty() {
        return refuse(format!(
            "an empty where selects all {} records",
            count.total
        ));
    }
    if is_constant(condition) && count.matching > 0 {
        return refuse(format!(
            "`{condition}` names no field, so it selects all {} records",
            count.total
        ));
    }
    if count.total > 1 && count.matching == count.total {
        return refuse(format!("`{condition}` matches all {} records", count.total));
    }
    Ok(())
}

/// The answer of a dry run.
pub fn dry_run_answer(tool: &ToolDef, count: &Count) -> Value {
    json!({
        "dry_run": true,
        "tool": tool.name,
        "matching": count.matching,
        "total": count.total,
        "sample": count.sample,
        "note": "Nothing was changed. Call again without dry_run to apply."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool() -> &'static ToolDef {
        crate::tools::find("update_a_caspio_record_by_id").unwrap()
    }

    fn args(w: &str) -> Map<String, Value> {
        json!({"table_name": "T", "where": w})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn constant_conditions() {
        assert!(is_constant("1=1"));
        assert!(is_constant("'a' = 'a'"));
        assert!(is_constant("1=1 OR 2=2"));
        assert!(!is_constant("PK_ID > 0"));
        assert!(!is_constant("Status = 'Open'"));
    }

    #[test]
    fn refusals_by_count_and_by_shape() {
        let all = Count {
            matching: 10,
            total: 10,
            sample: vec![],
        };
        let some = Count {
            matching: 3,
            total: 10,
            sample: vec![],
        };
        assert!(check(tool(), &args("PK_ID > 0"), &all, false).is_err());
        assert!(check(tool(), &args("PK_ID > 0"), &all, true).is_ok());
        assert!(check(tool(), &args("Status = 'Open'"), &some, false).is_ok());
        assert!(check(tool(), &args(""), &all, false).is_err());
        assert!(check(
            tool(),
            &args("1=1"),
            &Count {
                matching: 1,
                total: 1,
                sample: vec![]
            },
            false
        )
        .is_err());
        // One record selected by its key in a one-record table is not a blanket change.
        assert!(check(
            tool(),
            &args("PK_ID = 1"),
            &Count {
                matching: 1,
                total: 1,
                sample: vec![]
            },
            false
        )
        .is_ok());
        let message = check(tool(), &args("Qty >= 0"), &all, false)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("matches all 10 records") && message.contains("allow_all_rows: true"),
            "{message}"
        );
    }

    #[test]
    fn every_guarded_tool_has_a_reader() {
        let guarded: Vec<_> = crate::tools::all().iter().filter(|t| t.guarded).collect();
        assert_eq!(
            guarded.len(),
            12,
            "records, view records, users, password fields and attachments, update and delete"
        );
        for t in guarded {
            let r = reader(t).unwrap_or_else(|| panic!("{} has no reader", t.name));
            // The argument the guard reads is one the tool takes.
            assert!(
                t.input_schema_value()["properties"]
                    .get(r.argument)
                    .is_some(),
                "{} takes no `{}`",
                t.name,
                r.argument
            );
        }
    }
}
