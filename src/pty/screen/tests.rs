use super::*;

fn screen(rows: u16, cols: u16) -> PaneScreen {
    PaneScreen::new(PaneSize::new(rows, cols), 100)
}

#[test]
fn cursor_reports_are_taken_where_the_query_is() {
    let mut pane = screen(24, 80);
    let replies = pane.feed(b"abc\x1b[6nde\r\nf\x1b[6n");
    assert_eq!(replies, b"\x1b[1;4R\x1b[2;2R");
}

#[test]
fn queries_split_across_feeds_are_answered_once() {
    let mut pane = screen(24, 80);
    let whole = b"hi\x1b]11;?\x07\x1b[5n\x1b[18t";
    for cut in 0..whole.len() {
        let mut pane2 = screen(24, 80);
        let mut replies = pane2.feed(&whole[..cut]);
        replies.extend(pane2.feed(&whole[cut..]));
        assert_eq!(replies, pane.feed(whole), "cut at {cut}");
        pane = screen(24, 80);
    }
}

#[test]
fn sizes_are_clamped_and_empty_resizes_ignored() {
    let mut pane = screen(0, 0);
    assert_eq!(pane.size(), PaneSize::new(24, 80));
    assert!(!pane.resize(PaneSize::new(0, 0)));
    assert!(!pane.resize(PaneSize::new(10, 0)));
    assert!(pane.resize(PaneSize::new(1, 1)));
    assert_eq!(pane.size(), PaneSize::new(2, 2));
    assert!(!pane.resize(PaneSize::new(1, 1)), "same clamped size");
    pane.feed("日本語 text that wraps".as_bytes());
    assert!(pane.resize(PaneSize::new(u16::MAX, u16::MAX)));
    assert_eq!(pane.size(), PaneSize::new(1000, 1000));
}

#[test]
fn generation_moves_on_every_change() {
    let mut pane = screen(5, 20);
    let g0 = pane.generation();
    pane.feed(b"x");
    let g1 = pane.generation();
    assert!(g1 > g0);
    pane.feed(b"");
    assert_eq!(pane.generation(), g1);
    pane.resize(PaneSize::new(6, 20));
    assert!(pane.generation() > g1);
}

#[test]
fn titles_and_bells() {
    let mut pane = screen(5, 20);
    pane.feed(b"\x1b]0;build \x01ok\x07\x07");
    assert_eq!(pane.title(), "build ok");
    assert_eq!(pane.bells(), 1);
    pane.feed(format!("\x1b]2;{}\x07", "t".repeat(1000)).as_bytes());
    assert_eq!(pane.title().len(), MAX_TITLE_CHARS);
}

#[test]
fn copying_joins_soft_wrapped_rows() {
    let mut pane = screen(4, 10);
    pane.feed(b"0123456789abcdef\r\nnext   \r\n");
    assert!(pane.is_wrapped(0));
    assert!(!pane.is_wrapped(1));
    assert_eq!(pane.text(), "0123456789abcdef\nnext");
    assert_eq!(
        pane.text_between(CellPos::new(0, 8), CellPos::new(2, 1)),
        "89abcdef\nne"
    );
    assert_eq!(
        pane.text_between(CellPos::new(1, 2), CellPos::new(0, 8)),
        "89abc"
    );
    assert_eq!(pane.row_text(0, 2..5), "234");
}

#[test]
fn wide_characters_count_once_in_text() {
    let mut pane = screen(3, 10);
    pane.feed("a日b😀c".as_bytes());
    assert_eq!(pane.row_text(0, 0..10), "a日b😀c");
    assert_eq!(
        pane.row_text(0, 2..10),
        "b😀c",
        "starting on a continuation"
    );
}

#[test]
fn scrolled_views_snap_back_or_hold() {
    let mut pane = screen(3, 10);
    for i in 0..20 {
        pane.feed(format!("line {i}\r\n").as_bytes());
    }
    assert_eq!(pane.set_scroll_offset(ScrollOffset(5)), ScrollOffset(5));
    let top = pane.row_text(0, 0..10);
    pane.feed(b"more\r\n");
    assert!(pane.scroll_offset().is_bottom());

    pane.set_follow_output(FollowOutput::HoldPosition);
    pane.set_scroll_offset(ScrollOffset(5));
    let held = pane.row_text(0, 0..10);
    assert_ne!(held, top);
    pane.feed(b"again\r\nand again\r\n");
    assert_eq!(pane.row_text(0, 0..10), held);
    assert_eq!(pane.scroll_offset(), ScrollOffset(7));
    assert_eq!(
        pane.set_scroll_offset(ScrollOffset(10_000)).0,
        pane.scrollback_len()
    );
}

#[test]
fn the_cursor_line_ignores_scrolling() {
    let mut pane = screen(3, 10);
    pane.feed(b"1\r\n2\r\n3\r\n4\r\n$ x\x1b[D");
    pane.set_scroll_offset(ScrollOffset(2));
    let g = pane.generation();
    let line = pane.cursor_line();
    assert_eq!((line.before.as_str(), line.after.as_str()), ("$ ", "x"));
    assert_eq!(pane.scroll_offset(), ScrollOffset(2));
    assert_eq!(pane.generation(), g);
}

#[test]
fn checkpoints_rebuild_the_screen() {
    let mut pane = screen(6, 20);
    pane.feed(b"\x1b]2;tt\x07\x1b[31mred\x1b[0m plain\r\n\x1b[?2004h\x1b[?1h> ");
    let cp = pane.checkpoint().unwrap();
    let rebuilt = PaneScreen::from_checkpoint(&cp, 100);
    assert_eq!(rebuilt.text(), pane.text());
    assert_eq!(rebuilt.cursor(), pane.cursor());
    assert_eq!(rebuilt.modes(), pane.modes());
    assert_eq!(rebuilt.title(), "tt");
    assert_eq!(
        rebuilt.vt().contents_formatted(),
        pane.vt().contents_formatted()
    );
}

#[test]
fn checkpoints_on_the_alternate_screen_keep_the_primary_one() {
    let mut pane = screen(5, 20);
    pane.feed(b"shell$ vim\r\n");
    pane.feed(b"\x1b[?1049h\x1b[H\x1b[2Jfull screen\x1b[3;4H");
    let cp = pane.checkpoint().unwrap();
    assert!(
        pane.modes().alternate_screen,
        "capture leaves the live screen as it was"
    );
    assert_eq!(pane.text(), "full screen");
    let mut rebuilt = PaneScreen::from_checkpoint(&cp, 100);
    assert_eq!(rebuilt.text(), pane.text());
    assert_eq!(rebuilt.cursor(), pane.cursor());
    let leave = b"\x1b[?1049l";
    pane.feed(leave);
    rebuilt.feed(leave);
    assert_eq!(rebuilt.text(), pane.text());
    assert_eq!(rebuilt.text(), "shell$ vim");
    assert_eq!(rebuilt.cursor(), pane.cursor());
}

#[test]
fn no_checkpoint_inside_a_sequence_or_character() {
    let mut pane = screen(5, 20);
    pane.feed(b"\x1b[3");
    assert!(pane.checkpoint().is_none());
    pane.feed(b"1m");
    assert!(pane.checkpoint().is_some());
    pane.feed(&"日".as_bytes()[..1]);
    assert!(pane.checkpoint().is_none());
}
