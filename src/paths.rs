//! Where switchboard keeps things. `SWITCHBOARD_HOME`, when set, holds everything; otherwise
//! the XDG base directories (config, data, state, runtime) are used.

pub mod private;

use std::path::{Path, PathBuf};

use private::{PermissionError, Tightened};

/// The files and directories of one installation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub store_file: PathBuf,
    pub log_dir: PathBuf,
    /// Default parent of slot worktrees.
    pub worktrees_dir: PathBuf,
    /// Where the server's socket, lock and pid files live (a private directory).
    pub run_dir: PathBuf,
}

impl Paths {
    /// Everything under one directory.
    pub fn under(home: &Path) -> Self {
        Self {
            config_file: home.join("config.toml"),
            store_file: home.join("store.redb"),
            log_dir: home.join("logs"),
            worktrees_dir: home.join("worktrees"),
            run_dir: home.join("run"),
        }
    }

    /// The directories switchboard owns: config, data (store, worktrees), state and logs. Under
    /// `SWITCHBOARD_HOME` the first three are that directory.
    pub fn own_dirs(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = [
            self.config_file.parent(),
            self.store_file.parent(),
            self.log_dir.parent(),
            Some(self.log_dir.as_path()),
        ]
        .into_iter()
        .flatten()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();
        dirs.dedup();
        dirs
    }

    /// Creates the directories of [`Self::own_dirs`] `0700` (tightening ones an older install
    /// left open to others) and returns what was tightened.
    pub fn prepare_private(&self) -> Result<Vec<Tightened>, PermissionError> {
        let mut tightened = Vec::new();
        for dir in self.own_dirs() {
            tightened.extend(private::private_dir(&dir)?);
        }
        Ok(tightened)
    }

    /// Paths from the environment: `SWITCHBOARD_HOME`, else `XDG_*_HOME`, else `~/.config`,
    /// `~/.local/share` and `~/.local/state`.
    pub fn from_env() -> Result<Self, String> {
        Self::from_vars(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
    }

    fn from_vars(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<Self, String> {
        if let Some(home) = var("SWITCHBOARD_HOME") {
            return Ok(Self::under(Path::new(&home)));
        }
        let user_home = var("HOME").map(PathBuf::from);
        let base = |xdg: &str, fallback: &str| -> Result<PathBuf, String> {
            var(xdg)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| user_home.as_ref().map(|h| h.join(fallback)))
                .map(|p| p.join("switchboard"))
                .ok_or_else(|| "neither SWITCHBOARD_HOME nor HOME is set".to_owned())
        };
        let config = base("XDG_CONFIG_HOME", ".config")?;
        let data = base("XDG_DATA_HOME", ".local/share")?;
        let state = base("XDG_STATE_HOME", ".local/state")?;
        let run_dir = var("XDG_RUNTIME_DIR")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|p| p.join("switchboard"))
            .unwrap_or_else(|| {
                std::env::temp_dir().join(format!("switchboard-{}", nix::unistd::getuid()))
            });
        Ok(Self {
            config_file: config.join("config.toml"),
            store_file: data.join("store.redb"),
            log_dir: state.join("logs"),
            worktrees_dir: data.join("worktrees"),
            run_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn switchboard_home_holds_everything() {
        let paths = Paths::from_vars(vars(&[("SWITCHBOARD_HOME", "/sb"), ("HOME", "/h")])).unwrap();
        assert_eq!(paths, Paths::under(Path::new("/sb")));
    }

    #[test]
    fn xdg_dirs_win_over_home() {
        let paths = Paths::from_vars(vars(&[
            ("HOME", "/h"),
            ("XDG_DATA_HOME", "/data"),
            ("XDG_STATE_HOME", "relative/ignored"),
        ]))
        .unwrap();
        assert_eq!(
            paths.config_file,
            Path::new("/h/.config/switchboard/config.toml")
        );
        assert_eq!(paths.store_file, Path::new("/data/switchboard/store.redb"));
        assert_eq!(paths.log_dir, Path::new("/h/.local/state/switchboard/logs"));
    }

    #[test]
    fn no_home_is_a_clear_error() {
        assert!(
            Paths::from_vars(vars(&[]))
                .unwrap_err()
                .contains("SWITCHBOARD_HOME")
        );
    }
}
