//! The tool model: one MCP tool per operation, with the overrides merged in, path, query, header
//! and body parameters flattened into one argument object, and the client-facing JSON schemas.
//!
//! Input schemas use the subset every major client accepts (see shared/mcp/NOTES.md §E.2): an
//! object root with `properties` always present, `required` naming only declared properties,
//! `items` on every array, and none of `$ref`, `$defs`, `$schema`, `oneOf`, `anyOf`, `allOf`,
//! `not`, `exclusiveMinimum`/`exclusiveMaximum`; what had to be dropped is said in descriptions.

use crate::error::{Error, Result};
use crate::ir::{Api, Body, Kind, Location, Method, Operation, PartKind, Schema};
use crate::naming::{arg_name, fn_name, is_snake_identifier};
use crate::overrides::{Overrides, Safety};
use crate::pointer::Pointer;
use crate::schemas::{input_schema, output_schema};
use caspio_contract::args::{PAGE_NUMBER, PAGE_SIZE, WHERE};
use caspio_contract::keywords::AT_LEAST_ONE_OF;
pub use caspio_contract::{Hints, MethodKind, Tag};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Longest tool name we emit: leaves room for client prefixes such as `mcp__caspio__` within
/// the 64 characters most clients allow (Cursor allows 60 for server and tool name together).
pub const MAX_TOOL_NAME: usize = 48;

/// One MCP tool.
#[derive(Debug, Clone)]
pub struct Tool {
    /// The operation it calls.
    pub operation: Operation,
    /// Tool name.
    pub name: String,
    /// Display title.
    pub title: String,
    /// LLM-facing description.
    pub description: String,
    /// Domain tags.
    pub tags: Vec<Tag>,
    /// Method kind: one of [`MethodKind::STANDARD`]'s names or a custom verb.
    pub kind: String,
    /// Safety hints.
    pub hints: Hints,
    /// Flattened arguments, in the order a client sees them.
    pub args: Vec<Arg>,
    /// Query parameters the overrides fixed: always sent with these values, never shown.
    pub fixed_query: Vec<(String, String)>,
    /// A bulk write selected by `where`: the tool also takes the runtime's guard arguments
    /// (see [`caspio_contract::args::GUARD`]), which never reach Caspio, and is counted first
    /// with this reader.
    pub guarded: Option<CountWith>,
    /// A paged list: also takes the runtime's paging arguments (see
    /// [`caspio_contract::args::PAGING`]).
    pub pageable: bool,
    /// Arguments that take a name where the API wants a key (the overrides' `names`).
    pub names: Vec<NameWith>,
    /// The `inputSchema` a client receives.
    pub input_schema: Value,
    /// The schema arguments are checked against, when it says more than `input_schema` (brief
    /// arguments and groups show clients less than is checked).
    pub validation_schema: Option<Value>,
    /// The `outputSchema` a client receives, for tools with a JSON answer.
    pub output_schema: Option<Value>,
}

/// The list operation the bulk guard counts a guarded write's records with (the overrides'
/// `count_with`), checked to take the write's identifying arguments, `where` and paging.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountWith {
    /// The list operation's operationId.
    pub operation_id: String,
    /// Its tool's name.
    pub tool: String,
    /// The arguments both take (the table, view or directory), copied from the write.
    pub carry: Vec<String>,
    /// Not a write selected by `where` but a delete that drops data from every record (the
    /// overrides' `drops_data_of`): all records are counted, and the user confirms.
    pub drops: bool,
}

/// An argument that also takes a name: the list operation that pairs names with keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameWith {
    /// The argument.
    pub argument: String,
    /// The list operation's operationId.
    pub operation_id: String,
    /// Its tool's name.
    pub tool: String,
    /// The listed items' key field.
    pub key: String,
    /// The listed items' name field.
    pub name: String,
}

/// A flattened argument.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The name a client uses.
    pub name: String,
    /// Where its value goes in the HTTP request.
    pub source: ArgSource,
    /// Whether it must be given.
    pub required: bool,
    /// Its schema.
    pub schema: Schema,
    /// Its description.
    pub description: Option<String>,
    /// Show clients only the outer type (see `ParamOverrideFull::brief`).
    pub brief: bool,
}

