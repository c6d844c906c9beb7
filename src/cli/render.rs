//! `switchboard render`: the workstation frame as plain text, for bug reports and tests;
//! `--keys` drives it first (a key script in tmux's `send-keys` notation).

use std::io::Write;
use std::process::ExitCode;

use super::Context;
use crate::tui::app::Size;

/// Parses `COLSxROWS` (e.g. `120x40`).
pub fn parse_size(text: &str) -> Result<Size, String> {
    let (cols, rows) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("'{text}' is not COLSxROWS (e.g. 120x40)"))?;
    let parse = |part: &str| -> Result<u16, String> {
        part.trim()
            .parse::<u16>()
            .ok()
            .filter(|n| *n > 0 && *n <= 1000)
            .ok_or_else(|| format!("'{text}' is not COLSxROWS with sizes from 1 to 1000"))
    };
    Ok(Size {
        cols: parse(cols)?,
        rows: parse(rows)?,
    })
}

pub fn run(
    context: &Context,
    size: Size,
    session: Option<String>,
    keys: Option<String>,
) -> anyhow::Result<ExitCode> {
    // Refuse a bad script before touching the store.
    let keys = match keys {
        Some(script) => {
            crate::tui::keyscript::parse(&script).map_err(|e| anyhow::anyhow!("--keys: {e}"))?
        }
        None => Vec::new(),
    };
    let keymap = context.config.keymap()?;
    let store = context.open_store()?;
    let session = session.map(|id| store.resolve(&id)).transpose()?;
    let mut state = crate::tui::headless::state_from_store(&store, size, session)?;
    state.keymap = keymap;
    crate::tui::headless::press(&mut state, &keys);
    let text = crate::tui::headless::render_text(&state);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("80x24"), Ok(Size { cols: 80, rows: 24 }));
        assert!(parse_size("80").is_err());
        assert!(parse_size("0x24").is_err());
        assert!(parse_size("axb").is_err());
    }
}
