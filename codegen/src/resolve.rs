//! `$ref` resolution and schema lowering. References are resolved against the raw document tree
//! by JSON pointer, so a reference may point anywhere in the document, not only into
//! `components`. External references are refused (the generator never reads other files or the
//! network), and recursive schemas are reported with the chain of references that loops.

use crate::error::{Error, Result, Source};
use crate::ir::{Additional, Kind, Property, Schema};
use crate::load::from_value_at;
use crate::pointer::Pointer;
use openapiv3::{ReferenceOr, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::RefCell;

/// Resolves references in one document.
pub struct Resolver<'a> {
    raw: &'a Value,
    /// References being expanded right now, outermost first: a reference met again while it is
    /// on this stack is a cycle.
    expanding: RefCell<Vec<Pointer>>,
}

impl<'a> Resolver<'a> {
    /// A resolver over the raw document tree.
    pub fn new(raw: &'a Value) -> Self {
        Resolver {
            raw,
            expanding: RefCell::new(Vec::new()),
        }
    }

    /// Where a reference found at `at` points, checked to exist.
    fn target(&self, reference: &str, at: &Pointer) -> Result<Pointer> {
        let target = Pointer::parse_ref(reference).ok_or_else(|| {
            Error::spec(
                at.as_str(),
                format!(
                    "external reference `{reference}` is not supported; inline it or move it under #/components"
                ),
            )
        })?;
        if target.lookup(self.raw).is_none() {
            return Err(Error::spec(
                at.as_str(),
                format!("reference `{reference}` points at nothing in the document"),
            ));
        }
        Ok(target)
    }

    /// The item behind `value`, following chains of references. Returns it with the pointer
    /// where it was found.
    pub fn item<T: DeserializeOwned + Clone>(
        &self,
        value: &ReferenceOr<T>,
        at: &Pointer,
    ) -> Result<(T, Pointer)> {
        let mut current = value.clone();
        let mut here = at.clone();
        let mut seen: Vec<Pointer> = Vec::new();
        loop {
            match current {
                ReferenceOr::Item(item) => return Ok((item, here)),
                ReferenceOr::Reference { reference } => {
                    let target = self.target(&reference, &here)?;
                    if seen.contains(&target) {
                        return Err(Error::spec(
                            at.as_str(),
                            format!("reference chain loops: {}", chain(&seen, &target)),
                        ));
                    }
                    seen.push(target.clone());
                    let raw = target
                        .lookup(self.raw)
                        .expect("target() checked the pointer");
                    current = from_value_at(raw, &target, Source::Spec)
                        .map_err(|e| reached_from(e, &here))?;
                    here = target;
                }
            }
        }
    }

    /// Lowers a (possibly referenced) schema.
    pub fn schema(&self, value: &ReferenceOr<openapiv3::Schema>, at: &Pointer) -> Result<Schema> {
        match value {
            ReferenceOr::Item(schema) => self.lower(schema, at),
            ReferenceOr::Reference { reference } => {
                let target = self.target(reference, at)?;
                if self.expanding.borrow().contains(&target) {
                    let stack = self.expanding.borrow().clone();
                    return Err(Error::spec(
                        at.as_str(),
                        format!(
                            "recursive schema: {}; recursive schemas cannot be flattened into tool \
                             arguments",
                            chain(&stack, &target)
                        ),
                    ));
                }
                self.expanding.borrow_mut().push(target.clone());
                let raw = target
                    .lookup(self.raw)
                    .expect("target() checked the pointer");
                let result =
                    from_value_at::<ReferenceOr<openapiv3::Schema>>(raw, &target, Source::Spec)
                        .map_err(|e| reached_from(e, at))
                        .and_then(|inner| self.schema(&inner, &target));
                self.expanding.borrow_mut().pop();
                let mut schema = result?;
                if schema.name.is_none() {
                    schema.name = component_name(&target);
                }
                Ok(schema)
            }
        }
    }

    /// Lowers a boxed schema reference (as used for properties and items).
    pub fn boxed(
        &self,
        value: &ReferenceOr<Box<openapiv3::Schema>>,
        at: &Pointer,
    ) -> Result<Schema> {
        match value {
            ReferenceOr::Item(schema) => self.lower(schema, at),
            ReferenceOr::Reference { reference } => self.schema(
                &ReferenceOr::Reference {
                    reference: reference.clone(),
                },
                at,
            ),
        }
    }

