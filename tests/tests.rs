//! The single integration-test binary (`cargo test --test integration`). Add test modules here.

mod support;

mod attachments;
mod bounces;
mod cli;
mod deleters_logs;
mod harness;
mod probe;
mod usage;
