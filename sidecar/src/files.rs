//! Small file helpers shared by the modules that write private files.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes a file readable by its owner only, all or nothing: the bytes go to a new file beside
/// `path` (created with mode 0600, so its content is never visible to others, not even for a
/// moment), which is flushed to disk and then renamed over `path`. When anything fails (a full
/// disk, most often) the temporary file is removed and `path` keeps what it held before, or
/// stays absent: a reader never finds a half-written certificate, token or kubeconfig.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(path);
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    // tempfile creates the file with mode 0600 on Unix.
    let mut file = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether `err` says the disk (or the user's quota on it) has no room left.
pub fn is_disk_full(err: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(err.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
}

/// What to tell a user whose write to `dir` failed for lack of space.
pub fn disk_full_message(dir: &Path) -> String {
    format!(
        "the disk holding {} is full, so nothing was saved or changed. Free some space there and try again",
        dir.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewrite_replaces_the_whole_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.token");
        write_private(&path, b"a longer first value").unwrap();
        write_private(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("session.token")]);
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_even_when_it_was_not_before() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tls.key");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&path, b"new").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn a_failed_write_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kubeconfig.yaml");
        write_private(&path, b"old").unwrap();
        // A directory cannot be replaced by a file, so the last step (the rename) fails.
        let blocked = dir.path().join("blocked");
        std::fs::create_dir(&blocked).unwrap();
        assert!(write_private(&blocked, b"new").is_err());
        assert!(blocked.is_dir());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from("blocked"), "kubeconfig.yaml".into()]
        );
    }

    #[test]
    fn no_space_and_no_quota_are_a_full_disk() {
        for errno in [libc::ENOSPC, libc::EDQUOT] {
            assert!(is_disk_full(&std::io::Error::from_raw_os_error(errno)), "{errno}");
        }
        assert!(!is_disk_full(&std::io::Error::from_raw_os_error(libc::EACCES)));
    }
}
