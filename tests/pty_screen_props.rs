//! Property tests: no byte stream, resize (0×0 and 1×1 included), scroll or checkpoint makes
//! a pane panic or break its invariants, and rendering and input encoding cope with whatever
//! state results.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::StatefulWidget;
use switchboard::pty::{
    CellPos, ColorMode, FollowOutput, MAX_PANE_COLS, MAX_PANE_ROWS, PaneRenderState, PaneScreen,
    PaneSize, PaneView, ScrollOffset, encode_key, encode_mouse, encode_paste,
};

/// Pieces that reach deep into the escape-sequence state machine far more often than
/// uniformly random bytes would.
const FRAGMENTS: &[&[u8]] = &[
    b"\x1b[",
    b"\x1b]",
    b"\x1bP",
    b"\x1b_",
    b"\x1b",
    b"\x07",
    b"\x1b\\",
    b"\x18",
    b";",
    b"?",
    b">",
    b"0",
    b"1",
    b"6n",
    b"c",
    b"18t",
    b"10;?",
    b"11;?",
    b"m",
    b"H",
    b"J",
    b"K",
    b"r",
    b"h",
    b"l",
    b"1049",
    b"47",
    b"2004",
    b"1006",
    b"1000",
    b"99999",
    b"\r\n",
    b"\n",
    b"\r",
    b"\t",
    b"\x08",
    "日".as_bytes(),
    "😀".as_bytes(),
    b"\xe6",
    b"\xff",
    b"\xcc\x81",
    b"text ",
];

#[derive(Debug, Clone)]
enum Op {
    Feed(Vec<u8>),
    Resize(u16, u16),
    Scroll(usize),
    Follow(bool),
    Checkpoint,
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..64)
            .prop_map(|parts| parts.concat()),
        // Valid UTF-8 full of sequence material.
        proptest::string::string_regex(r"[a-z \x1b\x07\[\];?>0-9mHJKhlnct\r\n日😀]{0,200}")
            .unwrap()
            .prop_map(String::into_bytes),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => bytes().prop_map(Op::Feed),
        2 => prop_oneof![
            Just((0u16, 0u16)),
            Just((1, 1)),
            Just((0, 80)),
            // Huge sizes clamp to 1000 on one side; the other stays small to keep cases fast.
            Just((u16::MAX, 3)),
            Just((3, u16::MAX)),
            (0u16..40, 0u16..120),
        ]
        .prop_map(|(rows, cols)| Op::Resize(rows, cols)),
        1 => (0usize..50).prop_map(Op::Scroll),
        1 => any::<bool>().prop_map(Op::Follow),
        1 => Just(Op::Checkpoint),
    ]
}

fn check(screen: &mut PaneScreen) {
    let size = screen.size();
    assert!((2..=MAX_PANE_ROWS).contains(&size.rows), "{size:?}");
    assert!((2..=MAX_PANE_COLS).contains(&size.cols), "{size:?}");
    let cursor = screen.cursor();
    assert!(cursor.row < size.rows && cursor.col < size.cols);
    assert!(screen.scroll_offset().0 <= screen.scrollback_len());
    assert!(screen.scrollback_len() <= 50);
    let _ = screen.text();
    let _ = screen.text_between(CellPos::new(0, 0), CellPos::new(u16::MAX, u16::MAX));
    let _ = screen.cursor_line();

    // Render into areas smaller and larger than the screen.
    for area in [Rect::new(0, 0, 3, 2), Rect::new(1, 1, 50, 30)] {
        let mut buf = Buffer::empty(Rect::new(0, 0, 60, 40));
        let mut state = PaneRenderState::default();
        PaneView::new(screen)
            .color_mode(ColorMode::NoColor)
            .render(area, &mut buf, &mut state);
        if let Some(at) = state.cursor {
            assert!(area.contains(at));
        }
    }

    let modes = screen.modes();
    let _ = encode_paste("a\nb\x1b[201~", &modes);
    let key = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Up);
    assert!(encode_key(&key, &modes).is_some());
    let mouse = crossterm::event::MouseEvent {
        kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
        column: 5,
        row: 5,
        modifiers: crossterm::event::KeyModifiers::NONE,
    };
    let _ = encode_mouse(&mouse, CellPos::new(1, 1), size, &modes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn panes_survive_anything(ops in proptest::collection::vec(op(), 1..24)) {
        let mut screen = PaneScreen::new(PaneSize::new(6, 20), 50);
        for op in ops {
            match op {
                Op::Feed(bytes) => {
                    let replies = screen.feed(&bytes);
                    prop_assert!(replies.len() <= bytes.len() * 64);
                }
                Op::Resize(rows, cols) => {
                    screen.resize(PaneSize::new(rows, cols));
                }
                Op::Scroll(lines) => {
                    screen.set_scroll_offset(ScrollOffset(lines));
                }
                Op::Follow(hold) => screen.set_follow_output(if hold {
                    FollowOutput::HoldPosition
                } else {
                    FollowOutput::SnapToBottom
                }),
                Op::Checkpoint => {
                    if let Some(checkpoint) = screen.checkpoint() {
                        let rebuilt = PaneScreen::from_checkpoint(&checkpoint, 50);
                        prop_assert_eq!(rebuilt.size(), screen.size());
                    }
                }
            }
            check(&mut screen);
        }
    }

    #[test]
    fn chunking_never_changes_the_screen_or_the_replies(
        stream in bytes(),
        cuts in proptest::collection::vec(any::<proptest::sample::Index>(), 0..6),
    ) {
        let mut whole = PaneScreen::new(PaneSize::new(6, 20), 50);
        let whole_replies = whole.feed(&stream);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut split = PaneScreen::new(PaneSize::new(6, 20), 50);
        let mut split_replies = Vec::new();
        let mut from = 0;
        for point in points.into_iter().chain([stream.len()]) {
            split_replies.extend(split.feed(&stream[from..point]));
            from = point;
        }
        prop_assert_eq!(split_replies, whole_replies);
        // vte recovers from invalid UTF-8 differently when the bad bytes straddle a chunk
        // boundary, so only valid text must give the same screen however it is cut.
        if std::str::from_utf8(&stream).is_ok() {
            prop_assert_eq!(split.vt().contents_formatted(), whole.vt().contents_formatted());
        }
    }
}
