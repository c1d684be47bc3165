//! The Kubilitics sidecar: the whole backend of the Kubilitics Kubernetes workbench.
//!
//! Dependencies point one way (see DESIGN.md):
//! `api` → (`ai`, `safety`) → `cluster` → `store`, with `config`, `notices`, `telemetry` and
//! `tls` as leaves. The binary (`main.rs`) only parses the command line and maps errors to exit codes.

pub mod ai;
pub mod api;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod files;
pub mod notices;
pub mod safety;
pub mod sandbox;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod tls;