/// Where an argument's value goes.
#[derive(Debug, Clone)]
pub enum ArgSource {
    /// A path parameter with this wire name.
    Path(String),
    /// A query parameter with this wire name.
    Query(String),
    /// A header with this wire name.
    Header(String),
    /// A property of the JSON body.
    BodyField(String),
    /// The whole JSON body.
    Body,
    /// A multipart file part.
    File(String),
    /// A multipart part holding several files.
    Files(String),
    /// A multipart text part.
    Text(String),
    /// An object whose keys are these optional body arguments.
    Group(Vec<Arg>),
}

/// Builds the tools of an API with its overrides.
pub fn build(api: &Api, overrides: &Overrides) -> Result<Vec<Tool>> {
    let tools_at = Pointer::root().join("tools");
    for key in overrides.tools.keys() {
        if !api.operations.iter().any(|op| &op.id == key) {
            return Err(Error::overrides(
                tools_at.join(key).as_str(),
                format!("no operation with operationId `{key}` in the document"),
            ));
        }
    }
    let mut tools = Vec::with_capacity(api.operations.len());
    let mut names = BTreeSet::new();
    let mut used_shared = BTreeSet::new();
    for op in &api.operations {
        let tool = build_one(op, overrides, &tools_at.join(&op.id), &mut used_shared)?;
        if !names.insert(tool.name.clone()) {
            return Err(Error::overrides(
                tools_at.join(&op.id).join("name").as_str(),
                format!("tool name `{}` is used by two operations", tool.name),
            ));
        }
        tools.push(tool);
    }
    resolve_count_readers(&mut tools, &tools_at)?;
    resolve_name_lookups(&mut tools, overrides)?;
    for key in overrides.params.keys() {
        if !used_shared.contains(key) {
            return Err(Error::overrides(
                Pointer::root().join("params").join(key).as_str(),
                format!("no tool has an argument named `{key}`"),
            ));
        }
    }
    Ok(tools)
}

