//! The single integration-test binary (`cargo test --test integration`). Add test modules here.

mod support;

mod archive;
mod archive_bench;
mod archive_local;
mod archive_options;
mod archive_pop3;
mod attachments;
mod bench;
mod bounces;
mod cli;
mod deleters_live;
mod deleters_logs;
mod doctor;
mod harness;
mod probe;
mod usage;
