//! The doc overrides file: tool names, titles, LLM-facing descriptions, tags, method kinds,
//! safety hints and argument documentation, keyed by operationId. Checked against the IR in
//! `tools`, where an override naming an unknown operation or argument is an error.

use crate::error::{Result, Source};
use crate::load::{from_value_at, parse_tree};
use crate::pointer::Pointer;
use indexmap::IndexMap;
use serde::Deserialize;

/// The whole overrides file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overrides {
    /// Argument descriptions shared by every tool that has an argument of that name.
    #[serde(default)]
    pub params: IndexMap<String, String>,
    /// Per-operation overrides, keyed by operationId.
    #[serde(default)]
    pub tools: IndexMap<String, ToolOverride>,
    /// Keys that people know by a name: every operation under a path takes the name too.
    #[serde(default)]
    pub names: Vec<NameRule>,
}

/// A key people know by name: for every operation whose path starts with `under` (ending in
/// the key's `{parameter}`), the argument also takes the name the `list` operation pairs with
/// the key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRule {
    /// A path prefix ending in the key's parameter, e.g. `/v3/bridgeApplications/{externalKey}`.
    pub under: String,
    /// The operationId of the list that pairs keys and names (called without arguments).
    pub list: String,
    /// The listed items' key field.
    pub key: String,
    /// The listed items' name field.
    pub name: String,
}

/// What one operation's tool looks like to a client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolOverride {
    /// Tool name.
    pub name: String,
    /// Human-readable title.
    pub title: String,
    /// LLM-facing description.
    pub description: String,
    /// Domain tags (tables, records, files, ...).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Method kind: list, get, create, update, delete or a custom verb.
    pub kind: String,
    /// Safety hints; replaces the defaults derived from the HTTP method when given.
    pub safety: Option<Vec<Safety>>,
    /// For a bulk write selected by `where`: the operationId of the list that reads the same
    /// records, which the runtime's guard counts them with before the write is sent.
    pub count_with: Option<String>,
    /// For a delete that takes data out of every record (a field and its values): the
    /// operationId of the list of those records, which the runtime counts before asking the
    /// user to confirm.
    pub drops_data_of: Option<String>,
    /// Argument overrides keyed by the default argument name.
    #[serde(default)]
    pub params: IndexMap<String, ParamOverride>,
    /// Optional body arguments gathered into one object argument, keyed by the new argument's
    /// name. Clients see one described object instead of many rarely used arguments.
    #[serde(default)]
    pub groups: IndexMap<String, GroupOverride>,
}

/// Optional body arguments gathered under one object argument.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupOverride {
    /// The group argument's description: say which keys it takes.
    pub description: String,
    /// The member arguments, by name.
    pub members: Vec<String>,
}

/// A safety hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Safety {
    /// Changes nothing.
    ReadOnly,
    /// May overwrite or delete data.
    Destructive,
    /// Calling twice with the same arguments has the effect of calling once.
    Idempotent,
    /// Acts on every row a where condition matches.
    Bulk,
}

/// An argument override: a description, or a rename with an optional description.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ParamOverride {
    /// Just the description.
    Description(String),
    /// Rename and/or describe.
    Full(ParamOverrideFull),
}

/// The long form of an argument override.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamOverrideFull {
    /// The argument's new name.
    pub rename: Option<String>,
    /// The argument's description.
    pub description: Option<String>,
    /// Show only the value's outer type to clients (objects as `{"type":"object"}`), with the
    /// description saying what goes inside. For big nested schemas that another tool already
    /// documents, such as the field definitions of a new table.
    #[serde(default)]
    pub brief: bool,
    /// Hide the argument and always send this value (query parameters only).
    pub fixed: Option<String>,
    /// Hide the argument and never send it (optional arguments only).
    #[serde(default)]
    pub hidden: bool,
}

impl ParamOverride {
    /// The overriding description, if any.
    pub fn description(&self) -> Option<&str> {
        match self {
            ParamOverride::Description(d) => Some(d),
            ParamOverride::Full(f) => f.description.as_deref(),
        }
    }

    /// The new name, if any.
    pub fn rename(&self) -> Option<&str> {
        match self {
            ParamOverride::Description(_) => None,
            ParamOverride::Full(f) => f.rename.as_deref(),
        }
    }

    /// The long form, if used.
    pub fn full(&self) -> Option<&ParamOverrideFull> {
        match self {
            ParamOverride::Description(_) => None,
            ParamOverride::Full(f) => Some(f),
        }
    }
}

/// Parses the overrides file (YAML; anchors and aliases allowed).
pub fn parse(text: &str) -> Result<Overrides> {
    let tree = parse_tree(text, Source::Overrides)?;
    if tree.is_null() {
        return Ok(Overrides::default());
    }
    from_value_at(&tree, &Pointer::root(), Source::Overrides)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_short_and_long_argument_forms() {
        let o = parse(
            "params: {where: W}\ntools:\n  A:\n    name: a\n    title: A\n    description: d\n    kind: list\n    params:\n      x: X\n      body: {rename: record, description: R}\n",
        )
        .unwrap();
        let a = &o.tools["A"];
        assert_eq!(a.params["x"].description(), Some("X"));
        assert_eq!(a.params["body"].rename(), Some("record"));
        assert_eq!(o.params["where"], "W");
    }

    #[test]
    fn unknown_keys_are_located() {
        let err = parse("tools:\n  A:\n    name: a\n    title: A\n    description: d\n    kind: list\n    colour: red\n").unwrap_err();
        assert!(err.pointer.starts_with("#/tools/A"), "{err}");
        assert!(err.message.contains("colour"), "{err}");
    }

    #[test]
    fn unknown_safety_flags_are_refused() {
        let err = parse("tools:\n  A:\n    name: a\n    title: A\n    description: d\n    kind: list\n    safety: [harmless]\n").unwrap_err();
        assert!(err.pointer.starts_with("#/tools/A/safety"), "{err}");
    }
}
