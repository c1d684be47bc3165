//! Tauri's build step. `bundle.externalBin` makes it refuse to build until the sidecar binary
//! exists as `binaries/kubilitics-sidecar-<target triple>`, and `generate_context!` needs the UI's
//! `dist/`; `scripts/desktop.sh` puts both there. So that `cargo check/clippy --workspace`
//! works on a fresh clone too, missing ones are replaced here by stand-ins that say what to run.
use std::path::Path;

fn main() {
    let triple = std::env::var("TARGET").unwrap_or_default();
    let ext = if triple.contains("windows") { ".exe" } else { "" };
    let sidecar = format!("binaries/kubilitics-sidecar-{triple}{ext}");
    if !Path::new(&sidecar).exists() {
        println!(
            "cargo:warning={sidecar} is missing: a stand-in was written; run scripts/desktop.sh build for a working app"
        );
        let _ = std::fs::create_dir_all("binaries");
        let _ = std::fs::write(
            &sidecar,
            "#!/bin/sh\necho 'this is a stand-in: build the sidecar with scripts/desktop.sh build' >&2\nexit 1\n",
        );
        set_executable(&sidecar);
    }
    let index = Path::new("../ui/dist/index.html");
    if !index.exists() {
        println!(
            "cargo:warning=ui/dist is missing: a stand-in page was written; run scripts/desktop.sh build for the real UI"
        );
        let _ = std::fs::create_dir_all("../ui/dist");
        let _ = std::fs::write(
            index,
            "<!doctype html><title>Kubilitics</title><p>The UI was not built: run scripts/desktop.sh build.</p>",
        );
    }
    println!("cargo:rerun-if-changed={sidecar}");
    println!("cargo:rerun-if-changed=../ui/dist/index.html");
    tauri_build::build()
}

#[cfg(unix)]
fn set_executable(path: &str) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
}

#[cfg(not(unix))]
fn set_executable(_: &str) {}
