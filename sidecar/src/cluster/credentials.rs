//! Credentials of a context: what kind they are, which command (if any) they would run, and
//! what a failed connection means for the user.
//!
//! Threat model: a kubeconfig is often pasted from a chat or downloaded from a wiki, and its
//! `exec` / `auth-provider` entries name a program that kubectl runs with the user's rights on
//! every connection. Kubilitics runs such a program only after the user approved that exact
//! command line (program, arguments, environment) for that context and kubeconfig file; the
//! approval is keyed by a SHA-256 of the canonical command, so any change needs a new one.
//! Reading, listing and importing kubeconfigs never runs anything.

use kube::config::AuthInfo;
use serde::Serialize;
use utoipa::ToSchema;

/// How a context authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    Token,
    TokenFile,
    ClientCertificate,
    Basic,
    Exec,
    AuthProvider,
    None,
}

/// A command a context's credentials would run, as shown to the user for approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PluginCommand {
    /// `exec` or `auth-provider:<name>`.
    pub plugin: String,
    /// The whole command line, shell-quoted for display.
    pub command_line: String,
    /// SHA-256 (hex) of the canonical command; an approval is for exactly this value.
    pub sha256: String,
}

pub fn auth_kind(user: Option<&AuthInfo>) -> AuthKind {
    let Some(u) = user else { return AuthKind::None };
    if u.exec.is_some() {
        AuthKind::Exec
    } else if u.auth_provider.is_some() {
        AuthKind::AuthProvider
    } else if u.client_certificate.is_some() || u.client_certificate_data.is_some() {
        AuthKind::ClientCertificate
    } else if u.token.is_some() {
        AuthKind::Token
    } else if u.token_file.is_some() {
        AuthKind::TokenFile
    } else if u.username.is_some() {
        AuthKind::Basic
    } else {
        AuthKind::None
    }
}

/// The command that connecting with `user` would run, if any.
pub fn plugin_command(user: Option<&AuthInfo>) -> Option<PluginCommand> {
    let u = user?;
    if let Some(exec) = &u.exec {
        let mut argv = vec![exec.command.clone().unwrap_or_default()];
        argv.extend(exec.args.clone().unwrap_or_default());
        let mut env: Vec<String> = exec
            .env
            .iter()
            .flatten()
            .map(|e| {
                format!(
                    "{}={}",
                    e.get("name").map(String::as_str).unwrap_or(""),
                    e.get("value").map(String::as_str).unwrap_or("")
                )
            })
            .collect();
        env.sort();
        let canonical = serde_json::json!({"plugin": "exec", "argv": argv, "env": env, "apiVersion": exec.api_version});
        let mut line: Vec<String> = env.iter().map(|e| quote(e)).collect();
        line.extend(argv.iter().map(|a| quote(a)));
        return Some(PluginCommand {
            plugin: "exec".into(),
            command_line: line.join(" "),
            sha256: sha256_hex(canonical.to_string().as_bytes()),
        });
    }
    if let Some(ap) = &u.auth_provider {
        // Only some providers run a program (gcp's cmd-path), but any of them acts with the
        // user's identity provider: approve them all the same way.
        let cmd = ap.config.get("cmd-path").cloned().unwrap_or_default();
        let args = ap.config.get("cmd-args").cloned().unwrap_or_default();
        let canonical = serde_json::json!({"plugin": "auth-provider", "name": ap.name, "cmd": cmd, "args": args});
        let command_line = if cmd.is_empty() {
            format!(
                "(auth-provider '{}' runs no program; it refreshes tokens with its identity provider)",
                ap.name
            )
        } else {
            format!("{} {}", quote(&cmd), args).trim().to_string()
        };
        return Some(PluginCommand {
            plugin: format!("auth-provider:{}", ap.name),
            command_line,
            sha256: sha256_hex(canonical.to_string().as_bytes()),
        });
    }
    None
}

