//! `~/.kubilitics` (or `KUBILITICS_HOME`): created on first launch with mode 0700, shared with the
//! sidecar, which keeps its database, certificate and `kubilitics.log` there. The shell adds
//! `ui.log` and `desktop.json` (its own few settings; never a secret).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub fn resolve() -> PathBuf {
    if let Some(h) = std::env::var_os("KUBILITICS_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(h);
    }
    let user_home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    user_home.join(".kubilitics")
}

/// Creates the directory (and parents) private to the user.
pub fn ensure(home: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(home)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(home, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// The shell's own settings, in `desktop.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DesktopSettings {
    /// Install a downloaded update when the app quits (else only when asked).
    pub update_on_restart: bool,
    /// The LLM provider whose keyring entry is handed to each sidecar as it starts.
    pub llm_provider: Option<String>,
}

impl Default for DesktopSettings {
    fn default() -> Self {
        DesktopSettings {
            update_on_restart: true,
            llm_provider: None,
        }
    }
}

impl DesktopSettings {
    pub fn load(home: &Path) -> DesktopSettings {
        std::fs::read(home.join("desktop.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Writes `desktop.json` all or nothing (a new file renamed over the old one): a full disk
    /// leaves the previous settings in place, never an empty file read back as the defaults.
    pub fn save(&self, home: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let body = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let mut file = tempfile::Builder::new().prefix(".desktop.json.").tempfile_in(home)?;
        file.write_all(&body)?;
        file.as_file().sync_all()?;
        file.persist(home.join("desktop.json")).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_saved_twice_read_back_as_the_last_with_no_temporary_file_left() {
        let home = tempfile::tempdir().unwrap();
        let mut settings = DesktopSettings {
            llm_provider: Some("anthropic".into()),
            ..Default::default()
        };
        settings.save(home.path()).unwrap();
        settings.update_on_restart = false;
        settings.save(home.path()).unwrap();
        let back = DesktopSettings::load(home.path());
        assert_eq!(
            (back.update_on_restart, back.llm_provider.as_deref()),
            (false, Some("anthropic"))
        );
        let names: Vec<_> = std::fs::read_dir(home.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("desktop.json")]);
    }
}
