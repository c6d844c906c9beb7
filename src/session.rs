//! Sessions as projections of the event log: [`SessionState`] and the one reducer that builds
//! it, live and on replay alike.

mod cut;
mod state;

pub use cut::{Cut, CutError};
pub use state::{SessionState, SessionStatus, reduce};
