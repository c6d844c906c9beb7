//! The workstation: a full-screen terminal UI over the store.
//!
//! Input → keymap → `Action`/command → pure `update(&mut AppState, Msg) -> Vec<Effect>` →
//! effects run by a thin driver (`driver.rs`, `core.rs`) → results come back as `Msg`s.
//! `render(&AppState, &mut Frame)` is pure and runs only when something changed.

pub mod agent_ui;
pub mod app;
pub mod commands;
pub mod composer;
pub mod content;
mod copy_mode;
pub mod core;
pub mod diff_view;
pub mod driver;
pub mod headless;
pub mod history;
pub mod layout;
mod modal_keys;
mod mouse;
pub mod palette;
mod panes_ui;
pub mod picker;
mod picker_keys;
pub mod render;
pub mod selection;
pub mod slots;
pub mod startup;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod transcript;
pub mod update;
pub mod views;
