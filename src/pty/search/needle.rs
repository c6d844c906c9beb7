//! The text a search looks for. Smart case (vim's `smartcase`, tmux's default): a query
//! without an uppercase letter matches any case, one with an uppercase letter matches exactly.
//! Case is folded a character at a time (a character whose lowercase is several characters
//! is kept as it is), so a folded text has exactly the characters of the original and a
//! match's position maps straight back to cells.

/// Longest query kept, in characters: a search is a word or a phrase from a screen; the cap
/// bounds the work per position and how far a match can run across rows.
pub const MAX_QUERY_CHARS: usize = 256;

/// A query ready to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    /// The query's characters, folded unless the search is case-sensitive.
    chars: Vec<char>,
    /// The same as a string, for whole-block checks.
    text: String,
    case_sensitive: bool,
}

/// One character folded for a case-insensitive comparison.
pub fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(one), None) => one,
        _ => c,
    }
}

impl Needle {
    /// The query without control characters (a row's text never holds them), cut to
    /// [`MAX_QUERY_CHARS`]; `None` when nothing is left to look for.
    pub fn new(query: &str) -> Option<Self> {
        let raw: Vec<char> = query
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_QUERY_CHARS)
            .collect();
        if raw.is_empty() {
            return None;
        }
        let case_sensitive = raw.iter().any(|c| c.is_uppercase());
        let chars: Vec<char> = if case_sensitive {
            raw
        } else {
            raw.into_iter().map(fold_char).collect()
        };
        Some(Self {
            text: chars.iter().collect(),
            chars,
            case_sensitive,
        })
    }

    pub fn case_sensitive(&self) -> bool {
        self.case_sensitive
    }

    /// Characters in the query.
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// Never true: an empty query is no needle.
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// `c` as this search compares it.
    pub fn fold(&self, c: char) -> char {
        if self.case_sensitive { c } else { fold_char(c) }
    }

    /// Where the query starts in `hay` (characters already passed through [`Self::fold`]),
    /// every start, overlapping ones too, in order.
    pub fn starts<'a>(&'a self, hay: &'a [char]) -> impl Iterator<Item = usize> + 'a {
        let n = self.chars.len();
        let first = self.chars[0];
        (0..(hay.len() + 1).saturating_sub(n))
            .filter(move |&i| hay[i] == first && hay[i..i + n] == self.chars[..])
    }

    /// Whether `plain` (the text of rows, one logical line per `\n`) holds the query anywhere:
    /// the check that lets a whole block of history be skipped without splitting it into rows.
    pub fn occurs_in(&self, plain: &str) -> bool {
        if self.case_sensitive {
            return plain.contains(&self.text);
        }
        let folded: String = plain.chars().map(fold_char).collect();
        folded.contains(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(query: &str, hay: &str) -> Vec<usize> {
        let needle = Needle::new(query).unwrap();
        let hay: Vec<char> = hay.chars().map(|c| needle.fold(c)).collect();
        needle.starts(&hay).collect()
    }

    #[test]
    fn smart_case() {
        let table = [
            // (query, haystack, starts)
            ("error", "Error ERROR error", vec![0, 6, 12]),
            ("Error", "Error ERROR error", vec![0]),
            ("ERROR", "Error ERROR error", vec![6]),
            ("straße", "STRASSE Straße", vec![8]),
            ("ä", "Ä ä", vec![0, 2]),
            ("aa", "aaa", vec![0, 1]),
            ("x", "", vec![]),
            ("longer than", "long", vec![]),
        ];
        for (query, hay, expected) in table {
            assert_eq!(starts(query, hay), expected, "{query:?} in {hay:?}");
        }
    }

    #[test]
    fn empty_and_control_only_queries_are_no_needle() {
        assert!(Needle::new("").is_none());
        assert!(Needle::new("\x1b\r\n").is_none());
        assert_eq!(Needle::new("a\tb").unwrap().len(), 2);
        let long = "x".repeat(MAX_QUERY_CHARS + 10);
        assert_eq!(Needle::new(&long).unwrap().len(), MAX_QUERY_CHARS);
    }

    #[test]
    fn block_checks_agree_with_case() {
        let lower = Needle::new("panic").unwrap();
        assert!(lower.occurs_in("ok\nthread main PANICKED\n"));
        let upper = Needle::new("PANIC").unwrap();
        assert!(!upper.occurs_in("ok\nthread main panicked\n"));
        assert!(
            !lower.occurs_in("pan\nic"),
            "rows that do not wrap do not join"
        );
    }
}
