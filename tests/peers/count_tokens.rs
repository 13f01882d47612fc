//! Counts the o200k_base tokens of `tools/list` results, as `tests/caspio/token_budget.rs` does for ours,
//! and prints one markdown row per list: what the list costs, how many tools it has, what each
//! optional part of it costs (the tokens saved when that part is taken out of every tool), and what
//! is left once all of them are gone: names, keys, types and constraints. The last column is the
//! part a client that hands the model only each tool's name, description and input schema sends.
//!
//! Usage: `cargo run --example count_tokens -- LABEL=FILE...` where each FILE holds the JSON
//! array of tools a client received. `tests/peers/measure.sh` runs it over ours and the peers'.

use serde_json::Value;

fn main() {
    let bpe = tiktoken_rs::o200k_base().expect("o200k_base ships with tiktoken-rs");
    let count = |tools: &[Value]| {
        let text = serde_json::to_string(tools).expect("tools serialize");
        bpe.encode_with_special_tokens(&text).len()
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprintln!("usage: count_tokens LABEL=FILE...");
        std::process::exit(2);
    }
    println!(
        "| | tools | tokens | titles | annotations | outputSchema | description texts | the rest | name + description + inputSchema |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for arg in args {
        let Some((label, path)) = arg.split_once('=') else {
            eprintln!("`{arg}`: expected LABEL=FILE");
            std::process::exit(2);
        };
        let tools = load(path).unwrap_or_else(|e| {
            eprintln!("{path}: {e}");
            std::process::exit(1)
        });
        let total = count(&tools);
        let without = |strip: &dyn Fn(&mut Value)| {
            let mut copy = tools.clone();
            copy.iter_mut().for_each(strip);
            total - count(&copy)
        };
        let drop_key = |key: &'static str| {
            move |tool: &mut Value| {
                if let Some(map) = tool.as_object_mut() {
                    map.remove(key);
                }
            }
        };
        let parts = [
            without(&drop_key("title")),
            without(&drop_key("annotations")),
            without(&drop_key("outputSchema")),
            without(&empty_descriptions),
        ];
        let mut bare = tools.clone();
        for tool in &mut bare {
            for key in ["title", "annotations", "outputSchema"] {
                drop_key(key)(tool);
            }
            empty_descriptions(tool);
        }
        let model_facing: Vec<Value> = tools
            .iter()
            .map(|tool| {
                let mut kept = serde_json::Map::new();
                for key in ["name", "description", "inputSchema"] {
                    if let Some(v) = tool.get(key) {
                        kept.insert(key.into(), v.clone());
                    }
                }
                Value::Object(kept)
            })
            .collect();
        println!(
            "| {label} | {} | {total} | {} | {} | {} | {} | {} | {} |",
            tools.len(),
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            count(&bare),
            count(&model_facing),
        );
    }
}

/// The JSON array of tools in a file.
fn load(path: &str) -> Result<Vec<Value>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    match serde_json::from_str(&text).map_err(|e| e.to_string())? {
        Value::Array(tools) => Ok(tools),
        _ => Err("expected a JSON array of tools".into()),
    }
}

/// Empties every `description` string, at any depth: what the words cost, with the keys kept.
fn empty_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "description" && child.is_string() {
                    *child = Value::String(String::new());
                } else {
                    empty_descriptions(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(empty_descriptions),
        _ => {}
    }
}
