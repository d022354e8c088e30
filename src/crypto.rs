//! The data key and what it protects: SSN and tax ID ciphertext
//! (AES-256-GCM), their keyed blind index (HMAC-SHA256) for exact search,
//! the keyed hashes of one-time codes, and the sealed outbox emails that
//! carry those codes.
//!
//! One 32-byte master key is read from `PORTALDESK_DATA_KEY` (64 hex digits)
//! or from a key file with 0600 permissions; separate subkeys are derived
//! for encryption, the index and codes so no key serves two purposes.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The keys derived from the master data key, ready to use: an import
/// seals a million SSNs, and setting up the cipher's key schedule and the
/// index's keyed hash once, not per SSN, saves half the hashing.
#[derive(Clone)]
pub struct DataKey {
    enc: Aes256Gcm,
    index: HmacSha256,
    codes: [u8; 32],
    /// A fingerprint naming this key in the database (never the key itself).
    id: String,
    /// The key a rotation under way moves to (`portaldesk key rotate`):
    /// searches and redemptions accept both until it finishes.
    next: Option<Box<DataKey>>,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

/// Why the data key could not be had, phrased for the operator.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("PORTALDESK_DATA_KEY must be 64 hex digits (32 bytes)")]
    BadEnv,
    #[error("no data key: set PORTALDESK_DATA_KEY or create {0} (run `portaldesk demo` for a demo key)")]
    Missing(String),
    #[error("data key file {0} must have 0600 permissions: run `chmod 600 {0}`")]
    Permissions(String),
    #[error("data key file {0} must hold 64 hex digits")]
    BadFile(String),
    #[error("cannot read or write data key file {0}: {1}")]
    Io(String, String),
}

fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    let mut m = <HmacSha256 as Mac>::new_from_slice(master).expect("HMAC takes any key length");
    m.update(label.as_bytes());
    m.finalize().into_bytes().into()
}

fn parse_hex_key(s: &str) -> Option<[u8; 32]> {
    let bytes = hex::decode(s.trim()).ok()?;
    bytes.try_into().ok()
}

impl DataKey {
    /// Derives the working keys from a master key.
    pub fn from_master(master: [u8; 32]) -> DataKey {
        let enc = derive(&master, "portaldesk/enc/v1");
        let index = derive(&master, "portaldesk/index/v1");
        DataKey {
            enc: Aes256Gcm::new(&enc.into()),
            index: <HmacSha256 as Mac>::new_from_slice(&index).expect("HMAC takes any key length"),
            codes: derive(&master, "portaldesk/codes/v1"),
            id: hex::encode(&derive(&master, "portaldesk/key-id/v1")[..8]),
            next: None,
        }
    }

    /// This key's fingerprint: stored with the ciphertext it sealed and in
    /// the rotation's row, so which key opens a row is never guesswork.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// This key, with the key a rotation under way moves to.
    pub fn with_next(mut self, next: DataKey) -> DataKey {
        self.next = Some(Box::new(next.current_only()));
        self
    }

    /// The key a rotation under way moves to, if one is loaded.
    pub fn next(&self) -> Option<&DataKey> {
        self.next.as_deref()
    }

    /// This key without a next one.
    pub fn current_only(mut self) -> DataKey {
        self.next = None;
        self
    }

    /// This key and, during a rotation, the next one: every key a stored
    /// value may be under.
    pub fn all(&self) -> Vec<&DataKey> {
        std::iter::once(self).chain(self.next.as_deref()).collect()
    }

    /// The key named by a row's key id: the next key if the rotation has
    /// re-encrypted the row, this one otherwise (NULL is the key current
    /// when the row was written; imports wait while a rotation runs).
    pub fn for_row(&self, key_id: Option<&str>) -> &DataKey {
        match (&self.next, key_id) {
            (Some(n), Some(id)) if n.id == id => n,
            _ => self,
        }
    }

    /// The blind indexes of a secret under every loaded key: a search
    /// during a rotation finds rows re-indexed and rows not yet.
    pub fn blind_indexes(&self, kind: &str, value: &str) -> Vec<Vec<u8>> {
        self.all().into_iter().map(|k| k.blind_index(kind, value)).collect()
    }

    /// The hashes of a one-time code under every loaded key.
    pub fn code_hashes(&self, normalized_code: &str) -> Vec<Vec<u8>> {
        self.all().into_iter().map(|k| k.code_hash(normalized_code)).collect()
    }

