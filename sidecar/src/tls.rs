//! TLS for the API: a self-signed certificate for localhost / 127.0.0.1 / ::1, generated with
//! rcgen on first run into `~/.kubilitics/tls.cert` and `tls.key` (mode 0600), or the operator's
//! own files from `server.tls.cert_path` / `key_path`. Replacing the files and restarting
//! rotates the certificate. Served with rustls on the ring provider.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::Tls;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "server.tls.cert_path and server.tls.key_path must be set together (KUBILITICS_TLS_CERT_PATH, KUBILITICS_TLS_KEY_PATH)"
    )]
    HalfConfigured,
    #[error("cannot read the TLS {what} {}: {reason}; check the path and its permissions ({setting})", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        setting: &'static str,
        reason: String,
    },
    #[error("cannot write the generated TLS files in {}: {reason}", dir.display())]
    Write { dir: PathBuf, reason: String },
    #[error("cannot generate a TLS certificate: {0}")]
    Generate(String),
    #[error("the TLS certificate and key cannot be used together: {0}")]
    Invalid(String),
}

/// The certificate and key in use, and where they live.
pub struct TlsMaterial {
    pub cert_path: PathBuf,
    pub key_path: PathBuf,
    pub cert_pem: String,
    key_pem: String,
}

/// Reads the configured files, or the generated ones in `home`, generating them when absent.
pub fn load_or_generate(cfg: &Tls, home: &Path) -> Result<TlsMaterial, TlsError> {
    let (cert_path, key_path, configured) = match (cfg.cert_path.is_empty(), cfg.key_path.is_empty()) {
        (true, true) => (home.join("tls.cert"), home.join("tls.key"), false),
        (false, false) => (PathBuf::from(&cfg.cert_path), PathBuf::from(&cfg.key_path), true),
        _ => return Err(TlsError::HalfConfigured),
    };
    let generated_present = cert_path.exists() && key_path.exists();
    if !configured && !generated_present {
        generate(&cert_path, &key_path)?;
    }
    let read = |what, path: &Path, setting| {
        std::fs::read_to_string(path).map_err(|e| TlsError::Read {
            what,
            path: path.to_path_buf(),
            setting,
            reason: e.to_string(),
        })
    };
    Ok(TlsMaterial {
        cert_pem: read("certificate", &cert_path, "KUBILITICS_TLS_CERT_PATH")?,
        key_pem: read("key", &key_path, "KUBILITICS_TLS_KEY_PATH")?,
        cert_path,
        key_path,
    })
}

fn generate(cert_path: &Path, key_path: &Path) -> Result<(), TlsError> {
    let names = vec!["localhost".to_string(), "127.0.0.1".to_string(), "::1".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    let dir = cert_path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let write_err = |e: std::io::Error| TlsError::Write {
        dir: dir.clone(),
        reason: e.to_string(),
    };
    crate::files::write_private(key_path, certified.signing_key.serialize_pem().as_bytes()).map_err(write_err)?;
    crate::files::write_private(cert_path, certified.cert.pem().as_bytes()).map_err(write_err)?;
    Ok(())
}

impl TlsMaterial {
    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3, h2 and http/1.1).
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(self.cert_pem.as_bytes())
            .collect::<Result<_, _>>()
            .map_err(|e| TlsError::Invalid(format!("{}: {e}", self.cert_path.display())))?;
        if certs.is_empty() {
            return Err(TlsError::Invalid(format!(
                "{} holds no certificate",
                self.cert_path.display()
            )));
        }
        let key = PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes())
            .map_err(|e| TlsError::Invalid(format!("{}: {e}", self.key_path.display())))?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Invalid(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| TlsError::Invalid(e.to_string()))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(cert: &str, key: &str) -> Tls {
        Tls {
            enabled: true,
            cert_path: cert.into(),
            key_path: key.into(),
        }
    }

    #[test]
    fn generates_once_with_private_modes_then_reuses() {
        let home = tempfile::tempdir().unwrap();
        let first = load_or_generate(&tls("", ""), home.path()).unwrap();
        first.server_config().unwrap();
        #[cfg(unix)]
        for f in ["tls.cert", "tls.key"] {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(home.path().join(f)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{f}");
        }
        let second = load_or_generate(&tls("", ""), home.path()).unwrap();
        assert_eq!(first.cert_pem, second.cert_pem, "kept across restarts");
    }

    #[test]
    fn a_missing_configured_file_names_the_variable() {
        let err = load_or_generate(&tls("/nonexistent/c.pem", "/nonexistent/k.pem"), Path::new("/tmp"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("KUBILITICS_TLS_CERT_PATH"), "{err}");
        assert!(matches!(
            load_or_generate(&tls("/a", ""), Path::new("/tmp")),
            Err(TlsError::HalfConfigured)
        ));
    }
}