fn build_one(
    op: &Operation,
    overrides: &Overrides,
    at: &Pointer,
    used_shared: &mut BTreeSet<String>,
) -> Result<Tool> {
    let spec_error = |message: String| Error::spec(op.pointer.as_str(), message);
    let o = overrides.tools.get(&op.id);

    let mut args = flatten(op)?;
    // Which arguments got their own description from this tool's entry: a shared description
    // must not replace it.
    let mut own_description = vec![false; args.len()];
    if let Some(o) = o {
        for (key, value) in &o.params {
            let Some(index) = args.iter().position(|a| &a.name == key) else {
                let known: Vec<&str> = args.iter().map(|a| a.name.as_str()).collect();
                return Err(Error::overrides(
                    at.join("params").join(key).as_str(),
                    format!(
                        "`{}` has no argument `{key}`; its arguments are {known:?}",
                        op.id
                    ),
                ));
            };
            if let Some(d) = value.description() {
                args[index].description = Some(d.to_string());
                own_description[index] = true;
            }
            if value.full().is_some_and(|f| f.brief) {
                args[index].brief = true;
            }
            if let Some(new) = value.rename() {
                if !is_snake_identifier(new) {
                    return Err(Error::overrides(
                        at.join("params").join(key).join("rename").as_str(),
                        format!("argument name `{new}` must match ^[a-z][a-z0-9_]*$"),
                    ));
                }
                args[index].name = new.to_string();
            }
        }
    }
    // Fixed and hidden arguments leave the client's view.
    let mut fixed_query = Vec::new();
    let mut keep = vec![true; args.len()];
    if let Some(o) = o {
        for (key, value) in &o.params {
            let Some(full) = value.full() else { continue };
            let here = at.join("params").join(key);
            let index = args
                .iter()
                .position(|a| &a.name == key || Some(a.name.as_str()) == full.rename.as_deref());
            let Some(index) = index else { continue };
            let arg = &args[index];
            if let Some(v) = &full.fixed {
                let ArgSource::Query(wire) = &arg.source else {
                    return Err(Error::overrides(
                        here.join("fixed").as_str(),
                        "only query parameters can be fixed",
                    ));
                };
                fixed_query.push((wire.clone(), v.clone()));
                keep[index] = false;
            } else if full.hidden {
                if arg.required {
                    return Err(Error::overrides(
                        here.join("hidden").as_str(),
                        format!(
                            "`{key}` is required, so it cannot be hidden; fix its value instead"
                        ),
                    ));
                }
                keep[index] = false;
            }
        }
    }
    let (args_kept, own_kept): (Vec<Arg>, Vec<bool>) = args
        .into_iter()
        .zip(own_description)
        .zip(keep)
        .filter_map(|(pair, k)| k.then_some(pair))
        .unzip();
    let mut args = args_kept;
    let own_description = own_kept;
    for (arg, own) in args.iter_mut().zip(own_description) {
        if let Some(shared) = overrides.params.get(&arg.name) {
            used_shared.insert(arg.name.clone());
            if !own {
                arg.description = Some(shared.clone());
            }
        }
    }
    if let Some(o) = o {
        for (group, spec) in &o.groups {
            let here = at.join("groups").join(group);
            if !is_snake_identifier(group) {
                return Err(Error::overrides(
                    here.as_str(),
                    format!("group name `{group}` must match ^[a-z][a-z0-9_]*$"),
                ));
            }
            let mut members = Vec::new();
            for (i, name) in spec.members.iter().enumerate() {
                let Some(index) = args.iter().position(|a| &a.name == name) else {
                    return Err(Error::overrides(
                        here.join("members").join(i.to_string()).as_str(),
                        format!("`{}` has no argument `{name}` to group", op.id),
                    ));
                };
                let member = args.remove(index);
                if member.required || !matches!(member.source, ArgSource::BodyField(_)) {
                    return Err(Error::overrides(
                        here.join("members").join(i.to_string()).as_str(),
                        format!(
                            "only optional body properties can be grouped; `{name}` is not one"
                        ),
                    ));
                }
                members.push(member);
            }
            let properties = members
                .iter()
                .map(|m| crate::ir::Property {
                    name: m.name.clone(),
                    schema: m.schema.clone(),
                    required: false,
                })
                .collect();
            args.push(Arg {
                name: group.clone(),
                source: ArgSource::Group(members),
                required: false,
                schema: Schema::of(Kind::Object {
                    properties,
                    additional: crate::ir::Additional::Closed,
                }),
                description: Some(spec.description.clone()),
                brief: true,
            });
        }
    }
    let mut seen = BTreeSet::new();
    for arg in &args {
        if !seen.insert(arg.name.clone()) {
            return Err(spec_error(format!(
                "two arguments of `{}` are both named `{}`; rename one in overrides.yaml \
                 (tools.{}.params.{}.rename)",
                op.id, arg.name, op.id, arg.name
            )));
        }
    }

    let (name, title, description, tags, kind, hints) = match o {
        Some(o) => {
            let mut hints = op.method.default_hints();
            if let Some(flags) = &o.safety {
                hints = Hints {
                    read_only: flags.contains(&Safety::ReadOnly),
                    destructive: flags.contains(&Safety::Destructive),
                    idempotent: flags.contains(&Safety::Idempotent),
                    bulk: flags.contains(&Safety::Bulk),
                };
                if hints.read_only && hints.destructive {
                    return Err(Error::overrides(
                        at.join("safety").as_str(),
                        "a tool cannot be both read_only and destructive",
                    ));
                }
            }
            let mut tags = Vec::with_capacity(o.tags.len());
            for (i, tag) in o.tags.iter().enumerate() {
                tags.push(Tag::parse(tag).ok_or_else(|| {
                    Error::overrides(
                        at.join("tags").join(i.to_string()).as_str(),
                        format!("unknown tag `{tag}`; the tags are {}", Tag::names()),
                    )
                })?);
            }
            if !is_snake_identifier(&o.kind) {
                return Err(Error::overrides(
                    at.join("kind").as_str(),
                    format!("kind `{}` must match ^[a-z][a-z0-9_]*$", o.kind),
                ));
            }
            (
                o.name.clone(),
                o.title.clone(),
                o.description.clone(),
                tags,
                o.kind.clone(),
                hints,
            )
        }
        None => {
            let name = default_tool_name(&op.id).ok_or_else(|| {
                spec_error(format!("operationId `{}` gives no usable tool name", op.id))
            })?;
            let description = op
                .summary
                .clone()
                .or_else(|| op.description.clone())
                .unwrap_or_else(|| format!("{} {}", op.method.as_str(), op.path));
            (
                name,
                op.id.clone(),
                description,
                vec![],
                op.method.default_kind().as_str().to_string(),
                op.method.default_hints(),
            )
        }
    };
    if !is_snake_identifier(&name) || name.len() > MAX_TOOL_NAME {
        return Err(Error::overrides(
            at.join("name").as_str(),
            format!("tool name `{name}` must match ^[a-z][a-z0-9_]*$ and have at most {MAX_TOOL_NAME} characters"),
        ));
    }
    let guarded = hints.bulk
        && args
            .iter()
            .any(|a| a.name == WHERE && matches!(a.source, ArgSource::Query(_)));
    let pageable = hints.read_only && is_paged(&args);
    let count_with = o.and_then(|o| o.count_with.clone());
    if count_with.is_some() && !guarded {
        return Err(Error::overrides(
            at.join("count_with").as_str(),
            "only a bulk write selected by `where` is counted first; this tool is not one",
        ));
    }
    let drops_data_of = o.and_then(|o| o.drops_data_of.clone());
    if drops_data_of.is_some() && (guarded || !hints.destructive) {
        return Err(Error::overrides(
            at.join("drops_data_of").as_str(),
            "only a destructive write without a `where` drops data this way (a write selected by `where` is counted with count_with)",
        ));
    }
    let client_view = input_schema(&args, false, guarded, pageable);
    let mut full = input_schema(&args, true, guarded, pageable);
    if drops_data_of.is_some() {
        // Checked, not advertised: the refusal that asks for it says what it is.
        full["properties"][caspio_contract::args::CONFIRM_COUNT] =
            json!({"type": "integer", "minimum": 0});
    }
    if let Some(names) = changes_all_optional(op, &args) {
        full[AT_LEAST_ONE_OF] = json!(names);
    }
    let validation_schema = (full != client_view).then_some(full);
    let input_schema = client_view;
    let output_schema = output_schema(&op.response);
    Ok(Tool {
        operation: op.clone(),
        name,
        title,
        description,
        tags,
        kind,
        hints,
        args,
        fixed_query,
        // Resolved against the other tools in `build`.
        guarded: match drops_data_of {
            Some(list) => Some(CountWith {
                operation_id: list,
                tool: String::new(),
                carry: vec![],
                drops: true,
            }),
            None => guarded.then(|| CountWith {
                operation_id: count_with.unwrap_or_default(),
                tool: String::new(),
                carry: vec![],
                drops: false,
            }),
        },
        pageable,
        // Filled in from the overrides' `names` in `build`.
        names: vec![],
        input_schema,
        validation_schema,
        output_schema,
    })
}

