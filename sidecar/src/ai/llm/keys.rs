//! Where an API key comes from: the configuration's value (`AI_LLM_API_KEY`, or the config file's
//! `${VAR}` reference to the environment), else the OS keyring (service `kubilitics`, user
//! `llm:<provider>`, written by the desktop shell's settings). Never written anywhere by the
//! sidecar, never logged.

/// The key for `provider`, if any. Called once at start-up.
pub fn api_key(provider: &str, configured: &str) -> Option<String> {
    if !configured.trim().is_empty() && !configured.starts_with("${") {
        return Some(configured.trim().to_string());
    }
    let user = format!("llm:{provider}");
    // Keyring stores may block (D-Bus) and some panic when built on an async thread: use a
    // thread of their own.
    std::thread::spawn(move || from_keyring(&user)).join().ok().flatten()
}

fn from_keyring(user: &str) -> Option<String> {
    let entry = keyring::Entry::new("kubilitics", user).ok()?;
    match entry.get_password() {
        Ok(k) if !k.is_empty() => Some(k),
        Ok(_) => None,
        Err(e) => {
            // The error names the store, never the secret.
            tracing::debug!(error = %e, "no LLM API key in the OS keyring");
            None
        }
    }
}
