//! Masking: credentials never leave for a provider and are never stored with an investigation.
//!
//! Threat model: cluster text (logs, env values, annotations, events) may carry secrets an
//! application printed or an operator pasted; a provider is a third party, and the investigation
//! store is exported and shared. Masking runs on every string that goes into a prompt or a stored
//! document: Secret `data`/`stringData` are dropped, the last-applied-configuration annotation is
//! removed, env values whose names look like credentials are replaced, and text fragments that look
//! like tokens, passwords, private keys, JWTs or connection strings with passwords are replaced.
//! It errs on the side of masking: a masked harmless value costs little; a leaked key costs much.

use serde_json::Value;

pub const MASK: &str = "***";

const SECRET_NAMES: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "credential",
    "auth",
    "session",
    "cookie",
    "signature",
    "dsn",
    "connection_string",
];

/// Whether a variable or field name suggests a credential (`DB_PASSWORD`, `apiToken`).
pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    SECRET_NAMES.iter().any(|s| n.contains(s))
}

/// Masks credential-looking fragments of free text (log lines, messages).
pub fn text(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    if input.contains("-----BEGIN") && input.contains("PRIVATE KEY") {
        return "[private key] *** (masked)".into();
    }
    for (i, token) in input.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&mask_token(token));
    }
    out
}

fn mask_token(token: &str) -> String {
    // key=value / key: value / "key":"value" where the key names a credential.
    for sep in ['=', ':'] {
        if let Some((k, v)) = token.split_once(sep)
            && !v.is_empty()
            && !v.starts_with("//")
            && is_secret_name(k.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-'))
        {
            return format!("{k}{sep}{MASK}");
        }
    }
    // scheme://user:password@host → scheme://user:***@host
    if let Some(scheme_end) = token.find("://") {
        let rest = &token[scheme_end + 3..];
        if let Some(at) = rest.find('@')
            && let Some(colon) = rest[..at].find(':')
        {
            return format!("{}{}:{MASK}{}", &token[..scheme_end + 3], &rest[..colon], &rest[at..]);
        }
    }
    let bare = token.trim_matches(|c: char| matches!(c, '"' | '\'' | ',' | ';' | '(' | ')'));
    if looks_like_jwt(bare) || looks_like_key(bare) {
        return token.replace(bare, MASK);
    }
    token.to_string()
}

fn looks_like_jwt(t: &str) -> bool {
    let parts: Vec<&str> = t.split('.').collect();
    parts.len() == 3 && t.starts_with("eyJ") && parts.iter().all(|p| p.len() >= 4)
}

/// Well-known key prefixes, and long high-entropy strings (a 32+ character run of letters and
/// digits of mixed case with digits).
fn looks_like_key(t: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_live_",
        "ghp_",
        "gho_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "AKIA",
        "AIza",
        "glpat-",
    ];
    if PREFIXES.iter().any(|p| t.starts_with(p)) && t.len() >= 16 {
        return true;
    }
    if t.len() >= 32
        && !is_object_reference(t)
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'))
    {
        let upper = t.chars().any(|c| c.is_ascii_uppercase());
        let lower = t.chars().any(|c| c.is_ascii_lowercase());
        let digit = t.chars().any(|c| c.is_ascii_digit());
        // Hex digests (image IDs, hashes) are identifiers, not secrets.
        let hex = t.chars().all(|c| c.is_ascii_hexdigit());
        return upper && lower && digit && !hex;
    }
    false
}

/// `Kind/namespace/name` or `Kind/name` as the analyzers and chat cite objects
/// (`Pod/shop/checkout-7874646d94-8jjvq`): a capitalised kind, then lowercase DNS names. Long
/// enough and mixed-case enough to look like a key, but a name, which the reader needs.
fn is_object_reference(t: &str) -> bool {
    let mut parts = t.split('/');
    let kind = parts.next().unwrap_or_default();
    let names: Vec<&str> = parts.collect();
    let dns_name = |n: &str| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
    };
    kind.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && kind.chars().all(|c| c.is_ascii_alphabetic())
        && (1..=2).contains(&names.len())
        && names.iter().all(|n| dns_name(n))
}

