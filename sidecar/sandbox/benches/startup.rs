//! Start-up benchmark: prints how long `Sandbox::start` takes (demo only, and with synthetic
//! load), and how long a full pod list takes compared with `kubectl get pods -A -o json`
//! against the same sandbox (the reference in the same run, as DESIGN.md asks).
//!
//!   cargo bench -p kubilitics-sandbox --bench startup
//!
//! Figures only, no assertions: tests never assert on wall-clock time.

use std::time::{Duration, Instant};

use kubilitics_sandbox::{Options, Sandbox};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for (label, scale) in [
        ("built-in demo", 0usize),
        ("demo + 1000 pods", 1000),
        ("demo + 10000 pods", 10000),
    ] {
        let runs = if scale >= 10000 { 3 } else { 7 };
        let mut times = Vec::new();
        let mut objects = 0;
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            let sb = runtime
                .block_on(Sandbox::start(Options {
                    scale_pods: scale,
                    ..Default::default()
                }))
                .expect("sandbox starts");
            times.push(t.elapsed());
            objects = sb.objects;
            if let Some(prev) = last.replace(sb) {
                let prev: Sandbox = prev;
                prev.shutdown(Duration::from_millis(10));
            }
        }
        println!(
            "startup {label:<20} median {:>8.1} ms over {runs} runs ({objects} objects loaded)",
            median(times).as_secs_f64() * 1000.0
        );
        let Some(sb) = last else { continue };
        if std::process::Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output()
            .is_ok()
        {
            let dir = std::env::temp_dir().join(format!("sandbox-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("dir");
            let kc = dir.join("kubeconfig");
            std::fs::write(&kc, &sb.kubeconfig).expect("kubeconfig");
            let mut kubectl = Vec::new();
            for _ in 0..3 {
                let t = Instant::now();
                let out = std::process::Command::new("kubectl")
                    .args([
                        "--kubeconfig",
                        kc.to_str().unwrap_or_default(),
                        "get",
                        "pods",
                        "-A",
                        "-o",
                        "json",
                    ])
                    .output()
                    .expect("kubectl runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                kubectl.push(t.elapsed());
            }
            let k = median(kubectl);
            println!(
                "  kubectl get pods -A -o json: median {:.1} ms; sandbox start is {:.2}x of one such list",
                k.as_secs_f64() * 1000.0,
                sb.startup.as_secs_f64() / k.as_secs_f64()
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
        sb.shutdown(Duration::from_millis(10));
    }
}
