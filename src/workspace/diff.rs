//! Unified diffs parsed into files, hunks and lines, for the diff view.

/// What happened to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DiffFile {
    Added,
    Deleted,
    Modified,
    Renamed,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DiffLineKind {
    /// `@@ -a,b +c,d @@` and the section heading after it.
    HunkHeader,
    Context,
    Added,
    Removed,
    /// `\ No newline at end of file` and similar notes.
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DiffLine {
    pub kind: DiffLineKind,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileDiff {
    pub path: String,
    pub old_path: Option<String>,
    pub status: DiffFile,
    pub lines: Vec<DiffLine>,
    pub additions: usize,
    pub deletions: usize,
}

fn strip_prefix(path: &str) -> String {
    path.strip_prefix("a/")
        .or_else(|| path.strip_prefix("b/"))
        .unwrap_or(path)
        .to_owned()
}

/// Parses `git diff` output. Unknown header lines are skipped; nothing here can panic on
/// arbitrary input.
pub fn parse_unified(text: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("diff --git ") {
            let path = rest
                .rsplit_once(" b/")
                .map(|(_, b)| b.to_owned())
                .unwrap_or_else(|| rest.to_owned());
            files.push(FileDiff {
                path,
                old_path: None,
                status: DiffFile::Modified,
                lines: Vec::new(),
                additions: 0,
                deletions: 0,
            });
            continue;
        }
        let Some(file) = files.last_mut() else {
            continue;
        };
        let in_hunks = !file.lines.is_empty();
        if !in_hunks {
            if line.starts_with("new file mode") {
                file.status = DiffFile::Added;
            } else if line.starts_with("deleted file mode") {
                file.status = DiffFile::Deleted;
            } else if let Some(from) = line.strip_prefix("rename from ") {
                file.status = DiffFile::Renamed;
                file.old_path = Some(from.to_owned());
            } else if line.starts_with("Binary files") {
                file.status = DiffFile::Binary;
            } else if let Some(path) = line.strip_prefix("+++ ") {
                if path != "/dev/null" {
                    file.path = strip_prefix(path);
                }
            } else if line.starts_with("@@") {
                file.lines.push(DiffLine {
                    kind: DiffLineKind::HunkHeader,
                    text: line.to_owned(),
                });
            }
            continue;
        }
        let (kind, text) = match line.chars().next() {
            Some('@') if line.starts_with("@@") => (DiffLineKind::HunkHeader, line),
            Some('+') => {
                file.additions += 1;
                (DiffLineKind::Added, &line[1..])
            }
            Some('-') => {
                file.deletions += 1;
                (DiffLineKind::Removed, &line[1..])
            }
            Some(' ') => (DiffLineKind::Context, &line[1..]),
            Some('\\') => (DiffLineKind::Note, line),
            _ => (DiffLineKind::Context, line),
        };
        file.lines.push(DiffLine {
            kind,
            text: text.to_owned(),
        });
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "diff --git a/src/a.rs b/src/a.rs
index 1111111..2222222 100644
--- a/src/a.rs
+++ b/src/a.rs
@@ -1,3 +1,3 @@ fn main() {
 keep
-old
+new
diff --git a/new.txt b/new.txt
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/new.txt
@@ -0,0 +1 @@
+hello
\\ No newline at end of file
";

    #[test]
    fn files_hunks_and_counts() {
        let files = parse_unified(SAMPLE);
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, "src/a.rs");
        assert_eq!((files[0].additions, files[0].deletions), (1, 1));
        assert_eq!(files[0].lines[0].kind, DiffLineKind::HunkHeader);
        assert_eq!(files[1].status, DiffFile::Added);
        assert_eq!(
            files[1].lines.last().map(|l| l.kind),
            Some(DiffLineKind::Note)
        );
    }

    #[test]
    fn garbage_does_not_panic() {
        for text in [
            "",
            "+++",
            "diff --git",
            "@@\n+x\n",
            "diff --git a\n+++ b/\n-\n+",
        ] {
            let _ = parse_unified(text);
        }
    }
}
