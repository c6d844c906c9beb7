//! What a terminal sends to the program for a key, a paste or a mouse event, given the modes
//! the program set (xterm's encodings). Pure functions: the UI calls them and writes the bytes
//! to the slot.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use super::geometry::{CellPos, PaneSize};
use super::screen::{MouseEncoding, MouseMode, PaneModes};

const ESC: u8 = 0x1b;

/// Largest coordinate (1-based) the default mouse encoding can carry: one byte holding
/// `32 + value` tops out at 255.
const MAX_DEFAULT_MOUSE_COORD: u32 = 223;

/// Largest coordinate (1-based) the UTF-8 mouse encoding can carry (two-byte characters).
const MAX_UTF8_MOUSE_COORD: u32 = 2015;

/// xterm's modifier parameter: 1 + shift·1 + alt·2 + ctrl·4 + meta·8; 1 (none) is omitted.
fn modifier_param(mods: KeyModifiers) -> u8 {
    let mut value = 1;
    if mods.contains(KeyModifiers::SHIFT) {
        value += 1;
    }
    if mods.contains(KeyModifiers::ALT) {
        value += 2;
    }
    if mods.contains(KeyModifiers::CONTROL) {
        value += 4;
    }
    if mods.intersects(KeyModifiers::META | KeyModifiers::SUPER) {
        value += 8;
    }
    value
}

/// `ESC [ 1 ; m x` with modifiers, else `ESC [ x` or, in application mode, `ESC O x`.
fn cursor_key(out: &mut Vec<u8>, letter: u8, mods: KeyModifiers, application: bool) {
    let m = modifier_param(mods);
    if m > 1 {
        out.extend_from_slice(format!("\x1b[1;{m}").as_bytes());
        out.push(letter);
    } else if application {
        out.extend_from_slice(&[ESC, b'O', letter]);
    } else {
        out.extend_from_slice(&[ESC, b'[', letter]);
    }
}

/// `ESC [ n ~`, or `ESC [ n ; m ~` with modifiers.
fn tilde_key(out: &mut Vec<u8>, number: u8, mods: KeyModifiers) {
    let m = modifier_param(mods);
    if m > 1 {
        out.extend_from_slice(format!("\x1b[{number};{m}~").as_bytes());
    } else {
        out.extend_from_slice(format!("\x1b[{number}~").as_bytes());
    }
}

/// The control character Ctrl+`c` produces, as xterm maps it.
fn control_byte(c: char) -> Option<u8> {
    match c {
        'a'..='z' => Some(c as u8 - b'a' + 1),
        'A'..='Z' => Some(c as u8 - b'A' + 1),
        '@' | ' ' | '2' => Some(0x00),
        '[' | '3' => Some(0x1b),
        '\\' | '4' => Some(0x1c),
        ']' | '5' => Some(0x1d),
        '^' | '6' => Some(0x1e),
        '_' | '-' | '7' | '/' => Some(0x1f),
        '8' | '?' => Some(0x7f),
        _ => None,
    }
}

