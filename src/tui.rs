//! The workstation: a full-screen client of the server. It owns its terminal and nothing
//! else — slots, programs, agents and the store live in the server.
//!
//! ```text
//! terminal input ─▶ Msg ─▶ update(&mut AppState, Msg) -> Vec<Effect> ─▶ driver: commands to
//! server notifications ─▶ Msg::Server ─┘        │ dirty                    the server, clipboard,
//!                                                ▼                          suspend, leave
//!                                    render(&AppState, frame)  (≤ 60 fps, only when dirty)
//! ```
//!
//! | module | owns |
//! |---|---|
//! | `app.rs` | `AppState` (ids and view data only), `Msg`, `Effect`, modes |
//! | `update.rs` | the pure transition function and the registry commands |
//! | `server_ui.rs` | notifications from the server folded into the state |
//! | `commands.rs` | the command registry: every command's name, title, description |
//! | `keymap.rs`, `keymap/` | every mode's keys as data (defaults + `config.toml`): lookups, hints, `docs/KEYS.md` |
//! | `agent_ui.rs`, `panes_ui.rs`, `slots_ui.rs` | agent slots, pane slots, opening stored sessions |
//! | `board.rs` | the task board: its state, the board view's keys, the submit form |
//! | `slots.rs` | a slot as this window sees it |
//! | `slash.rs` | `/` commands in the prompt (Codex habits), run through the registry |
//! | `modal_keys.rs`, `picker_keys.rs`, `copy_mode.rs`, `mouse.rs` | keys of the modal views, the pickers, copy mode, the mouse |
//! | `pane_search.rs` | copy mode's search of a pane's history (run by the server) |
//! | `composer.rs`, `history.rs`, `palette.rs`, `picker.rs`, `diff_view.rs` | the composer, prompt history, palette, pickers, diff view |
//! | `content.rs`, `selection.rs` | a slot's content as rows: selection and copying |
//! | `transcript.rs` | an agent's transcript folded from its events |
//! | `layout.rs` | where everything goes, shared by rendering and hit-testing |
//! | `render.rs`, `views/` | pure rendering, one file per view |
//! | `driver.rs` | the loop: terminal input, the server link, effects, paced drawing |
//! | `frame_log.rs` | per-frame timings for benchmarks (`SWITCHBOARD_FRAME_LOG`) |
//! | `startup.rs` | what `resume`, `fork` and `--slot` do right after attaching |
//! | `terminal.rs`, `theme.rs` | terminal setup and restore; colours |
//! | `headless.rs`, `keyscript.rs` | rendering without a terminal (`switchboard render`, snapshots); key scripts in tmux notation that drive it (`render --keys`) |

pub mod agent_ui;
pub mod app;
pub mod board;
pub mod commands;
pub mod composer;
pub mod content;
mod copy_mode;
pub mod diff_view;
pub mod driver;
mod frame_log;
pub mod headless;
pub mod history;
pub mod keymap;
pub mod keyscript;
pub mod layout;
pub(crate) mod modal_keys;
mod mouse;
pub mod palette;
pub mod pane_search;
mod panes_ui;
pub mod picker;
mod picker_keys;
pub mod render;
pub mod selection;
pub mod server_ui;
pub mod slash;
pub mod slots;
pub mod slots_ui;
pub mod startup;
pub mod terminal;
pub use crate::text;
pub mod theme;
pub mod transcript;
pub mod update;
pub mod views;
