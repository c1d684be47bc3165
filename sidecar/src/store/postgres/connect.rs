//! From `database.postgresql.*` to a driver configuration: the connection string when one is
//! given (`KUBILITICS_DATABASE_URL`), else host, port, database, user and password; TLS as
//! `ssl_mode` says (libpq's five modes, which the driver alone does not all know).

use std::time::Duration;

use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, Verify};
use crate::config;
use crate::store::StoreError;

pub struct Settings {
    pub config: tokio_postgres::Config,
    pub tls: MakeRustlsConnect,
    /// `user@host:port/database`, for messages.
    pub target: String,
}

pub fn settings(cfg: &config::Postgresql) -> Result<Settings, StoreError> {
    let (mut config, mode) = if cfg.url.is_empty() {
        let mut c = tokio_postgres::Config::new();
        c.host(&cfg.host).port(cfg.port).dbname(&cfg.database).user(&cfg.user);
        if !cfg.password.is_empty() {
            c.password(&cfg.password);
        }
        (c, cfg.ssl_mode.to_ascii_lowercase())
    } else {
        let (rest, mode) = take_ssl_mode(&cfg.url);
        let c = rest.parse::<tokio_postgres::Config>().map_err(|e| {
            StoreError::Config(format!(
                "database.postgresql.url (KUBILITICS_DATABASE_URL) is not a PostgreSQL connection string ({e}); \
                 write it as postgresql://USER:PASSWORD@HOST:5432/DATABASE"
            ))
        })?;
        (c, mode.unwrap_or_else(|| cfg.ssl_mode.to_ascii_lowercase()))
    };
    let root = (!cfg.ssl_root_cert.is_empty()).then_some(cfg.ssl_root_cert.as_str());
    let (ssl_mode, verify) = match (mode.as_str(), root) {
        ("disable", _) => (SslMode::Disable, Verify::Nothing),
        ("prefer", _) => (SslMode::Prefer, Verify::Nothing),
        // libpq's rule: `require` with a root certificate checks the chain, like verify-ca.
        ("require", None) => (SslMode::Require, Verify::Nothing),
        ("require" | "verify-ca", _) => (SslMode::Require, Verify::Chain),
        ("verify-full", _) => (SslMode::Require, Verify::ChainAndName),
        (other, _) => {
            return Err(StoreError::Config(format!(
                "sslmode '{other}' is not one of disable, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    config.ssl_mode(ssl_mode);
    config.application_name("kubilitics");
    if config.get_connect_timeout().is_none() {
        // A server that does not answer is reported within the pool's wait, not the OS's.
        config.connect_timeout(Duration::from_secs(cfg.pool.timeout.max(1)));
    }
    let tls = tls::connector(verify, root)?;
    let target = target(&config);
    Ok(Settings { config, tls, target })
}

/// The connection string without its `sslmode`, and that mode: the driver refuses
/// `verify-ca` and `verify-full`, which this store implements itself.
fn take_ssl_mode(conn: &str) -> (String, Option<String>) {
    if let Ok(mut url) = url::Url::parse(conn)
        && matches!(url.scheme(), "postgres" | "postgresql")
    {
        let mut mode = None;
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, v)| {
                let is_mode = k == "sslmode";
                if is_mode {
                    mode = Some(v.to_ascii_lowercase());
                }
                !is_mode
            })
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
        return (url.to_string(), mode);
    }
    // key=value form: "host=db user=kubilitics sslmode=verify-full".
    let mut mode = None;
    let kept: Vec<&str> = conn
        .split_whitespace()
        .filter(|word| match word.strip_prefix("sslmode=") {
            Some(v) => {
                mode = Some(v.trim_matches('\'').to_ascii_lowercase());
                false
            }
            None => true,
        })
        .collect();
    (kept.join(" "), mode)
}

fn target(c: &tokio_postgres::Config) -> String {
    let host = match c.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssl_mode_is_taken_out_of_either_form_of_connection_string() {
        let (rest, mode) = take_ssl_mode("postgresql://u:p@db:5432/k?sslmode=verify-full&application_name=x");
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(rest, "postgresql://u:p@db:5432/k?application_name=x");
        let (rest, mode) = take_ssl_mode("postgres://u@db/k?sslmode=disable");
        assert_eq!((rest.as_str(), mode.as_deref()), ("postgres://u@db/k", Some("disable")));
        let (rest, mode) = take_ssl_mode("host=db user=u sslmode=verify-ca dbname=k");
        assert_eq!(
            (rest.as_str(), mode.as_deref()),
            ("host=db user=u dbname=k", Some("verify-ca"))
        );
        assert_eq!(take_ssl_mode("host=db").1, None);
    }

    fn cfg() -> config::Postgresql {
        config::Postgresql {
            url: String::new(),
            host: "db.example".into(),
            port: 6543,
            database: "kubilitics".into(),
            user: "kube".into(),
            password: "s3cret".into(),
            ssl_mode: "require".into(),
            ssl_root_cert: String::new(),
            pool: config::Pool {
                size: 4,
                timeout: 5,
                idle_timeout: 300,
                max_lifetime: 1800,
            },
        }
    }

    #[test]
    fn the_target_names_the_server_but_never_the_password() {
        let s = settings(&cfg()).unwrap();
        assert_eq!(s.target, "kube@db.example:6543/kubilitics");
        let from_url = settings(&config::Postgresql {
            url: "postgresql://app:hunter2@10.0.0.5:5433/prod?sslmode=disable".into(),
            ..cfg()
        })
        .unwrap();
        assert_eq!(from_url.target, "app@10.0.0.5:5433/prod");
        assert_eq!(from_url.config.get_ssl_mode(), SslMode::Disable);
    }

    #[test]
    fn a_malformed_url_or_mode_says_how_to_write_it() {
        let bad = settings(&config::Postgresql {
            url: "postgresql://app@db:notaport/prod".into(),
            ..cfg()
        })
        .err()
        .unwrap()
        .to_string();
        assert!(bad.contains("postgresql://USER:PASSWORD@HOST:5432/DATABASE"), "{bad}");
        assert!(!bad.contains("hunter2"));
        let mode = settings(&config::Postgresql {
            ssl_mode: "always".into(),
            ..cfg()
        })
        .err()
        .unwrap()
        .to_string();
        assert!(mode.contains("verify-full"), "{mode}");
    }
}
