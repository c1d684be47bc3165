//! Small file helpers shared by the modules that write private files.

use std::io::Write;
use std::path::Path;

/// Writes a file readable by its owner only. The file is created with mode 0600, so its
/// content is never visible to others, not even for a moment; an existing file is narrowed to
/// 0600 before it is overwritten.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(bytes)
}
