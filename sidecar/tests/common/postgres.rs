//! A real PostgreSQL server for the store's integration tests: a throwaway cluster in a temp
//! dir, listening on a free loopback port, so the tests exercise the same server, auth and TLS
//! code paths as an in-cluster deployment instead of a mock.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the server
//! runs as the `postgres` system user that Debian's package creates. The switch uses
//! `CommandExt::uid`/`gid` (no `runuser` or `setpriv` in between), so the spawned child *is*
//! the postmaster and signals reach it directly.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use rand::Rng;

/// The application's role and database, as the sidecar's store is configured in a cluster.
const APP: &str = "kubilitics";
/// The superuser initdb creates; the harness reaches it over the unix socket with trust auth.
const SUPERUSER: &str = "postgres";
/// How long a server gets to accept connections before the test gives up.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a fast shutdown may take before it is escalated to SIGKILL.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an immediate shutdown (on drop) may take before SIGKILL.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// A running (or stopped) PostgreSQL server owned by one test. Dropping it shuts the server
/// down immediately and deletes its data.
pub struct Postgres {
    /// Holds `data/` (the cluster), the unix socket and `server.log`.
    dir: tempfile::TempDir,
    /// The directory with initdb, postgres, pg_isready and psql, all of one version.
    bin: PathBuf,
    /// The `postgres` user's (uid, gid) when running as root; `None` runs as ourselves.
    server_user: Option<(u32, u32)>,
    port: u16,
    password: String,
    /// The postmaster; `None` between `stop()` and `resume()`.
    server: Option<Child>,
}

impl Postgres {
    /// A fresh server on a free loopback port with role `kubilitics` (password auth,
    /// scram-sha-256 over TCP) owning database `kubilitics`.
    pub fn start() -> Postgres {
        Self::create(None)
    }

    /// The same, with TLS on (`ssl = on`) using the given PEM certificate and key, so the
    /// store's `sslmode=require`/`verify-full` paths meet a real TLS handshake.
    pub fn start_with_tls(cert_pem: &str, key_pem: &str) -> Postgres {
        Self::create(Some((cert_pem, key_pem)))
    }

    /// The TCP port, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The `kubilitics` role's password: random per server, so nothing can pass by accident
    /// with a default password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// `postgresql://kubilitics:PASSWORD@127.0.0.1:PORT/kubilitics?sslmode=disable`
    pub fn url(&self) -> String {
        format!(
            "postgresql://{APP}:{}@127.0.0.1:{}/{APP}?sslmode=disable",
            self.password, self.port
        )
    }

    /// The sidecar's `database.postgresql` settings for this server, as an operator would write
    /// them (host, port, user, password; no TLS: `ssl_mode` is for the test to change).
    pub fn store_config(&self) -> kubilitics::config::Postgresql {
        kubilitics::config::Postgresql {
            url: String::new(),
            host: "127.0.0.1".into(),
            port: self.port,
            database: APP.into(),
            user: APP.into(),
            password: self.password.clone(),
            ssl_mode: "disable".into(),
            ssl_root_cert: String::new(),
            pool: kubilitics::config::Pool {
                size: 4,
                timeout: 10,
                idle_timeout: 300,
                max_lifetime: 1800,
            },
        }
    }

    /// Runs `sql` as the superuser in database `kubilitics` via psql over the unix socket (so
    /// it works whatever the test did to the `kubilitics` role). Returns psql's unaligned,
    /// rows-only output (columns joined by `|`) without the final newline; panics with psql's
    /// stderr on failure.
    pub fn psql(&self, sql: &str) -> String {
        self.psql_in(APP, sql)
    }

    /// Stops the server with a fast shutdown, keeping its data, so a test can see how the
    /// store behaves while the database is down; [`Postgres::resume`] brings it back.
    pub fn stop(&mut self) {
        let child = self.server.take().expect("stop(): the server is running");
        if !shut_down(child, Signal::SIGINT, STOP_TIMEOUT) {
            panic!("PostgreSQL did not stop within {STOP_TIMEOUT:?}; log:\n{}", self.log());
        }
    }

    /// Starts a stopped server again on the same port and data, waiting until it is ready.
    pub fn resume(&mut self) {
        assert!(self.server.is_none(), "resume(): the server is already running");
        self.spawn_server();
    }