fn quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a context could not be reached, in words that say what to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    Unreachable,
    Tls,
    Unauthorized,
    Forbidden,
    Timeout,
    ExecNotApproved,
    Config,
    Other,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: String,
}

/// Turns a client error into what the user should check. `server` is the cluster URL.
pub fn classify(err: &kube::Error, server: &str) -> Failure {
    if let kube::Error::Api(status) = err {
        return match status.code {
            401 => Failure {
                kind: FailureKind::Unauthorized,
                message: format!(
                    "{server} rejected the credentials (401): the token or client certificate is wrong or expired; refresh them in the kubeconfig (or log in again with your provider's tool)"
                ),
            },
            403 => Failure {
                kind: FailureKind::Forbidden,
                message: format!(
                    "{server} accepted the credentials but refused the request (403: {}); ask a cluster admin for RBAC read access",
                    status.message
                ),
            },
            code => Failure {
                kind: FailureKind::Other,
                message: format!("{server} answered {code}: {}", status.message),
            },
        };
    }
    let text = chain(err);
    let lower = text.to_lowercase();
    let (kind, message) = if lower.contains("proxy authorization required") {
        // The proxy of the kubeconfig's proxy-url answered 407 (its URL, password included, is
        // never repeated here).
        (
            FailureKind::Unauthorized,
            format!(
                "the proxy in the kubeconfig's proxy-url refused its credentials (407) on the way to {server}; check the user and password in proxy-url (http://user:password@host:port, with @ : % in them percent-encoded)"
            ),
        )
    } else if lower.contains("corrupt message") || lower.contains("invalidcontenttype") {
        // rustls read something that is not TLS: the port serves plain HTTP (or another protocol).
        (
            FailureKind::Tls,
            format!(
                "{server} does not speak TLS ({text}); check that the server address uses the right scheme (https) and the API server's port, not a plain HTTP one"
            ),
        )
    } else if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
        (
            FailureKind::Tls,
            format!(
                "TLS with {server} failed ({text}); check the cluster's certificate-authority data, that the server name matches its certificate, and the system clock"
            ),
        )
    } else if lower.contains("timed out") || lower.contains("elapsed") || lower.contains("timeout") {
        (
            FailureKind::Timeout,
            format!(
                "{server} did not answer in time; check VPN, firewall or proxy settings and that the cluster is up"
            ),
        )
    } else if lower.contains("refused")
        || lower.contains("dns")
        || lower.contains("connect")
        || lower.contains("unreachable")
    {
        (
            FailureKind::Unreachable,
            format!(
                "cannot reach {server} ({text}); check that the cluster is running, the server address in the kubeconfig, and VPN or proxy-url"
            ),
        )
    } else {
        (FailureKind::Other, format!("talking to {server} failed: {text}"))
    };
    Failure { kind, message }
}

