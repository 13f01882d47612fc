//! The bulk guard and dry runs for tools that change every record a `where` selects. Before such
//! a call is sent, the records it would touch are counted with a read of the same condition:
//! `dry_run: true` returns that count and a sample and changes nothing; a condition that selects
//! every record of a table with more than one (an empty one, `1=1`, `PK_ID>0`, or a tautology in
//! disguise), or more records than the policy allows at once, needs the user's confirmation: the
//! server asks them (elicitation) or the model shows them the count and calls again with it as
//! `confirm_count`. Deciding by counting, not only by pattern, is what catches the disguised
//! ones.
//!
//! The count and the write are two calls: a record added or changed in between can make
//! `RecordsAffected` differ from the count, and the answer then says so.

use crate::tools::{CallError, CountReader, ToolDef, ToolOutput};
use crate::Client;
use caspio_contract::args::{
    CONFIRM_COUNT, DEFAULT_CONFIRM_OVER, DRY_RUN, PAGE_NUMBER, PAGE_SIZE, WHERE,
};
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
    // The two counts are read at once: against a real account the guard then costs one round
    // trip of waiting, not two.
    let (selected, everything) = match condition {
        Some(c) => {
            let (selected, everything) = futures::join!(
                read(client, reader, &shared, Some(c)),
                read(client, reader, &shared, None)
            );
            (Some(selected?), everything?)
        }
        None => (None, read(client, reader, &shared, None).await?),
    };
    let (total, all) = everything;
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

/// When a guarded write needs a person's yes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// A write that changes more records than this needs confirming (every-record writes always
    /// do).
    pub confirm_over: u64,
    /// Never ask: for unattended jobs whose operator has decided (`--allow-bulk`).
    pub allow_bulk: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            confirm_over: DEFAULT_CONFIRM_OVER,
            allow_bulk: false,
        }
    }
}

/// Why a write needs confirming, in words for the person asked; `None` when it does not.
pub fn needs_confirmation(
    args: &Map<String, Value>,
    count: &Count,
    policy: &Policy,
) -> Option<String> {
    if policy.allow_bulk {
        return None;
    }
    let condition = args.get(WHERE).and_then(Value::as_str).unwrap_or("").trim();
    if condition.is_empty() {
        return Some(format!(
            "an empty where selects all {} records",
            count.total
        ));
    }
    if is_constant(condition) && count.matching > 0 {
        return Some(format!(
            "`{condition}` names no field, so it selects all {} records",
            count.total
        ));
    }
    if count.total > 1 && count.matching == count.total {
        return Some(format!("`{condition}` matches all {} records", count.total));
    }
    if count.matching > policy.confirm_over {
        return Some(format!(
            "`{condition}` matches {} of {} records, more than {} at once",
            count.matching, count.total, policy.confirm_over
        ));
    }
    None
}

/// Decides whether a write that needs confirming (`why`, from [`needs_confirmation`] or
/// [`drop_needs_confirmation`]) may go on when no person can be asked: only when the call's
/// `confirm_count` is the count just read. Otherwise it is refused, and the refusal asks the
/// model to show the user the count (and a sample, where the tool has `dry_run`) and to call
/// again with the count they approve; no argument alone skips that, and a stale count is refused
/// with the new one.
pub fn check(
    tool: &ToolDef,
    why: &str,
    count: &Count,
    confirmed: Option<u64>,
) -> Result<(), CallError> {
    let name = tool.name;
    let sample = if matches!(tool.extras, crate::tools::Extras::Guarded(_)) {
        format!(" and show a sample ({DRY_RUN}: true gives one)")
    } else {
        String::new()
    };
    match confirmed {
        Some(n) if n == count.matching => Ok(()),
        Some(n) => Err(CallError::Refused(Refusal {
            argument: CONFIRM_COUNT.into(),
            reason: format!(
                "the user approved {n} records, but {} match now (records changed since they were counted). \
                 Nothing was changed. Show the user the new count{sample} and, if they agree, \
                 call {name} again with {CONFIRM_COUNT}: {}.",
                count.matching, count.matching
            ),
        })),
        None => Err(CallError::Refused(Refusal {
            argument: if sample.is_empty() { CONFIRM_COUNT } else { WHERE }.into(),
            reason: format!(
                "{why}. Nothing was changed. This needs the user's confirmation: tell them how many records would \
                 change ({}){sample}; only if they agree, call {name} again with {CONFIRM_COUNT}: {}.{}",
                count.matching,
                count.matching,
                if sample.is_empty() { "" } else { " Otherwise narrow the condition." }
            ),
        })),
    }
}

