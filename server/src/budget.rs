//! Results that fit: a tool's answer is held to a token budget (`--max-result-tokens`, default
//! 20,000, estimated from its size), because clients cut long results silently (Claude Code at
//! 25,000 tokens) or fail them (the Python SDK's 1 MiB event cap, which a 3,000-row `fetch_all`
//! passed once its text and structured copies were counted together). Rows are cut at a record
//! boundary and the answer says how many of how many came back and how to get the rest; a file
//! over the budget comes back as a resource link with its name, type and size.

use serde_json::{json, Map, Value};

/// The budget unless set.
pub const DEFAULT_MAX_RESULT_TOKENS: usize = 20_000;

/// The tokens a JSON text is estimated to cost: its bytes over 3, an over-estimate for o200k on
/// JSON (which runs about 3.5 to 4 bytes a token), so the budget holds.
pub fn estimate(bytes: usize) -> usize {
    bytes.div_ceil(3)
}

/// Cuts the `Result` rows of `answer` so that it fits `max_tokens`, keeping whole rows in order.
/// Returns what to tell the model, or `None` when the answer fits (or has no rows to cut).
pub fn fit(answer: &mut Value, max_tokens: usize, args: &Map<String, Value>) -> Option<String> {
    let size = answer.to_string().len();
    if estimate(size) <= max_tokens {
        return None;
    }
    let rows = answer.get_mut("Result")?.as_array_mut()?;
    let total_rows = rows.len();
    let row_sizes: Vec<usize> = rows.iter().map(|r| r.to_string().len() + 1).collect();
    let overhead = size - row_sizes.iter().sum::<usize>();
    // Room for the note this adds, too.
    let room = (max_tokens * 3).saturating_sub(overhead + 200);
    let mut used = 0;
    let kept = row_sizes
        .iter()
        .take_while(|s| {
            used += **s;
            used <= room
        })
        .count();
    rows.truncate(kept);
    let total = answer["Pagination"]["TotalCount"]
        .as_u64()
        .map_or(total_rows, |t| t as usize);
    let page = args.get("page_number").and_then(Value::as_u64).unwrap_or(1);
    if let Some(map) = answer.as_object_mut() {
        map.insert(
            "Truncated".into(),
            json!({"returned": kept, "of": total, "max_result_tokens": max_tokens}),
        );
    }
    let next = if kept == 0 {
        "select fewer fields".to_string()
    } else {
        format!(
            "call again with page_size {} and page_number {} (and on), select fewer fields, or narrow the where",
            kept.clamp(5, 1000),
            page + 1
        )
    };
    Some(format!(
        "Returned {kept} of {total} rows: the rest would pass the result budget of {max_tokens} tokens. For the rest, {next}."
    ))
}

/// For a file that would pass `max_tokens` inline (its text, or its base64 a third longer), a
/// link with its name, type and size; `None` when it fits.
pub fn link_if_over(
    name: &str,
    mime: &str,
    size: usize,
    is_text: bool,
    max_tokens: usize,
) -> Option<Value> {
    let inline = if is_text { size } else { size.div_ceil(3) * 4 };
    (estimate(inline) > max_tokens).then(|| file_link(name, mime, size))
}

/// A file too big to return inline: a link with its name, type and size.
fn file_link(name: &str, mime: &str, size: usize) -> Value {
    json!({
        "uri": format!("caspio://file/{}", percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)),
        "name": name,
        "mimeType": mime,
        "size": size,
        "description": "Over the result budget to return inline; download it from Caspio."
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(n: usize) -> Value {
        let rows: Vec<Value> = (1..=n)
            .map(|i| json!({"PK_ID": i, "Title": "x".repeat(290)}))
            .collect();
        json!({"Result": rows, "Pagination": {"TotalCount": n}})
    }

    #[test]
    fn rows_are_cut_at_a_record_boundary_with_the_way_to_the_rest() {
        let mut answer = rows(3000);
        let note = fit(&mut answer, 20_000, &Map::new()).expect("3,000 rows of 300 bytes are over");
        let kept = answer["Result"].as_array().unwrap();
        assert!(kept.len() > 100 && kept.len() < 3000, "{}", kept.len());
        assert!(
            kept.iter().enumerate().all(|(i, r)| r["PK_ID"] == i + 1),
            "whole rows, in order"
        );
        assert!(estimate(answer.to_string().len()) <= 20_000);
        assert_eq!(answer["Truncated"]["of"], 3000);
        assert!(
            note.starts_with(&format!("Returned {} of 3000 rows", kept.len())),
            "{note}"
        );
        assert!(note.contains("page_number 2"), "{note}");
        // An answer that fits is left alone.
        let mut small = rows(10);
        assert_eq!(fit(&mut small, 20_000, &Map::new()), None);
        assert_eq!(small, rows(10));
        // An answer without rows is not cut.
        let mut object = json!({"Result": {"Name": "x".repeat(100_000)}});
        assert_eq!(fit(&mut object, 100, &Map::new()), None);
    }

    #[test]
    fn files_over_the_budget_become_links_counting_base64_for_binary() {
        // 50 KB of text is about 16,700 tokens: inline. The same bytes as binary go out in
        // base64, about 22,300 tokens: a link.
        assert_eq!(
            link_if_over("a.csv", "text/csv", 50_000, true, 20_000),
            None
        );
        let link =
            link_if_over("a.bin", "application/octet-stream", 50_000, false, 20_000).unwrap();
        assert_eq!(
            (link["name"].as_str(), link["size"].as_u64()),
            (Some("a.bin"), Some(50_000))
        );
        assert_eq!(link["uri"], "caspio://file/a%2Ebin");
    }
}
