//! A part of a screen read on its own (a tab, a page): not asked for yet,
//! being read by a task, shown, or failed with the reason to show in its place.

use super::task::TaskId;

/// What a screen holds of one read.
#[derive(Debug, Clone, Default)]
pub enum Part<T> {
    /// Not asked for yet: the screen `wants` it when it is shown.
    #[default]
    Unasked,
    /// Asked for, by the task with this id (0 until the app says which).
    Loading(TaskId),
    Shown(Box<T>),
    /// Refused or failed: the reason, said where the part would show.
    Failed(String),
}

impl<T> Part<T> {
    /// The part, once shown.
    pub fn shown(&self) -> Option<&T> {
        match self {
            Part::Shown(t) => Some(t),
            _ => None,
        }
    }

    /// Whether it waits for task `id`.
    pub fn waits_for(&self, id: TaskId) -> bool {
        matches!(self, Part::Loading(t) if *t == id)
    }

    /// Whether it is being read.
    pub fn loading(&self) -> bool {
        matches!(self, Part::Loading(_))
    }

    /// Takes the answer of its task: the value, or the reason it failed.
    pub fn settle(&mut self, answer: Result<T, String>) {
        *self = match answer {
            Ok(v) => Part::Shown(Box::new(v)),
            Err(e) => Part::Failed(e),
        };
    }

    /// What to draw in its place when it is not shown: a line saying why.
    pub fn placeholder(&self, what: &str) -> Option<String> {
        match self {
            Part::Shown(_) => None,
            Part::Unasked | Part::Loading(_) => Some(format!("Loading {what}…")),
            Part::Failed(e) => Some(e.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_waits_for_its_own_task_and_says_why_it_is_not_shown() {
        let mut p: Part<u8> = Part::Loading(3);
        assert!(p.waits_for(3) && !p.waits_for(4) && p.loading());
        assert_eq!(p.placeholder("billing").as_deref(), Some("Loading billing…"));
        p.settle(Err("group X has no bills yet".into()));
        assert_eq!(p.placeholder("billing").as_deref(), Some("group X has no bills yet"));
        p.settle(Ok(7));
        assert_eq!(p.shown(), Some(&7));
        assert_eq!(p.placeholder("billing"), None);
    }
}
