//! What a container's log lines say about why it failed. Pure text matching over the phrases
//! runtimes, libraries and languages actually print; the caller decides what the named host
//! means (a Service without endpoints, a missing one, a working one behind a policy).

/// What a line shows, most telling first (see [`classify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogCause {
    VolumeFull,
    RbacForbidden,
    /// Name resolution failed for a reason other than "the name does not exist".
    DnsBroken,
    /// The name does not exist (NXDOMAIN): a dependency that is missing, or DNS.
    NoSuchHost {
        host: Option<String>,
    },
    Refused {
        host: Option<String>,
    },
    Timeout {
        host: Option<String>,
    },
    MissingConfig,
    AppError,
}

/// The most telling line of `lines` and what it shows.
pub fn classify<'a, I: IntoIterator<Item = &'a str>>(lines: I) -> Option<(LogCause, String)> {
    let mut best: Option<(usize, LogCause, String)> = None;
    for line in lines {
        if let Some(cause) = classify_line(line) {
            let rank = rank(&cause);
            if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                best = Some((rank, cause, line.trim().to_string()));
            }
        }
    }
    best.map(|(_, c, l)| (c, l))
}

fn rank(c: &LogCause) -> usize {
    match c {
        LogCause::VolumeFull => 0,
        LogCause::RbacForbidden => 1,
        LogCause::DnsBroken => 2,
        LogCause::NoSuchHost { .. } => 3,
        LogCause::Refused { .. } => 4,
        LogCause::Timeout { .. } => 5,
        LogCause::MissingConfig => 6,
        LogCause::AppError => 7,
    }
}

fn has_any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| hay.contains(n))
}

pub fn classify_line(line: &str) -> Option<LogCause> {
    let l = line.to_ascii_lowercase();
    if has_any(&l, &["no space left on device", "disk quota exceeded", "enospc"]) {
        return Some(LogCause::VolumeFull);
    }
    if l.contains("forbidden")
        && (l.contains("system:serviceaccount:")
            || l.contains("cannot list")
            || l.contains("cannot get")
            || l.contains("cannot watch")
            || l.contains("cannot create"))
    {
        return Some(LogCause::RbacForbidden);
    }
    if has_any(
        &l,
        &[
            "temporary failure in name resolution",
            "server misbehaving",
            "name or service not known (dns)",
            "eai_again",
            "dns server failure",
            "servfail",
        ],
    ) || (l.contains("lookup ")
        && l.contains(":53")
        && has_any(&l, &["i/o timeout", "connection refused", "no route to host"]))
    {
        return Some(LogCause::DnsBroken);
    }
    if has_any(
        &l,
        &[
            "no such host",
            "enotfound",
            "name or service not known",
            "nodename nor servname",
            "could not resolve host",
            "unknown host",
            "unknownhostexception",
            "name does not resolve",
        ],
    ) {
        return Some(LogCause::NoSuchHost { host: host_of(line) });
    }
    if has_any(
        &l,
        &[
            "connection refused",
            "econnrefused",
            "connect: connection refused",
            "refused to connect",
        ],
    ) {
        return Some(LogCause::Refused { host: host_of(line) });
    }
    if has_any(
        &l,
        &[
            "i/o timeout",
            "etimedout",
            "connection timed out",
            "timed out connecting",
            "timeout connecting",
            "context deadline exceeded",
            "connect timeout",
            "no route to host",
        ],
    ) {
        return Some(LogCause::Timeout { host: host_of(line) });
    }
    if is_missing_config(&l) {
        return Some(LogCause::MissingConfig);
    }
    if has_any(
        &l,
        &[
            "panic",
            "traceback",
            "exception",
            "fatal",
            "error",
            "segmentation fault",
            "unhandled",
            "exit status",
            "failed",
        ],
    ) {
        return Some(LogCause::AppError);
    }
    None
}

fn is_missing_config(l: &str) -> bool {
    let about_config = has_any(
        l,
        &[
            "environment variable",
            "env var",
            "env variable",
            "variable",
            "flag",
            "config",
            "setting",
            "option",
            "parameter",
            "keyerror",
        ],
    );
    let absent = has_any(
        l,
        &[
            "not set",
            "is required",
            "are required",
            "missing",
            "must be set",
            "must be provided",
            "undefined",
            "not defined",
            "not provided",
            "not found",
            "no such file or directory",
            "empty",
            "keyerror",
        ],
    );
    (about_config && absent) || (l.contains("open ") && l.contains("no such file or directory"))
}

