use super::*;
use crossterm::event::{KeyEventState, MouseEvent};

fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
    KeyEvent {
        code,
        modifiers,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

#[test]
fn keys_encode_like_xterm() {
    let none = KeyModifiers::NONE;
    let shift = KeyModifiers::SHIFT;
    let ctrl = KeyModifiers::CONTROL;
    let alt = KeyModifiers::ALT;
    let table: &[(KeyCode, KeyModifiers, &[u8])] = &[
        (KeyCode::Char('a'), none, b"a"),
        (KeyCode::Char('A'), shift, b"A"),
        (KeyCode::Char('é'), none, "é".as_bytes()),
        (KeyCode::Char('c'), ctrl, b"\x03"),
        (KeyCode::Char('C'), ctrl | shift, b"\x03"),
        (KeyCode::Char('@'), ctrl, b"\x00"),
        (KeyCode::Char(' '), ctrl, b"\x00"),
        (KeyCode::Char('['), ctrl, b"\x1b"),
        (KeyCode::Char('\\'), ctrl, b"\x1c"),
        (KeyCode::Char(']'), ctrl, b"\x1d"),
        (KeyCode::Char('^'), ctrl, b"\x1e"),
        (KeyCode::Char('_'), ctrl, b"\x1f"),
        (KeyCode::Char('1'), ctrl, b"1"),
        (KeyCode::Char('x'), alt, b"\x1bx"),
        (KeyCode::Char('x'), alt | ctrl, b"\x1b\x18"),
        (KeyCode::Enter, none, b"\r"),
        (KeyCode::Enter, alt, b"\x1b\r"),
        (KeyCode::Tab, none, b"\t"),
        (KeyCode::Tab, shift, b"\x1b[Z"),
        (KeyCode::BackTab, shift, b"\x1b[Z"),
        (KeyCode::Backspace, none, b"\x7f"),
        (KeyCode::Backspace, ctrl, b"\x08"),
        (KeyCode::Backspace, alt, b"\x1b\x7f"),
        (KeyCode::Esc, none, b"\x1b"),
        (KeyCode::Up, none, b"\x1b[A"),
        (KeyCode::Down, none, b"\x1b[B"),
        (KeyCode::Right, none, b"\x1b[C"),
        (KeyCode::Left, none, b"\x1b[D"),
        (KeyCode::Right, ctrl, b"\x1b[1;5C"),
        (KeyCode::Left, shift, b"\x1b[1;2D"),
        (KeyCode::Up, alt, b"\x1b[1;3A"),
        (KeyCode::Down, ctrl | shift, b"\x1b[1;6B"),
        (KeyCode::Home, none, b"\x1b[H"),
        (KeyCode::End, none, b"\x1b[F"),
        (KeyCode::End, ctrl, b"\x1b[1;5F"),
        (KeyCode::Insert, none, b"\x1b[2~"),
        (KeyCode::Delete, none, b"\x1b[3~"),
        (KeyCode::Delete, shift, b"\x1b[3;2~"),
        (KeyCode::PageUp, none, b"\x1b[5~"),
        (KeyCode::PageDown, ctrl, b"\x1b[6;5~"),
        (KeyCode::F(1), none, b"\x1bOP"),
        (KeyCode::F(4), none, b"\x1bOS"),
        (KeyCode::F(1), shift, b"\x1b[1;2P"),
        (KeyCode::F(5), none, b"\x1b[15~"),
        (KeyCode::F(6), none, b"\x1b[17~"),
        (KeyCode::F(10), none, b"\x1b[21~"),
        (KeyCode::F(11), none, b"\x1b[23~"),
        (KeyCode::F(12), none, b"\x1b[24~"),
        (KeyCode::F(12), ctrl, b"\x1b[24;5~"),
        (KeyCode::Null, none, b"\x00"),
    ];
    let modes = PaneModes::default();
    for (code, mods, bytes) in table {
        assert_eq!(
            encode_key(&key(*code, *mods), &modes).as_deref(),
            Some(*bytes),
            "{code:?} {mods:?}"
        );
    }
}

#[test]
fn application_cursor_mode_changes_unmodified_arrows_only() {
    let modes = PaneModes {
        application_cursor: true,
        ..PaneModes::default()
    };
    let table: &[(KeyCode, KeyModifiers, &[u8])] = &[
        (KeyCode::Up, KeyModifiers::NONE, b"\x1bOA"),
        (KeyCode::Left, KeyModifiers::NONE, b"\x1bOD"),
        (KeyCode::Home, KeyModifiers::NONE, b"\x1bOH"),
        (KeyCode::End, KeyModifiers::NONE, b"\x1bOF"),
        (KeyCode::Up, KeyModifiers::CONTROL, b"\x1b[1;5A"),
        (KeyCode::PageUp, KeyModifiers::NONE, b"\x1b[5~"),
    ];
    for (code, mods, bytes) in table {
        assert_eq!(
            encode_key(&key(*code, *mods), &modes).as_deref(),
            Some(*bytes),
            "{code:?}"
        );
    }
}

#[test]
fn keys_without_an_encoding_are_left_to_the_ui() {
    let modes = PaneModes::default();
    for code in [KeyCode::F(13), KeyCode::CapsLock, KeyCode::Menu] {
        assert_eq!(encode_key(&key(code, KeyModifiers::NONE), &modes), None);
    }
    let mut release = key(KeyCode::Char('a'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert_eq!(encode_key(&release, &modes), None);
    let mut repeat = key(KeyCode::Char('a'), KeyModifiers::NONE);
    repeat.kind = KeyEventKind::Repeat;
    assert_eq!(encode_key(&repeat, &modes).as_deref(), Some(&b"a"[..]));
}

#[test]
fn pastes_are_bracketed_only_when_asked() {
    let plain = PaneModes::default();
    let bracketed = PaneModes {
        bracketed_paste: true,
        ..PaneModes::default()
    };
    assert_eq!(encode_paste("a\nb\r\nc", &plain), b"a\rb\rc");
    assert_eq!(
        encode_paste("ls\n\x1b[201~rm -rf", &bracketed),
        b"\x1b[200~ls\n[201~rm -rf\x1b[201~"
    );
    assert_eq!(encode_paste("", &bracketed), b"\x1b[200~\x1b[201~");
}

fn mouse(kind: MouseEventKind, column: u16, row: u16, modifiers: KeyModifiers) -> MouseEvent {
    MouseEvent {
        kind,
        column,
        row,
        modifiers,
    }
}

fn modes(mouse_mode: MouseMode, mouse_encoding: MouseEncoding) -> PaneModes {
    PaneModes {
        mouse_mode,
        mouse_encoding,
        ..PaneModes::default()
    }
}

#[test]
fn mouse_events_follow_mode_and_encoding() {
    use MouseEncoding as E;
    use MouseEventKind as K;
    use MouseMode as M;
    let origin = CellPos::new(2, 10);
    let size = PaneSize::new(20, 300);
    let none = KeyModifiers::NONE;
    let left = MouseButton::Left;
    type Row = (
        M,
        E,
        MouseEventKind,
        u16,
        u16,
        KeyModifiers,
        Option<&'static [u8]>,
    );
    let table: &[Row] = &[
        (M::None, E::Sgr, K::Down(left), 10, 2, none, None),
        (
            M::Press,
            E::Default,
            K::Down(left),
            10,
            2,
            none,
            Some(b"\x1b[M !!"),
        ),
        (M::Press, E::Default, K::Up(left), 10, 2, none, None),
        (
            M::Press,
            E::Default,
            K::Down(left),
            10,
            2,
            KeyModifiers::CONTROL,
            Some(b"\x1b[M !!"),
        ),
        (
            M::PressRelease,
            E::Default,
            K::Up(left),
            12,
            3,
            none,
            Some(b"\x1b[M##\""),
        ),
        (
            M::PressRelease,
            E::Default,
            K::Drag(left),
            12,
            3,
            none,
            None,
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::Down(MouseButton::Right),
            12,
            3,
            none,
            Some(b"\x1b[<2;3;2M"),
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::Up(MouseButton::Right),
            12,
            3,
            none,
            Some(b"\x1b[<2;3;2m"),
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::Down(left),
            12,
            3,
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
            Some(b"\x1b[<20;3;2M"),
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::ScrollUp,
            10,
            2,
            none,
            Some(b"\x1b[<64;1;1M"),
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::ScrollDown,
            10,
            2,
            none,
            Some(b"\x1b[<65;1;1M"),
        ),
        (M::PressRelease, E::Sgr, K::Moved, 10, 2, none, None),
        (
            M::ButtonMotion,
            E::Sgr,
            K::Drag(left),
            11,
            2,
            none,
            Some(b"\x1b[<32;2;1M"),
        ),
        (M::ButtonMotion, E::Sgr, K::Moved, 11, 2, none, None),
        (
            M::AnyMotion,
            E::Sgr,
            K::Moved,
            11,
            2,
            none,
            Some(b"\x1b[<35;2;1M"),
        ),
        (M::AnyMotion, E::Sgr, K::Down(left), 9, 2, none, None),
        (M::AnyMotion, E::Sgr, K::Down(left), 10, 1, none, None),
        (M::AnyMotion, E::Sgr, K::Down(left), 310, 2, none, None),
        (
            M::PressRelease,
            E::Default,
            K::Down(left),
            10 + 230,
            2,
            none,
            None,
        ),
        (
            M::PressRelease,
            E::Utf8,
            K::Down(left),
            10 + 230,
            2,
            none,
            Some("\x1b[M \u{107}!".as_bytes()),
        ),
        (
            M::PressRelease,
            E::Sgr,
            K::Down(left),
            10 + 230,
            2,
            none,
            Some(b"\x1b[<0;231;1M"),
        ),
    ];
    for (mode, encoding, kind, col, row, mods, expected) in table {
        let event = mouse(*kind, *col, *row, *mods);
        assert_eq!(
            encode_mouse(&event, origin, size, &modes(*mode, *encoding)).as_deref(),
            *expected,
            "{mode:?} {encoding:?} {kind:?} at {col},{row}"
        );
    }
}