    fn lower(&self, schema: &openapiv3::Schema, at: &Pointer) -> Result<Schema> {
        let data = &schema.schema_data;
        let mut out = match &schema.schema_kind {
            SchemaKind::Type(t) => self.lower_type(t, at)?,
            SchemaKind::OneOf { one_of } => {
                self.alternatives(one_of, &at.join("oneOf"), "oneOf")?
            }
            SchemaKind::AnyOf { any_of } => {
                self.alternatives(any_of, &at.join("anyOf"), "anyOf")?
            }
            SchemaKind::AllOf { all_of } => self.all_of(all_of, &at.join("allOf"))?,
            SchemaKind::Not { .. } => {
                return Err(Error::spec(
                    at.join("not").as_str(),
                    "`not` schemas are not supported: no client schema subset can express them",
                ))
            }
            SchemaKind::Any(any) => self.lower_any(any, at)?,
        };
        out.nullable |= data.nullable;
        if data.description.is_some() {
            out.description = data.description.clone();
        }
        if data.default.is_some() {
            out.default = data.default.clone();
        }
        Ok(out)
    }

    fn lower_type(&self, t: &Type, at: &Pointer) -> Result<Schema> {
        Ok(match t {
            Type::String(s) => {
                let format = match &s.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Binary) => {
                        return Ok(Schema::of(Kind::Binary))
                    }
                    VariantOrUnknownOrEmpty::Item(f) => Some(
                        serde_json::to_value(f)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                    ),
                    VariantOrUnknownOrEmpty::Unknown(f) if f == "binary" => {
                        return Ok(Schema::of(Kind::Binary))
                    }
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
                    VariantOrUnknownOrEmpty::Empty => None,
                };
                let mut schema = Schema::of(Kind::String {
                    format,
                    enumeration: s.enumeration.iter().flatten().cloned().collect(),
                    min_length: s.min_length.map(|n| n as u64),
                    max_length: s.max_length.map(|n| n as u64),
                    pattern: s.pattern.clone(),
                });
                schema.nullable = s.enumeration.iter().any(Option::is_none);
                schema
            }
            Type::Integer(i) => {
                let mut notes = vec![];
                let minimum = match (i.minimum, i.exclusive_minimum) {
                    (Some(m), true) => Some(m.checked_add(1).ok_or_else(|| {
                        Error::spec(
                            at.join("minimum").as_str(),
                            "exclusive minimum overflows i64",
                        )
                    })?),
                    (m, _) => m,
                };
                let maximum = match (i.maximum, i.exclusive_maximum) {
                    (Some(m), true) => Some(m.checked_sub(1).ok_or_else(|| {
                        Error::spec(
                            at.join("maximum").as_str(),
                            "exclusive maximum overflows i64",
                        )
                    })?),
                    (m, _) => m,
                };
                if let Some(step) = i.multiple_of {
                    notes.push(format!("a multiple of {step}"));
                }
                let format = match &i.format {
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => {
                        Some("int32".into())
                    }
                    VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int64) => {
                        Some("int64".into())
                    }
                    VariantOrUnknownOrEmpty::Unknown(f) => Some(f.clone()),
                    VariantOrUnknownOrEmpty::Empty => None,
                };
                let mut schema = Schema::of(Kind::Integer {
                    format,
                    minimum,
                    maximum,
                    enumeration: i.enumeration.iter().flatten().copied().collect(),
                });
                schema.notes = notes;
                schema
            }
            Type::Number(n) => {
                let mut notes = vec![];
                if n.exclusive_minimum {
                    if let Some(m) = n.minimum {
                        notes.push(format!("greater than {m}"));
                    }
                }
                if n.exclusive_maximum {
                    if let Some(m) = n.maximum {
                        notes.push(format!("less than {m}"));
                    }
                }
                if let Some(step) = n.multiple_of {
                    notes.push(format!("a multiple of {step}"));
                }
                let mut schema = Schema::of(Kind::Number {
                    minimum: n.minimum.filter(|_| !n.exclusive_minimum),
                    maximum: n.maximum.filter(|_| !n.exclusive_maximum),
                });
                schema.notes = notes;
                schema
            }
            Type::Boolean(_) => Schema::of(Kind::Boolean),
            Type::Array(a) => {
                let items = match &a.items {
                    Some(items) => self.boxed(items, &at.join("items"))?,
                    None => Schema::of(Kind::Any),
                };
                let mut schema = Schema::of(Kind::Array {
                    items: Box::new(items),
                    min_items: a.min_items.map(|n| n as u64),
                    max_items: a.max_items.map(|n| n as u64),
                });
                if a.unique_items {
                    schema.notes.push("items must be unique".into());
                }
                schema
            }
            Type::Object(o) => self.object(
                &o.properties,
                &o.required,
                o.additional_properties.as_ref(),
                at,
            )?,
        })
    }

    fn object(
        &self,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<openapiv3::Schema>>>,
        required: &[String],
        additional: Option<&openapiv3::AdditionalProperties>,
        at: &Pointer,
    ) -> Result<Schema> {
        let props_at = at.join("properties");
        let mut props = Vec::with_capacity(properties.len());
        for (name, schema) in properties {
            props.push(Property {
                name: name.clone(),
                schema: self.boxed(schema, &props_at.join(name))?,
                required: required.iter().any(|r| r == name),
            });
        }
        let additional = match additional {
            None | Some(openapiv3::AdditionalProperties::Any(true)) => Additional::Any,
            Some(openapiv3::AdditionalProperties::Any(false)) => Additional::Closed,
            Some(openapiv3::AdditionalProperties::Schema(s)) => {
                Additional::Typed(Box::new(self.schema(s, &at.join("additionalProperties"))?))
            }
        };
        let mut schema = Schema::of(Kind::Object {
            properties: props,
            additional,
        });
        // `required` naming an undeclared key cannot be kept in a tool schema (clients reject it);
        // say it in words instead.
        for name in required {
            if !properties.contains_key(name) {
                schema.notes.push(format!("`{name}` is required"));
            }
        }
        Ok(schema)
    }

    /// oneOf/anyOf: one alternative is that alternative (Caspio wraps nullable refs this way);
    /// several are kept as "any value" with the alternatives named in a note, since the lowest
    /// common schema subset has no unions.
    fn alternatives(
        &self,
        variants: &[ReferenceOr<openapiv3::Schema>],
        at: &Pointer,
        keyword: &str,
    ) -> Result<Schema> {
        let lowered = variants
            .iter()
            .enumerate()
            .map(|(i, v)| self.schema(v, &at.join(i.to_string())))
            .collect::<Result<Vec<_>>>()?;
        match lowered.len() {
            0 => Err(Error::spec(
                at.as_str(),
                format!("`{keyword}` with no alternatives"),
            )),
            1 => Ok(lowered.into_iter().next().expect("one alternative")),
            _ => {
                let mut schema = Schema::of(Kind::Any);
                let names: Vec<String> = lowered.iter().map(describe).collect();
                schema.notes.push(format!("one of: {}", names.join(", ")));
                schema.nullable = lowered.iter().any(|s| s.nullable);
                Ok(schema)
            }
        }
    }

    /// allOf: object parts are merged into one object; a single part is that part.
    fn all_of(&self, parts: &[ReferenceOr<openapiv3::Schema>], at: &Pointer) -> Result<Schema> {
        let lowered = parts
            .iter()
            .enumerate()
            .map(|(i, v)| self.schema(v, &at.join(i.to_string())))
            .collect::<Result<Vec<_>>>()?;
        if lowered.len() == 1 {
            return Ok(lowered.into_iter().next().expect("one part"));
        }
        merge_objects(lowered, at)
    }

    fn lower_any(&self, any: &openapiv3::AnySchema, at: &Pointer) -> Result<Schema> {
        if any.not.is_some() {
            return Err(Error::spec(
                at.join("not").as_str(),
                "`not` schemas are not supported: no client schema subset can express them",
            ));
        }
        let mut parts = Vec::new();
        let has_own = !any.properties.is_empty()
            || any.additional_properties.is_some()
            || any.typ.as_deref() == Some("object");
        if has_own {
            parts.push(self.object(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                at,
            )?);
        }
        for (i, part) in any.all_of.iter().enumerate() {
            parts.push(self.schema(part, &at.join("allOf").join(i.to_string()))?);
        }
        if !any.one_of.is_empty() {
            parts.push(self.alternatives(&any.one_of, &at.join("oneOf"), "oneOf")?);
        }
        if !any.any_of.is_empty() {
            parts.push(self.alternatives(&any.any_of, &at.join("anyOf"), "anyOf")?);
        }
        if parts.is_empty() {
            return Ok(match any.typ.as_deref() {
                Some("array") => {
                    let items = match &any.items {
                        Some(items) => self.boxed(items, &at.join("items"))?,
                        None => Schema::of(Kind::Any),
                    };
                    Schema::of(Kind::Array {
                        items: Box::new(items),
                        min_items: None,
                        max_items: None,
                    })
                }
                Some("string") if any.format.as_deref() == Some("binary") => {
                    Schema::of(Kind::Binary)
                }
                Some("string") => Schema::of(Kind::String {
                    format: any.format.clone(),
                    enumeration: any
                        .enumeration
                        .iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect(),
                    min_length: any.min_length.map(|n| n as u64),
                    max_length: any.max_length.map(|n| n as u64),
                    pattern: any.pattern.clone(),
                }),
                Some("integer") => Schema::of(Kind::Integer {
                    format: any.format.clone(),
                    minimum: any.minimum.map(|m| m as i64),
                    maximum: any.maximum.map(|m| m as i64),
                    enumeration: vec![],
                }),
                Some("number") => Schema::of(Kind::Number {
                    minimum: any.minimum,
                    maximum: any.maximum,
                }),
                Some("boolean") => Schema::of(Kind::Boolean),
                Some(other) => {
                    return Err(Error::spec(
                        at.join("type").as_str(),
                        format!("unknown type `{other}`"),
                    ))
                }
                None if any.items.is_some() => {
                    let items =
                        self.boxed(any.items.as_ref().expect("checked"), &at.join("items"))?;
                    Schema::of(Kind::Array {
                        items: Box::new(items),
                        min_items: None,
                        max_items: None,
                    })
                }
                None => Schema::of(Kind::Any),
            });
        }
        if parts.len() == 1 {
            return Ok(parts.into_iter().next().expect("one part"));
        }
        merge_objects(parts, at)
    }
}

