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

/// The list operation that reads what a guarded tool writes: its path template and the name of
/// the path parameter, taken from the tool's own path.
fn reader(tool: &ToolDef) -> Option<(&'static str, &'static str)> {
    let p = tool.path;
    if p.starts_with("/v3/tables/{tableName}") {
        Some(("/v3/tables/{tableName}/records", "tableName"))
    } else if p.starts_with("/v3/views/{viewName}") {
        Some(("/v3/views/{viewName}/records", "viewName"))
    } else if p.starts_with("/v3/directories/{directoryId}/users") {
        Some(("/v3/directories/{directoryId}/users", "directoryId"))
    } else {
        None
    }
}

/// The argument holding a path parameter's value, by the generator's naming rule.
fn arg_for(param: &str) -> &'static str {
    match param {
        "tableName" => "table_name",
        "viewName" => "view_name",
        _ => "directory_id",
    }
}

async fn read(
    client: &Client,
    template: &'static str,
    param: &str,
    object: &str,
    condition: Option<&str>,
) -> Result<(u64, Vec<Value>), CallError> {
    let mut request = Request::new("GET", template)
        .path(param, object)
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

/// Counts what a guarded call would touch.
pub async fn count(
    client: &Client,
    tool: &ToolDef,
    args: &Map<String, Value>,
) -> Result<Count, CallError> {
    let (template, param) = reader(tool).ok_or_else(|| {
        CallError::InvalidArguments(ArgError {
            argument: String::new(),
            message: format!("{} cannot be counted before it runs", tool.name),
        })
    })?;
    let object = args
        .get(arg_for(param))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let condition = args
        .get("where")
        .and_then(Value::as_str)
        .filter(|w| !w.trim().is_empty());
    let (matching, mut sample) = match condition {
        Some(c) => read(client, template, param, &object, Some(c)).await?,
        None => (0, vec![]),
    };
    let (total, all) = read(client, template, param, &object, None).await?;
    let matching = if condition.is_some() { matching } else { total };
    if condition.is_none() {
        sample = all;
    }
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
        Err(CallError::InvalidArguments(ArgError {
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
            assert!(reader(t).is_some(), "{} has no reader", t.name);
        }
    }
}
