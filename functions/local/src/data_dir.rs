//! Where the local server keeps what must outlive it: the master key that seals webhooks'
//! secrets in DynamoDB (`master.key`), so that a restart opens what was sealed before.

use std::path::{Path, PathBuf};

/// The master key's file name in the data directory.
pub const MASTER_KEY_FILE: &str = "master.key";

/// The data directory: `--data-dir`, else `$XDG_DATA_HOME/hookline`, else
/// `~/.local/share/hookline` (the XDG base directory rules; a relative `XDG_DATA_HOME` is
/// ignored, as they say). `env` reads a variable.
pub fn resolve(given: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(given) = given {
        return Some(given.to_owned());
    }
    let set = |name| {
        env(name)
            .filter(|v| !v.trim().is_empty())
            .map(PathBuf::from)
    };
    if let Some(xdg) = set("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Some(xdg.join("hookline"));
    }
    set("HOME").map(|home| home.join(".local/share/hookline"))
}

/// The master key file in the data directory `given` or the default one.
pub fn master_key(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let dir = resolve(given, |name| std::env::var(name).ok()).ok_or_else(|| {
        anyhow::anyhow!(
            "no data directory: pass --data-dir (neither XDG_DATA_HOME nor HOME is set)"
        )
    })?;
    Ok(dir.join(MASTER_KEY_FILE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn the_flag_wins_then_xdg_data_home_then_home() {
        let given = Path::new("/srv/hookline");
        let all = env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/home/u")]);
        assert_eq!(resolve(Some(given), &all), Some(given.to_owned()));
        assert_eq!(resolve(None, &all), Some(PathBuf::from("/x/hookline")));
        let home = env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")]);
        assert_eq!(
            resolve(None, home),
            Some(PathBuf::from("/home/u/.local/share/hookline"))
        );
        assert_eq!(resolve(None, env(&[])), None);
    }
}
