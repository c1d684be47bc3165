//! LLM API keys in the OS keyring (never in SQLite, YAML or logs): macOS Keychain, Windows
//! Credential Manager, and on Linux the Secret Service (GNOME Keyring, KWallet) when a session bus
//! is there, else the kernel keyutils store (works without a desktop session, e.g. in tests and
//! over SSH, but is emptied at logout). `KUBILITICS_KEYRING=secret-service|keyutils` chooses.
//!
//! Entries live under the service `io.kubilitics.desktop`; the page may only name accounts in the
//! `llm:` namespace (`llm:openai`, `llm:anthropic`, ...).

use std::path::Path;

use keyring::Entry;

pub const SERVICE: &str = "io.kubilitics.desktop";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("'{0}' is not a keyring account the app may use; use llm:<provider> (letters, digits, - and _)")]
    BadAccount(String),
    #[error("the secret is empty or longer than 8 KiB")]
    BadSecret,
    #[error("the OS keyring refused the request: {0}")]
    Keyring(#[from] keyring::Error),
}

/// Chooses the Linux backend once, before any entry is made.
pub fn init() {
    #[cfg(target_os = "linux")]
    {
        let choice = std::env::var("KUBILITICS_KEYRING").unwrap_or_default();
        let secret_service = match choice.as_str() {
            "secret-service" => true,
            "keyutils" => false,
            _ => std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        };
        if secret_service {
            keyring::set_default_credential_builder(keyring::secret_service::default_credential_builder());
        } else {
            keyring::set_default_credential_builder(keyring::keyutils::default_credential_builder());
        }
        tracing::info!(
            backend = if secret_service { "secret-service" } else { "keyutils" },
            "keyring"
        );
    }
}

/// `llm:<provider>`, 1..64 characters of [a-z0-9_-] after the prefix.
pub fn check_account(account: &str) -> Result<(), SecretError> {
    let ok = account.strip_prefix("llm:").is_some_and(|p| {
        !p.is_empty() && p.len() <= 64 && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    if ok {
        Ok(())
    } else {
        Err(SecretError::BadAccount(account.chars().take(80).collect()))
    }
}

fn entry(account: &str) -> Result<Entry, SecretError> {
    check_account(account)?;
    Ok(Entry::new(SERVICE, account)?)
}

// The Secret Service backend talks D-Bus with blocking calls (and panics inside an async runtime),
// so callers run these on a blocking thread.

pub fn get(account: &str) -> Result<Option<String>, SecretError> {
    match entry(account)?.get_password() {
        Ok(s) => Ok(Some(s)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub fn set(account: &str, secret: &str) -> Result<(), SecretError> {
    if secret.is_empty() || secret.len() > 8192 {
        return Err(SecretError::BadSecret);
    }
    Ok(entry(account)?.set_password(secret)?)
}

/// Deleting what is not there is not an error.
pub fn delete(account: &str) -> Result<(), SecretError> {
    match entry(account)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The provider the user last saved a key for, and that key: handed to each sidecar as it starts.
pub fn llm_key_for_sidecar(home: &Path) -> Option<(String, String)> {
    let provider = crate::home::DesktopSettings::load(home).llm_provider?;
    match get(&format!("llm:{provider}")) {
        Ok(key) => key.map(|key| (provider, key)),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the LLM API key from the keyring");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_llm_accounts_are_allowed() {
        assert!(check_account("llm:openai").is_ok());
        assert!(check_account("llm:openai-compatible").is_ok());
        for bad in [
            "openai",
            "llm:",
            "llm:a/b",
            "llm:../x",
            "ssh:key",
            &format!("llm:{}", "a".repeat(65)),
        ] {
            assert!(check_account(bad).is_err(), "{bad}");
        }
    }
}