/// Merges object schemas (allOf). Non-object parts other than "any" cannot be merged.
fn merge_objects(parts: Vec<Schema>, at: &Pointer) -> Result<Schema> {
    let mut properties: Vec<Property> = Vec::new();
    let mut additional = Additional::Any;
    let mut notes = Vec::new();
    let mut description = None;
    let mut nullable = true;
    for (i, part) in parts.into_iter().enumerate() {
        nullable &= part.nullable;
        notes.extend(part.notes);
        description = description.or(part.description);
        match part.kind {
            Kind::Object {
                properties: props,
                additional: add,
            } => {
                for p in props {
                    match properties.iter_mut().find(|q| q.name == p.name) {
                        Some(existing) => {
                            existing.required |= p.required;
                            existing.schema = p.schema;
                        }
                        None => properties.push(p),
                    }
                }
                if add == Additional::Closed {
                    additional = Additional::Closed;
                }
            }
            Kind::Any => {}
            other => {
                return Err(Error::spec(
                    at.join(i.to_string()).as_str(),
                    format!(
                        "allOf can only combine objects, found {}",
                        kind_name(&other)
                    ),
                ))
            }
        }
    }
    let mut schema = Schema::of(Kind::Object {
        properties,
        additional,
    });
    schema.notes = notes;
    schema.description = description;
    schema.nullable = nullable;
    Ok(schema)
}