    fn create(tls: Option<(&str, &str)>) -> Postgres {
        let bin = bin_dir();
        let server_user = if running_as_root() { Some(postgres_user()) } else { None };
        let dir = tempfile::Builder::new()
            .prefix("kubilitics-pg-")
            .tempdir()
            .expect("temp dir");
        if let Some((uid, gid)) = server_user {
            // The server creates data/ and its socket here, so its user must own the dir.
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown the temp dir");
        }
        let mut pg = Postgres {
            dir,
            bin,
            server_user,
            port: free_port(),
            password: random_password(),
            server: None,
        };
        pg.init_cluster();
        pg.configure(tls.is_some());
        if let Some((cert, key)) = tls {
            pg.write_server_file("server.crt", cert, 0o644);
            pg.write_server_file("server.key", key, 0o600);
        }
        pg.spawn_server();
        pg.create_app_role();
        pg
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server's log so far, for panic messages.
    fn log(&self) -> String {
        fs::read_to_string(self.log_path()).unwrap_or_else(|e| format!("(no log: {e})"))
    }

    /// A command for one of the PostgreSQL binaries, run as the server's user, from the temp
    /// dir (the postgres user may not be allowed into the test's working directory), without
    /// the caller's `PG*` variables (a stray PGHOST or PGSSLMODE would change what it does).
    fn command(&self, program: &str, as_server: bool) -> Command {
        let mut cmd = Command::new(self.bin.join(program));
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PG") {
                cmd.env_remove(key);
            }
        }
        if let (true, Some((uid, gid))) = (as_server, self.server_user) {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    fn init_cluster(&self) {
        let out = self
            .command("initdb", true)
            .arg("-D")
            .arg(self.data_dir())
            .args(["-U", SUPERUSER, "--auth=trust"])
            .args(["--no-locale", "--encoding=UTF8", "--no-sync"])
            .output()
            .expect("initdb runs");
        if !out.status.success() {
            panic!(
                "initdb failed ({}): {}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Settings for a small, fast, loopback-only server; the socket stays in the temp dir so
    /// parallel servers never share a socket or lock file.
    fn configure(&self, tls: bool) {
        let socket_dir = self.dir.path().to_str().expect("temp dir path is UTF-8");
        let mut conf = format!(
            "\n# Test harness (tests/common/postgres.rs)\n\
             listen_addresses = '127.0.0.1'\n\
             port = {}\n\
             unix_socket_directories = '{}'\n\
             shared_buffers = 16MB\n\
             max_connections = 40\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n\
             logging_collector = off\n\
             password_encryption = 'scram-sha-256'\n",
            self.port,
            socket_dir.replace('\'', "''"),
        );
        if tls {
            // Relative paths are resolved against the data directory.
            conf.push_str("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        }
        let data = self.data_dir();
        let mut file = OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .expect("open postgresql.conf");
        file.write_all(conf.as_bytes()).expect("write postgresql.conf");
        // `local` for the harness' psql; `host` covers both plain and TLS connections over TCP.
        let hba = "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n";
        fs::write(data.join("pg_hba.conf"), hba).expect("write pg_hba.conf");
    }

    /// Writes a file into the data dir owned by the server's user: PostgreSQL refuses a key
    /// that another user owns or that others can read.
    fn write_server_file(&self, name: &str, contents: &str, mode: u32) {
        let path = self.data_dir().join(name);
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&path)
            .unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        file.write_all(contents.as_bytes()).expect("write server file");
        // The process umask may have narrowed the mode; set it exactly.
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod server file");
        if let Some((uid, gid)) = self.server_user {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid)).expect("chown server file");
        }
    }

    /// Starts the postmaster as our child (no pg_ctl daemon), logging to `server.log`, and
    /// waits until it accepts connections.
    fn spawn_server(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open server.log");
        let child = self
            .command("postgres", true)
            .arg("-D")
            .arg(self.data_dir())
            .stdout(log.try_clone().expect("clone log handle"))
            .stderr(log)
            .spawn()
            .expect("postgres starts");
        self.server = Some(child);
        self.wait_ready();
    }

    /// Polls pg_isready over the socket until the server accepts connections; panics with the
    /// server log if it exits or is not ready within [`READY_TIMEOUT`].
    fn wait_ready(&mut self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            let child = self.server.as_mut().expect("server spawned");
            if let Ok(Some(status)) = child.try_wait() {
                self.server = None;
                panic!("PostgreSQL exited during startup ({status}); log:\n{}", self.log());
            }
            if self.is_ready() {
                return;
            }
            if Instant::now() > deadline {
                let log = self.log();
                panic!("PostgreSQL was not ready within {READY_TIMEOUT:?}; log:\n{log}");
            }
            sleep(Duration::from_millis(100));
        }
    }

    fn is_ready(&self) -> bool {
        self.command("pg_isready", false)
            .args(self.superuser_socket_args("postgres"))
            .args(["-q", "-t", "1"])
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The application's role and database. Two psql calls: CREATE DATABASE cannot run in the
    /// implicit transaction of a multi-statement `-c`.
    fn create_app_role(&self) {
        self.psql_in(
            "postgres",
            &format!("CREATE ROLE {APP} LOGIN PASSWORD '{}'", self.password),
        );
        self.psql_in("postgres", &format!("CREATE DATABASE {APP} OWNER {APP}"));
    }

    /// Connection options for the superuser over the unix socket in the temp dir.
    fn superuser_socket_args(&self, database: &str) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["-h".into(), self.dir.path().into()];
        for arg in ["-p", &self.port.to_string(), "-U", SUPERUSER, "-d", database] {
            args.push(arg.into());
        }
        args
    }

    fn psql_in(&self, database: &str, sql: &str) -> String {
        let out = self
            .command("psql", false)
            .args(self.superuser_socket_args(database))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        if !out.status.success() {
            panic!(
                "psql failed ({}) running {sql:?}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let stdout = String::from_utf8(out.stdout).expect("psql output is UTF-8");
        stdout.strip_suffix('\n').unwrap_or(&stdout).to_string()
    }
}

impl Drop for Postgres {
    /// Immediate shutdown (no checkpoint: the data is thrown away anyway), escalating to
    /// SIGKILL, so no postgres process outlives the test even when it panicked.
    fn drop(&mut self) {
        if let Some(child) = self.server.take() {
            shut_down(child, Signal::SIGQUIT, KILL_TIMEOUT);
        }
    }
}

/// Sends `signal` to the postmaster and reaps it; after `timeout`, SIGKILL. Returns whether it
/// exited before the timeout.
fn shut_down(mut child: Child, signal: Signal, timeout: Duration) -> bool {
    let pid = Pid::from_raw(i32::try_from(child.id()).expect("pid fits in i32"));
    let _ = kill(pid, signal);
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if !matches!(child.try_wait(), Ok(None)) {
            return true;
        }
        sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

/// The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian keeps the
/// server binaries off PATH there), else the one holding `initdb` on PATH.
fn bin_dir() -> PathBuf {
    newest_debian_bin_dir()
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file())
        })
        .expect("PostgreSQL is not installed: install Debian's postgresql package (scripts/test.sh does)")
}

fn newest_debian_bin_dir() -> Option<PathBuf> {
    fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
}

/// Whether the effective uid is 0. `id -u` rather than `geteuid`: the workspace forbids
/// unsafe code and nix's `user` feature is not enabled.
fn running_as_root() -> bool {
    id(&["-u"]) == 0
}

/// The `postgres` system user's (uid, gid).
fn postgres_user() -> (u32, u32) {
    (id(&["-u", SUPERUSER]), id(&["-g", SUPERUSER]))
}

fn id(args: &[&str]) -> u32 {
    let out = Command::new("id").args(args).output().expect("id runs");
    let text = String::from_utf8_lossy(&out.stdout);
    match text.trim().parse() {
        Ok(n) if out.status.success() => n,
        _ => panic!(
            "`id {}` failed: {}(running as root needs the `{SUPERUSER}` system user, which \
             Debian's postgresql package creates)",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A port nothing listens on right now: bind 127.0.0.1:0 and let the listener go.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local addr").port()
}

/// Alphanumeric, so it needs no escaping in SQL or in a URL.
fn random_password() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}
