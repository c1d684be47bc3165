//! Resource quantities ("250m", "1.5", "512Mi", "4G") as numbers, for scheduling and metrics.

/// CPU in millicores.
pub fn cpu_milli(q: &str) -> i64 {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().map(|v| v.ceil() as i64).unwrap_or(0);
    }
    q.parse::<f64>().map(|v| (v * 1000.0).ceil() as i64).unwrap_or(0)
}

/// Memory (or any byte quantity) in bytes.
pub fn bytes(q: &str) -> i64 {
    let q = q.trim();
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("m", 1e-3),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(n) = q.strip_suffix(suffix) {
            return n.parse::<f64>().map(|v| (v * factor) as i64).unwrap_or(0);
        }
    }
    q.parse::<f64>().map(|v| v as i64).unwrap_or(0)
}

/// Bytes as the metrics API prints them (Ki).
pub fn format_ki(b: i64) -> String {
    format!("{}Ki", b / 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse() {
        assert_eq!(cpu_milli("250m"), 250);
        assert_eq!(cpu_milli("1.5"), 1500);
        assert_eq!(cpu_milli("48"), 48000);
        assert_eq!(bytes("64Mi"), 64 * 1024 * 1024);
        assert_eq!(bytes("1G"), 1_000_000_000);
        assert_eq!(format_ki(2048), "2Ki");
    }
}
