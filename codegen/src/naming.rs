//! Names: tool argument names, Rust identifiers and type names, all derived deterministically
//! from the spec's names.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// The argument name a client sees for a spec name: snake_case, without Caspio's `q.` prefix,
/// `^[a-z][a-z0-9_]*$`. Returns `None` when nothing usable is left (e.g. a name of only symbols).
pub fn arg_name(wire: &str) -> Option<String> {
    let stripped = wire.strip_prefix("q.").unwrap_or(wire);
    let cleaned: String = stripped
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let snake = cleaned.to_snake_case();
    let trimmed = snake.trim_matches('_');
    if trimmed.is_empty() {
        return None;
    }
    Some(if trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{trimmed}")
    } else {
        trimmed.to_string()
    })
}

/// True for names matching `^[a-z][a-z0-9_]*$`.
pub fn is_snake_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Rust keywords that can be written as raw identifiers (`r#type`).
const RAW_OK: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// Keywords that cannot be raw identifiers.
const NEVER: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A Rust field or function identifier for a snake_case name: raw where it is a keyword,
/// suffixed with `_` where even a raw identifier is not allowed.
pub fn field_ident(name: &str) -> proc_macro2::Ident {
    if NEVER.contains(&name) {
        proc_macro2::Ident::new(&format!("{name}_"), proc_macro2::Span::call_site())
    } else if RAW_OK.contains(&name) {
        proc_macro2::Ident::new_raw(name, proc_macro2::Span::call_site())
    } else {
        proc_macro2::Ident::new(name, proc_macro2::Span::call_site())
    }
}

/// The name serde sees for a field ident (raw identifiers are unrawed by serde itself).
pub fn needs_rename(ident: &proc_macro2::Ident, wanted: &str) -> bool {
    let text = ident.to_string();
    text.strip_prefix("r#").unwrap_or(&text) != wanted
}

/// An UpperCamelCase type name for a spec name; `None` when nothing usable is left.
pub fn type_name(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let camel = cleaned.to_upper_camel_case();
    if camel.is_empty() {
        return None;
    }
    let camel = if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("T{camel}")
    } else {
        camel
    };
    Some(match camel.as_str() {
        "Self" => "Self_".to_string(),
        _ => camel,
    })
}

/// The snake_case client function name for an operationId.
pub fn fn_name(operation_id: &str) -> Option<String> {
    arg_name(operation_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caspio_names_become_clear_arguments() {
        assert_eq!(arg_name("q.where").as_deref(), Some("where"));
        assert_eq!(arg_name("q.pageSize").as_deref(), Some("page_size"));
        assert_eq!(
            arg_name("q.getPaginationInfo").as_deref(),
            Some("get_pagination_info")
        );
        assert_eq!(arg_name("tableName").as_deref(), Some("table_name"));
        assert_eq!(arg_name("Where").as_deref(), Some("where"));
        assert_eq!(arg_name("PK_ID").as_deref(), Some("pk_id"));
        assert_eq!(arg_name("UserGUID").as_deref(), Some("user_guid"));
        assert_eq!(arg_name("_2fa_status").as_deref(), Some("n2fa_status"));
        assert_eq!(arg_name("x-api-key").as_deref(), Some("x_api_key"));
        assert_eq!(arg_name("$$$"), None);
    }

    #[test]
    fn keywords_become_valid_identifiers() {
        assert_eq!(field_ident("type").to_string(), "r#type");
        assert_eq!(field_ident("where").to_string(), "r#where");
        assert_eq!(field_ident("self").to_string(), "self_");
        assert_eq!(field_ident("crate").to_string(), "crate_");
        assert_eq!(field_ident("name").to_string(), "name");
        assert!(!needs_rename(&field_ident("type"), "type"));
        assert!(needs_rename(&field_ident("self"), "self"));
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name("FieldModel").as_deref(), Some("FieldModel"));
        assert_eq!(
            type_name("get-records_response").as_deref(),
            Some("GetRecordsResponse")
        );
        assert_eq!(type_name("2fa").as_deref(), Some("T2fa"));
        assert_eq!(type_name("Self").as_deref(), Some("Self_"));
        assert_eq!(type_name("--"), None);
    }

    #[test]
    fn snake_identifier_check() {
        assert!(is_snake_identifier("list_all_caspio_tables"));
        assert!(!is_snake_identifier("List"));
        assert!(!is_snake_identifier("a-b"));
        assert!(!is_snake_identifier("1a"));
        assert!(!is_snake_identifier(""));
    }
}
