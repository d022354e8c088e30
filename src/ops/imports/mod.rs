//! Import jobs: enqueue a file, run it (every row checked, valid rows
//! applied by natural key in batches, each batch one transaction that also
//! records the rows it did, so a run that dies resumes where it stopped),
//! retry whole or failed rows only, abandon.
//!
//! `jobs` holds a job's lifecycle, `pipeline` the scheduler of a run,
//! `apply` what each kind of row does, `x12` what an 834 member loop does,
//! `values` a checked row's values.

mod ack;
mod apply;
mod full_file;
mod jobs;
mod pipeline;
mod values;
mod x12;
mod x12_bulk;

pub use ack::{Ack, SetAck};
pub use full_file::Terminations;
pub use pipeline::{BATCH, Progress};
