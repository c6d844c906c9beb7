use super::*;
use crate::pty::{PaneScreen, PaneSize};

fn screen_with_lines(n: usize, cols: u16) -> PaneScreen {
    let mut screen = PaneScreen::new(PaneSize::new(5, cols), 100_000);
    for i in 0..n {
        let line = if i % 7 == 0 {
            format!("\x1b[31mline\x1b[0m {i} \x1b[1mMarker\x1b[0m\r\n")
        } else {
            format!("line {i}\r\n")
        };
        screen.feed(line.as_bytes());
    }
    screen
}

fn query(text: &str, from: PanePoint, direction: SearchDirection) -> HistoryQuery {
    HistoryQuery {
        needle: Needle::new(text).unwrap(),
        from,
        direction,
    }
}

fn search(screen: &mut PaneScreen, q: &HistoryQuery) -> PaneSearchOutcome {
    run(screen, None, q, &|| false).unwrap()
}

fn bottom(screen: &mut PaneScreen) -> PanePoint {
    let b = screen.bounds();
    PanePoint {
        row: (b.end - b.origin - 1) as usize,
        col: 0,
    }
}

fn row_text(screen: &mut PaneScreen, row: usize) -> String {
    screen.content_rows(row, 1).remove(0).text
}

#[test]
fn finds_lines_in_cold_hot_and_screen_rows() {
    let mut screen = screen_with_lines(3_000, 40);
    let from = bottom(&mut screen);
    for (needle, expect) in [
        ("line 2999", "line 2999"),
        ("line 2900", "line 2900"),
        ("line 14 marker", "line 14 Marker"),
        ("line 5", "line 599"),
    ] {
        let PaneSearchOutcome::Found(found) =
            search(&mut screen, &query(needle, from, SearchDirection::Older))
        else {
            panic!("{needle} not found");
        };
        assert_eq!(row_text(&mut screen, found.start.row).trim_end(), expect);
        assert_eq!(found.history, screen.scrollback_len());
    }
    let outcome = search(&mut screen, &query("nowhere", from, SearchDirection::Older));
    assert_eq!(outcome, PaneSearchOutcome::NotFound);
}

#[test]
fn repeated_searches_walk_every_match_in_order_and_back() {
    let mut screen = screen_with_lines(1_000, 40);
    let mut from = bottom(&mut screen);
    let mut seen = Vec::new();
    // Smart case: "Marker" only matches the bold word, "marker" too.
    while let PaneSearchOutcome::Found(found) =
        search(&mut screen, &query("Marker", from, SearchDirection::Older))
    {
        assert!(found.start < from);
        seen.push(found.start);
        from = found.start;
    }
    let expected: Vec<usize> = (0..1_000).filter(|i| i % 7 == 0).collect();
    assert_eq!(seen.len(), expected.len());
    let texts: Vec<String> = seen.iter().map(|p| row_text(&mut screen, p.row)).collect();
    assert_eq!(texts.last().map(String::as_str), Some("line 0 Marker"));
    assert!(
        seen.iter()
            .all(|p| p.col == "line 0 ".len() as u16 || p.col >= 7)
    );
    // And back toward the screen.
    let mut back = Vec::new();
    while let PaneSearchOutcome::Found(found) =
        search(&mut screen, &query("marker", from, SearchDirection::Newer))
    {
        back.push(found.start);
        from = found.start;
    }
    seen.reverse();
    assert_eq!(back, seen[1..]);
}

#[test]
fn matches_across_soft_wraps_in_cold_and_hot_rows() {
    let mut screen = PaneScreen::new(PaneSize::new(4, 10), 10_000);
    // "needle" split over the wrap at column 10, then pushed deep into cold history.
    screen.feed(b"xxxxxxxnee");
    screen.feed(b"dle here\r\n");
    for i in 0..600 {
        screen.feed(format!("filler {i}\r\n").as_bytes());
    }
    let from = bottom(&mut screen);
    let PaneSearchOutcome::Found(found) =
        search(&mut screen, &query("needle", from, SearchDirection::Older))
    else {
        panic!("the wrapped needle is found");
    };
    assert_eq!((found.start.row, found.start.col), (0, 7));
    assert_eq!((found.end.row, found.end.col), (1, 2));
}

#[test]
fn cold_rows_read_from_the_capture_match_the_decoded_rows() {
    let mut screen = screen_with_lines(800, 30);
    screen.feed("wide 日本語 and \x1b[44m  \x1b[0m blanks\r\n".as_bytes());
    for _ in 0..300 {
        screen.feed(b"\r\n");
    }
    let b = screen.bounds();
    let needle = Needle::new("e").unwrap();
    let (first, rows) = screen.window(b.held..b.held + 900, &needle);
    assert_eq!(first, b.held);
    for (i, row) in rows.iter().enumerate() {
        let content = (first - b.origin) as usize + i;
        let decoded = screen.content_rows(content, 1).remove(0);
        assert_eq!(
            row.text.trim_end(),
            decoded.text.trim_end(),
            "row {content}"
        );
        assert_eq!(row.wrapped, decoded.wrapped, "row {content}");
    }
}

#[test]
fn blocks_without_the_query_come_back_blank() {
    let mut screen = screen_with_lines(2_000, 40);
    let b = screen.bounds();
    let needle = Needle::new("line 3").unwrap();
    let (_, rows) = screen.window(b.held..b.held + 1_000, &needle);
    let blank = rows.iter().filter(|r| r.text.is_empty()).count();
    assert!(blank > 0 && blank < rows.len(), "{blank} of {}", rows.len());
}

#[test]
fn the_alternate_screen_searches_what_it_shows() {
    let mut screen = screen_with_lines(300, 40);
    screen.feed(b"\x1b[?1049h\x1b[Hfull screen app");
    let from = bottom(&mut screen);
    let outcome = search(&mut screen, &query("app", from, SearchDirection::Older));
    assert!(matches!(outcome, PaneSearchOutcome::Found(m) if m.start.row == 0 && m.history == 0));
    let outcome = search(&mut screen, &query("line 5", from, SearchDirection::Older));
    assert_eq!(outcome, PaneSearchOutcome::NotFound);
}

#[test]
fn snapshots_search_like_the_screen_and_cancel() {
    let mut screen = screen_with_lines(2_500, 40);
    let from = bottom(&mut screen);
    let q = query("line 21 marker", from, SearchDirection::Older);
    let direct = search(&mut screen, &q);
    assert!(matches!(direct, PaneSearchOutcome::Found(_)));
    let snapshot = screen.search_snapshot();
    assert_eq!(snapshot.clone().search(&q, &|| false), Some(direct));
    assert_eq!(snapshot.search(&q, &|| true), None, "cancelled");
}