fn component_name(target: &Pointer) -> Option<String> {
    let tokens = target.tokens();
    match tokens.as_slice() {
        [c, s, name] if c == "components" && s == "schemas" => Some(name.clone()),
        _ => None,
    }
}

/// An error inside a `$ref`'s target names the target; say which reference led there, since the
/// target (a shared component, or even the whole document) is often not where the mistake is.
fn reached_from(mut error: Error, reference_at: &Pointer) -> Error {
    error.message = format!(
        "{} (reached through the $ref at {})",
        error.message,
        reference_at.as_str()
    );
    error
}

fn chain(stack: &[Pointer], again: &Pointer) -> String {
    let start = stack.iter().position(|p| p == again).unwrap_or(0);
    let mut parts: Vec<&str> = stack[start..].iter().map(Pointer::as_str).collect();
    parts.push(again.as_str());
    parts.join(" -> ")
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::String { .. } => "a string",
        Kind::Integer { .. } => "an integer",
        Kind::Number { .. } => "a number",
        Kind::Boolean => "a boolean",
        Kind::Binary => "binary data",
        Kind::Array { .. } => "an array",
        Kind::Object { .. } => "an object",
        Kind::Any => "any value",
    }
}

fn describe(schema: &Schema) -> String {
    schema
        .name
        .clone()
        .unwrap_or_else(|| kind_name(&schema.kind).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lower(doc: Value, pointer: &str) -> Result<Schema> {
        let resolver = Resolver::new(&doc);
        let r = ReferenceOr::Reference {
            reference: pointer.to_string(),
        };
        resolver.schema(&r, &Pointer::root().join("test"))
    }

    #[test]
    fn resolves_refs_and_names_components() {
        let doc = json!({"components": {"schemas": {
            "Outer": {"type": "object", "properties": {"inner": {"$ref": "#/components/schemas/Inner"}}},
            "Inner": {"type": "string", "enum": ["a", "b"]}
        }}});
        let s = lower(doc, "#/components/schemas/Outer").unwrap();
        assert_eq!(s.name.as_deref(), Some("Outer"));
        let Kind::Object { properties, .. } = &s.kind else {
            panic!("not an object")
        };
        assert_eq!(properties[0].schema.name.as_deref(), Some("Inner"));
        assert!(
            matches!(&properties[0].schema.kind, Kind::String { enumeration, .. } if enumeration == &["a", "b"])
        );
    }

    #[test]
    fn detects_cycles_with_the_chain() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
            "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}
        }}});
        let err = lower(doc, "#/components/schemas/A").unwrap_err();
        assert!(err.message.contains("recursive schema"), "{err}");
        assert!(
            err.message.contains(
                "#/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
            ),
            "{err}"
        );
        assert_eq!(err.pointer, "#/components/schemas/B/items");
    }

    #[test]
    fn detects_reference_chains_that_loop() {
        let doc = json!({"components": {"parameters": {
            "p": {"$ref": "#/components/parameters/q"},
            "q": {"$ref": "#/components/parameters/p"}
        }}});
        let resolver = Resolver::new(&doc);
        let r: ReferenceOr<openapiv3::Parameter> = ReferenceOr::Reference {
            reference: "#/components/parameters/p".into(),
        };
        let err = resolver.item(&r, &Pointer::root().join("x")).unwrap_err();
        assert!(err.message.contains("loops"), "{err}");
    }

    #[test]
    fn refuses_external_and_dangling_refs() {
        let doc = json!({"components": {"schemas": {}}});
        let err = lower(doc.clone(), "other.yaml#/components/schemas/X").unwrap_err();
        assert!(err.message.contains("external reference"), "{err}");
        let err = lower(doc, "#/components/schemas/Missing").unwrap_err();
        assert!(err.message.contains("points at nothing"), "{err}");
        assert_eq!(err.pointer, "#/test");
    }

    #[test]
    fn merges_all_of_objects_and_unwraps_single_alternatives() {
        let doc = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
            "Full": {"allOf": [{"$ref": "#/components/schemas/Base"},
                               {"type": "object", "properties": {"name": {"type": "string"}}}]},
            "Wrapped": {"oneOf": [{"$ref": "#/components/schemas/Base"}], "nullable": true}
        }}});
        let full = lower(doc.clone(), "#/components/schemas/Full").unwrap();
        let Kind::Object { properties, .. } = &full.kind else {
            panic!("not an object")
        };
        let names: Vec<_> = properties
            .iter()
            .map(|p| (p.name.as_str(), p.required))
            .collect();
        assert_eq!(names, vec![("id", true), ("name", false)]);
        let wrapped = lower(doc, "#/components/schemas/Wrapped").unwrap();
        assert!(wrapped.nullable);
        assert_eq!(wrapped.name.as_deref(), Some("Base"));
    }

    #[test]
    fn refuses_not_and_mixed_all_of() {
        let doc = json!({"components": {"schemas": {
            "N": {"not": {"type": "string"}},
            "M": {"allOf": [{"type": "string"}, {"type": "object"}]}
        }}});
        let err = lower(doc.clone(), "#/components/schemas/N").unwrap_err();
        assert_eq!(err.pointer, "#/components/schemas/N/not");
        let err = lower(doc, "#/components/schemas/M").unwrap_err();
        assert_eq!(err.pointer, "#/components/schemas/M/allOf/0");
    }

    #[test]
    fn several_alternatives_become_any_with_a_note() {
        let doc = json!({"components": {"schemas": {
            "U": {"oneOf": [{"type": "string"}, {"type": "integer"}]}
        }}});
        let s = lower(doc, "#/components/schemas/U").unwrap();
        assert_eq!(s.kind, Kind::Any);
        assert_eq!(s.notes, vec!["one of: a string, an integer".to_string()]);
    }

    #[test]
    fn exclusive_integer_bounds_become_inclusive() {
        let doc = json!({"components": {"schemas": {
            "I": {"type": "integer", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": true}
        }}});
        let s = lower(doc, "#/components/schemas/I").unwrap();
        assert!(matches!(
            s.kind,
            Kind::Integer {
                minimum: Some(1),
                maximum: Some(9),
                ..
            }
        ));
    }
}