/// Points each guarded write at the list tool its `count_with` names, and checks that the list
/// can count it: a paged list with a `where`, taking every path argument it needs from the
/// write. A guarded write without a reader is an error: the guard could not count it.
fn resolve_count_readers(tools: &mut [Tool], tools_at: &Pointer) -> Result<()> {
    for i in 0..tools.len() {
        let Some((wanted, drops)) = tools[i]
            .guarded
            .as_ref()
            .map(|c| (c.operation_id.clone(), c.drops))
        else {
            continue;
        };
        let key = if drops { "drops_data_of" } else { "count_with" };
        let at = tools_at.join(&tools[i].operation.id).join(key);
        let fail = |message: String| Err(Error::overrides(at.as_str(), message));
        if wanted.is_empty() {
            return fail(format!(
                "`{}` changes every record its where selects, so the guard counts them first: \
                 name the list operation that reads the same records (count_with: <operationId>)",
                tools[i].operation.id
            ));
        }
        let Some(reader) = tools.iter().find(|t| t.operation.id == wanted) else {
            return fail(format!("no operation with operationId `{wanted}`"));
        };
        if !reader.pageable || !reader.args.iter().any(|a| a.name == WHERE) {
            return fail(format!(
                "`{wanted}` cannot count records: it must be a read-only list taking {WHERE}, {PAGE_NUMBER} and {PAGE_SIZE}"
            ));
        }
        let mut carry = Vec::new();
        for arg in reader
            .args
            .iter()
            .filter(|a| matches!(a.source, ArgSource::Path(_)))
        {
            if !tools[i].args.iter().any(|a| a.name == arg.name) {
                return fail(format!(
                    "`{wanted}` needs the argument `{}`, which `{}` does not take",
                    arg.name, tools[i].operation.id
                ));
            }
            carry.push(arg.name.clone());
        }
        let resolved = CountWith {
            operation_id: wanted,
            tool: reader.name.clone(),
            carry,
            drops,
        };
        tools[i].guarded = Some(resolved);
    }
    Ok(())
}

