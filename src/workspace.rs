//! A workspace directory: `catalog.sqlite`, `objects-v1/` (the CAS) and `keys/` (ed25519
//! signing key, 0600). Default location: the platform data dir (`~/.local/share/pedigree`),
//! overridden by `--workspace DIR` or `PEDIGREE_WORKSPACE`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::cas::{Cas, CasError};
use crate::catalog::{self, Catalog, CatalogError};

/// Signing key file (PKCS#8 v2 ed25519, as written by `ring`).
pub const KEY_FILE: &str = "keys/ed25519.pk8";
/// Public key, hex.
pub const PUB_FILE: &str = "keys/ed25519.pub";

/// Why a workspace could not be opened or created.
#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("no Pedigree workspace at {0}; create one with `pedigree init --workspace {0}`")]
    NotFound(PathBuf),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot create a signing key: {0}")]
    Key(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Cas(#[from] CasError),
}

/// An open workspace.
pub struct Workspace {
    pub root: PathBuf,
    pub catalog: Catalog,
    pub cas: Cas,
}

/// The default workspace directory.
pub fn default_dir() -> PathBuf {
    if let Ok(p) = std::env::var("PEDIGREE_WORKSPACE") {
        if !p.is_empty() {
            return PathBuf::from(p);
        }
    }
    dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("pedigree")
}

impl Workspace {
    /// Creates the workspace if needed (idempotent) and opens it. Returns whether it was new.
    pub fn init(root: &Path) -> Result<(Workspace, bool), WorkspaceError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WorkspaceError::Io { path, source }
        };
        let fresh = !root.join(catalog::FILE).exists();
        fs::create_dir_all(root).map_err(io(root))?;
        let keys = root.join("keys");
        fs::create_dir_all(&keys).map_err(io(&keys))?;
        set_mode(&keys, 0o700).map_err(io(&keys))?;
        let key_path = root.join(KEY_FILE);
        if !key_path.exists() {
            write_key(root)?;
        }
        let ws = Workspace::open_unchecked(root)?;
        Ok((ws, fresh))
    }

    /// Opens an existing workspace; refuses a directory that is not one.
    pub fn open(root: &Path) -> Result<Workspace, WorkspaceError> {
        if !root.join(catalog::FILE).is_file() {
            return Err(WorkspaceError::NotFound(root.to_path_buf()));
        }
        Workspace::open_unchecked(root)
    }

    fn open_unchecked(root: &Path) -> Result<Workspace, WorkspaceError> {
        let mut catalog = Catalog::open(&root.join(catalog::FILE))?;
        // After every write, the person's key signs the audit log's new head, kept outside the
        // catalog (crate::audit::heads).
        let heads_root = root.to_path_buf();
        let recorded = std::sync::atomic::AtomicI64::new(-1);
        catalog.set_on_commit(Box::new(move |conn| crate::audit::heads::record(conn, &heads_root, &recorded)));
        let cas = Cas::open(root)?;
        Ok(Workspace { root: root.to_path_buf(), catalog, cas })
    }

    /// The workspace's public signing key, hex.
    pub fn public_key(&self) -> Option<String> {
        fs::read_to_string(self.root.join(PUB_FILE)).ok().map(|s| s.trim().to_string())
    }

    /// The public key's raw bytes.
    pub fn public_key_bytes(&self) -> Option<Vec<u8>> {
        self.public_key().and_then(|h| hex::decode(h).ok())
    }

    /// The workspace's Ed25519 signing key (checkpoints, report manifests).
    pub fn signing_key(&self) -> Result<ring::signature::Ed25519KeyPair, WorkspaceError> {
        let path = self.root.join(KEY_FILE);
        let doc = fs::read(&path).map_err(|source| WorkspaceError::Io { path: path.clone(), source })?;
        ring::signature::Ed25519KeyPair::from_pkcs8(&doc).map_err(|e| WorkspaceError::Key(format!("{}: {e}", path.display())))
    }
}

fn write_key(root: &Path) -> Result<(), WorkspaceError> {
    use ring::signature::KeyPair;
    let rng = ring::rand::SystemRandom::new();
    let doc = ring::signature::Ed25519KeyPair::generate_pkcs8(&rng).map_err(|e| WorkspaceError::Key(e.to_string()))?;
    let pair = ring::signature::Ed25519KeyPair::from_pkcs8(doc.as_ref()).map_err(|e| WorkspaceError::Key(e.to_string()))?;
    let key_path = root.join(KEY_FILE);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WorkspaceError::Io { path, source }
    };
    write_private(&key_path, doc.as_ref()).map_err(io(&key_path))?;
    let pub_path = root.join(PUB_FILE);
    fs::write(&pub_path, format!("{}\n", hex::encode(pair.public_key().as_ref()))).map_err(io(&pub_path))?;
    Ok(())
}

/// Writes a file only its owner can read (0600), atomically: a temp file next to it, fsync,
/// rename. Used for the signing key and the key that seals store credentials.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    set_mode(&tmp, 0o600)?;
    fs::rename(&tmp, path)
}

fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    let _ = (path, mode);
    Ok(())
}
