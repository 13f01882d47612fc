//! Files going up: what an upload argument holds, as the tools receive it (base64 in JSON) and
//! as the typed client takes it (bytes).

use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A file to upload. In tool arguments it is an object with `name`, the content in base64
/// ([`caspio_contract::args::CONTENT_BASE64`]) and an optional `content_type`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileUpload {
    /// File name, sent as the part's filename.
    pub name: String,
    /// MIME type; guessed from the name when absent.
    pub content_type: Option<String>,
    /// The bytes.
    pub data: Vec<u8>,
}

impl FileUpload {
    /// The content type to send: the given one, else a guess from the extension.
    pub fn mime(&self) -> String {
        if let Some(t) = &self.content_type {
            return t.clone();
        }
        let ext = self
            .name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "txt" => "text/plain",
            "csv" => "text/csv",
            "json" => "application/json",
            "pdf" => "application/pdf",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "zip" => "application/zip",
            "html" | "htm" => "text/html",
            _ => "application/octet-stream",
        }
        .to_string()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    name: String,
    content_base64: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    content_type: Option<String>,
}

impl Serialize for FileUpload {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            name: self.name.clone(),
            content_base64: base64::engine::general_purpose::STANDARD.encode(&self.data),
            content_type: self.content_type.clone(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for FileUpload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = Wire::deserialize(d)?;
        check_name(&wire.name).map_err(serde::de::Error::custom)?;
        if let Some(t) = &wire.content_type {
            check_content_type(t).map_err(serde::de::Error::custom)?;
        }
        let data = decode_base64(&wire.content_base64).map_err(serde::de::Error::custom)?;
        Ok(FileUpload {
            name: wire.name,
            content_type: wire.content_type,
            data,
        })
    }
}

/// A file name is one name, not a path, and fits on a multipart header line: Caspio refuses the
/// rest, and a line break would corrupt the request itself.
fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("name is empty; give the file's name, e.g. report.pdf".into());
    }
    if name.contains(['/', '\\']) {
        return Err(format!(
            "name `{name}` is a path; give the file name alone and choose the folder with its own argument"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(format!(
            "name {name:?} contains a control character (a line break or tab)"
        ));
    }
    Ok(())
}

/// A content type must be a MIME type (`type/subtype`), or the request cannot be built.
fn check_content_type(content_type: &str) -> Result<(), String> {
    content_type
        .parse::<mime::Mime>()
        .map(|_| ())
        .map_err(|_| {
            format!("content_type `{content_type}` is not a MIME type such as text/csv; leave it out to have it guessed from the name")
        })
}

/// Decodes standard or URL-safe base64, with or without padding, ignoring whitespace and a
/// `data:...;base64,` prefix, since models produce all of these.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let body = match text.find(";base64,") {
        Some(i) if text.starts_with("data:") => &text[i + 8..],
        _ => text,
    };
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let trimmed = compact.trim_end_matches('=');
    let engine = if trimmed.contains(['-', '_']) {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine
        .decode(trimmed)
        .map_err(|e| format!("content_base64 is not valid base64: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use caspio_contract::args::CONTENT_BASE64;

    #[test]
    fn round_trips_through_tool_json() {
        let f = FileUpload {
            name: "a.bin".into(),
            content_type: None,
            data: vec![0, 255, 10, 13],
        };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"name": "a.bin", CONTENT_BASE64: "AP8KDQ=="})
        );
        assert_eq!(serde_json::from_value::<FileUpload>(v).unwrap(), f);
    }

    #[test]
    fn accepts_the_base64_variants_models_write() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVsbG8").unwrap(), b"hello");
        assert_eq!(decode_base64("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(
            decode_base64("data:text/plain;base64,aGVsbG8=").unwrap(),
            b"hello"
        );
        assert_eq!(decode_base64("_-8").unwrap(), vec![0xff, 0xef]);
        assert!(decode_base64("not base64!").is_err());
    }

    #[test]
    fn refuses_names_and_content_types_that_cannot_be_sent() {
        let read = |name: &str, content_type: Option<&str>| {
            let mut v = serde_json::json!({"name": name, CONTENT_BASE64: "aGk="});
            if let Some(t) = content_type {
                v["content_type"] = t.into();
            }
            serde_json::from_value::<FileUpload>(v).map_err(|e| e.to_string())
        };
        assert!(read("q1 report.pdf", Some("application/pdf")).is_ok());
        assert!(read(" ", None).unwrap_err().contains("name is empty"));
        assert!(read("Reports/q1.pdf", None)
            .unwrap_err()
            .contains("is a path"));
        assert!(read("a\nb.txt", None)
            .unwrap_err()
            .contains("control character"));
        assert!(read("a.csv", Some("\n"))
            .unwrap_err()
            .contains("is not a MIME type"));
        assert!(read("a.csv", Some("csv")).is_err());
    }

    #[test]
    fn guesses_mime_types() {
        let f = |n: &str| {
            FileUpload {
                name: n.into(),
                ..Default::default()
            }
            .mime()
        };
        assert_eq!(f("report.PDF"), "application/pdf");
        assert_eq!(f("noext"), "application/octet-stream");
    }
}
