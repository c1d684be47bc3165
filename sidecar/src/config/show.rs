//! `kubilitics config show`: every effective value with where it came from, secrets masked.

use serde_json::Value;

use super::Loaded;

/// What `config show` prints in place of a secret that is set.
pub const MASK: &str = "********";

/// One line per setting: `key = value  # source`.
pub fn render(loaded: &Loaded) -> String {
    let width = loaded.values.iter().map(|r| r.setting.key.len()).max().unwrap_or(0);
    let mut out = format!("# Kubilitics home: {}\n", loaded.home.display());
    for r in &loaded.values {
        let value = display_value(&r.value, r.setting.secret);
        out.push_str(&format!("{:<width$} = {:<40} # {}\n", r.setting.key, value, r.source));
    }
    out
}

fn display_value(value: &Value, secret: bool) -> String {
    match value {
        Value::String(s) if secret && !s.is_empty() => MASK.to_string(),
        Value::String(s) => format!("\"{s}\""),
        Value::Array(items) => {
            let words: Vec<String> = items
                .iter()
                .map(|i| i.as_str().unwrap_or_default().to_string())
                .collect();
            format!("[{}]", words.join(", "))
        }
        other => other.to_string(),
    }
}