    /// Loads the key: the environment variable wins over the file.
    pub fn load(env_value: Option<&str>, file: &Path) -> Result<DataKey, KeyError> {
        if let Some(v) = env_value.filter(|v| !v.trim().is_empty()) {
            return parse_hex_key(v).map(DataKey::from_master).ok_or(KeyError::BadEnv);
        }
        let shown = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(KeyError::Missing(shown)),
            Err(e) => return Err(KeyError::Io(shown, e.to_string())),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                std::fs::metadata(file).map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?.permissions().mode();
            if mode & 0o077 != 0 {
                return Err(KeyError::Permissions(shown));
            }
        }
        parse_hex_key(&text).map(DataKey::from_master).ok_or(KeyError::BadFile(shown))
    }

    /// Loads the key as `load` does and, when a rotation is under way
    /// (its next key sits beside the key file, see `next_key_path`), the
    /// next key with it.
    pub fn load_with_next(env_value: Option<&str>, file: &Path) -> Result<DataKey, KeyError> {
        let key = DataKey::load(env_value, file)?;
        let next = next_key_path(file);
        if !next.exists() {
            return Ok(key);
        }
        let next = DataKey::load(None, &next)?;
        Ok(if next.id == key.id { key } else { key.with_next(next) })
    }

    /// Creates a fresh random key file (0600) unless one exists, then loads it.
    pub fn load_or_create(file: &Path) -> Result<DataKey, KeyError> {
        if !file.exists() {
            let shown = file.display().to_string();
            let mut master = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut master);
            if let Some(dir) = file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(shown.clone(), e.to_string()))?;
            }
            write_private(file, &hex::encode(master)).map_err(|e| KeyError::Io(shown, e.to_string()))?;
        }
        DataKey::load(None, file)
    }

    /// Encrypts a secret: 12-byte random nonce followed by the ciphertext.
    /// The nonce comes from the thread's CSPRNG (seeded and reseeded from
    /// the OS), not a system call per SSN.
    pub fn encrypt(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .enc
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption cannot fail for in-memory input");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what `encrypt` made; `None` if it was tampered with or made by another key.
    pub fn decrypt(&self, blob: &[u8]) -> Option<String> {
        if blob.len() < 12 {
            return None;
        }
        let pt = self.enc.decrypt(Nonce::from_slice(&blob[..12]), &blob[12..]).ok()?;
        String::from_utf8(pt).ok()
    }

    /// Seals text that must not rest in clear in a text column (an outbox
    /// email carrying a one-time code): `sealed:v1:` and the base64 of what
    /// `encrypt` makes. Only a holder of the data key can read it.
    pub fn seal_text(&self, plaintext: &str) -> String {
        use base64::Engine;
        format!("{SEALED_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(self.encrypt(plaintext)))
    }

    /// Opens a text column written by `seal_text`; text written in clear
    /// (without the prefix: nothing secret in it) comes back as it is.
    /// `None` when sealed text was altered or sealed under another key.
    pub fn open_text(&self, stored: &str) -> Option<String> {
        use base64::Engine;
        match stored.strip_prefix(SEALED_PREFIX) {
            Some(b64) => self.decrypt(&base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?),
            None => Some(stored.to_owned()),
        }
    }

    /// The blind index of a secret: equal inputs give equal indexes, so an
    /// exact search never decrypts a row, and without the key it reveals nothing.
    pub fn blind_index(&self, kind: &str, value: &str) -> Vec<u8> {
        let mut m = self.index.clone();
        m.update(kind.as_bytes());
        m.update(&[0]);
        m.update(value.as_bytes());
        m.finalize().into_bytes().to_vec()
    }

    /// The stored hash of a one-time code.
    pub fn code_hash(&self, normalized_code: &str) -> Vec<u8> {
        let mut m = <HmacSha256 as Mac>::new_from_slice(&self.codes).expect("any key length");
        m.update(normalized_code.as_bytes());
        m.finalize().into_bytes().to_vec()
    }
}

/// Where a rotation under way keeps the key it moves to: beside the key
/// file, so every process that loads the key loads both.
pub fn next_key_path(file: &Path) -> std::path::PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".next");
    file.with_file_name(name)
}

/// Where a finished rotation keeps the key it retired: named for the key's
/// fingerprint, to restore from a backup taken before the rotation.
pub fn retired_key_path(file: &Path, key_id: &str) -> std::path::PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".retired-{key_id}"));
    file.with_file_name(name)
}

/// Replaces a file's content atomically (a private temporary file renamed
/// over it), so a kill leaves the old content or the new, never half.
pub fn replace_private(path: &Path, content: &str) -> std::io::Result<()> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    let tmp = path.with_file_name(name);
    match std::fs::remove_file(&tmp) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_private(&tmp, content)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, path)
}

/// Starts a text column sealed by `DataKey::seal_text`.
pub const SEALED_PREFIX: &str = "sealed:v1:";