/// The error and its causes on one line.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(yaml: &str) -> AuthInfo {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn exec_commands_are_described_and_any_change_changes_the_hash() {
        let a = user(
            "exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token, --cluster-name, prod]}",
        );
        let b = user(
            "exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token, --cluster-name, prod2]}",
        );
        let c = user(
            "exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token, --cluster-name, prod], env: [{name: AWS_PROFILE, value: x}]}",
        );
        let pa = plugin_command(Some(&a)).unwrap();
        assert_eq!(pa.command_line, "aws eks get-token --cluster-name prod");
        assert_eq!(pa.plugin, "exec");
        let pb = plugin_command(Some(&b)).unwrap();
        let pc = plugin_command(Some(&c)).unwrap();
        assert_ne!(pa.sha256, pb.sha256);
        assert_ne!(pa.sha256, pc.sha256);
        assert_eq!(pc.command_line, "AWS_PROFILE=x aws eks get-token --cluster-name prod");
        assert_eq!(pa.sha256, plugin_command(Some(&a)).unwrap().sha256, "stable");
    }

    #[test]
    fn odd_arguments_are_quoted_so_the_user_sees_them_exactly() {
        let u = user("exec: {command: sh, args: [-c, 'touch /tmp/x; echo hi']}");
        assert_eq!(
            plugin_command(Some(&u)).unwrap().command_line,
            "sh -c 'touch /tmp/x; echo hi'"
        );
    }

    #[test]
    fn auth_providers_need_approval_too_and_tokens_do_not() {
        let gcp =
            user("auth-provider: {name: gcp, config: {cmd-path: /usr/bin/gcloud, cmd-args: config config-helper}}");
        assert_eq!(plugin_command(Some(&gcp)).unwrap().plugin, "auth-provider:gcp");
        assert_eq!(auth_kind(Some(&gcp)), AuthKind::AuthProvider);
        let tok = user("token: abc");
        assert!(plugin_command(Some(&tok)).is_none());
        assert_eq!(auth_kind(Some(&tok)), AuthKind::Token);
    }
    /// An error with a cause, as hyper and tower nest them (`client error (Connect)` → io error).
    #[derive(Debug)]
    struct Nested(&'static str, Option<Box<Nested>>);

    impl std::fmt::Display for Nested {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Nested {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
        }
    }

    fn service(outer: &'static str, cause: &'static str) -> kube::Error {
        kube::Error::Service(Box::new(Nested(outer, Some(Box::new(Nested(cause, None))))))
    }

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        kube::Error::Api(
            kube::core::Status {
                code,
                reason: reason.into(),
                message: message.into(),
                ..Default::default()
            }
            .boxed(),
        )
    }

    const SERVER: &str = "https://k8s.example:6443";

    #[test]
    fn a_401_says_the_credentials_were_rejected_and_to_refresh_them() {
        let f = classify(&api(401, "Unauthorized", "Unauthorized"), SERVER);
        assert_eq!(f.kind, FailureKind::Unauthorized);
        assert!(f.message.starts_with(SERVER), "{}", f.message);
        for what in [
            "rejected the credentials (401)",
            "token or client certificate",
            "refresh them in the kubeconfig",
        ] {
            assert!(f.message.contains(what), "{what:?} in {}", f.message);
        }
    }

    #[test]
    fn a_403_says_the_credentials_worked_and_rbac_is_missing() {
        let why = r#"pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the cluster scope"#;
        let f = classify(&api(403, "Forbidden", why), SERVER);
        assert_eq!(f.kind, FailureKind::Forbidden);
        for what in [
            "accepted the credentials",
            "403",
            why,
            "ask a cluster admin for RBAC read access",
        ] {
            assert!(f.message.contains(what), "{what:?} in {}", f.message);
        }
        // Any other status is passed on as it came, not dressed up as a credentials problem.
        let f = classify(&api(500, "InternalError", "etcdserver: request timed out"), SERVER);
        assert_eq!(f.kind, FailureKind::Other);
        assert!(f.message.contains("answered 500: etcdserver"), "{}", f.message);
    }

    #[test]
    fn a_proxy_407_points_at_the_proxy_url_credentials() {
        // hyper-util's tunnel error, under the connector's `client error (Connect)`.
        let f = classify(
            &service("client error (Connect)", "proxy authorization required"),
            SERVER,
        );
        assert_eq!(f.kind, FailureKind::Unauthorized);
        for what in [
            "proxy-url",
            "407",
            "check the user and password",
            "percent-encoded",
            SERVER,
        ] {
            assert!(f.message.contains(what), "{what:?} in {}", f.message);
        }
        assert!(!f.message.contains("token or client certificate"), "{}", f.message);
    }

    #[test]
    fn network_failures_say_what_to_check() {
        let cases = [
            (
                service(
                    "client error (Connect)",
                    "tcp connect error: Connection refused (os error 111)",
                ),
                FailureKind::Unreachable,
                "check that the cluster is running, the server address in the kubeconfig",
            ),
            (
                service(
                    "client error (Connect)",
                    "dns error: failed to lookup address information: Name or service not known",
                ),
                FailureKind::Unreachable,
                "the server address in the kubeconfig",
            ),
            (
                service("client error (Connect)", "deadline has elapsed"),
                FailureKind::Timeout,
                "did not answer in time; check VPN, firewall or proxy settings",
            ),
            (
                service("client error (SendRequest)", "operation timed out"),
                FailureKind::Timeout,
                "did not answer in time",
            ),
            (
                service("client error (Connect)", "invalid peer certificate: UnknownIssuer"),
                FailureKind::Tls,
                "check the cluster's certificate-authority data, that the server name matches its certificate",
            ),
            (
                service("client error (Connect)", "tls handshake eof"),
                FailureKind::Tls,
                "certificate-authority data",
            ),
            (
                service(
                    "client error (Connect)",
                    "received corrupt message of type InvalidContentType",
                ),
                FailureKind::Tls,
                "does not speak TLS",
            ),
        ];
        for (err, kind, advice) in cases {
            let f = classify(&err, SERVER);
            assert_eq!(f.kind, kind, "{}", f.message);
            assert!(f.message.contains(advice), "{advice:?} in {}", f.message);
            assert!(f.message.contains(SERVER), "{}", f.message);
        }
        // The cause is quoted so the user sees what actually happened.
        let f = classify(
            &service(
                "client error (Connect)",
                "tcp connect error: Connection refused (os error 111)",
            ),
            SERVER,
        );
        assert!(f.message.contains("Connection refused (os error 111)"), "{}", f.message);
        let f = classify(
            &service("client error (Connect)", "invalid peer certificate: UnknownIssuer"),
            SERVER,
        );
        assert!(f.message.contains("UnknownIssuer"), "{}", f.message);
    }

    /// The same through a real client: a closed port, a server that never answers, and TLS
    /// spoken to a server that answers plain HTTP.
    #[tokio::test]
    async fn real_client_errors_are_classified() {
        async fn version(url: &str) -> kube::Error {
            let mut cfg = kube::Config::new(url.parse().unwrap());
            cfg.connect_timeout = Some(std::time::Duration::from_secs(2));
            cfg.read_timeout = Some(std::time::Duration::from_millis(300));
            let client = kube::Client::try_from(cfg).unwrap();
            client.apiserver_version().await.unwrap_err()
        }

        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let closed_at = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        let f = classify(&version(&closed_at).await, &closed_at);
        assert_eq!(f.kind, FailureKind::Unreachable, "{}", f.message);
        assert!(
            f.message.contains("cannot reach") && f.message.contains("refused"),
            "{}",
            f.message
        );

        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_at = format!("http://{}", silent.local_addr().unwrap());
        let keep = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = silent.accept().await {
                held.push(s);
            }
        });
        let f = classify(&version(&silent_at).await, &silent_at);
        assert_eq!(f.kind, FailureKind::Timeout, "{}", f.message);
        keep.abort();

        // A TLS server whose certificate no authority in the kubeconfig vouches for.
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
        let key = rustls_pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let config = std::sync::Arc::new(
            rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![certified.cert.der().clone()], key.into())
                .unwrap(),
        );
        let untrusted = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let untrusted_at = format!("https://{}", untrusted.local_addr().unwrap());
        std::thread::spawn(move || {
            for mut tcp in untrusted.incoming().flatten() {
                let mut tls = rustls::ServerConnection::new(config.clone()).unwrap();
                let _ = tls.complete_io(&mut tcp);
            }
        });
        let err = version(&untrusted_at).await;
        let f = classify(&err, &untrusted_at);
        assert_eq!(f.kind, FailureKind::Tls, "{} (from {})", f.message, chain(&err));
        assert!(f.message.contains("certificate-authority data"), "{}", f.message);
    }
}
