use proptest::prelude::*;

use crate::protocol::screen::ColorValue;
use crate::pty::{PaneScreen, PaneSize, ScrollOffset};

use super::HOT_SCROLLBACK_LINES;

fn lines(pane: &mut PaneScreen, n: usize) {
    for i in 0..n {
        let line = if i % 3 == 0 {
            format!("\x1b[31mred {i}\x1b[0m tail\r\n")
        } else {
            format!("line {i}\r\n")
        };
        pane.feed(line.as_bytes());
    }
}

#[test]
fn history_past_the_hot_rows_reads_back_with_text_and_colour() {
    let mut pane = PaneScreen::new(PaneSize::new(4, 20), 10_000);
    lines(&mut pane, 1_000);
    // 1,000 lines printed on a 4-row screen: 997 scrolled off, the last row is the prompt line.
    assert_eq!(pane.scrollback_len(), 997);
    assert!(pane.hot_len() <= HOT_SCROLLBACK_LINES);
    let view = pane.view_rows(997);
    assert_eq!(view.offset, 997);
    let texts: Vec<String> = view.rows.iter().map(|r| r.text()).collect();
    assert_eq!(texts, ["red 0 tail", "line 1", "line 2", "red 3 tail"]);
    let red = view.rows[0].cells().next().map(|c| c.style.fg.value());
    assert_eq!(red, Some(ColorValue::Indexed(1)));
    // A view straddling the cold and hot rows.
    let at = 997 - (997 - pane.hot_len()) + 2;
    let view = pane.view_rows(at);
    let texts: Vec<String> = view.rows.iter().map(|r| r.text()).collect();
    let first = 997 - at;
    let expected: Vec<String> = (first..first + 4)
        .map(|i| {
            if i % 3 == 0 {
                format!("red {i} tail")
            } else {
                format!("line {i}")
            }
        })
        .collect();
    assert_eq!(texts, expected);
    assert!(pane.scroll_offset().is_bottom(), "reading is not scrolling");
}

#[test]
fn copying_reaches_the_cold_rows_and_joins_wrapped_ones() {
    let mut pane = PaneScreen::new(PaneSize::new(3, 10), 10_000);
    pane.feed(b"abcdefghijklmnopqrstuvwxy\r\n");
    lines(&mut pane, 400);
    let rows = pane.content_rows(0, 4);
    let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["abcdefghij", "klmnopqrst", "uvwxy", "red 0 tail"]);
    assert_eq!(
        rows.iter().map(|r| r.wrapped).collect::<Vec<_>>(),
        [true, true, false, false]
    );
    pane.set_scroll_offset(ScrollOffset(pane.scrollback_len()));
    assert_eq!(pane.row_text(0, 0..10), "abcdefghij");
    assert!(pane.is_wrapped(0));
    let copied = pane.text_between(
        crate::pty::CellPos::new(0, 0),
        crate::pty::CellPos::new(2, 9),
    );
    assert_eq!(copied, "abcdefghijklmnopqrstuvwxy");
}

#[test]
fn a_held_view_stays_on_its_lines_past_the_hot_rows() {
    let mut pane = PaneScreen::new(PaneSize::new(3, 12), 10_000);
    pane.set_follow_output(crate::pty::FollowOutput::HoldPosition);
    lines(&mut pane, 500);
    pane.set_scroll_offset(ScrollOffset(450));
    let held = pane.row_text(0, 0..12);
    lines(&mut pane, 300);
    assert_eq!(pane.scroll_offset(), ScrollOffset(750));
    assert_eq!(pane.row_text(0, 0..12), held);
}

#[test]
fn rows_captured_before_a_resize_keep_their_width() {
    let mut pane = PaneScreen::new(PaneSize::new(3, 20), 10_000);
    pane.feed(b"0123456789012345678\r\n");
    lines(&mut pane, 300);
    pane.resize(PaneSize::new(3, 8));
    lines(&mut pane, 300);
    let rows = pane.content_rows(0, 1);
    assert_eq!(rows[0].text, "0123456789012345678");
    let view = pane.view_rows(pane.scrollback_len());
    assert_eq!(view.rows[0].text(), "01234567", "cut to the pane's width");
}

#[test]
fn memory_bounds_drop_the_oldest_rows_and_a_recorded_pane_asks_for_them() {
    let mut pane = PaneScreen::new(PaneSize::new(3, 20), HOT_SCROLLBACK_LINES + 1_000);
    lines(&mut pane, 5_000);
    let kept = pane.scrollback_len();
    assert!(
        (HOT_SCROLLBACK_LINES + 1_000..=HOT_SCROLLBACK_LINES + 1_000 + 256).contains(&kept),
        "{kept} lines kept: at least what was asked, at most a block more"
    );
    assert_eq!(pane.wanted_history(), None);

    pane.set_deep_history(true);
    assert_eq!(pane.scrollback_len(), 4_998);
    let view = pane.view_rows(4_998);
    assert_eq!(view.rows[0].text(), "", "not paged in yet");
    assert_eq!(pane.wanted_history(), Some(2));
}

#[test]
fn a_cold_history_costs_bytes_not_cells() {
    let mut pane = PaneScreen::new(PaneSize::new(50, 200), 10_000);
    for i in 1..=20_000 {
        pane.feed(format!("{i}\r\n").as_bytes());
    }
    let cold = pane.cold().map(|c| c.bytes()).unwrap_or_default();
    // 10,000 kept lines of `seq`: about 7 bytes each in the cold history.
    assert!(cold < 200_000, "{cold} bytes");
}

/// Output made of printable runs, colours, wide characters and line ends.
fn output() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        "[a-z ]{1,30}".prop_map(String::into_bytes),
        Just(b"\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just("日本".as_bytes().to_vec()),
        (0u8..8).prop_map(|c| format!("\x1b[3{c}m").into_bytes()),
        Just(b"\x1b[0m".to_vec()),
        Just(b"\x1b[1;4m".to_vec()),
    ];
    proptest::collection::vec(piece, 200..1200).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Whatever was printed, every history row reads back from the compact history as vt100
    /// itself kept it (a reference parser with all the history in its own scrollback).
    #[test]
    fn cold_rows_read_back_as_vt100_kept_them(bytes in output(), cols in 5u16..30) {
        let mut pane = PaneScreen::new(PaneSize::new(3, cols), 100_000);
        pane.feed(&bytes);
        #[allow(clippy::disallowed_methods)] // the reference keeps everything in vt100
        let mut reference = vt100::Parser::new(
            std::num::NonZeroU16::MIN.saturating_add(2),
            std::num::NonZeroU16::new(cols).unwrap_or(std::num::NonZeroU16::MIN),
            100_000,
        );
        reference.process(&bytes);
        let history = reference.screen().scrollback_len();
        prop_assert_eq!(pane.scrollback_len(), history);
        for offset in (3..=history).step_by(3) {
            reference.screen_mut().set_scrollback(offset);
            let view = pane.view_rows(offset);
            for (row, got) in view.rows.iter().enumerate() {
                let want: String = reference.screen().rows(0, cols).nth(row).unwrap_or_default();
                let text = got.text();
                prop_assert_eq!(text.trim_end(), want.trim_end(), "offset {} row {}", offset, row);
                prop_assert_eq!(got.wrapped, reference.screen().row_wrapped(row as u16));
            }
        }
    }
}
