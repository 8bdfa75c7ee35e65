//! What the remote kinds' HTTP clients share: reading an answer with a cap, uploading a file in
//! large reads, and the innermost cause of a failed request (what people need to see).

/// How a client authenticates (with MLflow; with an OCI registry, or with its token service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    Basic { user: String, password: String },
    Bearer(String),
}

/// An HTTP client (10 s to connect, `timeout` per request) and the runtime it runs on. Several
/// threads fetch at once (`sync::staging::fetch_all`), each blocking on its own requests: a
/// multi-threaded runtime drives their IO whichever thread waits.
pub(crate) fn client(timeout: std::time::Duration) -> Result<(reqwest::Client, tokio::runtime::Runtime), String> {
    let http = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(timeout)
        .build()
        .map_err(|e| e.to_string())?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().map_err(|e| e.to_string())?;
    Ok((http, rt))
}

/// The body of `resp`, refused when over `cap` bytes.
pub(crate) async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| root_cause(&e))? {
        if body.len() + chunk.len() > cap {
            return Err(format!("the answer is over {cap} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The innermost cause of an error (e.g. "Connection refused").
pub(crate) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// A file as an upload body, read 1 MiB at a time (reqwest's own file body reads a few KiB at a
/// time, which held uploads well below what the disk and the loopback give).
pub(crate) fn file_body(file: tokio::fs::File) -> reqwest::Body {
    use tokio::io::AsyncReadExt;
    let chunks = futures_util::stream::try_unfold(file, |mut f| async move {
        let mut buf = vec![0u8; 1 << 20];
        let n = f.read(&mut buf).await?;
        if n == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buf.truncate(n);
        Ok(Some((buf, f)))
    });
    reqwest::Body::wrap_stream(chunks)
}
