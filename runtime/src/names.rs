//! Names where keys are wanted. People name things by what they see ("deploy STG-APP-001", "the
//! Enterprise directory"); the API wants the external key or the id. A tool's
//! [`NameLookup`]s say which of its arguments may hold a name, and which list pairs names with
//! keys. The list is read only after Caspio answered 404 to what was given, so a call made with
//! a real key costs nothing extra; then the value is taken as a key (the 404 was about something
//! else), as the one item of that name (the call is made again with its key, and the result says
//! so), as several (an error listing them with their keys), or as nothing known (Caspio's 404,
//! with the closest names).

use crate::tools::{CallError, NameLookup};
use crate::{Client, Error};
use serde_json::{json, Map, Value};

/// A name the call was given, and the key it was made with instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The argument.
    pub argument: &'static str,
    /// What the call gave.
    pub name: String,
    /// The key used.
    pub key: String,
}

impl Resolved {
    /// For a result's `_meta`.
    pub fn to_json(&self) -> Value {
        json!({"argument": self.argument, "name": self.name, "key": self.key})
    }

    /// One sentence for the result's text.
    pub fn sentence(&self) -> String {
        format!(
            "`{}` is a name: it was resolved to {} = \"{}\".",
            self.name, self.argument, self.key
        )
    }
}

/// Why a name could not stand for a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{argument}: {message}")]
pub struct NameError {
    /// The argument.
    pub argument: &'static str,
    /// What was wrong, with the candidates or the closest names and their keys.
    pub message: String,
}

/// What one listed item says: its key and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The key.
    pub key: String,
    /// The name.
    pub name: String,
}

/// What a value turned out to be among the listed items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A key: the 404 was not about this argument.
    Key,
    /// The name of exactly one item.
    Name(Item),
    /// The name of several items.
    Ambiguous(Vec<Item>),
    /// Neither; the closest names, best first (possibly none).
    Unknown(Vec<Item>),
}

/// Classifies `given` among `items`: a key, then a name as written, then a name in any case.
pub fn classify(given: &str, items: &[Item]) -> Found {
    if items.iter().any(|i| i.key == given) {
        return Found::Key;
    }
    let exact: Vec<&Item> = items.iter().filter(|i| i.name == given).collect();
    let wanted = given.trim().to_lowercase();
    let matches = if exact.is_empty() {
        items
            .iter()
            .filter(|i| i.name.trim().to_lowercase() == wanted)
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Found::Name((*one).clone()),
        [] => Found::Unknown(closest(&wanted, items)),
        many => Found::Ambiguous(many.iter().map(|i| (*i).clone()).collect()),
    }
}

