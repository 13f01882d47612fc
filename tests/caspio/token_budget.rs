//! Every token of `tools/list` is paid in every conversation. This counts the full default tool
//! list, as a client receives it, with the o200k_base encoding (GPT-4o and later), and fails
//! over the budget. It also checks the schema promises the budget must not be bought with: every
//! argument described.
//!
//! The budget: issue #2 asked for 6,000 tokens. With 70 tools that each carry a name in the
//! managed servers' scheme, a title, annotations and an input schema with every argument
//! described, the structure alone is most of it: with every description text emptied, the 70
//! generated tools still measure 5,483 tokens (4,097 without titles, output schemas and
//! annotations), leaving about 500 tokens to describe 70 tools and some 240 arguments. 6,000 is
//! not reachable without dropping titles, annotations or argument descriptions. The budget is
//! set just above what the current list measures, so any growth fails here and must be argued
//! for; the figure and the comparison with other generators are in BENCHMARKS.md.
//!
//! Growth so far, argued: 7,241 for the 70 tools as generated; +about 430 for the bulk guard's
//! `dry_run` and `confirm_count` (once `allow_all_rows`) on the 12 tools that change every record a where selects
//! (issue #5: what keeps an agent from doing what the user did not mean is worth its tokens);
//! +about 245 for `fetch_all` and `max_rows` on the 5 paged lists (one call instead of many
//! round trips through the model, each of which costs far more); +about 185 for
//! `caspio_build_where`, the hand-written helper that quotes conditions so a model need not
//! write SQL (issue #5). That made 8,101; every argument schema then put its description first,
//! which o200k_base tokenizes one token cheaper per argument (no other change): now 8,019.

const BUDGET: usize = 8_050;

fn tool_list_json() -> String {
    let tools: Vec<serde_json::Value> = caspio::registry()
        .tools()
        .iter()
        .map(|t| t.to_mcp_json())
        .collect();
    serde_json::to_string(&tools).expect("tool list serializes")
}

#[test]
fn tool_list_fits_the_context_budget() {
    let bpe = tiktoken_rs::o200k_base().expect("o200k_base ships with tiktoken-rs");
    let text = tool_list_json();
    let tokens = bpe.encode_with_special_tokens(&text).len();
    println!(
        "tools/list: {} tools, {} o200k_base tokens, {} bytes (budget {BUDGET})",
        caspio::registry().tools().len(),
        tokens,
        text.len()
    );
    // What a client that hands the model only name, description and input schema sends.
    let model_facing: Vec<serde_json::Value> = caspio::registry()
        .tools()
        .iter()
        .map(|t| {
            serde_json::json!({
                "name": t.name,
                "description": t.description,
                "inputSchema": t.input_schema.value(),
            })
        })
        .collect();
    let model_text = serde_json::to_string(&model_facing).expect("tool list serializes");
    println!(
        "  name + description + inputSchema only: {} tokens",
        bpe.encode_with_special_tokens(&model_text).len()
    );
    // Where the tokens go, biggest first, so a reviewer sees what a change cost.
    let mut per_tool: Vec<(usize, usize, usize, &str)> = caspio::registry()
        .tools()
        .iter()
        .map(|t| {
            let json = t.to_mcp_json();
            let count =
                |v: &serde_json::Value| bpe.encode_with_special_tokens(&v.to_string()).len();
            (
                count(&json),
                count(&json["inputSchema"]),
                json.get("outputSchema").map(count).unwrap_or(0),
                t.name,
            )
        })
        .collect();
    per_tool.sort_by(|a, b| b.cmp(a));
    for (total, input, output, name) in per_tool.iter().take(12) {
        println!("  {total:5} {name} (input schema {input}, output schema {output})");
    }
    let outputs: usize = per_tool.iter().map(|r| r.2).sum();
    let inputs: usize = per_tool.iter().map(|r| r.1).sum();
    println!("  all input schemas {inputs}, all output schemas {outputs}");
    assert!(
        tokens <= BUDGET,
        "tools/list costs {tokens} tokens, over the budget of {BUDGET}"
    );
}

#[test]
fn every_argument_is_described() {
    for tool in caspio::registry().tools() {
        let schema = tool.input_schema.value();
        let props = schema["properties"]
            .as_object()
            .expect("properties always present");
        for (name, prop) in props {
            let d = prop
                .get("description")
                .and_then(|d| d.as_str())
                .unwrap_or("");
            assert!(
                !d.trim().is_empty(),
                "{}: argument `{name}` has no description",
                tool.name
            );
        }
    }
}
