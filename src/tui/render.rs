//! `render`: the whole frame as a pure function of the state.

use ratatui::Frame;

use super::app::{AppState, Mode, Size};
use super::layout;
use super::views::{
    approval, board, composer, diff, main_area, overlays, picker, slot_list, status_line,
};

pub fn render(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    let sized = Size {
        cols: area.width,
        rows: area.height,
    };
    let Some(areas) = layout::areas_for(state, sized) else {
        overlays::too_small(state, area, frame.buffer_mut());
        return;
    };
    let buf = frame.buffer_mut();
    if let Some(list) = areas.slot_list {
        slot_list::render(state, list, buf);
    }
    let pane_cursor = main_area::render(state, &areas, buf);
    let mut cursor = match state.focus {
        super::app::Focus::Pane => {
            // The composer is drawn but the cursor belongs to the pane that has the keys.
            composer::render(state, areas.composer, buf);
            pane_cursor
        }
        super::app::Focus::Workstation => composer::render(state, areas.composer, buf),
    };
    status_line::render(state, areas.status, buf);
    if matches!(state.mode, Mode::Normal)
        && state.focus == super::app::Focus::Workstation
        && super::slash::active(state)
    {
        overlays::slash(state, areas.composer, buf);
    }
    match &state.mode {
        Mode::Palette(palette) => cursor = Some(overlays::palette(state, palette, area, buf)),
        Mode::Help { scroll } => {
            overlays::help(state, *scroll, area, buf);
            cursor = None;
        }
        Mode::ConfirmClose(slot) => {
            overlays::confirm_close(state, *slot, area, buf);
            cursor = None;
        }
        Mode::ConfirmQuit => {
            overlays::confirm_quit(state, area, buf);
            cursor = None;
        }
        Mode::Picker(picker) => cursor = picker::render(state, picker, area, buf),
        Mode::NewSlot(dialog) => cursor = Some(overlays::new_slot(state, dialog, area, buf)),
        Mode::Diff(view) => {
            diff::render(state, view, area, buf);
            cursor = None;
        }
        Mode::Board(view) => {
            board::render(state, view, area, buf);
            cursor = None;
        }
        Mode::CloseSlot(dialog) => {
            overlays::close_slot(state, dialog, area, buf);
            cursor = None;
        }
        Mode::Approval | Mode::DenyReason(_) => {
            let cell = areas.focused.unwrap_or(areas.main);
            cursor = approval::render(state, cell, buf).or(None);
        }
        Mode::Normal | Mode::HistorySearch(_) | Mode::CopyMode(_) | Mode::PaneSearch(_) => {}
    }
    if let Some(position) = cursor {
        frame.set_cursor_position(position);
    }
}
