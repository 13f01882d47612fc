//! The bulk guard and dry runs for tools that change every record a `where` selects. Before such
//! a call is sent, the records it would touch are counted with a read of the same condition:
//! `dry_run: true` returns that count and a sample and changes nothing; a condition that selects
//! every record of a table with more than one (an empty one, `1=1`, `PK_ID>0`, or a tautology in
//! disguise) is refused unless the call says `allow_all_rows: true`. Deciding by counting, not
//! only by pattern, is what catches the disguised ones.
//!
//! The count and the write are two calls: a record added or changed in between can make
//! `RecordsAffected` differ from the count, and the answer then says so.

use crate::tools::{CallError, CountReader, ToolDef, ToolOutput};
use crate::Client;
use caspio_contract::args::{ALLOW_ALL_ROWS, DRY_RUN, PAGE_NUMBER, PAGE_SIZE, WHERE};
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

/// A guarded write the guard would not send: it counted (only reads were sent) and nothing was
/// changed. Its own type, so a caller never mistakes it for an argument the model got wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid argument `{argument}`: {reason}")]
pub struct Refusal {
    /// The argument that decided it (`where`).
    pub argument: String,
    /// Why, and how to go on.
    pub reason: String,
}

/// The count of the records `condition` selects (all without one), and the first few of them,
/// read with the list tool the overrides name for this write.
async fn read(
    client: &Client,
    reader: &CountReader,
    shared: &Map<String, Value>,
    condition: Option<&str>,
) -> Result<(u64, Vec<Value>), CallError> {
    let mut args = shared.clone();
    args.insert(PAGE_SIZE.into(), json!(SAMPLE));
    args.insert(PAGE_NUMBER.into(), json!(1));
    if let Some(c) = condition {
        args.insert(WHERE.into(), json!(c));
    }
    let answer = client
        .send((reader.build)(args)?)
        .await?
        .json_value()?
        .unwrap_or(Value::Null);
    let total = answer["Pagination"]["TotalCount"].as_u64().ok_or_else(|| {
        CallError::Api(crate::Error::decode(format!(
            "the count read through {} returned no Pagination.TotalCount",
            reader.tool
        )))
    })?;
    let rows = answer["Result"].as_array().cloned().unwrap_or_default();
    Ok((total, rows))
}

/// Counts what a guarded call would touch: the records its `where` selects, and all records.
pub async fn count(
    client: &Client,
    reader: &CountReader,
    args: &Map<String, Value>,
) -> Result<Count, CallError> {
    let shared: Map<String, Value> = reader
        .carry
        .iter()
        .filter_map(|name| Some((name.to_string(), args.get(*name)?.clone())))
        .collect();
    let condition = args
        .get(WHERE)
        .and_then(Value::as_str)
        .filter(|w| !w.trim().is_empty());
    let selected = match condition {
        Some(c) => Some(read(client, reader, &shared, Some(c)).await?),
        None => None,
    };
    let (total, all) = read(client, reader, &shared, None).await?;
    let (matching, mut sample) = selected.unwrap_or((total, all));
    sample.truncate(SAMPLE);
    Ok(Count {
        matching,
        total,
        sample,
    })
}

/// Says so in the answer when the write touched a different number of records than were
/// counted just before (records changed in between).
pub fn note_difference(out: &mut ToolOutput, count: &Count) {
    if let Some(Value::Object(answer)) = out.structured.as_mut() {
        let affected = answer
            .get("RecordsAffected")
            .or_else(|| answer.get("UsersAffected"))
            .and_then(Value::as_u64);
        if let Some(n) = affected.filter(|n| *n != count.matching) {
            answer.insert(
                "note".into(),
                json!(format!("{} records matched when counted just before; {n} were affected (records changed in between)", count.matching)),
            );
        }
    }
}

/// A condition that names no field is constant: it selects all records or none.
pub fn is_constant(condition: &str) -> bool {
    caspio_qwhere::parse(condition)
        .map(|e| e.fields().is_empty())
        .unwrap_or(false)
}

/// Refuses a call that would touch every record without `allow_all_rows`.
pub fn check(
    tool: &str,
    args: &Map<String, Value>,
    count: &Count,
    allow_all_rows: bool,
) -> Result<(), CallError> {
    if allow_all_rows {
        return Ok(());
    }
    let condition = args.get(WHERE).and_then(Value::as_str).unwrap_or("").trim();
    let refuse = |why: String| {
        Err(CallError::Refused(Refusal {
            argument: WHERE.into(),
            reason: format!(
                "{why}. Nothing was changed. If every record really should change, call {tool} again with {ALLOW_ALL_ROWS}: true; \
                 otherwise narrow the condition ({DRY_RUN}: true shows what it selects)."
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
        DRY_RUN: true,
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

    fn tool() -> &'static str {
        "update_a_caspio_record_by_id"
    }

    fn args(w: &str) -> Map<String, Value> {
        json!({"table_name": "T", WHERE: w})
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
}
