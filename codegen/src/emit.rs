//! Emitting Rust: types for the named schemas, one parameter struct and one request builder per
//! operation, the typed `Client` methods, and the static tool registry with its dispatcher.
//! Everything shared (sending, auth, errors, multipart, validation) is hand-written runtime code
//! in the generated crate; what is emitted here only calls it.

use crate::error::{Error, Result};
use crate::ir::{Kind, Response, Schema};
use crate::naming::{field_ident, fn_name, needs_rename, type_name};
use crate::tools::{ArgSource, Hints, MethodKind, Tool};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use std::collections::BTreeMap;

/// Emits the generated module for these tools, formatted.
pub fn emit(base_path: &str, tools: &[Tool]) -> Result<String> {
    let mut types = Types::default();
    let mut params = Vec::new();
    let mut requests = Vec::new();
    let mut methods = Vec::new();
    let mut registry = Vec::new();
    let mut builders = Vec::new();

    for tool in tools {
        let op = &tool.operation;
        let fn_ident = ident(&fn_name(&op.id).ok_or_else(|| {
            Error::spec(
                op.pointer.as_str(),
                format!("operationId `{}` gives no usable function name", op.id),
            )
        })?);
        let op_type = type_name(&op.id).ok_or_else(|| {
            Error::spec(
                op.pointer.as_str(),
                format!("operationId `{}` gives no usable type name", op.id),
            )
        })?;
        let params_ident = format_ident!("{}", op_type);
        let has_args = !tool.args.is_empty();

        // Parameter struct.
        if has_args {
            let mut fields = Vec::new();
            for arg in &tool.args {
                let hint = format!("{op_type}{}", type_name(&arg.name).unwrap_or_default());
                let inner = types.rust_type(&arg.schema, &hint);
                let f = field_ident(&arg.name);
                fields.push(struct_field(
                    &f,
                    &arg.name,
                    arg.description.as_deref(),
                    inner,
                    arg.required,
                ));
            }
            let doc = format!("Arguments of `{}` (tool `{}`).", op.id, tool.name);
            params.push(quote! {
                #[doc = #doc]
                #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
                #[serde(deny_unknown_fields)]
                pub struct #params_ident { #(#fields)* }
            });
        }

        // Request builder.
        let method = op.method.as_str();
        let method_variant = variant(op.method);
        let path = &op.path;
        let mut steps = Vec::new();
        for arg in &tool.args {
            let f = field_ident(&arg.name);
            let is_array = matches!(arg.schema.kind, Kind::Array { .. });
            if let ArgSource::Group(members) = &arg.source {
                for m in members {
                    let ArgSource::BodyField(wire) = &m.source else {
                        continue;
                    };
                    let mf = field_ident(&m.name);
                    steps.push(
                        quote!(.json_field_opt(#wire, p.#f.as_ref().and_then(|g| g.#mf.as_ref()))),
                    );
                }
                continue;
            }
            let (call, wire): (&str, &str) = match &arg.source {
                ArgSource::Path(w) => ("path", w),
                ArgSource::Query(w) if is_array => ("query_each", w),
                ArgSource::Query(w) => ("query", w),
                ArgSource::Header(w) => ("header", w),
                ArgSource::BodyField(w) => ("json_field", w),
                ArgSource::Body => ("json_body", ""),
                ArgSource::File(w) => ("file", w),
                ArgSource::Files(w) => ("files", w),
                ArgSource::Text(w) => ("text", w),
                ArgSource::Group(_) => continue,
            };
            let call = if arg.required {
                format_ident!("{}", call)
            } else {
                format_ident!("{}_opt", call)
            };
            let value = if arg.required {
                quote!(&p.#f)
            } else {
                quote!(p.#f.as_ref())
            };
            steps.push(
                if wire.is_empty() && matches!(arg.source, ArgSource::Body) {
                    quote!(.#call(#value))
                } else {
                    quote!(.#call(#wire, #value))
                },
            );
        }
        for (wire, value) in &tool.fixed_query {
            steps.push(quote!(.query(#wire, #value)));
        }
        let req_doc = format!("The HTTP request of `{}`: {method} {path}.", op.id);
        if has_args {
            requests.push(quote! {
                #[doc = #req_doc]
                pub fn #fn_ident(p: &crate::params::#params_ident) -> crate::Request {
                    crate::Request::new(HttpMethod::#method_variant, #path) #(#steps)*
                }
            });
        } else {
            requests.push(quote! {
                #[doc = #req_doc]
                pub fn #fn_ident() -> crate::Request { crate::Request::new(HttpMethod::#method_variant, #path) }
            });
        }

        // Typed client method.
        let (ret, finish) = match &op.response {
            Response::Empty => (quote!(()), quote!(.empty())),
            Response::Binary => (quote!(crate::Download), quote!(.download())),
            Response::Json {
                schema,
                may_be_empty,
            } => {
                let t = types.rust_type(schema, &format!("{op_type}Response"));
                if *may_be_empty {
                    (quote!(Option<#t>), quote!(.json_opt()))
                } else {
                    (quote!(#t), quote!(.json()))
                }
            }
        };
        let doc = method_doc(tool);
        let (sig, build) = if has_args {
            (
                quote!(&self, params: &crate::params::#params_ident),
                quote!(crate::requests::#fn_ident(params)),
            )
        } else {
            (quote!(&self), quote!(crate::requests::#fn_ident()))
        };
        methods.push(quote! {
            #[doc = #doc]
            pub async fn #fn_ident(#sig) -> Result<#ret, crate::Error> {
                self.send(#build).await? #finish
            }
        });

        // Registry entry and the builder it points at.
        let (name, title, description, op_id) =
            (&tool.name, &tool.title, &tool.description, &op.id);
        let tags = tool.tags.iter().map(variant);
        let method_kind = match MethodKind::standard(&tool.kind) {
            Some(k) => {
                let v = variant(k);
                quote!(MethodKind::#v)
            }
            None => {
                let verb = &tool.kind;
                quote!(MethodKind::Custom(#verb))
            }
        };
        let Hints {
            read_only,
            destructive,
            idempotent,
            bulk,
        } = tool.hints;
        let schema = |value: &serde_json::Value| -> Result<TokenStream> {
            let text = serde_json::to_string(value)
                .map_err(|e| Error::spec(op.pointer.as_str(), e.to_string()))?;
            let text = raw_string(&text);
            Ok(quote!(Schema::new(#text)))
        };
        let input = schema(&tool.input_schema)?;
        let optional = |value: &Option<serde_json::Value>| -> Result<TokenStream> {
            Ok(match value {
                Some(v) => {
                    let s = schema(v)?;
                    quote!(Some(#s))
                }
                None => quote!(None),
            })
        };
        let validation = optional(&tool.validation_schema)?;
        let output = optional(&tool.output_schema)?;
        let output_kind = match &op.response {
            Response::Empty => quote!(OutputKind::Empty),
            Response::Binary => quote!(OutputKind::Binary),
            Response::Json { .. } => quote!(OutputKind::Json),
        };
        let extras = match &tool.guarded {
            Some(reader) => {
                let reader_tool = &reader.tool;
                let reader_fn = ident(&fn_name(&reader.operation_id).ok_or_else(|| {
                    Error::spec(op.pointer.as_str(), "count_with names no usable operation")
                })?);
                let carry = &reader.carry;
                let variant = ident(if reader.drops { "Drops" } else { "Guarded" });
                quote!(Extras::#variant(CountReader {
                    tool: #reader_tool,
                    build: crate::builders::#reader_fn,
                    carry: &[#(#carry),*],
                }))
            }
            None if tool.pageable => quote!(Extras::Paged),
            None => quote!(Extras::None),
        };
        let mut names = Vec::new();
        for lookup in &tool.names {
            let reader_fn = ident(&fn_name(&lookup.operation_id).ok_or_else(|| {
                Error::spec(op.pointer.as_str(), "names names no usable list operation")
            })?);
            let (argument, list_tool, key, name) =
                (&lookup.argument, &lookup.tool, &lookup.key, &lookup.name);
            names.push(quote!(NameLookup {
                argument: #argument,
                tool: #list_tool,
                build: crate::builders::#reader_fn,
                key: #key,
                name: #name,
            }));
        }
        registry.push(quote! {
            ToolDef {
                name: #name,
                title: #title,
                description: #description,
                tags: &[#(Tag::#tags),*],
                method: #method_kind,
                hints: Hints { read_only: #read_only, destructive: #destructive, idempotent: #idempotent, bulk: #bulk },
                input_schema: #input,
                validation_schema: #validation,
                output_schema: #output,
                output: #output_kind,
                kind: ToolKind::Http {
                    operation_id: #op_id,
                    method: HttpMethod::#method_variant,
                    path: #path,
                    build: crate::builders::#fn_ident,
                },
                extras: #extras,
                names: &[#(#names),*],
            }
        });
        let build_doc = format!("`{op_id}` from checked tool arguments.");
        builders.push(if has_args {
            quote! {
                #[doc = #build_doc]
                pub fn #fn_ident(args: Map<String, Value>) -> Result<crate::Request, CallError> {
                    Ok(crate::requests::#fn_ident(&decode::<crate::params::#params_ident>(args)?))
                }
            }
        } else {
            quote! {
                #[doc = #build_doc]
                pub fn #fn_ident(_: Map<String, Value>) -> Result<crate::Request, CallError> {
                    Ok(crate::requests::#fn_ident())
                }
            }
        });
    }

    let type_defs = types.emit();
    let count = registry.len();
    let tokens = quote! {
        /// The path prefix of every operation, from the spec's first server URL.
        pub const BASE_PATH: &str = #base_path;

        /// Types of the schemas the spec names, and of inline objects named after their place.
        pub mod types {
            #(#type_defs)*
        }

        /// One argument struct per operation: the flattened tool arguments, also the typed
        /// client's parameters.
        pub mod params {
            #(#params)*
        }

        /// One request builder per operation.
        pub mod requests {
            use caspio_runtime::contract::HttpMethod;

            #(#requests)*
        }

        /// One request builder per tool: checked JSON arguments → parameter struct → request.
        pub mod builders {
            use caspio_runtime::tools::{decode, CallError};
            use serde_json::{Map, Value};

            #(#builders)*
        }

        impl crate::Client {
            #(#methods)*
        }

        /// Every generated tool, in document order; [`registry`] adds the runtime's local ones.
        pub static TOOLS: [caspio_runtime::tools::ToolDef; #count] = {
            use caspio_runtime::contract::{HttpMethod, Hints, MethodKind, OutputKind, Schema, Tag};
            use caspio_runtime::tools::{CountReader, Extras, NameLookup, ToolDef, ToolKind};
            [#(#registry),*]
        };
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        Error::spec(
            "#",
            format!("internal error: generated code does not parse: {e}"),
        )
    })?;
    Ok(prettyplease::unparse(&file))
}

fn method_doc(tool: &Tool) -> String {
    let op = &tool.operation;
    let summary = op
        .summary
        .clone()
        .unwrap_or_else(|| tool.description.clone());
    format!(
        "{summary}\n\n`{} {}` (operationId `{}`, tool `{}`).",
        op.method.as_str(),
        op.path,
        op.id,
        tool.name
    )
}

/// One struct field: its doc only when the spec has something to say, `rename` only when the
/// wire name differs from the field's, and optional fields left out when unset.
fn struct_field(
    f: &Ident,
    wire: &str,
    description: Option<&str>,
    inner: TokenStream,
    required: bool,
) -> TokenStream {
    let doc = description.map(|d| quote!(#[doc = #d]));
    let rename = needs_rename(f, wire).then(|| quote!(rename = #wire));
    if required {
        let serde = rename.map(|r| quote!(#[serde(#r)]));
        quote! { #doc #serde pub #f: #inner, }
    } else {
        let rename = rename.map(|r| quote!(#r,));
        quote! {
            #doc
            #[serde(#rename default, skip_serializing_if = "Option::is_none")]
            pub #f: Option<#inner>,
        }
    }
}

/// A raw string literal (`r#"..."#`), so JSON reads as JSON in the generated source.
fn raw_string(text: &str) -> proc_macro2::Literal {
    let mut hashes = 1;
    while text.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let fence = "#".repeat(hashes);
    // A raw string of any text with a fence longer than any `"#…` inside always parses.
    format!("r{fence}\"{text}\"{fence}")
        .parse()
        .unwrap_or_else(|_| proc_macro2::Literal::string(text))
}

/// The identifier of a contract enum's unit variant (`HttpMethod::Get` → `Get`).
fn variant(value: impl std::fmt::Debug) -> Ident {
    Ident::new(&format!("{value:?}"), Span::call_site())
}

fn ident(name: &str) -> Ident {
    field_ident(name)
}

/// A generated struct.
struct StructDef {
    doc: Option<String>,
    fields: Vec<TokenStream>,
    /// The schema it was made from, to tell a name clash from a second use.
    schema: Schema,
}

/// The named types, ordered by name so output is deterministic.
#[derive(Default)]
struct Types {
    defs: BTreeMap<String, StructDef>,
}

impl Types {
    /// The Rust type for a schema, registering structs for objects with properties.
    fn rust_type(&mut self, schema: &Schema, hint: &str) -> TokenStream {
        match &schema.kind {
            Kind::String { .. } => quote!(String),
            Kind::Integer { format, .. } if format.as_deref() == Some("int32") => quote!(i32),
            Kind::Integer { .. } => quote!(i64),
            Kind::Number { .. } => quote!(f64),
            Kind::Boolean => quote!(bool),
            Kind::Binary => quote!(crate::FileUpload),
            Kind::Any => quote!(serde_json::Value),
            Kind::Array { items, .. } => {
                let inner = self.rust_type(items, &format!("{hint}Item"));
                quote!(Vec<#inner>)
            }
            // Free-form objects stay maps whatever `additionalProperties` claims: Caspio's own
            // document types record values as objects, and real records hold strings and numbers.
            Kind::Object { properties, .. } if properties.is_empty() => {
                quote!(serde_json::Map<String, serde_json::Value>)
            }
            Kind::Object { properties, .. } => {
                let base = schema
                    .name
                    .as_deref()
                    .and_then(type_name)
                    .unwrap_or_else(|| hint.to_string());
                let mut name = base.clone();
                let mut n = 2;
                loop {
                    match self.defs.get(&name) {
                        Some(existing) if same_shape(&existing.schema, schema) => break,
                        Some(_) => {
                            name = format!("{base}{n}");
                            n += 1;
                        }
                        None => {
                            // Reserve the name before recursing so nested types see it taken.
                            self.defs.insert(
                                name.clone(),
                                StructDef {
                                    doc: None,
                                    fields: vec![],
                                    schema: schema.clone(),
                                },
                            );
                            let mut fields = Vec::new();
                            let mut used = std::collections::BTreeSet::new();
                            for p in properties {
                                let mut field = crate::naming::arg_name(&p.name)
                                    .unwrap_or_else(|| "field".into());
                                while !used.insert(field.clone()) {
                                    field.push('_');
                                }
                                let f = field_ident(&field);
                                let inner = self.rust_type(
                                    &p.schema,
                                    &format!("{name}{}", type_name(&p.name).unwrap_or_default()),
                                );
                                fields.push(struct_field(
                                    &f,
                                    &p.name,
                                    p.schema.description.as_deref(),
                                    inner,
                                    p.required && !p.schema.nullable,
                                ));
                            }
                            let def = self.defs.get_mut(&name).expect("reserved above");
                            def.fields = fields;
                            def.doc = schema.description.clone();
                            break;
                        }
                    }
                }
                let id = Ident::new(&name, Span::call_site());
                quote!(crate::types::#id)
            }
        }
    }

    fn emit(&self) -> Vec<TokenStream> {
        self.defs
            .iter()
            .map(|(name, def)| {
                let id = Ident::new(name, Span::call_site());
                let doc = def.doc.as_ref().map(|d| quote!(#[doc = #d]));
                let fields = &def.fields;
                quote! {
                    #doc
                    #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
                    pub struct #id { #(#fields)* }
                }
            })
            .collect()
    }
}

/// Two schemas that would make the same struct (descriptions aside).
fn same_shape(a: &Schema, b: &Schema) -> bool {
    fn strip(s: &Schema) -> Schema {
        let mut s = s.clone();
        s.description = None;
        s.default = None;
        s.notes.clear();
        if let Kind::Object { properties, .. } = &mut s.kind {
            for p in properties {
                p.schema = strip(&p.schema);
            }
        }
        if let Kind::Array { items, .. } = &mut s.kind {
            **items = strip(items);
        }
        s
    }
    strip(a) == strip(b)
}