/// Masks a Kubernetes object (as JSON) in place: Secret data dropped, last-applied removed,
/// managedFields removed, credential-looking env values and annotations masked.
pub fn object(v: &mut Value) {
    if v.get("kind").and_then(Value::as_str) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(Value::Object(map)) = v.get_mut(field) {
                for val in map.values_mut() {
                    *val = Value::String(MASK.into());
                }
            }
        }
    }
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(Value::Object(ann)) = meta.get_mut("annotations") {
            ann.remove("kubectl.kubernetes.io/last-applied-configuration");
            for (k, val) in ann.iter_mut() {
                if is_secret_name(k) {
                    *val = Value::String(MASK.into());
                }
            }
        }
    }
    walk(v);
}

/// Masks env values (`{"name": "DB_PASSWORD", "value": "..."}`) and free-text strings anywhere.
fn walk(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let secret_env =
                map.get("name").and_then(Value::as_str).is_some_and(is_secret_name) && map.contains_key("value");
            if secret_env {
                map.insert("value".into(), Value::String(MASK.into()));
            }
            for (_, child) in map.iter_mut() {
                walk(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        Value::String(s) => {
            let masked = text(s);
            if masked != *s {
                *s = masked;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn credentials_in_text_are_masked() {
        assert_eq!(
            text("connecting with password=hunter2 to db"),
            "connecting with password=*** to db"
        );
        assert_eq!(
            text("DATABASE_URL postgres://app:s3cr3t@db:5432/shop"),
            "DATABASE_URL postgres://app:***@db:5432/shop"
        );
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert!(!text(&format!("Authorization: Bearer {jwt}")).contains("eyJhbGci"));
        // Built at run time so the source holds nothing that looks like a real key.
        let fake_key = format!("sk-{}", "abcdefghijklmnop1234");
        assert_eq!(text(&format!("api key {fake_key}")), "api key ***");
        assert_eq!(text("GET /healthz 200"), "GET /healthz 200");
        assert_eq!(
            text("image sha256:3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0"),
            "image sha256:3f2a9c0d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0"
        );
        // Objects cited by kind, namespace and name stay readable, however long their names.
        let cited = "- Pod/shop/checkout-7874646d94-8jjvq status.containerStatuses[checkout].restartCount: 5";
        assert_eq!(text(cited), cited);
        assert_eq!(
            text("on PersistentVolumeClaim/data-postgres-0-2026"),
            "on PersistentVolumeClaim/data-postgres-0-2026"
        );
        // ... but a key with slashes in it (base64) is still one.
        let slashed = format!("token {}/{}", "Q2hhbmdlTWVQbGVhc2VJdHNOb3RBU2Vj", "cmV0S2V5MTIzNDU2");
        assert_eq!(text(&slashed), "token ***");
        let pem_header = format!("-----BEGIN RSA {} KEY-----", "PRIVATE");
        assert!(text(&format!("{pem_header}\nMIIE...")).contains("***"));
    }

    #[test]
    fn objects_lose_secret_data_last_applied_and_credential_env() {
        let mut v = json!({"kind": "Secret", "metadata": {"name": "db", "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"p\":\"aHVudGVyMg==\"}}"}},
            "data": {"password": "aHVudGVyMg=="}});
        object(&mut v);
        assert_eq!(v["data"]["password"], "***");
        assert!(
            v["metadata"]["annotations"]
                .get("kubectl.kubernetes.io/last-applied-configuration")
                .is_none()
        );
        let mut pod = json!({"kind": "Pod", "spec": {"containers": [{"name": "app", "env": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "LOG_LEVEL", "value": "info"}]}]}});
        object(&mut pod);
        assert_eq!(pod["spec"]["containers"][0]["env"][0]["value"], "***");
        assert_eq!(pod["spec"]["containers"][0]["env"][1]["value"], "info");
    }
}
