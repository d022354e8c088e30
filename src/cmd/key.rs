//! `portaldesk key …`: rotating the data key and showing a rotation's progress.

use std::path::Path;

use crate::cli::KeyCmd;
use crate::crypto::{self, DataKey};
use crate::fatal::Fatal;
use crate::ops::Ops;
use crate::ops::request::{Env, Outcome, Request};
use crate::startup::{self, Context};
use crate::store::key_rotation::{self, Rotation};

/// What `key status` and `key rotate` answer: the key in use, the key a
/// rotation under way moves to, and the latest rotation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyState {
    /// The fingerprint of the key loaded (never the key).
    pub key_id: String,
    /// The fingerprint of the next key, while a rotation is under way.
    pub next_key_id: Option<String>,
    /// Rows re-encrypted so far, of all, in the latest rotation.
    pub rows_done: i64,
    pub rows_total: i64,
    /// The latest rotation, running or done; none if the key was never rotated.
    pub rotation: Option<Rotation>,
}

/// Runs a key subcommand as the configured operator.
pub async fn run(ctx: &Context, cmd: KeyCmd) -> Result<u8, Fatal> {
    let store = startup::open_store(ctx, startup::COMMAND_CONNECTIONS).await?;
    let ops = startup::ops(ctx, store.clone()).await?;
    let out = match cmd {
        KeyCmd::Status { json } => status(ctx, &ops, json.json).await,
        KeyCmd::Rotate { new_key_file, batch_size, batches, json } => {
            rotate(ctx, &ops, &new_key_file, batch_size, batches, json.json).await
        }
    };
    store.close().await;
    out
}

fn op(e: crate::ops::OpError) -> Fatal {
    Fatal { code: e.exit_code(), kind: (&e).into(), message: e.to_string() }
}

fn io(what: &Path, e: std::io::Error) -> Fatal {
    Fatal::new(format!("cannot write {}: {e}", what.display()))
}

async fn state(ctx: &Context, ops: &Ops, key: &DataKey) -> Result<KeyState, Fatal> {
    let env = Env::new(&ctx.config, Some(key), None);
    let rotation = ops.ask::<Option<Rotation>>(&env, Request::KeyStatus).await.map_err(op)?;
    let (rows_done, rows_total) = rotation.as_ref().map(Rotation::done_of_total).unwrap_or((0, 0));
    Ok(KeyState {
        key_id: key.id().to_owned(),
        next_key_id: key.next().map(|n| n.id().to_owned()),
        rows_done,
        rows_total,
        rotation,
    })
}

fn print(s: &KeyState, json: bool) {
    if json {
        super::json::print_ok(s);
        return;
    }
    println!("data key {}", s.key_id);
    match &s.rotation {
        None => println!("never rotated"),
        Some(r) => {
            println!(
                "rotation {} from key {} to key {}: {}, {} of {} row(s) re-encrypted \
                 (members {}/{}, brokers {}/{}, outbox {}/{})",
                r.id,
                r.old_key_id,
                r.new_key_id,
                r.state,
                s.rows_done,
                s.rows_total,
                r.members_done,
                r.members_total,
                r.brokers_done,
                r.brokers_total,
                r.outbox_done,
                r.outbox_total
            );
            println!("started by {} at {}", r.started_by, r.started_at.format("%Y-%m-%d %H:%M UTC"));
            if let Some(f) = r.finished_at {
                println!(
                    "finished at {}; {} active code(s) revoked (reissue them)",
                    f.format("%Y-%m-%d %H:%M UTC"),
                    r.codes_revoked
                );
            }
        }
    }
}

async fn status(ctx: &Context, ops: &Ops, json: bool) -> Result<u8, Fatal> {
    let key = startup::data_key(ctx)?;
    print(&state(ctx, ops, &key).await?, json);
    Ok(0)
}

