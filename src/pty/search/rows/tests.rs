use proptest::prelude::*;

use super::*;

fn rows(texts: &[(&str, bool)]) -> Vec<SearchRow> {
    texts.iter().map(|(t, w)| SearchRow::new(*t, *w)).collect()
}

fn cell(line: u64, col: u16) -> HistoryCell {
    HistoryCell { line, col }
}

fn at(m: Option<RowMatch>) -> Option<((u64, u16), (u64, u16))> {
    m.map(|m| ((m.start.line, m.start.col), (m.end.line, m.end.col)))
}

const OLDER: SearchDirection = SearchDirection::Older;
const NEWER: SearchDirection = SearchDirection::Newer;

#[test]
fn nearest_match_in_each_direction() {
    let page = rows(&[
        ("build ok", false),
        ("error: one", false),
        ("fine", false),
        ("Error: two, error three", false),
        ("done", false),
    ]);
    let needle = Needle::new("error").unwrap();
    let all = 100..105;
    let table = [
        // (from, direction, expected start)
        (cell(104, 0), OLDER, Some((103, 12))),
        (cell(103, 12), OLDER, Some((103, 0))),
        (cell(103, 0), OLDER, Some((101, 0))),
        (cell(101, 0), OLDER, None),
        (cell(100, 0), NEWER, Some((101, 0))),
        (cell(101, 0), NEWER, Some((103, 0))),
        (cell(103, 0), NEWER, Some((103, 12))),
        (cell(103, 12), NEWER, None),
    ];
    for (from, direction, expected) in table {
        let found = find(&page, 100, all.clone(), &needle, from, direction);
        assert_eq!(
            found.map(|m| (m.start.line, m.start.col)),
            expected,
            "{direction:?} from {from:?}"
        );
    }
    // Only matches starting inside the window count.
    assert_eq!(
        at(find(&page, 100, 100..103, &needle, cell(105, 0), OLDER)),
        Some(((101, 0), (101, 4)))
    );
}

#[test]
fn matches_run_across_soft_wraps_but_not_hard_line_ends() {
    let page = rows(&[
        ("see the pan", true),
        ("ic here", false),
        ("pan", false),
        ("ic", false),
    ]);
    let needle = Needle::new("panic").unwrap();
    let found = find(&page, 0, 0..4, &needle, cell(9, 0), OLDER);
    assert_eq!(at(found), Some(((0, 8), (1, 1))));
    assert_eq!(
        at(find(&page, 0, 0..4, &needle, cell(0, 8), NEWER)),
        None,
        "pan / ic on two lines is no match"
    );
}

#[test]
fn columns_count_cells_of_wide_characters() {
    let page = rows(&[("日本 error", false)]);
    let needle = Needle::new("error").unwrap();
    assert_eq!(
        at(find(&page, 0, 0..1, &needle, cell(1, 0), OLDER)),
        Some(((0, 5), (0, 9)))
    );
    let needle = Needle::new("本").unwrap();
    assert_eq!(
        at(find(&page, 0, 0..1, &needle, cell(1, 0), OLDER)),
        Some(((0, 2), (0, 3))),
        "a wide match ends on its right half"
    );
}

/// The reference: every line joined, `match_indices` on folded strings, positions mapped by
/// counting characters.
fn naive(page: &[SearchRow], query: &str) -> Vec<(u64, u16)> {
    let Some(needle) = Needle::new(query) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut row = 0;
    while row < page.len() {
        let mut end = row;
        while page[end].wrapped && end + 1 < page.len() {
            end += 1;
        }
        let mut line: Vec<(usize, u16, char)> = Vec::new();
        for (r, data) in page.iter().enumerate().take(end + 1).skip(row) {
            let mut col = 0u16;
            for c in data.text.chars() {
                line.push((r, col, needle.fold(c)));
                col += crate::text::char_width(c) as u16;
            }
        }
        let folded: Vec<char> = line.iter().map(|x| x.2).collect();
        let n = needle.len();
        let query: Vec<char> = query
            .chars()
            .filter(|c| !c.is_control())
            .map(|c| needle.fold(c))
            .collect();
        for i in 0..folded.len() {
            if folded.len() - i >= n && folded[i..i + n] == query[..] {
                out.push((line[i].0 as u64, line[i].1));
            }
        }
        row = end + 1;
    }
    out
}

proptest! {
    #[test]
    fn agrees_with_a_naive_search(
        texts in prop::collection::vec(("[abAB日 ]{0,8}", any::<bool>()), 0..12),
        query in "[abAB日 ]{1,3}",
        from_line in 0u64..14,
        from_col in 0u16..10,
        newer in any::<bool>(),
    ) {
        let page: Vec<SearchRow> = texts.iter().map(|(t, w)| SearchRow::new(t.clone(), *w)).collect();
        let needle = Needle::new(&query).unwrap();
        let from = cell(from_line, from_col);
        let all = naive(&page, &query);
        let (direction, expected) = if newer {
            (NEWER, all.iter().copied().find(|s| cell(s.0, s.1) > from))
        } else {
            (OLDER, all.iter().copied().rev().find(|s| cell(s.0, s.1) < from))
        };
        let found = find(&page, 0, 0..page.len() as u64, &needle, from, direction);
        prop_assert_eq!(found.map(|m| (m.start.line, m.start.col)), expected);
    }

    #[test]
    fn never_panics(
        texts in prop::collection::vec((any::<String>(), any::<bool>()), 0..8),
        query in any::<String>(),
        first in any::<u64>(),
        window in any::<(u64, u64)>(),
        from in any::<(u64, u16)>(),
        newer in any::<bool>(),
    ) {
        let page: Vec<SearchRow> = texts.into_iter().map(|(t, w)| SearchRow::new(t, w)).collect();
        if let Some(needle) = Needle::new(&query) {
            let direction = if newer { NEWER } else { OLDER };
            let first = first % (u64::MAX / 2);
            let _ = find(&page, first, window.0..window.1, &needle, cell(from.0, from.1), direction);
        }
    }
}
