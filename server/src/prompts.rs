//! MCP prompts: the ways of working that keep an agent from doing what the user did not mean,
//! offered as ready-made prompts a user can pick in their client.

use rmcp::model::{
    GetPromptResult, ListPromptsResult, Prompt, PromptArgument, PromptMessage, Role,
};
use rmcp::ErrorData as McpError;
use serde_json::{Map, Value};

/// The prompts.
pub fn list() -> ListPromptsResult {
    ListPromptsResult::with_all_items(vec![
        Prompt::new("explore_account", Some("Map the account: tables, their fields and record counts, views, directories."), None::<Vec<PromptArgument>>)
            .with_title("Explore the Caspio account"),
        Prompt::new(
            "safe_bulk_change",
            Some("Change or delete many records safely: find them, show the count and a sample, and act only after confirmation."),
            Some(vec![
                PromptArgument::new("table").with_description("The table (or view) to change").with_required(true),
                PromptArgument::new("change").with_description("What to do, in plain words, e.g. reassign j.smith's open tickets to m.jones").with_required(true),
            ]),
        )
        .with_title("Bulk change, safely"),
    ])
}

/// One prompt, filled in.
pub fn get(name: &str, args: Option<&Map<String, Value>>) -> Result<GetPromptResult, McpError> {
    let arg = |k: &str| -> Result<String, McpError> {
        args.and_then(|a| a.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                McpError::invalid_params(format!("prompt `{name}` needs the argument `{k}`"), None)
            })
    };
    let text = match name {
        "explore_account" => "Map this Caspio account for me. Call list_all_caspio_tables, then list_all_caspio_fields for each \
table, and list_all_caspio_records with select COUNT(*) AS n to count its rows. Then list views and directories. \
Summarise each table in one line: what it holds, its key fields, how many records. Change nothing."
            .to_string(),
        "safe_bulk_change" => {
            let (table, change) = (arg("table")?, arg("change")?);
            format!(
                "In the Caspio table or view `{table}`, I want to: {change}.\n\
Work safely:\n\
1. Check the fields with list_all_caspio_fields (or list_all_caspio_view_fields) so names and types are right.\n\
2. Write the where condition, quoting text as 'x' and doubling quotes inside ('O''Brien').\n\
3. Run list_all_caspio_records with that where and page_size 5 to show me a sample and Pagination.TotalCount.\n\
4. Tell me exactly what will change and how many records, and wait for my yes.\n\
5. Only then call the update or delete tool with the same where, and report RecordsAffected; if it differs from \
the count in step 3, say so."
            )
        }
        other => return Err(McpError::invalid_params(format!("unknown prompt `{other}`"), None)),
    };
    Ok(GetPromptResult::new(vec![PromptMessage::new_text(
        Role::User,
        text,
    )]))
}