fn read_key_text(path: &Path) -> Result<String, Fatal> {
    std::fs::read_to_string(path)
        .map(|t| t.trim().to_owned())
        .map_err(|e| Fatal::new(format!("cannot read {}: {e}", path.display())))
}

/// Starts or resumes a rotation, runs its batches and, when every row is
/// done, makes the new key the key file: the old one kept beside it as
/// `….retired-<fingerprint>`, the new one written atomically (0600).
async fn rotate(
    ctx: &Context,
    ops: &Ops,
    new_file: &Path,
    batch_size: i64,
    batches: Option<usize>,
    json: bool,
) -> Result<u8, Fatal> {
    if std::env::var("PORTALDESK_DATA_KEY").is_ok_and(|v| !v.trim().is_empty()) {
        return Err(Fatal::new(
            "the data key comes from PORTALDESK_DATA_KEY: rotation replaces the key file, so unset it and use the file",
        ));
    }
    let key_file = ctx.paths.key_file();
    let next_file = crypto::next_key_path(&key_file);
    let new = DataKey::load(None, new_file)?;
    let key = DataKey::load_with_next(None, &key_file)?;
    let running = key_rotation::running(ops.store()).await.map_err(|e| op(e.into()))?;
    // Killed after the key file was replaced but before the row was marked done.
    if let Some(r) = running.as_ref().filter(|r| r.new_key_id == key.id() && key.id() == new.id()) {
        let env = Env::new(&ctx.config, Some(&key), None);
        let done = Request::KeyRotateFinish { new_key_id: r.new_key_id.clone() };
        ops.ask::<()>(&env, done).await.map_err(op)?;
        let _ = std::fs::remove_file(&next_file);
        print(&state(ctx, ops, &key.current_only()).await?, json);
        return Ok(0);
    }
    // Run again after it finished (or finished by a run since killed): nothing to do.
    if running.is_none() && key.id() == new.id() {
        let s = state(ctx, ops, &key).await?;
        if s.rotation.as_ref().is_some_and(|r| r.new_key_id == new.id() && r.state == "done") {
            print(&s, json);
            return Ok(0);
        }
    }
    if let Some(n) = key.next().filter(|n| n.id() != new.id()) {
        return Err(Fatal::new(format!(
            "{} holds key {} from another rotation: finish that one (portaldesk key status)",
            next_file.display(),
            n.id()
        )));
    }
    let old = key.clone().current_only();
    // The next key beside the key file first, so every process that loads
    // the key from now on accepts both.
    if key.next().is_none() && old.id() != new.id() {
        crypto::write_private(&next_file, &read_key_text(new_file)?).map_err(|e| io(&next_file, e))?;
    }
    let env = Env::new(&ctx.config, Some(&key), None);
    let rotate = Request::KeyRotate { old: Box::new(old), new: Box::new(new.clone()), batch_size, batches };
    let (r, complete) = match ops.execute(&env, rotate).await.map_err(op)? {
        Outcome::Rotated(r, complete) => (r, complete),
        other => return Err(op(other.unexpected())),
    };
    if !complete {
        let s = state(ctx, ops, &key).await?;
        print(&s, json);
        if !json {
            println!("stopped after {} batch(es) as asked: run again to resume", batches.unwrap_or(0));
        }
        return Ok(0);
    }
    let retired = crypto::retired_key_path(&key_file, &r.old_key_id);
    if !retired.exists() {
        crypto::write_private(&retired, &read_key_text(&key_file)?).map_err(|e| io(&retired, e))?;
    }
    crypto::replace_private(&key_file, &read_key_text(&next_file)?).map_err(|e| io(&key_file, e))?;
    ops.ask::<()>(&env, Request::KeyRotateFinish { new_key_id: new.id().to_owned() }).await.map_err(op)?;
    std::fs::remove_file(&next_file).map_err(|e| io(&next_file, e))?;
    print(&state(ctx, ops, &new).await?, json);
    if !json {
        println!("{} now holds the new key; the old one is kept as {}", key_file.display(), retired.display());
    }
    Ok(0)
}
