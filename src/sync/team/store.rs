//! The object storage a team ledger lives on, through `object_store`: `s3://BUCKET/PREFIX`
//! (credentials and endpoint as for S3 stores: the AWS environment, `AWS_ENDPOINT_URL`) or
//! `file:///PATH` for a shared drive. Segments are written create-only (S3 `If-None-Match: *`,
//! a hard link on a file system), so two members racing for one segment name cannot both win.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use futures_util::StreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use crate::index::remote::{describe, object_store, runtime};
use crate::index::store::{Location, StoreOptions, parse_uri};

/// A ledger's storage.
pub struct LedgerStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
    rt: tokio::runtime::Runtime,
    requests: AtomicU32,
    pub url: String,
}

/// What a create-only write found.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    Written,
    /// Someone else wrote that name first.
    Taken,
}

impl LedgerStore {
    /// Opens `s3://BUCKET/PREFIX` or `file:///ABSOLUTE/PATH` (the folder is created).
    pub fn open(url: &str) -> Result<LedgerStore, String> {
        let rt = runtime()?;
        let (store, prefix): (Arc<dyn ObjectStore>, String) = if let Some(path) = url.strip_prefix("file://") {
            let path = Path::new(path);
            if !path.is_absolute() {
                return Err(format!("{url}: a file:// ledger needs an absolute path (file:///shared/team-ledger)"));
            }
            std::fs::create_dir_all(path).map_err(|e| format!("{url}: cannot create the folder: {e}"))?;
            (Arc::new(LocalFileSystem::new_with_prefix(path).map_err(|e| describe(&e))?), String::new())
        } else {
            match parse_uri(url).map_err(|e| e.to_string())? {
                loc @ Location::S3 { .. } => {
                    let (s, prefix, _) = object_store(&loc, &StoreOptions::default(), None)?;
                    (s, prefix)
                }
                _ => return Err(format!("{url}: a team ledger lives on s3://BUCKET/PREFIX or file:///PATH")),
            }
        };
        Ok(LedgerStore { store, prefix, rt, requests: AtomicU32::new(0), url: url.to_string() })
    }

    fn key(&self, rel: &str) -> ObjPath {
        if self.prefix.is_empty() { ObjPath::from(rel) } else { ObjPath::from(format!("{}/{rel}", self.prefix)) }
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests made so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Names (relative to `dir`) of the objects under `dir/` that sort after `after`, in order.
    pub fn list_after(&self, dir: &str, after: &str) -> Result<Vec<String>, String> {
        let prefix = self.key(dir);
        let offset = self.key(&format!("{dir}/{after}"));
        self.count();
        let names = self.rt.block_on(async {
            let mut out = Vec::new();
            let mut s = self.store.list_with_offset(Some(&prefix), &offset);
            while let Some(item) = s.next().await {
                let meta = item.map_err(|e| describe(&e))?;
                let k = meta.location.as_ref();
                if let Some(name) = k.strip_prefix(&format!("{}/", prefix.as_ref())) {
                    out.push(name.to_string());
                }
            }
            Ok::<_, String>(out)
        })?;
        let mut names = names;
        names.sort();
        Ok(names)
    }

    /// The object's bytes, `None` when there is none.
    pub fn get(&self, rel: &str) -> Result<Option<Vec<u8>>, String> {
        self.count();
        self.rt.block_on(async {
            match self.store.get(&self.key(rel)).await {
                Ok(r) => Ok(Some(r.bytes().await.map_err(|e| describe(&e))?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(describe(&e)),
            }
        })
    }

    /// Whether an object exists.
    pub fn exists(&self, rel: &str) -> Result<bool, String> {
        self.count();
        self.rt.block_on(async {
            match self.store.head(&self.key(rel)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(describe(&e)),
            }
        })
    }

    /// Writes `bytes` under `rel` only if nothing is there yet.
    pub fn create(&self, rel: &str, bytes: Vec<u8>) -> Result<Created, String> {
        self.count();
        let opts = PutOptions { mode: PutMode::Create, ..Default::default() };
        self.rt.block_on(async {
            match self.store.put_opts(&self.key(rel), PutPayload::from(bytes), opts).await {
                Ok(_) => Ok(Created::Written),
                Err(object_store::Error::AlreadyExists { .. }) | Err(object_store::Error::Precondition { .. }) => {
                    Ok(Created::Taken)
                }
                Err(e) => Err(describe(&e)),
            }
        })
    }

    /// Uploads a file (in parts when large) under `rel`, replacing what is there: content-addressed
    /// objects have one content per name.
    pub fn upload(&self, rel: &str, file: &Path) -> Result<(), String> {
        use tokio::io::AsyncReadExt;
        let key = self.key(rel);
        self.rt.block_on(async {
            let mut f = tokio::fs::File::open(file).await.map_err(|e| format!("{}: {e}", file.display()))?;
            let mut w = object_store::buffered::BufWriter::new(self.store.clone(), key);
            let mut buf = vec![0u8; 8 << 20];
            loop {
                let n = f.read(&mut buf).await.map_err(|e| format!("{}: {e}", file.display()))?;
                if n == 0 {
                    break;
                }
                tokio::io::AsyncWriteExt::write_all(&mut w, &buf[..n]).await.map_err(|e| e.to_string())?;
            }
            tokio::io::AsyncWriteExt::shutdown(&mut w).await.map_err(|e| e.to_string())
        })?;
        self.count();
        Ok(())
    }

    /// Downloads an object into `dest`, hashing it: returns (sha256 hex, size).
    pub fn download(&self, rel: &str, dest: &Path) -> Result<(String, u64), String> {
        use std::io::Write;
        self.count();
        let mut out = std::fs::File::create(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
        self.rt.block_on(async {
            let r = self.store.get(&self.key(rel)).await.map_err(|e| describe(&e))?;
            let mut stream = r.into_stream();
            let mut h = openssl::sha::Sha256::new();
            let mut size = 0u64;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| describe(&e))?;
                h.update(&chunk);
                size += chunk.len() as u64;
                out.write_all(&chunk).map_err(|e| format!("{}: {e}", dest.display()))?;
            }
            out.sync_all().map_err(|e| format!("{}: {e}", dest.display()))?;
            Ok((hex::encode(h.finish()), size))
        })
    }
}