/// Writes a file readable only by its owner.
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::from_master([7; 32])
    }

    #[test]
    fn encrypt_round_trips_and_is_not_deterministic() {
        let k = key();
        let a = k.encrypt("912345678");
        let b = k.encrypt("912345678");
        assert_ne!(a, b);
        assert_eq!(k.decrypt(&a).as_deref(), Some("912345678"));
        assert!(!a.windows(9).any(|w| w == b"912345678"));
    }

    #[test]
    fn tampered_or_foreign_ciphertext_is_refused() {
        let k = key();
        let mut a = k.encrypt("912345678");
        *a.last_mut().unwrap() ^= 1;
        assert_eq!(k.decrypt(&a), None);
        let other = DataKey::from_master([8; 32]);
        assert_eq!(other.decrypt(&k.encrypt("x")), None);
    }

    #[test]
    fn sealed_text_opens_only_with_its_key_and_clear_text_passes() {
        let k = key();
        let sealed = k.seal_text("your code: 7KQH-M3XD-9TWA-P2RC");
        assert!(sealed.starts_with(SEALED_PREFIX) && !sealed.contains("7KQH"), "{sealed}");
        assert_ne!(sealed, k.seal_text("your code: 7KQH-M3XD-9TWA-P2RC"));
        assert_eq!(k.open_text(&sealed).as_deref(), Some("your code: 7KQH-M3XD-9TWA-P2RC"));
        assert_eq!(DataKey::from_master([8; 32]).open_text(&sealed), None);
        assert_eq!(k.open_text("sealed:v1:not base64!"), None);
        assert_eq!(k.open_text("Follow the link.").as_deref(), Some("Follow the link."));
    }

    #[test]
    fn blind_index_is_keyed_and_kind_separated() {
        let k = key();
        assert_eq!(k.blind_index("ssn", "912345678"), k.blind_index("ssn", "912345678"));
        assert_ne!(k.blind_index("ssn", "912345678"), k.blind_index("tax", "912345678"));
        assert_ne!(k.blind_index("ssn", "912345678"), DataKey::from_master([8; 32]).blind_index("ssn", "912345678"));
    }

    #[test]
    fn stored_values_stay_readable_and_findable() {
        // What earlier versions wrote, keyed afresh per value, still matches.
        let master = [7; 32];
        let mut m = <HmacSha256 as Mac>::new_from_slice(&derive(&master, "portaldesk/index/v1")).unwrap();
        m.update(b"ssn\0912345678");
        assert_eq!(key().blind_index("ssn", "912345678"), m.finalize().into_bytes().to_vec());
        let cipher = Aes256Gcm::new_from_slice(&derive(&master, "portaldesk/enc/v1")).unwrap();
        let mut blob = vec![9; 12];
        blob.extend(cipher.encrypt(Nonce::from_slice(&[9; 12]), b"912345678".as_slice()).unwrap());
        assert_eq!(key().decrypt(&blob).as_deref(), Some("912345678"));
    }

    #[test]
    fn key_file_is_created_private_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        let k1 = DataKey::load_or_create(&path).unwrap();
        let k2 = DataKey::load(None, &path).unwrap();
        assert_eq!(k1.blind_index("ssn", "1"), k2.blind_index("ssn", "1"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(matches!(DataKey::load(None, &path), Err(KeyError::Permissions(_))));
        }
        assert!(matches!(DataKey::load(None, &dir.path().join("none")), Err(KeyError::Missing(_))));
        assert!(matches!(DataKey::load(Some("abc"), &path), Err(KeyError::BadEnv)));
    }

    #[test]
    fn a_rotation_loads_both_keys_and_picks_a_rows_key_by_its_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.key");
        write_private(&path, &hex::encode([7u8; 32])).unwrap();
        let alone = DataKey::load_with_next(None, &path).unwrap();
        assert!(alone.next().is_none());
        assert_eq!(alone.id(), key().id());
        assert_eq!(alone.id().len(), 16);
        write_private(&next_key_path(&path), &hex::encode([8u8; 32])).unwrap();
        let both = DataKey::load_with_next(None, &path).unwrap();
        let new = DataKey::from_master([8; 32]);
        assert_eq!(both.next().map(DataKey::id), Some(new.id()));
        assert_eq!(both.blind_indexes("ssn", "1"), vec![key().blind_index("ssn", "1"), new.blind_index("ssn", "1")]);
        assert_eq!(both.code_hashes("C").len(), 2);
        let blob = new.encrypt("912345678");
        assert_eq!(both.for_row(Some(new.id())).decrypt(&blob).as_deref(), Some("912345678"));
        assert_eq!(both.for_row(None).decrypt(&blob), None);
        assert_eq!(both.clone().current_only().all().len(), 1);
        // Replaced atomically, private, and readable as the new key.
        replace_private(&path, &hex::encode([8u8; 32])).unwrap();
        assert_eq!(DataKey::load(None, &path).unwrap().id(), new.id());
        assert!(retired_key_path(&path, "ab").ends_with("data.key.retired-ab"));
    }
}
