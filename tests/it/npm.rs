//! Locked npm installs for the tests that drive the server with Node programs: the official
//! TypeScript SDK (`ts_client`) and the official conformance suite (`conformance`).
//!
//! `npm ci` runs in a staging folder under `target/test-services/<name>/`, which is renamed to
//! `<sha256 of package-lock.json>/` once the pinned package is in place, all under an exclusive
//! lock on `install.lock` (two test processes wait for one install; a killed install leaves
//! only a staging folder, removed by the next one). It reruns only when the lock file changes.
//! A missing or too old Node, or a failed install, is an error with the reason; nothing is
//! skipped.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::process::Command;

use crate::common::repo;

const NPM_TIMEOUT: Duration = Duration::from_secs(900);
/// Written into an install folder last, before it is renamed into place.
const MARKER: &str = ".harness-installed";

/// A folder of the repository with `package.json` and `package-lock.json`, and the package of
/// it that must resolve to an exact version.
pub struct NodePackage {
    /// The folder under `target/test-services/`.
    pub name: &'static str,
    /// The folder with the package files, relative to the repository.
    pub src: &'static str,
    pub package: &'static str,
    pub version: &'static str,
    pub min_node_major: u32,
    /// What the failure says to do when Node is missing.
    pub node_hint: &'static str,
}

/// The Node to run: the binary, and how to start its npm.
pub struct Node {
    pub node: PathBuf,
    pub npm: Vec<OsString>,
    /// Prepended to PATH for npm (so its `node` is this one).
    pub bin_dir: Option<PathBuf>,
}

impl Node {
    /// `node` and `npm` from PATH.
    pub fn from_path() -> Node {
        Node {
            node: "node".into(),
            npm: vec!["npm".into()],
            bin_dir: None,
        }
    }

    pub fn command(&self, argv: &[OsString]) -> Command {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        if let Some(dir) = &self.bin_dir {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut paths = vec![dir.clone()];
            paths.extend(std::env::split_paths(&path));
            cmd.env("PATH", std::env::join_paths(paths).unwrap_or(path));
        }
        cmd.stdin(Stdio::null()).kill_on_drop(true);
        cmd
    }
}

impl NodePackage {
    fn src_dir(&self) -> PathBuf {
        repo().join(self.src)
    }

    fn manifest(&self, dir: &Path) -> PathBuf {
        dir.join("node_modules")
            .join(self.package)
            .join("package.json")
    }

    /// Whether `dir` is a finished install (a half-deleted one is reinstalled).
    fn ready(&self, dir: &Path) -> bool {
        dir.join(MARKER).is_file() && self.manifest(dir).is_file()
    }

    /// The folder holding `node_modules` with the pinned package for the current
    /// package-lock.json, installed with `npm ci` if it is not there yet.
    pub async fn ensure(&self, node: &Node) -> Result<PathBuf, String> {
        let version = version_of(node, &[node.node.clone().into_os_string()], self).await?;
        let major: u32 = version
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| format!("cannot read node's version from {version:?}"))?;
        if major < self.min_node_major {
            return Err(format!(
                "node {version} is too old: {} {} needs Node >= {}",
                self.package, self.version, self.min_node_major
            ));
        }
        version_of(node, &node.npm, self).await?;

        let src = self.src_dir();
        let lock = std::fs::read(src.join("package-lock.json"))
            .map_err(|e| format!("cannot read {}/package-lock.json: {e}", src.display()))?;
        let key = format!("{:x}", Sha256::digest(&lock));
        let root = repo().join("target/test-services").join(self.name);
        std::fs::create_dir_all(&root)
            .map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        let installed = root.join(&key);
        // A keyed folder only appears by rename, after its install finished.
        if self.ready(&installed) {
            return Ok(installed);
        }

        let lock_path = root.join("install.lock");
        let lock_file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
        let lock_file = tokio::task::spawn_blocking(move || lock_file.lock().map(|()| lock_file))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;
        if self.ready(&installed) {
            return Ok(installed); // another test process installed it while we waited
        }
        // Holding the lock: anything else here is a leftover (a killed install, an older lock).
        for entry in std::fs::read_dir(&root)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            if entry.path().is_dir() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let staging = root.join(format!(
            "staging-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let result = self.install(node, &src, &staging, &key).await;
        let result = result.and_then(|()| {
            std::fs::rename(&staging, &installed).map_err(|e| {
                format!(
                    "cannot rename {} to {}: {e}",
                    staging.display(),
                    installed.display()
                )
            })
        });
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        drop(lock_file);
        result.map(|()| installed)
    }

    /// `npm ci` of `src`'s package files into `dir`, checked and marked complete.
    async fn install(&self, node: &Node, src: &Path, dir: &Path, key: &str) -> Result<(), String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for f in ["package.json", "package-lock.json"] {
            std::fs::copy(src.join(f), dir.join(f))
                .map_err(|e| format!("cannot copy {f} to {}: {e}", dir.display()))?;
        }
        let started = Instant::now();
        let out = tokio::time::timeout(
            NPM_TIMEOUT,
            node.command(&node.npm)
                .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
                .current_dir(dir)
                .env("npm_config_update_notifier", "false")
                .output(),
        )
        .await
        .map_err(|_| format!("`npm ci` in {} took over {NPM_TIMEOUT:?}", dir.display()))?
        .map_err(|e| format!("cannot run `npm ci`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`npm ci --no-audit --no-fund --ignore-scripts` in {} failed ({}):\n{}\n{}",
                dir.display(),
                out.status,
                tail(&out.stdout, 20),
                tail(&out.stderr, 40)
            ));
        }
        let manifest = self.manifest(dir);
        let version = std::fs::read_to_string(&manifest)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_string));
        if version.as_deref() != Some(self.version) {
            return Err(format!(
                "`npm ci` left {} {version:?} in {}, expected {}",
                self.package,
                manifest.display(),
                self.version
            ));
        }
        std::fs::write(
            dir.join(MARKER),
            format!(
                "package-lock.json sha256 {key}\n{} {}\n",
                self.package, self.version
            ),
        )
        .map_err(|e| e.to_string())?;
        eprintln!(
            "[{}] npm ci into {} took {:.1}s",
            self.name,
            dir.display(),
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// Runs `argv --version` and returns its trimmed stdout, or why it could not.
async fn version_of(node: &Node, argv: &[OsString], pkg: &NodePackage) -> Result<String, String> {
    let shown = argv
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        node.command(argv).arg("--version").output(),
    )
    .await
    .map_err(|_| format!("`{shown} --version` did not answer in 60s"))?
    .map_err(|e| {
        format!(
            "cannot run `{shown}` ({e}): {} needs Node >= {} with npm ({})",
            pkg.name, pkg.min_node_major, pkg.node_hint
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "`{shown} --version` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

pub fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
