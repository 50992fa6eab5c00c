//! The single integration-test binary (`cargo test --test integration`). Add test modules here.

mod support;

mod archive;
mod attachments;
mod bounces;
mod cli;
mod deleters_live;
mod deleters_logs;
mod harness;
mod probe;
mod usage;
