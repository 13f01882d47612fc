//! Hosted mode's secrets. Connection secrets are sealed with AES-256-GCM under a master key that
//! never touches the database; MCP-server URL tokens, API tokens and the admin token are 256-bit
//! random values shown once, stored only as SHA-256 hashes, and compared in constant time.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Why a secret could not be made or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The master key is not 32 bytes of base64.
    #[error("the master key must be 32 bytes in base64 (e.g. `openssl rand -base64 32`): {0}")]
    BadKey(String),
    /// A sealed value did not open: another master key sealed it, or it was changed.
    #[error("a stored secret does not open with this master key")]
    Unsealable,
    /// The system's random source failed.
    #[error("no randomness available: {0}")]
    Random(String),
}

/// The key connection secrets are sealed with.
pub struct MasterKey(Aes256Gcm);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

fn random<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(bytes)
}

impl MasterKey {
    /// A key from its base64 text (standard or URL-safe, padded or not).
    pub fn from_base64(text: &str) -> Result<Self, SecretError> {
        let text = text.trim();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| B64.decode(text.trim_end_matches('=')))
            .map_err(|e| SecretError::BadKey(e.to_string()))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| SecretError::BadKey(format!("{} bytes", b.len())))?;
        Ok(MasterKey(Aes256Gcm::new(&key.into())))
    }

    /// A new random key, and its base64 text (for `hosted --sandbox`, which keeps nothing).
    pub fn generate() -> Result<(Self, String), SecretError> {
        let key: [u8; 32] = random()?;
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        Ok((MasterKey(Aes256Gcm::new(&key.into())), text))
    }

    /// Seals `plain`: a fresh 96-bit nonce, then the ciphertext with its tag, in base64.
    pub fn seal(&self, plain: &str) -> Result<String, SecretError> {
        let nonce: [u8; 12] = random()?;
        let sealed = self
            .0
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| SecretError::Unsealable)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(B64.encode(out))
    }

    /// Opens what [`MasterKey::seal`] sealed.
    pub fn open(&self, sealed: &str) -> Result<String, SecretError> {
        let bytes = B64.decode(sealed).map_err(|_| SecretError::Unsealable)?;
        if bytes.len() < 12 {
            return Err(SecretError::Unsealable);
        }
        let (nonce, body) = bytes.split_at(12);
        let plain = self
            .0
            .decrypt(Nonce::from_slice(nonce), body)
            .map_err(|_| SecretError::Unsealable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Unsealable)
    }
}

/// A new 256-bit token, URL-safe.
pub fn new_token() -> Result<String, SecretError> {
    Ok(B64.encode(random::<32>()?))
}

/// What is stored of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `token` hashes to `stored`, compared in constant time.
pub fn token_matches(token: &str, stored: &str) -> bool {
    hash_token(token).as_bytes().ct_eq(stored.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_never_read_as_plain_text() {
        let (key, text) = MasterKey::generate().unwrap();
        let sealed = key.seal("s3cret-value").unwrap();
        assert!(!sealed.contains("s3cret"));
        assert_ne!(
            sealed,
            key.seal("s3cret-value").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).unwrap(), "s3cret-value");
        assert_eq!(
            MasterKey::from_base64(&text)
                .unwrap()
                .open(&sealed)
                .unwrap(),
            "s3cret-value"
        );
        let (other, _) = MasterKey::generate().unwrap();
        assert!(matches!(other.open(&sealed), Err(SecretError::Unsealable)));
        let mut tampered = sealed.clone();
        tampered.replace_range(20..21, if &sealed[20..21] == "A" { "B" } else { "A" });
        assert!(key.open(&tampered).is_err());
        assert!(format!("{key:?}").contains("redacted"));
        assert!(MasterKey::from_base64("c2hvcnQ=")
            .unwrap_err()
            .to_string()
            .contains("5 bytes"));
    }

    #[test]
    fn tokens_are_random_and_kept_only_as_hashes() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43, "256 bits in unpadded base64url");
        let stored = hash_token(&a);
        assert_eq!(stored.len(), 64);
        assert!(!stored.contains(&a));
        assert!(token_matches(&a, &stored));
        assert!(!token_matches(&b, &stored));
    }
}