/// Gives every operation under each `names` rule's path the rule's lookup, after checking that
/// the rule's list exists, takes no required argument, and lists items with both fields.
fn resolve_name_lookups(tools: &mut [Tool], overrides: &Overrides) -> Result<()> {
    let names_at = Pointer::root().join("names");
    for (i, rule) in overrides.names.iter().enumerate() {
        let at = names_at.join(i.to_string());
        let fail =
            |key: &str, message: String| Err(Error::overrides(at.join(key).as_str(), message));
        let Some(param) = rule
            .under
            .rsplit('/')
            .next()
            .and_then(|last| last.strip_prefix('{'))
            .and_then(|last| last.strip_suffix('}'))
        else {
            return fail(
                "under",
                format!(
                    "`{}` must end in the key's path parameter, e.g. `/things/{{key}}`",
                    rule.under
                ),
            );
        };
        let Some(list) = tools.iter().find(|t| t.operation.id == rule.list) else {
            return fail(
                "list",
                format!("no operation with operationId `{}`", rule.list),
            );
        };
        if !list.hints.read_only || list.args.iter().any(|a| a.required) {
            return fail(
                "list",
                format!(
                    "`{}` must be a read-only operation that needs no argument",
                    rule.list
                ),
            );
        }
        for field in [&rule.key, &rule.name] {
            if !lists_field(&list.operation.response, field) {
                return fail(
                    if field == &rule.key { "key" } else { "name" },
                    format!("`{}` does not list items with a field `{field}`", rule.list),
                );
            }
        }
        let lookup = NameWith {
            argument: String::new(),
            operation_id: rule.list.clone(),
            tool: list.name.clone(),
            key: rule.key.clone(),
            name: rule.name.clone(),
        };
        let mut matched = 0;
        for tool in tools.iter_mut() {
            if !tool.operation.path.starts_with(&rule.under) {
                continue;
            }
            let Some(arg) = tool
                .args
                .iter()
                .find(|a| matches!(&a.source, ArgSource::Path(wire) if wire == param))
            else {
                continue;
            };
            tool.names.push(NameWith {
                argument: arg.name.clone(),
                ..lookup.clone()
            });
            matched += 1;
        }
        if matched == 0 {
            return fail(
                "under",
                format!("no operation's path starts with `{}`", rule.under),
            );
        }
    }
    Ok(())
}

/// Whether a list answer's items (a bare array, or an object's `Result` array) have `field`.
fn lists_field(response: &crate::ir::Response, field: &str) -> bool {
    let crate::ir::Response::Json { schema, .. } = response else {
        return false;
    };
    let items = match &schema.kind {
        Kind::Array { items, .. } => items,
        Kind::Object { properties, .. } => match properties.iter().find(|p| p.name == "Result") {
            Some(crate::ir::Property {
                schema:
                    Schema {
                        kind: Kind::Array { items, .. },
                        ..
                    },
                ..
            }) => items,
            _ => return false,
        },
        _ => return false,
    };
    matches!(&items.kind, Kind::Object { properties, .. } if properties.iter().any(|p| p.name == field))
}

