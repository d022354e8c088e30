//! Who else has the open case or member (presence), at work: while a case
//! or a member is the screen in front, the app beats a heartbeat
//! (`Request::Presence`) when what it has open changes (opened, closed, a
//! change of it started or ended) and every `domain::presence::BEAT_SECS`
//! meanwhile; each beat's answer is who else is on the same case or member,
//! which the view shows in one line ("jdoe is editing this case"). A change
//! started on a case someone else is editing asks first (cases.rs, with
//! `presence_editors`). Beats are background work: typed keys never wait
//! for them. Quitting deletes the row (`presence_leave`); a killed
//! terminal's row expires by itself. The state is in presence.rs.

use std::future::Future;

use super::app::{App, Mode};
use super::cases::CaseScreen;
use super::form::FormKind;
use super::members::MemberScreen;
use super::modal::{Pending, PromptKind};
use super::task::{Report, TaskId};
use crate::domain::maintenance::ChangeKind;
use crate::domain::presence::{self as rules, EntityKind, Here};
use crate::ops::presence::Beat;
use crate::ops::request::{Outcome, Request};

impl App {
    /// What the screen in front has open for presence, and whether a
    /// change of it is open (a prompt, a form, a confirm for it, in front
    /// or waiting under another modal).
    fn presence_here(&self) -> Option<Here> {
        let modes = || std::iter::once(&self.mode).chain(self.modals.iter().map(|l| &l.mode));
        if let Some(s) = self.top::<CaseScreen>() {
            let key = s.file.as_ref().map_or_else(|| s.number.clone(), |f| f.case.case_number.clone());
            let editing = modes().any(|m| match m {
                Mode::Prompt(p) => {
                    p.number == key
                        && matches!(
                            p.kind,
                            PromptKind::Assign
                                | PromptKind::Note { .. }
                                | PromptKind::RequestInfo
                                | PromptKind::Resolve
                                | PromptKind::Priority
                        )
                }
                Mode::Confirm(c) => matches!(&c.pending, Pending::Case { number, .. } if *number == key),
                _ => false,
            });
            return Some(here(EntityKind::Case, key, editing));
        }
        if let Some(s) = self.top::<MemberScreen>() {
            let editing = modes().any(|m| match m {
                Mode::Form(f) => matches!(f.kind, FormKind::Change(k) if k != ChangeKind::AddMember),
                Mode::Confirm(c) => matches!(&c.pending, Pending::Member(r) if r.member.as_deref() == Some(&s.number)),
                _ => false,
            });
            return Some(here(EntityKind::Member, s.number.clone(), editing));
        }
        None
    }

    /// The tick's part: beats when what is open changed, and every few
    /// seconds while it stays open; one beat at a time.
    pub(super) fn presence_tick(&mut self) {
        if self.presence.task.is_some() {
            return;
        }
        let want = self.presence_here();
        let due = self.tick.saturating_sub(self.presence.last) >= self.presence.every;
        if want == self.presence.sent && (want.is_none() || !due) {
            return;
        }
        let about = want.as_ref().map(|h| (h.kind, h.key.clone()));
        if about != self.presence.about {
            // Another entity: nobody is shown until its own answer comes.
            self.presence.about = None;
            self.presence.others.clear();
        }
        self.presence.sent = want.clone();
        self.presence.last = self.tick;
        let beat = Request::Presence(Beat { session: self.presence.session.clone(), here: want });
        let run = self.runner();
        let id = self.tasks.spawn_background(async move {
            Report::Answer(run.execute(beat).await.map(Box::new).map_err(|e| e.to_string()))
        });
        self.presence.task = Some((id, about));
    }

    /// Takes a beat's answer when task `id` is the beat in flight; else
    /// gives the report back.
    pub(super) fn presence_report(&mut self, id: TaskId, report: Report) -> Option<Report> {
        let Some((_, about)) = self.presence.task.take_if(|(t, _)| *t == id) else { return Some(report) };
        match report {
            Report::Answer(Ok(o)) => match *o {
                Outcome::Present(others) => {
                    self.presence.about = about;
                    self.presence.others = others;
                }
                other => tracing::warn!("presence: unexpected answer {other:?}"),
            },
            // Presence is a courtesy: a failed beat is logged, never shown as
            // an error of the operator's (a lost connection shows in the banner).
            Report::Answer(Err(e)) => tracing::info!("presence beat failed: {e}"),
            other => tracing::warn!("presence: unexpected report {other:?}"),
        }
        None
    }

    /// The view's line about the others on `kind` `key`, if any.
    pub fn presence_line(&self, kind: EntityKind, key: &str) -> Option<String> {
        rules::line(kind, self.presence.others(kind, key)).map(|l| crate::domain::text::sanitize(&l))
    }

    /// Who else is editing `kind` `key` (from the last beat), if anyone.
    pub(super) fn presence_editors(&self, kind: EntityKind, key: &str) -> Option<String> {
        rules::editors(self.presence.others(kind, key))
    }

    /// The ticks between beats.
    pub fn presence_every(&self) -> u64 {
        self.presence.every()
    }

    /// Quitting: the beat that deletes this session's row, to run (briefly)
    /// after the event loop, when the app has a row.
    pub fn presence_leave(&mut self) -> Option<impl Future<Output = ()> + use<>> {
        self.presence.sent.take()?;
        let run = self.runner();
        let beat = Request::Presence(Beat { session: self.presence.session.clone(), here: None });
        Some(async move {
            if let Err(e) = run.execute(beat).await {
                tracing::info!("presence: leaving failed ({e}); the row expires by itself");
            }
        })
    }
}

fn here(kind: EntityKind, key: String, editing: bool) -> Here {
    Here { kind, key, mode: if editing { rules::Mode::Editing } else { rules::Mode::Viewing } }
}