/// The host a connection line names: after `lookup `, `dial tcp `, `ENOTFOUND `, `host "x"`,
/// or the `host:port` before `: connect:`. IP addresses are returned as they are.
pub fn host_of(line: &str) -> Option<String> {
    let markers = [
        "lookup ",
        "dial tcp ",
        "enotfound ",
        "econnrefused ",
        "etimedout ",
        "host \"",
        "connect to ",
        "connecting to ",
        "connection to ",
        "resolve host ",
        "resolve host: ",
        "host: ",
    ];
    let lower = line.to_ascii_lowercase();
    for m in markers {
        let mut from = 0;
        while let Some(i) = lower[from..].find(m) {
            let start = from + i + m.len();
            from = start;
            let token: String = line[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '[' | ']'))
                .collect();
            let host = strip_port(token.trim_end_matches(['.', ':']));
            if !host.is_empty() && host.chars().any(|c| c.is_ascii_alphabetic() || c == '.') && host != "tcp" {
                return Some(host.to_string());
            }
        }
    }
    None
}

fn strip_port(s: &str) -> &str {
    match s.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => h,
        _ => s,
    }
}

/// The Service a host names, relative to `namespace`: `db`, `db.shop`, `db.shop.svc`,
/// `db.shop.svc.cluster.local`. `None` for names outside the cluster and for IP addresses.
pub fn service_of(host: &str, namespace: &str) -> Option<(String, String)> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return None;
    }
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [name] => Some((namespace.to_string(), name.to_string())),
        [name, ns] => Some((ns.to_string(), name.to_string())),
        [name, ns, "svc", rest @ ..] if rest.is_empty() || rest.join(".").starts_with("cluster") => {
            Some((ns.to_string(), name.to_string()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_real_programs_print() {
        let c = |l: &str| classify_line(l);
        assert_eq!(
            c("2026/11/25 10:00:01 dial tcp: lookup orders-db on 10.96.0.10:53: no such host"),
            Some(LogCause::NoSuchHost {
                host: Some("orders-db".into())
            })
        );
        assert_eq!(
            c("Error: connect ECONNREFUSED 10.96.44.3:6379"),
            Some(LogCause::Refused {
                host: Some("10.96.44.3".into())
            })
        );
        assert_eq!(
            c("panic: dial tcp 10.0.0.7:5432: connect: connection refused"),
            Some(LogCause::Refused {
                host: Some("10.0.0.7".into())
            })
        );
        assert_eq!(
            c("could not translate host name \"db\": Temporary failure in name resolution"),
            Some(LogCause::DnsBroken)
        );
        assert_eq!(
            c("FATAL: environment variable DATABASE_URL is not set"),
            Some(LogCause::MissingConfig)
        );
        assert_eq!(c("KeyError: 'API_TOKEN'"), Some(LogCause::MissingConfig));
        assert_eq!(
            c("open /etc/app/config.yaml: no such file or directory"),
            Some(LogCause::MissingConfig)
        );
        assert_eq!(
            c("write /data/wal/000001.log: no space left on device"),
            Some(LogCause::VolumeFull)
        );
        assert_eq!(
            c(
                "pods is forbidden: User \"system:serviceaccount:shop:reporter\" cannot list resource \"pods\" in API group \"\" in the namespace \"shop\""
            ),
            Some(LogCause::RbacForbidden)
        );
        assert_eq!(c("Traceback (most recent call last):"), Some(LogCause::AppError));
        assert_eq!(c("GET /healthz 200 1ms"), None);
        assert_eq!(
            c("dial tcp 10.96.7.7:8080: i/o timeout"),
            Some(LogCause::Timeout {
                host: Some("10.96.7.7".into())
            })
        );
    }

    #[test]
    fn hosts_name_services_relative_to_the_namespace() {
        assert_eq!(service_of("db", "shop"), Some(("shop".into(), "db".into())));
        assert_eq!(
            service_of("db.data.svc.cluster.local", "shop"),
            Some(("data".into(), "db".into()))
        );
        assert_eq!(service_of("10.1.2.3", "shop"), None);
        assert_eq!(service_of("api.example.com", "shop"), None);
    }
}