/// A default tool name for an operation with no override: its snake_case operationId, cut to
/// fit with a stable hash suffix when too long.
pub fn default_tool_name(operation_id: &str) -> Option<String> {
    let name = fn_name(operation_id)?;
    if name.len() <= MAX_TOOL_NAME {
        return Some(name);
    }
    let hash = operation_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let head = name[..MAX_TOOL_NAME - 7].trim_end_matches('_');
    Some(format!("{head}_{:06x}", hash & 0xff_ffff))
}

/// The arguments of an operation with their default names: path parameters, then the body,
/// then query and header parameters.
fn flatten(op: &Operation) -> Result<Vec<Arg>> {
    let name_of = |wire: &str| {
        arg_name(wire).ok_or_else(|| {
            Error::spec(
                op.pointer.as_str(),
                format!("`{wire}` gives no usable argument name; rename it in the spec"),
            )
        })
    };
    let mut args = Vec::new();
    let param_arg = |p: &crate::ir::Param, source: ArgSource| -> Result<Arg> {
        Ok(Arg {
            name: name_of(&p.name)?,
            source,
            required: p.required,
            schema: p.schema.clone(),
            description: p.description.clone(),
            brief: false,
        })
    };
    for p in op.params.iter().filter(|p| p.location == Location::Path) {
        args.push(param_arg(p, ArgSource::Path(p.name.clone()))?);
    }
    match &op.body {
        None => {}
        Some(Body::Json {
            schema,
            required,
            description,
            ..
        }) => match &schema.kind {
            Kind::Object { properties, .. } if !properties.is_empty() => {
                for prop in properties {
                    args.push(Arg {
                        name: name_of(&prop.name)?,
                        source: ArgSource::BodyField(prop.name.clone()),
                        required: *required && prop.required,
                        schema: prop.schema.clone(),
                        description: prop.schema.description.clone(),
                        brief: false,
                    });
                }
            }
            _ => args.push(Arg {
                name: "body".to_string(),
                source: ArgSource::Body,
                required: *required,
                schema: schema.clone(),
                description: description.clone().or_else(|| schema.description.clone()),
                brief: false,
            }),
        },
        Some(Body::Multipart { parts, .. }) => {
            for part in parts {
                let (source, schema) = match &part.kind {
                    PartKind::File => {
                        (ArgSource::File(part.name.clone()), Schema::of(Kind::Binary))
                    }
                    PartKind::Files => (
                        ArgSource::Files(part.name.clone()),
                        Schema::of(Kind::Array {
                            items: Box::new(Schema::of(Kind::Binary)),
                            min_items: Some(1),
                            max_items: None,
                        }),
                    ),
                    PartKind::Text(s) => (ArgSource::Text(part.name.clone()), s.clone()),
                };
                args.push(Arg {
                    name: name_of(&part.name)?,
                    source,
                    required: part.required,
                    schema,
                    description: part.description.clone(),
                    brief: false,
                });
            }
        }
    }
    for p in &op.params {
        match p.location {
            Location::Path => {}
            Location::Query => args.push(param_arg(p, ArgSource::Query(p.name.clone()))?),
            Location::Header => args.push(param_arg(p, ArgSource::Header(p.name.clone()))?),
        }
    }
    Ok(args)
}

/// A list the runtime can page through: it takes a page number and a page size.
fn is_paged(args: &[Arg]) -> bool {
    [PAGE_NUMBER, PAGE_SIZE]
        .iter()
        .all(|n| args.iter().any(|a| a.name == *n))
}

/// The body arguments of an update whose body properties are all optional. An update that sends
/// none of them has nothing to change, and Caspio refuses it with a 400 about the body; the
/// tool layer refuses it first and says which arguments would do.
fn changes_all_optional(op: &Operation, args: &[Arg]) -> Option<Vec<String>> {
    if !matches!(op.method, Method::Put | Method::Patch) {
        return None;
    }
    let changes: Vec<&Arg> = args
        .iter()
        .filter(|a| matches!(a.source, ArgSource::BodyField(_) | ArgSource::Group(_)))
        .collect();
    (!changes.is_empty() && changes.iter().all(|a| !a.required))
        .then(|| changes.iter().map(|a| a.name.clone()).collect())
}
