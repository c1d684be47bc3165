//! One fixture per root-cause code, plus the healthy look-alikes. Fixtures are JSON in the shape
//! the API server returns (`kubectl get -o json`), with the events and log lines a kubelet,
//! scheduler or controller writes for that fault.

mod cases;
mod fixtures;
mod healthy;
