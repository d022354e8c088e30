//! Input as an ordered stream: keys and pastes typed while a load or change
//! the operator started is still running wait here, and run in order once it
//! settles, so that each acts on the screen it was typed for. A person typing
//! ahead and a headless script (which waits after every key) get one result.
//! The queue is `App::typeahead`; `App::on_key` and `App::on_paste` feed it.

use crate::keys::Key;

/// One thing typed: a key, or a bracketed paste.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    Key(Key),
    Paste(String),
}
