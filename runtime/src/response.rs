//! A success answer, kept whole (status, headers, bytes) so the tool layer can pass Caspio's JSON
//! through untouched while the typed client decodes it.

use crate::error::{Error, RateLimit};
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// A 2xx answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Answer headers.
    pub headers: HeaderMap,
    /// Answer body.
    pub body: Vec<u8>,
}

/// A downloaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The `Content-Type` Caspio sent.
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition`, when sent.
    pub file_name: Option<String>,
}

impl Response {
    /// Caspio's request id.
    pub fn request_id(&self) -> Option<String> {
        crate::error::request_id(&self.headers)
    }

    /// Rate-limit information from the headers.
    pub fn rate_limit(&self) -> RateLimit {
        RateLimit::from_headers(&self.headers)
    }

    /// Decodes a JSON body.
    pub fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            message: format!(
                "HTTP {}: the body does not have the documented shape",
                self.status
            ),
            source: Some(e),
        })
    }

    /// Decodes a JSON body that may be absent (Caspio answers some creates with an empty 201).
    pub fn json_opt<T: DeserializeOwned>(self) -> Result<Option<T>, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        self.json().map(Some)
    }

    /// The body as JSON, `None` when empty.
    pub fn json_value(&self) -> Result<Option<serde_json::Value>, Error> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body)
            .map(Some)
            .map_err(|e| Error::Decode {
                message: format!("HTTP {}: the body is not JSON", self.status),
                source: Some(e),
            })
    }

    /// The body as a file.
    pub fn download(self) -> Result<Download, Error> {
        let header = |name: &str| {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let file_name = header("content-disposition").and_then(|d| file_name_of(&d));
        Ok(Download {
            bytes: self.body,
            content_type,
            file_name,
        })
    }

    /// Checks an answer that has nothing to decode.
    pub fn empty(self) -> Result<(), Error> {
        Ok(())
    }
}

/// The file name in a `Content-Disposition` value (`filename*=UTF-8''…` preferred).
fn file_name_of(disposition: &str) -> Option<String> {
    let mut plain = None;
    for part in disposition.split(';').map(str::trim) {
        if let Some(v) = part.strip_prefix("filename*=") {
            let v = v.trim_matches('"');
            let encoded = v.split_once("''").map(|(_, e)| e).unwrap_or(v);
            return percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .ok()
                .map(|s| s.into_owned());
        }
        if let Some(v) = part.strip_prefix("filename=") {
            plain = Some(v.trim_matches('"').to_string());
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_from_content_disposition() {
        assert_eq!(
            file_name_of("attachment; filename=\"a b.pdf\"").as_deref(),
            Some("a b.pdf")
        );
        assert_eq!(
            file_name_of("attachment; filename=x; filename*=UTF-8''caf%C3%A9.txt").as_deref(),
            Some("café.txt")
        );
        assert_eq!(file_name_of("inline"), None);
    }

    #[test]
    fn empty_bodies_are_none() {
        let r = Response {
            status: 201,
            headers: HeaderMap::new(),
            body: b" \n".to_vec(),
        };
        assert_eq!(r.clone().json_opt::<serde_json::Value>().unwrap(), None);
        assert_eq!(r.json_value().unwrap(), None);
    }
}
