//! HTTP methods and method kinds: what a tool does, in the two vocabularies that matter (the
//! wire's, for idempotency and retries; the user's, for scoping).

use crate::Hints;

/// The HTTP methods the generator supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HttpMethod {
    /// GET
    Get,
    /// POST
    Post,
    /// PUT
    Put,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl HttpMethod {
    /// Every method, in the order above.
    pub const ALL: [HttpMethod; 5] = [
        HttpMethod::Get,
        HttpMethod::Post,
        HttpMethod::Put,
        HttpMethod::Patch,
        HttpMethod::Delete,
    ];

    /// Upper-case name, as sent on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// The method with this name, in any case.
    pub fn parse(name: &str) -> Option<HttpMethod> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    /// Sending it twice has the effect of sending it once (RFC 9110 §9.2.2; PATCH is not).
    /// Decides both a tool's default `idempotentHint` and whether a rate-limited call may be
    /// retried.
    pub const fn is_idempotent(self) -> bool {
        !matches!(self, HttpMethod::Post | HttpMethod::Patch)
    }

    /// The hints a tool has when its overrides say nothing: GET reads; POST creates; PUT, PATCH
    /// and DELETE may overwrite or delete.
    pub const fn default_hints(self) -> Hints {
        Hints {
            read_only: matches!(self, HttpMethod::Get),
            destructive: !matches!(self, HttpMethod::Get | HttpMethod::Post),
            idempotent: self.is_idempotent(),
            bulk: false,
        }
    }

    /// The kind of a tool with no overrides.
    pub const fn default_kind(self) -> MethodKind {
        match self {
            HttpMethod::Get => MethodKind::Get,
            HttpMethod::Post => MethodKind::Create,
            HttpMethod::Put | HttpMethod::Patch => MethodKind::Update,
            HttpMethod::Delete => MethodKind::Delete,
        }
    }
}

/// What a tool does, as the overrides say it: the five standard kinds, or a custom verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MethodKind {
    /// Lists objects.
    List,
    /// Reads one object.
    Get,
    /// Creates.
    Create,
    /// Changes.
    Update,
    /// Deletes.
    Delete,
    /// Anything else (`run`, `activate`, `bulk_update`, `download`, ...).
    Custom(&'static str),
}

/// The three scopes a user picks from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MethodClass {
    /// List and get.
    Read,
    /// Create, update and delete.
    Write,
    /// Every custom verb.
    Custom,
}

impl MethodKind {
    /// The standard kinds.
    pub const STANDARD: [MethodKind; 5] = [
        MethodKind::List,
        MethodKind::Get,
        MethodKind::Create,
        MethodKind::Update,
        MethodKind::Delete,
    ];

    /// Its name in the overrides.
    pub const fn as_str(self) -> &'static str {
        match self {
            MethodKind::List => "list",
            MethodKind::Get => "get",
            MethodKind::Create => "create",
            MethodKind::Update => "update",
            MethodKind::Delete => "delete",
            MethodKind::Custom(verb) => verb,
        }
    }

    /// The standard kind with this name, if it is one.
    pub fn standard(name: &str) -> Option<MethodKind> {
        Self::STANDARD.into_iter().find(|k| k.as_str() == name)
    }

    /// Which scope it belongs to.
    pub const fn class(self) -> MethodClass {
        match self {
            MethodKind::List | MethodKind::Get => MethodClass::Read,
            MethodKind::Create | MethodKind::Update | MethodKind::Delete => MethodClass::Write,
            MethodKind::Custom(_) => MethodClass::Custom,
        }
    }
}

impl MethodClass {
    /// Its name on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            MethodClass::Read => "read",
            MethodClass::Write => "write",
            MethodClass::Custom => "custom",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_is_decided_once() {
        for m in HttpMethod::ALL {
            assert_eq!(m.default_hints().idempotent, m.is_idempotent(), "{m:?}");
            assert_eq!(HttpMethod::parse(&m.as_str().to_lowercase()), Some(m));
        }
        assert!(!HttpMethod::Patch.is_idempotent() && HttpMethod::Put.is_idempotent());
        assert!(HttpMethod::Get.default_hints().read_only);
        assert!(HttpMethod::Delete.default_hints().destructive);
    }

    #[test]
    fn kinds_and_classes() {
        for k in MethodKind::STANDARD {
            assert_eq!(MethodKind::standard(k.as_str()), Some(k));
        }
        assert_eq!(MethodKind::standard("run"), None);
        assert_eq!(MethodKind::Custom("run").class(), MethodClass::Custom);
        assert_eq!(MethodKind::List.class(), MethodClass::Read);
        assert_eq!(MethodKind::Delete.class(), MethodClass::Write);
    }
}
