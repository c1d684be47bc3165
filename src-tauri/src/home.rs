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

    pub fn save(&self, home: &Path) -> std::io::Result<()> {
        let body = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(home.join("desktop.json"), body)
    }
}
