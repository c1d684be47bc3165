//! Where an API key comes from: the configuration's value (`AI_LLM_API_KEY`, or the config file's
//! `${VAR}` reference to the environment), else the OS keyring: service [`SERVICE`], user
//! `llm:<provider>`. The desktop shell's Settings write the same entries (src-tauri/src/secrets.rs),
//! and `kubilitics llm-key set <provider>` writes them without the desktop app. The sidecar never
//! writes a key anywhere else and never logs one.
//!
//! Which store on Linux is chosen explicitly, by the shell's rule: `KUBILITICS_KEYRING=
//! secret-service|keyutils`, else the Secret Service when there is a session bus, else the kernel's
//! keyutils store (works without a desktop session, e.g. over SSH; emptied at logout). Left to the
//! keyring crate's default, the choice would depend on which crates were built together.

/// The keyring service of every Kubilitics entry (the desktop shell's, too).
pub const SERVICE: &str = "io.kubilitics.desktop";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("'{0}' is not a provider name: use letters, digits, - and _ (for example openai, azure, anthropic)")]
    BadProvider(String),
    #[error(
        "the key is empty or longer than 8 KiB: pipe the key on standard input, for example `printf %s \"$KEY\" | kubilitics llm-key set openai`"
    )]
    BadKey,
    #[error("the OS keyring ({store}) refused: {source}")]
    Keyring {
        store: &'static str,
        #[source]
        source: keyring::Error,
    },
}

/// The key for `provider`, if any. Called at start-up and when the provider's settings change;
/// it may block on the OS keyring, so not on an async runtime's thread.
pub fn api_key(provider: &str, configured: &str) -> Option<String> {
    if let Some(key) = self::configured(configured) {
        return Some(key.to_string());
    }
    let provider = provider.to_string();
    // Keyring stores may block (D-Bus) and some panic when built on an async thread: use a
    // thread of their own.
    std::thread::spawn(move || match stored(&provider) {
        Ok(key) => key,
        Err(e) => {
            // The error names the store, never the secret.
            tracing::debug!(error = %e, "no LLM API key in the OS keyring");
            None
        }
    })
    .join()
    .ok()
    .flatten()
}

/// The configuration's key (`ai.llm.api_key`), if it holds one: a `${VAR}` left as written means
/// the variable was unset.
pub fn configured(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty() && !value.starts_with("${")).then_some(value)
}

/// The key stored for `provider`, if one is.
pub fn stored(provider: &str) -> Result<Option<String>, KeyError> {
    let (store, entry) = entry(provider)?;
    match entry.get_password() {
        Ok(k) if !k.is_empty() => Ok(Some(k)),
        Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
        Err(source) => Err(KeyError::Keyring { store, source }),
    }
}

/// Stores `key` for `provider`; returns the store's name.
pub fn store(provider: &str, key: &str) -> Result<&'static str, KeyError> {
    check_provider(provider)?;
    if key.is_empty() || key.len() > 8192 {
        return Err(KeyError::BadKey);
    }
    let (store, entry) = entry(provider)?;
    entry
        .set_password(key)
        .map_err(|source| KeyError::Keyring { store, source })?;
    Ok(store)
}

/// Removes the key for `provider` (no key is not an error); returns the store's name.
pub fn delete(provider: &str) -> Result<&'static str, KeyError> {
    let (store, entry) = entry(provider)?;
    match entry.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(store),
        Err(source) => Err(KeyError::Keyring { store, source }),
    }
}

fn check_provider(provider: &str) -> Result<(), KeyError> {
    let ok = !provider.is_empty()
        && provider.len() <= 64
        && provider
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(KeyError::BadProvider(provider.chars().take(80).collect()))
    }
}

fn entry(provider: &str) -> Result<(&'static str, keyring::Entry), KeyError> {
    check_provider(provider)?;
    let user = format!("llm:{provider}");
    let store = store_name();
    let keyring = |source| KeyError::Keyring { store, source };
    #[cfg(target_os = "linux")]
    {
        let credential: Box<keyring::credential::Credential> = if store == "secret-service" {
            Box::new(keyring::secret_service::SsCredential::new_with_target(None, SERVICE, &user).map_err(keyring)?)
        } else {
            Box::new(keyring::keyutils::KeyutilsCredential::new_with_target(None, SERVICE, &user).map_err(keyring)?)
        };
        Ok((store, keyring::Entry::new_with_credential(credential)))
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok((store, keyring::Entry::new(SERVICE, &user).map_err(keyring)?))
    }
}

/// The store this process uses.
pub fn store_name() -> &'static str {
    if cfg!(target_os = "linux") {
        match std::env::var("KUBILITICS_KEYRING").as_deref() {
            Ok("secret-service") => "secret-service",
            Ok("keyutils") => "keyutils",
            _ if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() => "secret-service",
            _ => "keyutils",
        }
    } else if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else {
        "Windows Credential Manager"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_key_wins_without_touching_the_keyring() {
        // (A placeholder such as "${AI_LLM_API_KEY}" means the variable was unset and the
        // keyring is asked; that path is the integration test's, in a keyutils session of its
        // own, so no test here reads the keyring of whoever runs it.)
        assert_eq!(api_key("openai", " sk-configured \n").as_deref(), Some("sk-configured"));
    }

    #[test]
    fn provider_names_and_keys_are_checked_before_the_keyring_is_touched() {
        for bad in ["", "open ai", "openai/../x", "llm:openai", &"x".repeat(65)] {
            assert!(matches!(store(bad, "k"), Err(KeyError::BadProvider(_))), "{bad:?}");
        }
        assert!(matches!(store("openai", ""), Err(KeyError::BadKey)));
        assert!(matches!(store("openai", &"k".repeat(8193)), Err(KeyError::BadKey)));
        // The message says how to give a key without putting it on the command line.
        assert!(KeyError::BadKey.to_string().contains("standard input"));
    }
}