/// The bytes a terminal sends for `key`, or `None` when the key has no encoding (a release,
/// a lone modifier, a media key, F13 and up), so the UI may use it itself.
pub fn encode_key(key: &KeyEvent, modes: &PaneModes) -> Option<Vec<u8>> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let mods = key.modifiers;
    let alt = mods.contains(KeyModifiers::ALT);
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    let mut out = Vec::with_capacity(8);
    // Alt on a plain key is an ESC prefix (xterm's metaSendsEscape).
    let prefix_alt = |out: &mut Vec<u8>| {
        if alt {
            out.push(ESC);
        }
    };
    match key.code {
        KeyCode::Char(c) => {
            prefix_alt(&mut out);
            match control_byte(c).filter(|_| ctrl) {
                Some(byte) => out.push(byte),
                None => {
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        KeyCode::Enter => {
            prefix_alt(&mut out);
            out.push(b'\r');
        }
        KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Tab => {
            prefix_alt(&mut out);
            out.push(b'\t');
        }
        KeyCode::BackTab => out.extend_from_slice(b"\x1b[Z"),
        KeyCode::Backspace => {
            prefix_alt(&mut out);
            out.push(if ctrl { 0x08 } else { 0x7f });
        }
        KeyCode::Esc => {
            prefix_alt(&mut out);
            out.push(ESC);
        }
        KeyCode::Null => out.push(0x00),
        KeyCode::Up => cursor_key(&mut out, b'A', mods, modes.application_cursor),
        KeyCode::Down => cursor_key(&mut out, b'B', mods, modes.application_cursor),
        KeyCode::Right => cursor_key(&mut out, b'C', mods, modes.application_cursor),
        KeyCode::Left => cursor_key(&mut out, b'D', mods, modes.application_cursor),
        KeyCode::Home => cursor_key(&mut out, b'H', mods, modes.application_cursor),
        KeyCode::End => cursor_key(&mut out, b'F', mods, modes.application_cursor),
        KeyCode::Insert => tilde_key(&mut out, 2, mods),
        KeyCode::Delete => tilde_key(&mut out, 3, mods),
        KeyCode::PageUp => tilde_key(&mut out, 5, mods),
        KeyCode::PageDown => tilde_key(&mut out, 6, mods),
        KeyCode::F(n @ 1..=4) => {
            let letter = b'P' + (n - 1);
            let m = modifier_param(mods);
            if m > 1 {
                out.extend_from_slice(format!("\x1b[1;{m}").as_bytes());
                out.push(letter);
            } else {
                out.extend_from_slice(&[ESC, b'O', letter]);
            }
        }
        KeyCode::F(n @ 5..=12) => {
            // xterm skips 16 and 22 (historical VT220 gaps).
            let number = [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)];
            tilde_key(&mut out, number, mods);
        }
        KeyCode::F(_)
        | KeyCode::CapsLock
        | KeyCode::ScrollLock
        | KeyCode::NumLock
        | KeyCode::PrintScreen
        | KeyCode::Pause
        | KeyCode::Menu
        | KeyCode::KeypadBegin
        | KeyCode::Media(_)
        | KeyCode::Modifier(_) => return None,
    }
    Some(out)
}

/// The bytes a terminal sends for pasted `text`. With bracketed paste on it is wrapped in
/// `ESC[200~` … `ESC[201~` and stripped of ESC, so pasted text can never end the paste early
/// and inject keystrokes; without it, line breaks become CR as typed Enter would.
pub fn encode_paste(text: &str, modes: &PaneModes) -> Vec<u8> {
    if modes.bracketed_paste {
        let mut out = Vec::with_capacity(text.len() + 12);
        out.extend_from_slice(b"\x1b[200~");
        out.extend(text.bytes().filter(|b| *b != ESC));
        out.extend_from_slice(b"\x1b[201~");
        out
    } else {
        text.replace("\r\n", "\r").replace('\n', "\r").into_bytes()
    }
}

/// The bytes a terminal sends for `event`, given where the pane's top-left cell is on the
/// outer screen (`origin`) and its size. `None` when the program did not ask for this kind of
/// event, the event lies outside the pane, or its position cannot be encoded.
pub fn encode_mouse(
    event: &MouseEvent,
    origin: CellPos,
    size: PaneSize,
    modes: &PaneModes,
) -> Option<Vec<u8>> {
    let col = event.column.checked_sub(origin.col)?;
    let row = event.row.checked_sub(origin.row)?;
    if col >= size.cols || row >= size.rows {
        return None;
    }
    let mode = modes.mouse_mode;
    if mode == MouseMode::None {
        return None;
    }
    let (mut button, release) = match event.kind {
        MouseEventKind::Down(b) => (button_code(b), false),
        MouseEventKind::Up(b) => {
            if mode == MouseMode::Press {
                return None;
            }
            (button_code(b), true)
        }
        MouseEventKind::Drag(b) => {
            if !matches!(mode, MouseMode::ButtonMotion | MouseMode::AnyMotion) {
                return None;
            }
            (button_code(b) + 32, false)
        }
        MouseEventKind::Moved => {
            if mode != MouseMode::AnyMotion {
                return None;
            }
            (3 + 32, false)
        }
        MouseEventKind::ScrollUp => (64, false),
        MouseEventKind::ScrollDown => (65, false),
        MouseEventKind::ScrollLeft => (66, false),
        MouseEventKind::ScrollRight => (67, false),
    };
    // X10 mode reports no modifiers.
    if mode != MouseMode::Press {
        let mods = event.modifiers;
        if mods.contains(KeyModifiers::SHIFT) {
            button += 4;
        }
        if mods.contains(KeyModifiers::ALT) {
            button += 8;
        }
        if mods.contains(KeyModifiers::CONTROL) {
            button += 16;
        }
    }
    let (x, y) = (u32::from(col) + 1, u32::from(row) + 1);
    match modes.mouse_encoding {
        MouseEncoding::Sgr => {
            let end = if release { 'm' } else { 'M' };
            Some(format!("\x1b[<{button};{x};{y}{end}").into_bytes())
        }
        MouseEncoding::Default | MouseEncoding::Utf8 => {
            // These encodings cannot say which button was released.
            let code = if release { 3 | (button & !3) } else { button };
            let utf8 = modes.mouse_encoding == MouseEncoding::Utf8;
            let limit = if utf8 {
                MAX_UTF8_MOUSE_COORD
            } else {
                MAX_DEFAULT_MOUSE_COORD
            };
            if x > limit || y > limit {
                return None;
            }
            let mut out = b"\x1b[M".to_vec();
            for value in [code + 32, x + 32, y + 32] {
                if utf8 {
                    let c = char::from_u32(value)?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                } else {
                    out.push(u8::try_from(value).ok()?);
                }
            }
            Some(out)
        }
    }
}

fn button_code(button: MouseButton) -> u32 {
    match button {
        MouseButton::Left => 0,
        MouseButton::Middle => 1,
        MouseButton::Right => 2,
    }
}

#[cfg(test)]
mod tests;
