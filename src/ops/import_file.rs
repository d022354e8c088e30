//! A job's stored file read as a stream: its chunks are fetched on the
//! runtime, one ahead, and handed to the thread that parses the CSV, so a
//! run holds a couple of chunks whatever the file's size.

use std::io::{self, Read};

use tokio::sync::mpsc;

use crate::store::{Store, imports};

/// `Read` over a job's stored chunks. Reading waits for the task that
/// fetches them, so it belongs on a blocking thread (`spawn_blocking`),
/// never on the runtime's own.
pub struct StoredFile {
    current: io::Cursor<Vec<u8>>,
    next: mpsc::Receiver<Result<Vec<u8>, sqlx::Error>>,
    /// Bytes still to come after `current`, as the job recorded them: a
    /// chunk gone missing is an error, not a shorter file.
    left: u64,
}

impl StoredFile {
    /// Reads job `job`'s file of `size` bytes, starting with its first
    /// chunk `first` (already fetched for the file-level checks). Must be
    /// called on the runtime; the fetching stops when the reader is dropped.
    pub fn open(store: Store, job: i64, size: u64, first: Vec<u8>) -> StoredFile {
        let left = size.saturating_sub(first.len() as u64);
        let (send, next) = mpsc::channel(1);
        if left > 0 {
            tokio::spawn(async move {
                for seq in 1.. {
                    let Some(chunk) = imports::chunk(&store, job, seq).await.transpose() else { return };
                    let failed = chunk.is_err();
                    if send.send(chunk).await.is_err() || failed {
                        return;
                    }
                }
            });
        }
        StoredFile { current: io::Cursor::new(first), next, left }
    }
}

impl Read for StoredFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() || self.left == 0 {
                return Ok(n);
            }
            match self.next.blocking_recv() {
                Some(Ok(chunk)) => {
                    self.left = self.left.saturating_sub(chunk.len() as u64);
                    self.current = io::Cursor::new(chunk);
                }
                Some(Err(e)) => return Err(io::Error::other(e)),
                None => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the stored file lacks its last {} bytes", self.left),
                    ));
                }
            }
        }
    }
}
