//! Which tools a server exposes: method classes or kinds, domain tags, an allow-list of names, and
//! read-only, combined with AND. The same scope decides `tools/list` and `tools/call`, so a tool
//! outside it can be neither seen nor called, and calling one gets the answer an unknown name gets.

use caspio::runtime::contract::{MethodClass, Tag};
use caspio::runtime::tools::ToolDef;
use std::collections::BTreeSet;

/// One entry of `--methods`: a class (`read`, `write`, `custom`) or an exact method kind
/// (`list`, `get`, `create`, `update`, `delete`, or a custom verb such as `run`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodFilter {
    /// Every kind of the class.
    Class(MethodClass),
    /// Exactly this kind.
    Kind(String),
}

/// A scope. Empty lists mean "no filter of that sort".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Kept when its method kind matches one of these.
    pub methods: Vec<MethodFilter>,
    /// Kept when it has one of these tags.
    pub tags: Vec<Tag>,
    /// Kept when its name is one of these.
    pub tools: Vec<String>,
    /// Kept only when it changes nothing (`readOnlyHint`).
    pub read_only: bool,
}

/// How the tools are offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Exposure {
    /// Every tool in scope is listed.
    #[default]
    All,
    /// Three meta-tools are listed instead: search the tools, get one's schema, call one.
    Discovery,
}

impl Exposure {
    /// `all` or `discovery`.
    pub fn parse(text: &str) -> Result<Exposure, String> {
        match text.trim() {
            "all" => Ok(Exposure::All),
            "discovery" => Ok(Exposure::Discovery),
            other => Err(format!(
                "tool exposure `{other}` is not one of: all, discovery"
            )),
        }
    }
}

