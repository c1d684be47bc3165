//! Container logs: where `pods/log` reads from. The sandbox has no containers, so logs come from
//! files named by KWOK's ClusterLogs/Logs objects, the same objects (and files) the real control
//! plane's KWOK serves, so `kubectl logs` shows the same lines against both.

use serde_json::Value;

/// Where a ClusterLogs object's files come from: the binary (built-in demo) or the disk.
pub enum LogFiles {
    Embedded(&'static [(&'static str, &'static str)]),
    Disk,
}

#[derive(Debug, Clone)]
pub struct LogSource {
    namespaces: Vec<String>,
    pod_names: Vec<String>,
    containers: Vec<String>,
    pub current: String,
    pub previous: Option<String>,
    pub follow: bool,
}

#[derive(Debug, Default)]
pub struct Logs {
    sources: Vec<LogSource>,
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

fn read(files: &LogFiles, path: &str) -> Option<String> {
    match files {
        LogFiles::Embedded(table) => {
            let base = path.rsplit('/').next().unwrap_or(path);
            table.iter().find(|(n, _)| *n == base).map(|(_, t)| (*t).to_string())
        }
        LogFiles::Disk => std::fs::read_to_string(path).ok(),
    }
}

impl Logs {
    /// Register a `ClusterLogs` (cluster-wide selector) or `Logs` (one pod) object.
    pub fn add_cluster_logs(&mut self, obj: &Value, files: &LogFiles) {
        let (namespaces, pod_names) = if obj["kind"] == "Logs" {
            (
                strings(&serde_json::json!([obj["metadata"]["namespace"]])),
                strings(&serde_json::json!([obj["metadata"]["name"]])),
            )
        } else {
            (
                strings(&obj["spec"]["selector"]["matchNamespaces"]),
                strings(&obj["spec"]["selector"]["matchNames"]),
            )
        };
        for entry in obj["spec"]["logs"].as_array().into_iter().flatten() {
            let Some(current) = entry["logsFile"].as_str().and_then(|p| read(files, p)) else {
                continue;
            };
            self.sources.push(LogSource {
                namespaces: namespaces.clone(),
                pod_names: pod_names.clone(),
                containers: strings(&entry["containers"]),
                current,
                previous: entry["previousLogsFile"].as_str().and_then(|p| read(files, p)),
                follow: entry["follow"].as_bool().unwrap_or(false),
            });
        }
    }

    pub fn find(&self, namespace: &str, pod: &str, container: &str) -> Option<&LogSource> {
        let matches = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        self.sources.iter().find(|s| {
            matches(&s.namespaces, namespace) && matches(&s.pod_names, pod) && matches(&s.containers, container)
        })
    }
}

/// What the kubelet (and KWOK) sends for a log file in the CRI format, one
/// `<RFC 3339 time> <stdout|stderr> <F|P> <message>` per line: the message, prefixed by its time
/// when `timestamps`; a `P` (partial) line continues on the next one. Lines not in that format
/// pass through unchanged, so a hand-written scenario file still reads.
pub fn render(file: &str, timestamps: bool) -> String {
    let mut out = String::with_capacity(file.len());
    let mut partial = false;
    for line in file.lines() {
        let mut parts = line.splitn(4, ' ');
        let (time, stream, tag, message) = (parts.next(), parts.next(), parts.next(), parts.next());
        match (time, stream, tag) {
            (Some(time), Some("stdout" | "stderr"), Some(tag @ ("F" | "P"))) => {
                if timestamps && !partial {
                    out.push_str(time);
                    out.push(' ');
                }
                out.push_str(message.unwrap_or(""));
                partial = tag == "P";
                if !partial {
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(line);
                out.push('\n');
                partial = false;
            }
        }
    }
    out
}

/// The last `n` lines of `text` (all when None), keeping line ends.
pub fn tail(text: &str, n: Option<usize>) -> &str {
    let Some(n) = n else { return text };
    if n == 0 {
        return "";
    }
    let trimmed = text.strip_suffix('\n').unwrap_or(text);
    let mut count = 0;
    for (i, b) in trimmed.bytes().enumerate().rev() {
        if b == b'\n' {
            count += 1;
            if count == n {
                return &text[i + 1..];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cri_lines_read_as_the_kubelet_sends_them() {
        let file = "2026-11-02T09:14:05.112000000Z stdout F INFO starting\n\
                    2026-11-02T09:14:06.000000000Z stderr P half \n\
                    2026-11-02T09:14:06.000000001Z stderr F and the rest\n\
                    a line a person wrote\n";
        assert_eq!(
            render(file, false),
            "INFO starting\nhalf and the rest\na line a person wrote\n"
        );
        assert_eq!(
            render(file, true),
            "2026-11-02T09:14:05.112000000Z INFO starting\n2026-11-02T09:14:06.000000000Z half and the rest\na line a person wrote\n"
        );
    }

    #[test]
    fn tail_counts_lines_from_the_end() {
        let t = "a\nb\nc\n";
        assert_eq!(tail(t, Some(2)), "b\nc\n");
        assert_eq!(tail(t, Some(9)), t);
        assert_eq!(tail(t, Some(0)), "");
        assert_eq!(tail(t, None), t);
    }

    #[test]
    fn cluster_logs_select_by_namespace_and_container() {
        let mut logs = Logs::default();
        let obj = serde_json::json!({"kind": "ClusterLogs", "spec": {"selector": {"matchNamespaces": ["shop"]},
            "logs": [{"containers": ["web"], "logsFile": "/x/web.log", "previousLogsFile": "/x/web.prev.log"}]}});
        logs.add_cluster_logs(
            &obj,
            &LogFiles::Embedded(&[("web.log", "hello\n"), ("web.prev.log", "boom\n")]),
        );
        let s = logs.find("shop", "web-1", "web").expect("source");
        assert_eq!(s.current, "hello\n");
        assert_eq!(s.previous.as_deref(), Some("boom\n"));
        assert!(logs.find("other", "web-1", "web").is_none());
    }
}
