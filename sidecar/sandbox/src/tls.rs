//! The sandbox's own certificate authority, made fresh at every start: a CA, a serving
//! certificate for 127.0.0.1/localhost signed by it, and a bearer token. The kubeconfig carries
//! the CA and the token, so clients verify the server and the server knows its client, exactly
//! as with a real cluster (no `insecure-skip-tls-verify`).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::SandboxError;

pub struct Material {
    pub ca_pem: String,
    pub server: Arc<ServerConfig>,
    pub token: String,
}

fn tls_err(e: impl std::fmt::Display) -> SandboxError {
    SandboxError::Tls(e.to_string())
}

pub fn generate() -> Result<Material, SandboxError> {
    let ca_key = KeyPair::generate().map_err(tls_err)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kubilitics-sandbox-ca");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(tls_err)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let server_key = KeyPair::generate().map_err(tls_err)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()]).map_err(tls_err)?;
    params.distinguished_name.push(DnType::CommonName, "kubilitics-sandbox");
    let server_cert = params.signed_by(&server_key, &issuer).map_err(tls_err)?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let chain = vec![
        CertificateDer::from(server_cert.der().to_vec()),
        CertificateDer::from(ca_cert.der().to_vec()),
    ];
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(tls_err)?;
    // kubectl and kube-rs speak HTTP/2 when offered (watches multiplex over one connection).
    server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let token: String = (0..32).map(|_| format!("{:02x}", rand::random::<u8>())).collect();
    Ok(Material {
        ca_pem: ca_cert.pem(),
        server: Arc::new(server),
        token,
    })
}

/// Standard base64 (RFC 4648 with padding), for the kubeconfig's certificate-authority-data.
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The kubeconfig a client needs: server URL, CA, token, context `kubilitics-sandbox`.
pub fn kubeconfig(server_url: &str, ca_pem: &str, token: &str) -> String {
    let doc = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubilitics-sandbox", "cluster": {
            "server": server_url,
            "certificate-authority-data": base64(ca_pem.as_bytes()),
        }}],
        "users": [{"name": "kubilitics-sandbox-admin", "user": {"token": token}}],
        "contexts": [{"name": "kubilitics-sandbox", "context": {
            "cluster": "kubilitics-sandbox", "user": "kubilitics-sandbox-admin", "namespace": "default",
        }}],
        "current-context": "kubilitics-sandbox",
        "preferences": {},
    });
    serde_norway::to_string(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn material_is_fresh_each_time() {
        let a = generate().expect("tls");
        let b = generate().expect("tls");
        assert_ne!(a.token, b.token);
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(kubeconfig("https://127.0.0.1:1", &a.ca_pem, &a.token).contains("current-context: kubilitics-sandbox"));
    }
}
