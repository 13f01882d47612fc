//! JSON pointers (RFC 6901) in their URI-fragment form (`#/a/b~1c`), used both to resolve local
//! `$ref`s and to say where an error is.

use serde_json::Value;

/// A JSON pointer being built while walking a document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pointer(String);

impl Pointer {
    /// The document root, `#`.
    pub fn root() -> Self {
        Pointer("#".to_string())
    }

    /// Parses a local reference such as `#/components/schemas/Foo`.
    /// Returns `None` for anything that is not a local fragment pointer.
    pub fn parse_ref(reference: &str) -> Option<Self> {
        if reference == "#" || reference.starts_with("#/") {
            Some(Pointer(reference.to_string()))
        } else {
            None
        }
    }

    /// This pointer extended by one reference token (escaped as RFC 6901 says).
    pub fn join(&self, token: impl AsRef<str>) -> Self {
        let escaped = token.as_ref().replace('~', "~0").replace('/', "~1");
        Pointer(format!("{}/{}", self.0, escaped))
    }

    /// The pointer as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unescaped reference tokens.
    pub fn tokens(&self) -> Vec<String> {
        let rest = self.0.strip_prefix('#').unwrap_or(&self.0);
        rest.split('/')
            .skip(1)
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect()
    }

    /// The last token, e.g. `Foo` for `#/components/schemas/Foo`.
    pub fn last(&self) -> Option<String> {
        self.tokens().pop()
    }

    /// Finds the value this pointer designates in `doc`.
    pub fn lookup<'a>(&self, doc: &'a Value) -> Option<&'a Value> {
        let mut here = doc;
        for token in self.tokens() {
            here = match here {
                Value::Object(map) => map.get(&token)?,
                Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(here)
    }
}

impl std::fmt::Display for Pointer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Pointer> for String {
    fn from(p: Pointer) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn join_escapes_slashes_and_tildes() {
        let p = Pointer::root().join("paths").join("/v3/tables").join("a~b");
        assert_eq!(p.as_str(), "#/paths/~1v3~1tables/a~0b");
        assert_eq!(p.tokens(), vec!["paths", "/v3/tables", "a~b"]);
    }

    #[test]
    fn lookup_walks_objects_and_arrays() {
        let doc = json!({"a": {"b/c": [10, 20]}});
        let p = Pointer::parse_ref("#/a/b~1c/1").unwrap();
        assert_eq!(p.lookup(&doc), Some(&json!(20)));
        assert_eq!(
            Pointer::parse_ref("#/a/missing").unwrap().lookup(&doc),
            None
        );
        assert_eq!(Pointer::parse_ref("#/a/b~1c/7").unwrap().lookup(&doc), None);
    }

    #[test]
    fn only_local_fragments_parse() {
        assert!(Pointer::parse_ref("other.yaml#/x").is_none());
        assert!(Pointer::parse_ref("https://example.com/s.json").is_none());
        assert!(Pointer::parse_ref("#/components/schemas/X").is_some());
    }
}
