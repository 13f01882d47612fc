//! Discovery exposure: instead of every tool, a client lists three meta-tools (search the tools,
//! get one tool's schema, call one by name), so a scope of 71 tools costs a conversation about
//! 200 tokens and fits any client's tool cap. The scope still decides what can be found and
//! called.

use caspio::runtime::tools::ToolDef;
use serde_json::{json, Value};

/// Searches the tools in scope.
pub const SEARCH: &str = "caspio_search_tools";
/// One tool's description and input schema.
pub const SCHEMA: &str = "caspio_tool_schema";
/// Calls a tool in scope by name.
pub const CALL: &str = "caspio_call_tool";

/// How many matches a search returns unless told.
pub const DEFAULT_LIMIT: usize = 5;
/// How many of the best matches come with their input schema.
pub const WITH_SCHEMA: usize = 2;

/// The three meta-tools, as a client receives them from `tools/list`. Kept short: this list is
/// what every conversation pays for (a test holds it to 250 o200k tokens).
pub fn tool_list() -> Vec<Value> {
    vec![
        json!({
            "name": SEARCH,
            "description": "Find Caspio tools for a task. Returns names, summaries, and the best matches' input schemas.",
            "inputSchema": {"type": "object", "properties": {
                "query": {"description": "What to do, e.g. delete records.", "type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 20}
            }, "required": ["query"]},
            "annotations": {"readOnlyHint": true}
        }),
        json!({
            "name": SCHEMA,
            "description": "A tool's description and input schema.",
            "inputSchema": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
            "annotations": {"readOnlyHint": true}
        }),
        json!({
            "name": CALL,
            "description": "Call a tool by name with its arguments.",
            "inputSchema": {"type": "object", "properties": {
                "name": {"type": "string"},
                "arguments": {"type": "object"}
            }, "required": ["name"]}
        }),
    ]
}

/// Whether `name` is one of the meta-tools.
pub fn is_meta(name: &str) -> bool {
    [SEARCH, SCHEMA, CALL].contains(&name)
}

/// Words too common to tell tools apart.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "all", "from", "into", "that", "this",
];

/// Lower-case word stems of a text (split at anything not a letter or digit; plurals made
/// singular, so "directories" meets "directory"), without short and common words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect()
}

/// A crude English singular: enough for the words of tool names and descriptions.
fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies") {
        format!("{base}y")
    } else if word.ends_with("ss") {
        word.to_string()
    } else if let Some(base) = word.strip_suffix('s') {
        base.to_string()
    } else {
        word.to_string()
    }
}

/// How well a tool fits a query: its name's words count most, then its title, tags and method
/// kind, then description words; a word matches when one starts with the other (stems compared,
/// so deletes/delete and directories/directory meet).
fn score(tool: &ToolDef, query: &[String]) -> u32 {
    let name = words(tool.name);
    let tags: Vec<String> = tool
        .tags
        .iter()
        .map(|t| t.as_str().to_string())
        .chain(std::iter::once(tool.method.as_str().to_string()))
        .map(|w| stem(&w))
        .collect();
    let title = words(tool.title);
    let description = words(tool.description);
    let fits = |q: &str, w: &str| w.starts_with(q) || (w.len() >= 3 && q.starts_with(w));
    let mut total = 0;
    for q in query {
        if name.iter().any(|w| fits(q, w)) {
            total += 3;
        }
        if title.iter().any(|w| fits(q, w)) {
            total += 2;
        }
        if tags.iter().any(|w| fits(q, w)) {
            total += 2;
        }
        if description.iter().any(|w| fits(q, w)) {
            total += 1;
        }
    }
    if words(tool.name) == query {
        total += 10;
    }
    total
}

/// The first sentence of a description.
fn summary(description: &str) -> &str {
    description
        .split_once(". ")
        .map(|(first, _)| first)
        .unwrap_or(description)
        .trim_end_matches('.')
}

/// The tools in `scope` ranked for `query`, best first (ties in registry order): each with its
/// name and summary, and the best [`WITH_SCHEMA`] with their input schema.
pub fn search(scope: &[&ToolDef], query: &str, limit: usize) -> Value {
    let query = words(query);
    let mut ranked: Vec<(u32, usize, &ToolDef)> = scope
        .iter()
        .enumerate()
        .map(|(i, t)| (score(t, &query), i, *t))
        .filter(|(s, _, _)| *s > 0)
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let matches: Vec<Value> = ranked
        .iter()
        .take(limit)
        .enumerate()
        .map(|(rank, (_, _, tool))| {
            let mut m = json!({"name": tool.name, "summary": summary(tool.description)});
            if rank < WITH_SCHEMA {
                m["inputSchema"] = tool.input_schema.value().clone();
            }
            m
        })
        .collect();
    let note = if matches.is_empty() {
        "No tool matches; try other words (table, record, file, user, webhook, task, deploy...)."
    } else {
        "Call one with caspio_call_tool; caspio_tool_schema gives any tool's schema."
    };
    json!({"matches": matches, "note": note})
}

/// A tool's description, input schema and hints, or `None` outside the scope.
pub fn schema(scope: &[&ToolDef], name: &str) -> Option<Value> {
    let tool = scope.iter().find(|t| t.name == name)?;
    let mut out = tool.to_mcp_json();
    if let Some(map) = out.as_object_mut() {
        map.remove("outputSchema");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<&'static ToolDef> {
        caspio::registry().tools().to_vec()
    }

    fn first(query: &str) -> String {
        search(&all(), query, 3)["matches"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn searches_rank_the_tool_a_user_means_first() {
        // (what a model asks for, the tool it needs)
        let cases = [
            ("delete records", "delete_a_caspio_record_by_id"),
            ("list tables", "list_all_caspio_tables"),
            ("run a task", "caspio_tasks_run"),
            ("users of a directory", "list_all_caspio_users"),
            ("upload attachment", "update_a_caspio_attachment_by_id"),
            ("build a where condition", "caspio_build_where"),
        ];
        for (query, tool) in cases {
            assert_eq!(first(query), tool, "{query}");
        }
        let found = search(&all(), "delete records", 3);
        let matches = found["matches"].as_array().unwrap();
        assert_eq!(matches.len(), 3);
        assert!(matches[0]["inputSchema"]["properties"]["where"].is_object());
        assert!(
            matches[2].get("inputSchema").is_none(),
            "only the best come with a schema"
        );
        assert_eq!(search(&all(), "zzz", 3)["matches"], json!([]));
    }

    #[test]
    fn search_and_schema_see_only_the_scope() {
        let scope: Vec<&ToolDef> = all().into_iter().filter(|t| t.hints.read_only).collect();
        let found = search(&scope, "delete records", 20);
        assert!(found["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| !m["name"].as_str().unwrap().starts_with("delete")));
        assert!(schema(&scope, "delete_a_caspio_record_by_id").is_none());
        let s = schema(&scope, "list_all_caspio_tables").unwrap();
        assert_eq!(s["inputSchema"]["type"], "object");
    }

    #[test]
    fn the_discovery_list_costs_at_most_250_tokens() {
        let bpe = tiktoken_rs::o200k_base().unwrap();
        let text = serde_json::to_string(&tool_list()).unwrap();
        let tokens = bpe.encode_with_special_tokens(&text).len();
        println!("discovery tools/list: {tokens} o200k tokens");
        assert!(tokens <= 250, "{tokens} tokens");
    }
}