/// Why deleting something that holds data in every record (a field) needs confirming: always,
/// unless the operator turned confirmation off or there are no records. What is deleted is named
/// by the arguments the count did not need (the field's name; the table's is carried).
pub fn drop_needs_confirmation(
    tool: &ToolDef,
    reader: &CountReader,
    args: &Map<String, Value>,
    count: &Count,
    policy: &Policy,
) -> Option<String> {
    if policy.allow_bulk || count.total == 0 {
        return None;
    }
    let what: Vec<String> = args
        .iter()
        .filter(|(k, _)| !reader.carry.contains(&k.as_str()))
        .filter_map(|(k, v)| Some(format!("{k} `{}`", v.as_str()?)))
        .collect();
    let carried: Vec<String> = reader
        .carry
        .iter()
        .filter_map(|k| Some(format!("`{}`", args.get(*k)?.as_str()?)))
        .collect();
    Some(format!(
        "{} deletes {} and its value in all {} records of {}",
        tool.name,
        what.join(", "),
        count.total,
        carried.join(", ")
    ))
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

    static GUARDED: ToolDef = ToolDef {
        name: "update_a_caspio_record_by_id",
        title: "",
        description: "",
        tags: &[],
        method: caspio_contract::MethodKind::Update,
        hints: caspio_contract::Hints {
            read_only: false,
            destructive: true,
            idempotent: true,
            bulk: true,
        },
        input_schema: caspio_contract::Schema::new("{}"),
        validation_schema: None,
        output_schema: None,
        output: caspio_contract::OutputKind::Json,
        kind: crate::tools::ToolKind::Local {
            run: |_| Ok(Value::Null),
        },
        extras: crate::tools::Extras::Guarded(CountReader {
            tool: "list",
            build: |_| unreachable!("not sent"),
            carry: &[],
        }),
        names: &[],
    };

    fn decide(
        args: &Map<String, Value>,
        count: &Count,
        confirmed: Option<u64>,
        policy: &Policy,
    ) -> Result<(), CallError> {
        match needs_confirmation(args, count, policy) {
            Some(why) => check(&GUARDED, &why, count, confirmed),
            None => Ok(()),
        }
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

    fn count(matching: u64, total: u64) -> Count {
        Count {
            matching,
            total,
            sample: vec![],
        }
    }

    #[test]
    fn what_needs_confirming_and_what_a_confirmed_count_allows() {
        let policy = Policy::default();
        // (condition, count, confirm_count, goes on)
        let cases = [
            ("Status = 'Open'", count(3, 10), None, true),
            ("PK_ID > 0", count(10, 10), None, false),
            ("PK_ID > 0", count(10, 10), Some(10), true),
            ("PK_ID > 0", count(10, 10), Some(9), false),
            ("", count(10, 10), None, false),
            ("1=1", count(1, 1), None, false),
            // One record selected by its key in a one-record table is not a blanket change.
            ("PK_ID = 1", count(1, 1), None, true),
            // More than the policy's count at once, even if not all.
            ("Qty > 0", count(101, 500), None, false),
            ("Qty > 0", count(101, 500), Some(101), true),
            ("Qty > 0", count(100, 500), None, true),
        ];
        for (condition, n, confirmed, goes_on) in cases {
            let result = decide(&args(condition), &n, confirmed, &policy);
            assert_eq!(
                result.is_ok(),
                goes_on,
                "{condition} {n:?} {confirmed:?}: {result:?}"
            );
        }
        let bulk = Policy {
            allow_bulk: true,
            ..policy
        };
        assert!(decide(&args(""), &count(10, 10), None, &bulk).is_ok());
        let message = decide(&args("Qty >= 0"), &count(10, 10), None, &policy)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("matches all 10 records")
                && message.contains("confirm_count: 10")
                && message.contains("only if they agree")
                && !message.contains("allow_all_rows"),
            "{message}"
        );
        let stale = decide(&args("Qty >= 0"), &count(12, 12), Some(10), &policy)
            .unwrap_err()
            .to_string();
        assert!(
            stale.contains("12 match now") && stale.contains("confirm_count: 12"),
            "{stale}"
        );
    }
}