impl Scope {
    /// A scope from its lists as written (flags, a config file, a stored server), checked
    /// against `tools`: an error names the key at fault (`tags: tag ...`), and a scope that keeps
    /// no tool is an error too. The one way every mode turns lists into a scope.
    pub fn from_lists(
        methods: &[String],
        tags: &[String],
        names: &[String],
        read_only: bool,
        tools: &[&'static ToolDef],
    ) -> Result<Scope, String> {
        fn named(key: &'static str) -> impl Fn(String) -> String {
            move |e| format!("{key}: {e}")
        }
        let scope = Scope {
            methods: Scope::parse_methods(methods, tools).map_err(named("methods"))?,
            tags: Scope::parse_tags(tags).map_err(named("tags"))?,
            tools: Scope::parse_tools(names, tools).map_err(named("tools"))?,
            read_only,
        };
        scope.select(tools)?;
        Ok(scope)
    }

    /// Parses `--methods` items against the kinds the tools have.
    pub fn parse_methods(
        items: &[String],
        tools: &[&ToolDef],
    ) -> Result<Vec<MethodFilter>, String> {
        let kinds: BTreeSet<&str> = tools.iter().map(|t| t.method.as_str()).collect();
        items
            .iter()
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
            .map(|item| match item {
                "read" => Ok(MethodFilter::Class(MethodClass::Read)),
                "write" => Ok(MethodFilter::Class(MethodClass::Write)),
                "custom" => Ok(MethodFilter::Class(MethodClass::Custom)),
                kind if kinds.contains(kind) => Ok(MethodFilter::Kind(kind.to_string())),
                other => Err(format!(
                    "method `{other}` is not read, write, custom or a method kind of these tools ({})",
                    kinds.iter().copied().collect::<Vec<_>>().join(", ")
                )),
            })
            .collect()
    }

    /// Parses `--tags` items.
    pub fn parse_tags(items: &[String]) -> Result<Vec<Tag>, String> {
        items
            .iter()
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
            .map(|item| {
                Tag::parse(item)
                    .ok_or_else(|| format!("tag `{item}` is not one of: {}", Tag::names()))
            })
            .collect()
    }

    /// Checks `--tools` items name tools that exist.
    pub fn parse_tools(items: &[String], tools: &[&ToolDef]) -> Result<Vec<String>, String> {
        items
            .iter()
            .map(|item| item.trim())
            .filter(|item| !item.is_empty())
            .map(|item| {
                if tools.iter().any(|t| t.name == item) {
                    Ok(item.to_string())
                } else {
                    Err(format!(
                        "no tool is named `{item}` (`caspio-mcp tools` lists them)"
                    ))
                }
            })
            .collect()
    }

    /// Whether the scope keeps this tool: every filter given must keep it.
    pub fn admits(&self, tool: &ToolDef) -> bool {
        let method = self.methods.is_empty()
            || self.methods.iter().any(|m| match m {
                MethodFilter::Class(class) => tool.method.class() == *class,
                MethodFilter::Kind(kind) => tool.method.as_str() == kind,
            });
        let tag = self.tags.is_empty() || tool.tags.iter().any(|t| self.tags.contains(t));
        let named = self.tools.is_empty() || self.tools.iter().any(|n| n == tool.name);
        let read_only = !self.read_only || tool.hints.read_only;
        method && tag && named && read_only
    }

    /// The tools the scope keeps, in registry order; none is an error that says which filters
    /// left nothing.
    pub fn select(&self, tools: &[&'static ToolDef]) -> Result<Vec<&'static ToolDef>, String> {
        let kept: Vec<&'static ToolDef> =
            tools.iter().copied().filter(|t| self.admits(t)).collect();
        if kept.is_empty() {
            return Err(format!(
                "the scope ({}) matches no tool; filters combine with AND, so widen one of them",
                self.describe()
            ));
        }
        Ok(kept)
    }

    /// The filters in force, as they are written on the command line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.methods.is_empty() {
            let m: Vec<&str> = self
                .methods
                .iter()
                .map(|m| match m {
                    MethodFilter::Class(c) => c.as_str(),
                    MethodFilter::Kind(k) => k.as_str(),
                })
                .collect();
            parts.push(format!("--methods {}", m.join(",")));
        }
        if !self.tags.is_empty() {
            let t: Vec<&str> = self.tags.iter().map(|t| t.as_str()).collect();
            parts.push(format!("--tags {}", t.join(",")));
        }
        if !self.tools.is_empty() {
            parts.push(format!("--tools {}", self.tools.join(",")));
        }
        if self.read_only {
            parts.push("--read-only".into());
        }
        if parts.is_empty() {
            "no filters".into()
        } else {
            parts.join(" ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<&'static ToolDef> {
        caspio::registry().tools().to_vec()
    }

    fn names(scope: &Scope) -> Vec<&'static str> {
        scope
            .select(&all())
            .unwrap_or_default()
            .iter()
            .map(|t| t.name)
            .collect()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_filter_keeps_what_it_says_and_they_combine_with_and() {
        let tools = all();
        let reads = Scope {
            methods: Scope::parse_methods(&strings(&["read"]), &tools).unwrap(),
            ..Default::default()
        };
        assert!(reads
            .select(&tools)
            .unwrap()
            .iter()
            .all(|t| matches!(t.method.class(), MethodClass::Read)));
        let directories = Scope {
            tags: Scope::parse_tags(&strings(&["directories"])).unwrap(),
            ..Default::default()
        };
        assert!(names(&directories).contains(&"delete_a_caspio_user_by_id"));
        // AND: reads of directories only.
        let both = Scope {
            methods: reads.methods.clone(),
            tags: directories.tags.clone(),
            ..Default::default()
        };
        assert_eq!(
            names(&both),
            ["list_all_caspio_directories", "list_all_caspio_users"]
        );
        // An exact kind, and read-only, which keeps custom verbs that change nothing.
        let runs = Scope {
            methods: Scope::parse_methods(&strings(&["run"]), &tools).unwrap(),
            ..Default::default()
        };
        assert_eq!(names(&runs), ["caspio_tasks_run"]);
        let read_only = Scope {
            read_only: true,
            ..Default::default()
        };
        let kept = read_only.select(&tools).unwrap();
        assert!(kept.iter().all(|t| t.hints.read_only));
        assert!(kept.iter().any(|t| t.name == "caspio_build_where"));
        assert!(!kept.iter().any(|t| t.name == "caspio_tasks_run"));
        let listed = Scope {
            tools: Scope::parse_tools(&strings(&["list_all_caspio_tables"]), &tools).unwrap(),
            ..Default::default()
        };
        assert_eq!(names(&listed), ["list_all_caspio_tables"]);
        assert_eq!(names(&Scope::default()).len(), tools.len());
    }

    #[test]
    fn unknown_names_and_empty_scopes_are_refused_with_the_reason() {
        let tools = all();
        let cases = [
            Scope::parse_methods(&strings(&["reed"]), &tools).map(|_| ()),
            Scope::parse_tags(&strings(&["tabels"])).map(|_| ()),
            Scope::parse_tools(&strings(&["no_such_tool"]), &tools).map(|_| ()),
        ];
        let says = [
            "method `reed`",
            "tag `tabels`",
            "no tool is named `no_such_tool`",
        ];
        for (result, says) in cases.into_iter().zip(says) {
            assert!(result.unwrap_err().contains(says), "{says}");
        }
        let nothing = Scope {
            tags: vec![Tag::Webhooks],
            tools: strings(&["list_all_caspio_tables"]),
            ..Default::default()
        };
        let err = nothing.select(&tools).unwrap_err();
        assert!(
            err.contains("--tags webhooks --tools list_all_caspio_tables") && err.contains("AND"),
            "{err}"
        );
        assert_eq!(
            Exposure::parse("everything").unwrap_err(),
            "tool exposure `everything` is not one of: all, discovery"
        );
    }
}