/// Up to three items whose name or key is close to `wanted` (lower case): one contains the
/// other, or they are a few edits apart.
fn closest(wanted: &str, items: &[Item]) -> Vec<Item> {
    let mut scored: Vec<(usize, &Item)> = items
        .iter()
        .filter_map(|item| {
            [&item.name, &item.key]
                .iter()
                .map(|s| s.to_lowercase())
                .filter_map(|s| {
                    let distance = edit_distance(wanted, &s);
                    let near = distance <= (wanted.chars().count() / 4).max(2);
                    let contains = wanted.len() >= 3 && (s.contains(wanted) || wanted.contains(&s));
                    (near || contains).then_some(distance)
                })
                .min()
                .map(|d| (d, item))
        })
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    scored.into_iter().take(3).map(|(_, i)| i.clone()).collect()
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The items of a list answer: a bare array, or an object's `Result` array.
pub fn items_of(answer: &Value, lookup: &NameLookup) -> Vec<Item> {
    let list = answer
        .as_array()
        .or_else(|| answer.get("Result").and_then(Value::as_array));
    list.into_iter()
        .flatten()
        .filter_map(|item| {
            let text = |field: &str| match item.get(field)? {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            Some(Item {
                key: text(lookup.key)?,
                name: text(lookup.name)?,
            })
        })
        .collect()
}

fn described(items: &[Item], argument: &str) -> String {
    items
        .iter()
        .map(|i| format!("`{}` ({argument} \"{}\")", i.name, i.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// After Caspio answered `not_found` to `args`: reads each lookup's list and puts keys in place
/// of names, giving the arguments to call again with and what was resolved. When nothing was a
/// name, the error is Caspio's 404 as it came, or, when the value is close to some names, a
/// [`NameError`] with Caspio's message and those names; a name several items share is an error
/// listing them with their keys.
pub async fn resolve(
    client: &Client,
    lookups: &[NameLookup],
    args: &Map<String, Value>,
    not_found: Error,
) -> Result<(Map<String, Value>, Vec<Resolved>), CallError> {
    let mut args = args.clone();
    let mut resolved = Vec::new();
    let mut hints = Vec::new();
    for lookup in lookups {
        let Some(Value::String(given)) = args.get(lookup.argument).cloned() else {
            continue;
        };
        // A list that cannot be read leaves Caspio's own answer standing.
        let Ok(answer) = read_list(client, lookup).await else {
            continue;
        };
        let items = items_of(&answer, lookup);
        match classify(&given, &items) {
            Found::Key => {}
            Found::Name(item) => {
                args.insert(lookup.argument.into(), Value::String(item.key.clone()));
                resolved.push(Resolved {
                    argument: lookup.argument,
                    name: given,
                    key: item.key,
                });
            }
            Found::Ambiguous(items) => {
                return Err(CallError::Name(NameError {
                    argument: lookup.argument,
                    message: format!(
                        "{} items are named `{given}`: {}. Nothing was changed; ask the user which one, and call again with its key",
                        items.len(),
                        described(&items, lookup.argument)
                    ),
                }))
            }
            Found::Unknown(close) if !close.is_empty() => hints.push(format!(
                "`{given}` is neither a key nor a name {} lists; the closest: {}",
                lookup.tool,
                described(&close, lookup.argument)
            )),
            Found::Unknown(_) => {}
        }
    }
    if !resolved.is_empty() {
        return Ok((args, resolved));
    }
    if hints.is_empty() {
        return Err(CallError::Api(not_found));
    }
    Err(CallError::Name(NameError {
        argument: lookups[0].argument,
        message: format!("{}. {}", crate::describe(&not_found), hints.join("; ")),
    }))
}

async fn read_list(client: &Client, lookup: &NameLookup) -> Result<Value, CallError> {
    let response = client.send((lookup.build)(Map::new())?).await?;
    Ok(response.json_value()?.unwrap_or(Value::Null))
}

/// Whether a failed call is Caspio's 404.
pub fn is_not_found(error: &Error) -> bool {
    matches!(error, Error::Api(api) if api.status == 404)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<Item> {
        [
            ("b5f0-a1", "STG-APP-001"),
            ("b5f0-a2", "APP-9982"),
            ("c1", "Reports"),
            ("c2", "reports"),
            ("c3", "Archive"),
        ]
        .iter()
        .map(|(k, n)| Item {
            key: k.to_string(),
            name: n.to_string(),
        })
        .collect()
    }

    #[test]
    fn a_key_is_a_key() {
        assert_eq!(classify("b5f0-a2", &items()), Found::Key);
    }

    #[test]
    fn a_unique_name_gives_its_key_in_any_case() {
        assert_eq!(
            classify("STG-APP-001", &items()),
            Found::Name(items()[0].clone())
        );
        assert_eq!(
            classify(" stg-app-001", &items()),
            Found::Name(items()[0].clone())
        );
    }

    #[test]
    fn an_exact_name_wins_over_names_that_differ_in_case() {
        assert_eq!(
            classify("Reports", &items()),
            Found::Name(items()[2].clone())
        );
    }

    #[test]
    fn a_name_shared_in_any_case_is_ambiguous() {
        assert_eq!(
            classify("REPORTS", &items()),
            Found::Ambiguous(vec![items()[2].clone(), items()[3].clone()])
        );
    }

    #[test]
    fn unknown_values_get_the_closest_names() {
        assert_eq!(
            classify("STG-APP-01", &items()),
            Found::Unknown(vec![items()[0].clone()])
        );
        assert_eq!(
            classify("9982", &items()),
            Found::Unknown(vec![items()[1].clone()])
        );
        assert_eq!(classify("Payroll", &items()), Found::Unknown(vec![]));
    }

    #[test]
    fn edit_distance_counts_characters() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("ä", "a"), 1);
    }
}
