//! Benchmarks on a deterministic 200,000-message mailbox in the test Dovecot:
//!
//! * `bench::usage_200k` (issue #2): `mailsweep usage` on every route, side by side with
//!   `doveadm mailbox status vsize '*'` (the server-side limit) and a peer a user would run
//!   instead (`imap-tools imap du`), on loopback and again through a proxy that adds a 20 ms
//!   round trip ([`crate::support::latency`]), with ratios and peak memory.
//! * `bench::attachments_200k` (issue #3): `mailsweep attachments` against the server-side
//!   limit (`doveadm fetch` of the same BODYSTRUCTUREs) and against what a user would otherwise
//!   do (download everything with `mbsync`, then scan the copy), cold and warm, with time,
//!   bytes over the wire (Dovecot's logout lines) and peak memory.
//!
//! Not timed tests: they are `#[ignore]`d (so `cargo test` never runs them), they print figures
//! and assert only that the numbers agree. Run them with `scripts/bench-usage` and
//! `scripts/bench-attachments`, or by hand:
//!
//! ```sh
//! MAILSWEEP_BENCH_PEER=/path/to/imap-tools \
//!   cargo test --release --test integration bench::usage_200k -- --ignored --nocapture --exact
//! MAILSWEEP_TEST_TMP=/var/tmp \
//!   cargo test --release --test integration bench::attachments_200k -- --ignored --nocapture --exact
//! ```
//!
//! Environment: `MAILSWEEP_BENCH_PEER` (path of `imap-tools`; unset = the peer rows say why they
//! are missing), `MAILSWEEP_BENCH_MESSAGES` (default 200000; smaller values are for trying the
//! benchmarks out), `MAILSWEEP_BENCH_RUNS` (default 3), `MAILSWEEP_BENCH_RTT_MS` (default 20).

use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::support::dovecot::{Dovecot, SeedMessage, User, unique_user};
use crate::support::latency::LatencyProxy;
use crate::support::{TestDir, message};

const PASSWORD: &str = "pw-bench-2";
const GNU_TIME: &str = "/usr/bin/time";

/// Leaf folders and their share of the messages (per 200,000). Parents (`Archives`, `Lists`,
/// `Projects`, `Clients`, `Entwürfe`, `日本語`) are created as empty folders, and the
/// auto-created special-use folders exist anyway: 32 folders in all.
const FOLDERS: &[(&str, u64)] = &[
    ("INBOX", 40_000),
    ("Sent", 20_000),
    ("Archives/2016", 9_000),
    ("Archives/2017", 9_000),
    ("Archives/2018", 9_000),
    ("Archives/2019", 9_000),
    ("Archives/2020", 9_000),
    ("Archives/2021", 9_000),
    ("Archives/2022", 9_000),
    ("Archives/2023", 9_000),
    ("Archives/2024", 9_000),
    ("Archives/2025", 9_000),
    ("Lists/rust-users", 12_000),
    ("Lists/dovecot", 8_000),
    ("Archive", 5_000),
    ("Trash", 4_000),
    ("Éléments envoyés", 4_000),
    ("Junk", 3_000),
    ("Clients/Müller GmbH", 3_000),
    ("Projects/Beta", 2_500),
    ("Projects/Alpha/Specs", 2_000),
    ("日本語/受信箱", 2_000),
    ("Newsletters", 2_000),
    ("Projects/Alpha", 1_500),
    ("Entwürfe/Älter", 800),
    ("Drafts", 200),
];

/// splitmix64: a tiny deterministic generator, so the mailbox is the same on every machine.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Body size of message `i` in the usage mailbox: 98.75 % between 2 and 20 KB, 1.2 % between
/// 100 KB and 1 MB, 0.05 % between 5 and 10 MB (about 3.5 GB for 200,000 messages).
fn body_size(i: u64) -> usize {
    let r = mix(i);
    let pick = r % 10_000;
    let within = (r >> 20) as usize;
    match pick {
        0..9_875 => 2_000 + within % 18_000,
        9_875..9_995 => 100_000 + within % 900_000,
        _ => 5_000_000 + within % 5_000_000,
    }
}

/// A number from the environment (a benchmark knob), `default` when unset.
pub(crate) fn env_number(var: &str, default: u64) -> u64 {
    match std::env::var(var) {
        Ok(v) => v.parse().unwrap_or_else(|_| panic!("{var}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// Messages per folder for a mailbox of `total` messages, in [`FOLDERS`] order.
fn plan(total: u64) -> Vec<(&'static str, u64)> {
    FOLDERS.iter().map(|&(f, n)| (f, (n * total).div_ceil(200_000))).collect()
}

/// The deterministic mailbox: `total` messages spread over [`FOLDERS`] in proportion; message
/// number `i` (1-based, in seeding order) gets the bytes `make(i, folder, k)` returns.
fn seed(d: &Dovecot, user: &str, total: u64, make: impl Fn(u64, &str, u64) -> Vec<u8>) {
    let mut i: u64 = 0;
    let messages = plan(total).into_iter().flat_map(move |(folder, count)| (0..count).map(move |k| (folder, k, count)));
    d.seed_iter(
        user,
        messages.map(|(folder, k, count)| {
            i += 1;
            let r = mix(i ^ 0x5eed);
            // Archives/YYYY spans its year; everything else the last 18 months.
            let (start, span) = match folder.strip_prefix("Archives/").and_then(|y| y.parse::<i64>().ok()) {
                Some(year) => ((year - 1970) * 31_556_952, 31_556_952),
                None => (1_735_689_600, 47_000_000),
            };
            let when = start + span * k as i64 / count.max(1) as i64;
            let seen = folder == "Sent" || (folder != "Junk" && r % 10 < 8);
            SeedMessage::new(folder, make(i, folder, k)).date(when).flags(if seen { "S" } else { "" })
        }),
    );
}

/// The usage mailbox's message `i`: plain text of [`body_size`].
fn plain_message(i: u64, folder: &str, k: u64) -> Vec<u8> {
    let r = mix(i ^ 0x5eed);
    message(
        &format!("Sender {} <s{}@example.org>", r % 500, r % 500),
        &format!("{folder} #{k}"),
        "Mon, 01 Jan 2024 10:00:00 +0000",
        body_size(i),
    )
}

/// One program run under GNU time.
#[derive(Clone)]
struct Tool {
    name: &'static str,
    route: String,
    program: PathBuf,
    args: Vec<OsString>,
    envs: Vec<(&'static str, OsString)>,
}

struct Run {
    wall: Duration,
    max_rss_kib: u64,
    output: Output,
}

impl Tool {
    /// Runs it once under `/usr/bin/time -f %M -o FILE` (peak RSS in KiB, written to a file
    /// so the program's own stderr stays separate) with a cleared environment.
    fn run(&self, scratch: &TestDir) -> Run {
        let rss_file = scratch.join("time.out");
        let mut cmd = Command::new(GNU_TIME);
        cmd.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(&self.program).args(&self.args);
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into()));
        cmd.env("LANG", "C.UTF-8");
        for dir in ["home", "config"] {
            std::fs::create_dir_all(scratch.join(dir)).expect("create scratch dir");
        }
        cmd.env("HOME", scratch.join("home")).env("XDG_CONFIG_HOME", scratch.join("config"));
        cmd.envs(self.envs.iter().map(|(k, v)| (k, v)));
        cmd.current_dir(scratch.path()).stdin(Stdio::null());
        let started = Instant::now();
        let output = cmd.output().unwrap_or_else(|e| panic!("run {GNU_TIME} {}: {e}", self.program.display()));
        let wall = started.elapsed();
        let timed = std::fs::read_to_string(&rss_file).unwrap_or_default();
        // GNU time prefixes "Command exited with non-zero status N" on failure.
        let max_rss_kib = timed
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or_else(|| panic!("no peak RSS from {GNU_TIME} for {}: {timed:?}", self.name));
        assert!(
            output.status.success(),
            "{} ({}) failed: {}\nstdout: {}\nstderr: {}",
            self.name,
            self.route,
            output.status,
            tail(&output.stdout),
            tail(&output.stderr)
        );
        Run { wall, max_rss_kib, output }
    }
}

fn tail(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let start = s.len().saturating_sub(2000);
    s[s.floor_char_boundary(start)..].to_string()
}

/// Runs every tool `rounds` times, one round after another, so that no tool gets all the warm
/// caches; `each` sees every run as it ends (for extra measurements such as bytes).
fn run_rounds(tools: &[Tool], rounds: usize, scratch: &TestDir, mut each: impl FnMut(usize, &Run)) -> Vec<Vec<Run>> {
    let mut runs: Vec<Vec<Run>> = tools.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        for (t, (tool, runs)) in tools.iter().zip(&mut runs).enumerate() {
            let r = tool.run(scratch);
            eprintln!(
                "round {}: {:<24} {:<52} {} {}",
                round + 1,
                tool.name,
                tool.route,
                secs(r.wall),
                mib(r.max_rss_kib)
            );
            each(t, &r);
            runs.push(r);
        }
    }
    runs
}

/// Per-folder bytes from `mailsweep usage --format json`, keyed by display name, plus totals
/// and how many folders have an oldest date.
fn mailsweep_figures(out: &Output) -> (Vec<(String, u64)>, u64, u64, usize) {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("mailsweep printed no JSON ({e}):\n{}", tail(&out.stdout)));
    let account = &v["accounts"][0];
    let list = account["folders"].as_array().expect("folders array");
    let mut folders: Vec<(String, u64)> = list
        .iter()
        .map(|f| (f["name"].as_str().expect("name").to_owned(), f["bytes"].as_u64().expect("bytes")))
        .collect();
    folders.sort();
    let dated = list.iter().filter(|f| !f["oldest"].is_null()).count();
    let total = account["totals"]["bytes"].as_u64().expect("totals.bytes");
    let messages = account["totals"]["messages"].as_u64().expect("totals.messages");
    (folders, total, messages, dated)
}

/// `doveadm -f tab mailbox status 'vsize messages' '*'` (header row then one row per mailbox).
fn doveadm_figures(out: &Output, names: &[String]) -> (Vec<(String, u64)>, u64, u64) {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines().filter(|l| !l.is_empty());
    let header: Vec<&str> = lines.next().expect("doveadm header row").split('\t').collect();
    let col = |k: &str| header.iter().position(|h| *h == k).unwrap_or_else(|| panic!("no {k} column: {text}"));
    let (vsize, messages) = (col("vsize"), col("messages"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), names.len(), "one doveadm row per mailbox:\n{text}");
    // doveadm prints the mailboxes in `doveadm mailbox list` order.
    let mut folders: Vec<(String, u64)> =
        names.iter().zip(&rows).map(|(n, r)| (n.clone(), r[vsize].parse().expect("vsize"))).collect();
    folders.sort();
    let total = folders.iter().map(|f| f.1).sum();
    let msgs = rows.iter().map(|r| r[messages].parse::<u64>().expect("messages")).sum();
    (folders, total, msgs)
}

/// `imap-tools imap du --renderer csv`: `Mailbox,Attributes` then `NAME,3.00 KiB` rows. The
/// sizes are rounded to three significant digits, so only an approximate total is possible.
fn peer_total(out: &Output) -> (usize, f64) {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut rows = 0;
    let mut total = 0.0;
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let size = line.rsplit(',').next().expect("csv row");
        let (num, unit) = size.trim().trim_matches('"').split_once(' ').unwrap_or_else(|| panic!("size {size:?}"));
        let mult = match unit {
            "bytes" | "byte" | "B" => 1.0,
            "KiB" => 1024.0,
            "MiB" => 1024.0 * 1024.0,
            "GiB" => 1024.0 * 1024.0 * 1024.0,
            other => panic!("unknown unit {other:?} in {line:?}"),
        };
        total += num.parse::<f64>().unwrap_or_else(|_| panic!("size {size:?}")) * mult;
        rows += 1;
    }
    (rows, total)
}

fn median(runs: &[Run]) -> (Duration, u64) {
    let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    let mut rss: Vec<u64> = runs.iter().map(|r| r.max_rss_kib).collect();
    walls.sort();
    rss.sort();
    (walls[walls.len() / 2], rss[rss.len() - 1])
}

fn median_u64(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn bytes(b: u64) -> String {
    match b {
        0..1_000 => format!("{b} B"),
        1_000..1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        _ => format!("{:.2} GB", b as f64 / 1e9),
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn machine_line(load_before: &str, load_after: &str) -> String {
    format!(
        "{} CPUs, load average (1 min) {load_before} before, {load_after} after; Dovecot {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        Command::new("dovecot")
            .arg("--version")
            .output()
            .map_or_else(|_| "?".into(), |o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    )
}

fn imaps_at(u: &User, port: u16) -> String {
    format!("imaps://{}@{}:{port}", u.name, crate::support::dovecot::HOST)
}

/// `mailsweep usage` against `port` (the IMAPS port or a proxy in front of it).
fn usage_tool(ca: &Path, u: &User, port: u16, route: &str, extra: &[&str]) -> Tool {
    let mut args: Vec<OsString> =
        ["usage", &imaps_at(u, port), "--format", "json", "--ca-file"].map(OsString::from).to_vec();
    args.push(ca.into());
    args.extend(extra.iter().map(OsString::from));
    Tool {
        name: "mailsweep usage",
        route: route.to_owned(),
        program: PathBuf::from(env!("CARGO_BIN_EXE_mailsweep")),
        args,
        envs: vec![("MAILSWEEP_PASSWORD", PASSWORD.into())],
    }
}

/// The peer against `port`, or why it is missing.
fn peer_tool(peer: &Option<PathBuf>, scratch: &TestDir, ca: &Path, u: &User, port: u16) -> Result<Tool, String> {
    let p = match peer {
        Some(p) if p.is_file() => p,
        Some(p) => return Err(format!("peer not installed: MAILSWEEP_BENCH_PEER={} is not a file", p.display())),
        None => {
            return Err(
                "peer not installed: set MAILSWEEP_BENCH_PEER to an imap-tools binary (scripts/bench-usage does)"
                    .into(),
            );
        }
    };
    // imap-tools trusts only the platform store; rustls-native-certs honours SSL_CERT_FILE.
    let config = scratch.write(
        format!("imap-tools-{port}.toml"),
        format!(
            "server = \"{}\"\nport = {port}\nusername = \"{}\"\npassword = \"{PASSWORD}\"\n",
            crate::support::dovecot::HOST,
            u.name
        ),
    );
    Ok(Tool {
        name: "imap-tools imap du",
        route: "EXAMINE + UID FETCH 1:* (RFC822.SIZE), 1 connection".into(),
        program: p.clone(),
        args: ["imap", "du", "-m", "tls", "--renderer", "csv", "-c"]
            .map(OsString::from)
            .into_iter()
            .chain([config.into_os_string()])
            .collect(),
        envs: vec![("SSL_CERT_FILE", ca.into())],
    })
}

/// Issue #2. See the module docs.
#[test]
#[ignore = "benchmark (minutes, ~4 GB of disk): run scripts/bench-usage"]
fn usage_200k() {
    assert!(Path::new(GNU_TIME).is_file(), "{GNU_TIME} (GNU time) is needed: apt-get install time");
    let total_messages = env_number("MAILSWEEP_BENCH_MESSAGES", 200_000);
    let rounds = env_number("MAILSWEEP_BENCH_RUNS", 3).max(1) as usize;
    let rtt_ms = env_number("MAILSWEEP_BENCH_RTT_MS", 20);

    let d = Dovecot::start();
    let user = d.add_user(&unique_user("bench"), PASSWORD, Some(10 << 30));
    let started = Instant::now();
    seed(&d, &user.name, total_messages, plain_message);
    let seeded = started.elapsed();
    let names = d.mailboxes(&user.name);
    eprintln!("seeded {total_messages} messages in {} folders in {seeded:?}", names.len());

    let scratch = TestDir::new();
    let ca = d.ca_file();
    let doveadm = Tool {
        name: "doveadm mailbox status",
        route: "server-side, in-process index read".into(),
        program: "doveadm".into(),
        args: ["-c".into(), d.config_file().into_os_string()]
            .into_iter()
            .chain(["-f", "tab", "mailbox", "status", "-u", &user.name, "vsize messages", "*"].map(OsString::from))
            .collect(),
        envs: Vec::new(),
    };
    let peer_path = std::env::var_os("MAILSWEEP_BENCH_PEER").map(PathBuf::from);
    let port = d.imaps_port;
    // Index of each mailsweep route in `tools`, and whether it reads dates.
    const MAILSWEEP_ROUTES: [(usize, bool); 4] = [(1, false), (2, true), (3, false), (4, true)];
    let mut tools = vec![
        doveadm,
        usage_tool(&ca, &user, port, "LIST-STATUS + STATUS=SIZE (default)", &[]),
        usage_tool(&ca, &user, port, "LIST-STATUS + STATUS=SIZE, `--dates`", &["--dates"]),
        usage_tool(
            &ca,
            &user,
            port,
            "UID FETCH (RFC822.SIZE FLAGS), `--size-method fetch`",
            &["--size-method", "fetch"],
        ),
        usage_tool(
            &ca,
            &user,
            port,
            "UID FETCH (+INTERNALDATE), `--size-method fetch --dates`",
            &["--size-method", "fetch", "--dates"],
        ),
    ];
    let peer_note_missing = match peer_tool(&peer_path, &scratch, &ca, &user, port) {
        Ok(t) => {
            tools.push(t);
            None
        }
        Err(why) => {
            eprintln!("{why}");
            Some(why)
        }
    };
    let peer_index = (tools.len() == 6).then_some(5);

    // Other work on the machine skews every figure: say how busy it was.
    let load_before = load_average();
    let runs = run_rounds(&tools, rounds, &scratch, |_, _| {});
    let load_after = load_average();

    // Correctness: every mailsweep run equals doveadm, folder by folder; dates only when asked.
    let (want_folders, want_bytes, want_messages) = doveadm_figures(&runs[0][0].output, &names);
    assert_eq!(want_messages, plan(total_messages).iter().map(|p| p.1).sum::<u64>());
    let non_empty = want_folders.iter().filter(|f| f.1 > 0).count();
    for (index, dates) in MAILSWEEP_ROUTES {
        let tool = &tools[index];
        for r in &runs[index] {
            let (folders, total, messages, dated) = mailsweep_figures(&r.output);
            assert_eq!(total, want_bytes, "{} ({}): total bytes", tool.name, tool.route);
            assert_eq!(messages, want_messages, "{} ({}): total messages", tool.name, tool.route);
            assert_eq!(folders, want_folders, "{} ({}): per-folder bytes", tool.name, tool.route);
            assert_eq!(dated, if dates { non_empty } else { 0 }, "{} ({}): folders with dates", tool.name, tool.route);
        }
    }
    let peer_note = match peer_index {
        Some(p) => {
            let (rows, approx) = peer_total(&runs[p][0].output);
            let err = (approx - want_bytes as f64).abs() / want_bytes as f64;
            assert_eq!(rows, names.len(), "the peer lists every mailbox:\n{}", tail(&runs[p][0].output.stdout));
            assert!(err < 0.01, "peer total {approx} vs doveadm {want_bytes}");
            format!("peer total {approx:.0} B (rounded per folder) = doveadm within {:.2} %", err * 100.0)
        }
        None => peer_note_missing.clone().unwrap_or_default(),
    };

    // The same through a proxy that adds a round trip to every exchange: what a user sees
    // against a remote server. mailsweep (default and --dates) and the peer only.
    let proxy = LatencyProxy::start(
        SocketAddr::from(([127, 0, 0, 1], port)),
        Duration::from_micros(rtt_ms * 500),
        Duration::from_secs(30 * 60),
    );
    let mut far_tools = vec![
        usage_tool(&ca, &user, proxy.port, "LIST-STATUS + STATUS=SIZE (default)", &[]),
        usage_tool(&ca, &user, proxy.port, "LIST-STATUS + STATUS=SIZE, `--dates`", &["--dates"]),
    ];
    // Index in `tools` of the same route on loopback.
    let mut far_loopback = vec![1, 2];
    if let (Some(p), Ok(t)) = (peer_index, peer_tool(&peer_path, &scratch, &ca, &user, proxy.port)) {
        far_tools.push(t);
        far_loopback.push(p);
    }
    let far_peer = (far_tools.len() == 3).then_some(2);
    let mut far_bytes: Vec<Vec<(u64, u64)>> = far_tools.iter().map(|_| Vec::new()).collect();
    proxy.take_bytes();
    let far_load_before = load_average();
    let far_runs = run_rounds(&far_tools, rounds, &scratch, |t, _| far_bytes[t].push(proxy.take_bytes()));
    let far_load_after = load_average();
    let connections = proxy.connections();
    drop(proxy);
    for (t, tool) in far_tools.iter().enumerate().take(2) {
        for r in &far_runs[t] {
            let (folders, total, _, _) = mailsweep_figures(&r.output);
            assert_eq!(
                (total, &folders),
                (want_bytes, &want_folders),
                "{} ({}) through the proxy",
                tool.name,
                tool.route
            );
        }
    }

    // The tables.
    let doveadm_median = median(&runs[0]).0;
    let peer_median = peer_index.map(|p| median(&runs[p]).0);
    let mailsweep_default = median(&runs[1]);
    println!();
    println!(
        "{} messages, {} folders, {:.2} GiB (sum of vsizes), seeded in {:.0} s; {} runs each, median wall time, peak RSS = max over runs",
        want_messages,
        names.len(),
        want_bytes as f64 / (1u64 << 30) as f64,
        seeded.as_secs_f64(),
        rounds
    );
    println!("{}", machine_line(&load_before, &load_after));
    println!();
    println!("Loopback (no round-trip cost):");
    println!();
    println!("| tool | route | median wall | first run | peak RSS | ÷ doveadm | peer ÷ this |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (tool, tool_runs) in tools.iter().zip(&runs) {
        let (wall, rss) = median(tool_runs);
        let vs_peer = match peer_median {
            Some(p) if tool.name.starts_with("mailsweep") => format!("{:.1}×", p.as_secs_f64() / wall.as_secs_f64()),
            _ => "".into(),
        };
        println!(
            "| `{}` | {} | {} | {} | {} | {:.2}× | {} |",
            tool.name,
            tool.route,
            secs(wall),
            secs(tool_runs[0].wall),
            mib(rss),
            wall.as_secs_f64() / doveadm_median.as_secs_f64(),
            vs_peer
        );
    }
    println!();
    println!(
        "correctness: mailsweep total {want_bytes} B = sum of doveadm vsizes, all folders equal on every route \
         (and through the proxy); oldest/newest present on {non_empty} non-empty folders with --dates, absent without; \
         {peer_note}"
    );
    println!();
    let rtt = Duration::from_millis(rtt_ms);
    println!(
        "Through the latency proxy, {rtt_ms} ms round trip ({} ms each way), {connections} connections; load average {far_load_before} before, {far_load_after} after:",
        rtt_ms as f64 / 2.0
    );
    println!();
    println!(
        "| tool | route | median wall | first run | loopback median | added ÷ RTT | bytes to client | peak RSS | peer ÷ this |"
    );
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let far_peer_median = far_peer.map(|p| median(&far_runs[p]).0);
    for (t, tool) in far_tools.iter().enumerate() {
        let (wall, rss) = median(&far_runs[t]);
        let (near, _) = median(&runs[far_loopback[t]]);
        let down = median_u64(far_bytes[t].iter().map(|b| b.1).collect());
        let vs_peer = match far_peer_median {
            Some(p) if tool.name.starts_with("mailsweep") => format!("{:.1}×", p.as_secs_f64() / wall.as_secs_f64()),
            _ => "".into(),
        };
        println!(
            "| `{}` | {} | {} | {} | {} | {:.0} | {} | {} | {} |",
            tool.name,
            tool.route,
            secs(wall),
            secs(far_runs[t][0].wall),
            secs(near),
            (wall.saturating_sub(near)).as_secs_f64() / rtt.as_secs_f64(),
            bytes(down),
            mib(rss),
            vs_peer
        );
    }
    println!();
    println!("(\"added ÷ RTT\": extra wall time over loopback in round trips: about how many the tool waits for.)");
    println!();
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    let ratio = mailsweep_default.0.as_secs_f64() / doveadm_median.as_secs_f64();
    println!("target `usage` ≤ 3× doveadm (loopback): {} ({ratio:.2}×)", verdict(ratio <= 3.0));
    match (peer_median, far_peer_median) {
        (Some(p), far) => {
            let r = p.as_secs_f64() / mailsweep_default.0.as_secs_f64();
            println!("target ≥ 10× faster than the peer, loopback: {} ({r:.1}×)", verdict(r >= 10.0));
            if let Some(fp) = far {
                let r = fp.as_secs_f64() / median(&far_runs[0]).0.as_secs_f64();
                println!("target ≥ 10× faster than the peer, {rtt_ms} ms RTT: {} ({r:.1}×)", verdict(r >= 10.0));
            }
        }
        (None, _) => println!("target ≥ 10× faster than the peer: not measured (peer not installed)"),
    }
    let worst_rss = MAILSWEEP_ROUTES
        .iter()
        .map(|&(i, _)| median(&runs[i]).1)
        .chain(far_runs.iter().take(2).map(|r| median(r).1))
        .max()
        .unwrap_or(0);
    println!(
        "target ≤ 32 MiB peak memory (every mailsweep route): {} ({})",
        verdict(worst_rss <= 32 * 1024),
        mib(worst_rss)
    );
}

// ---------------------------------------------------------------------------------------
// Issue #3: attachments.

/// The attachment of message `i` in the attachments mailbox, as (decoded bytes, file name,
/// MIME type); `None` for the 97 % of plain messages. 2.45 % carry 30–300 KB, 0.5 % 0.5–2.5 MB
/// and 0.05 % 4–8 MB (5.5–11 MB encoded: the only ones above the default `--min-size 5MiB`).
fn attachment_of(i: u64) -> Option<(usize, String, &'static str)> {
    let r = mix(i ^ 0xa77a_c4ed);
    let within = (r >> 20) as usize;
    let decoded = match r % 10_000 {
        0..245 => 30_000 + within % 270_000,
        245..295 => 500_000 + within % 2_000_000,
        295..300 => 4_000_000 + within % 4_000_000,
        _ => return None,
    };
    let (ext, mime) = match (r >> 8) % 4 {
        0 => ("pdf", "application/pdf"),
        1 => ("jpg", "image/jpeg"),
        2 => ("zip", "application/zip"),
        _ => ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    };
    Some((decoded, format!("file-{i}.{ext}"), mime))
}

/// Base64 line length (RFC 2045's maximum), each line ending in CRLF.
const B64_LINE: usize = 76;

/// The encoded size of a base64 part of `decoded` bytes as an IMAP server reports it: every
/// line with its CRLF except the last CRLF, which belongs to the boundary that follows.
fn encoded_part_size(decoded: usize) -> u64 {
    let text = decoded.div_ceil(3) * 4;
    (text + 2 * text.div_ceil(B64_LINE) - 2) as u64
}

/// The attachments mailbox's message `i`: plain text (2–20 KB) or multipart/mixed with a short
/// text and one base64 attachment of pseudo-random bytes.
fn attachment_message(i: u64, folder: &str, k: u64) -> Vec<u8> {
    let Some((decoded, filename, mime)) = attachment_of(i) else {
        let size = 2_000 + (mix(i) >> 20) as usize % 18_000;
        let r = mix(i ^ 0x5eed);
        return message(
            &format!("Sender {} <s{}@example.org>", r % 500, r % 500),
            &format!("{folder} #{k}"),
            "Mon, 01 Jan 2024 10:00:00 +0000",
            size,
        );
    };
    let r = mix(i ^ 0x5eed);
    let boundary = format!("=_bench_{i:x}");
    let mut out = format!(
        "From: Sender {s} <s{s}@example.org>\r\nTo: user@example.org\r\nSubject: {folder} #{k} with {filename}\r\n\
         Date: Mon, 01 Jan 2024 10:00:00 +0000\r\nMessage-ID: <att-{i}@mailsweep.test>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n\
         This is a multi-part message in MIME format.\r\n--{boundary}\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nPlease find {filename} attached.\r\n\r\nRegards\r\n\
         --{boundary}\r\nContent-Type: {mime}; name=\"{filename}\"\r\nContent-Transfer-Encoding: base64\r\n\
         Content-Disposition: attachment; filename=\"{filename}\"\r\n\r\n",
        s = r % 500
    )
    .into_bytes();
    let mut data = Vec::with_capacity(decoded + 8);
    let mut x = mix(i ^ 0xda7a);
    while data.len() < decoded {
        x = mix(x);
        data.extend_from_slice(&x.to_le_bytes());
    }
    data.truncate(decoded);
    let text = base64::engine::general_purpose::STANDARD.encode(&data);
    for line in text.as_bytes().chunks(B64_LINE) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// What the generator knows: (attachments, their encoded bytes) at or above `min_size`.
fn expected_attachments(total: u64, min_size: u64) -> (u64, u64) {
    let n: u64 = plan(total).iter().map(|p| p.1).sum();
    (1..=n)
        .filter_map(attachment_of)
        .map(|(d, _, _)| encoded_part_size(d))
        .filter(|&s| s >= min_size)
        .fold((0, 0), |(c, b), s| (c + 1, b + s))
}

/// Findings from `mailsweep attachments --format json`: (attachments, their bytes, candidates).
fn attachment_figures(out: &Output) -> (u64, u64, u64) {
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("mailsweep printed no JSON ({e}):\n{}", tail(&out.stdout)));
    let n = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"));
    (n(&v["totals"]["attachments"]), n(&v["totals"]["attachment_bytes"]), n(&v["scan"]["candidates"]))
}

/// What Dovecot's logout lines say a session moved, summed over the sessions.
#[derive(Debug, Default, Clone, Copy)]
struct Wire {
    sessions: u64,
    /// `in=`: bytes the client sent.
    sent: u64,
    /// `out=`: bytes the server sent (IMAP protocol bytes, before TLS).
    received: u64,
    body_count: u64,
    body_bytes: u64,
}

/// Waits for `sessions` new logout lines of `user` after byte `from` of the log, and sums them.
fn wire_since(d: &Dovecot, user: &str, from: usize, sessions: u64) -> Wire {
    let prefix = format!("imap({user})");
    let field = |line: &str, key: &str| -> u64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(key))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {key} in {line}"))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = d.log();
        let mut w = Wire::default();
        for line in log.get(from..).unwrap_or("").lines().filter(|l| l.contains(&prefix) && l.contains(" out=")) {
            w.sessions += 1;
            w.sent += field(line, "in=");
            w.received += field(line, "out=");
            w.body_count += field(line, "body_count=");
            w.body_bytes += field(line, "body_bytes=");
        }
        if w.sessions >= sessions || Instant::now() > deadline {
            assert!(w.sessions >= sessions, "{} logout lines for {user}, want {sessions}", w.sessions);
            return w;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Server state before a run.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Cache {
    /// Dovecot restarted, page cache dropped, and every `dovecot.index.cache` removed: nobody
    /// has asked for these BODYSTRUCTUREs yet, so Dovecot parses each candidate message.
    First,
    /// Dovecot restarted and page cache dropped; Dovecot's own cache file is kept.
    Cold,
    /// Right after other runs.
    Warm,
}

impl Cache {
    fn label(self) -> &'static str {
        match self {
            Cache::First => "first scan (cold, no index cache)",
            Cache::Cold => "cold (restart + drop caches)",
            Cache::Warm => "warm (median)",
        }
    }
}

/// Puts the server in `state`; returns a note when the page cache could not be dropped.
fn chill(d: &mut Dovecot, u: &User, state: Cache) -> Option<String> {
    if state == Cache::Warm {
        return None;
    }
    d.restart();
    if state == Cache::First {
        let mut dirs = vec![u.maildir()];
        for e in std::fs::read_dir(u.maildir()).expect("read the Maildir").flatten() {
            if e.file_name().to_string_lossy().starts_with('.') && e.path().is_dir() {
                dirs.push(e.path());
            }
        }
        for dir in dirs {
            match std::fs::remove_file(dir.join("dovecot.index.cache")) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => panic!("remove {}/dovecot.index.cache: {e}", dir.display()),
            }
        }
    }
    let sync = Command::new("sync").status().map(|s| s.success()).unwrap_or(false);
    match std::fs::write("/proc/sys/vm/drop_caches", "3\n") {
        Ok(()) if sync => None,
        Ok(()) => Some("sync failed before dropping the page cache".into()),
        Err(e) => Some(format!("cannot drop the page cache ({e}): \"cold\" is a Dovecot restart only")),
    }
}

/// One row of the attachments table.
struct Row {
    tool: String,
    state: Cache,
    wall: Duration,
    rss_kib: u64,
    wire: Option<Wire>,
}

/// Issue #3. See the module docs.
#[test]
#[ignore = "benchmark (10+ minutes, ~6 GB of mail plus a ~6 GB downloaded copy): run scripts/bench-attachments"]
fn attachments_200k() {
    assert!(Path::new(GNU_TIME).is_file(), "{GNU_TIME} (GNU time) is needed: apt-get install time");
    let mbsync = ["/usr/bin/mbsync", "/usr/local/bin/mbsync"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("mbsync is needed for the full-download row: apt-get install isync");
    let total_messages = env_number("MAILSWEEP_BENCH_MESSAGES", 200_000);
    let rounds = env_number("MAILSWEEP_BENCH_RUNS", 3).max(1) as usize;
    const THRESHOLDS: [(&str, u64); 2] = [("5MiB", 5 << 20), ("100KiB", 100 << 10)];

    let mut d = Dovecot::start();
    let user = d.add_user(&unique_user("att"), PASSWORD, Some(20 << 30));
    let started = Instant::now();
    seed(&d, &user.name, total_messages, attachment_message);
    let seeded = started.elapsed();
    let names = d.mailboxes(&user.name);
    let stored: u64 = names.iter().map(|n| d.mailbox_status(&user.name, n).vsize).sum();
    let with_attachment =
        (1..=plan(total_messages).iter().map(|p| p.1).sum::<u64>()).filter(|&i| attachment_of(i).is_some()).count();
    eprintln!(
        "seeded {total_messages} messages ({with_attachment} with an attachment, {}) in {} folders in {seeded:?}",
        bytes(stored),
        names.len()
    );

    let scratch = TestDir::new();
    let ca = d.ca_file();
    let ms = |min: &str| Tool {
        name: "mailsweep attachments",
        route: format!("--min-size {min}"),
        program: PathBuf::from(env!("CARGO_BIN_EXE_mailsweep")),
        args: [
            "attachments",
            &imaps_at(&user, d.imaps_port),
            "--format",
            "json",
            "--min-size",
            min,
            "--ca-file",
            &ca.to_string_lossy(),
        ]
        .map(OsString::from)
        .to_vec(),
        envs: vec![("MAILSWEEP_PASSWORD", PASSWORD.into())],
    };
    // The same items mailsweep asks for, of the same candidates (a message larger than the
    // threshold minus one), server-side: no network, no TLS, no IMAP parsing.
    let doveadm = |min: u64| Tool {
        name: "doveadm fetch",
        route: format!("larger {}", min - 1),
        program: "doveadm".into(),
        args: ["-c".into(), d.config_file().into_os_string()]
            .into_iter()
            .chain(
                [
                    "-f",
                    "tab",
                    "fetch",
                    "-u",
                    &user.name,
                    "mailbox uid size.virtual date.received imap.bodystructure hdr.date hdr.from hdr.subject",
                    "larger",
                    &(min - 1).to_string(),
                ]
                .map(OsString::from),
            )
            .collect(),
        envs: Vec::new(),
    };
    let mut tools = Vec::new();
    for (name, min) in THRESHOLDS {
        tools.push(ms(name));
        tools.push(doveadm(min));
    }
    let expected: Vec<(u64, u64)> = THRESHOLDS.iter().map(|&(_, m)| expected_attachments(total_messages, m)).collect();

    // Correctness of one run: mailsweep equals the generator; doveadm lists the candidates.
    let candidates = std::cell::RefCell::new(vec![None::<u64>; THRESHOLDS.len()]);
    let check = |t: usize, run: &Run| {
        let threshold = t / 2;
        if t.is_multiple_of(2) {
            let (n, b, c) = attachment_figures(&run.output);
            assert_eq!((n, b), expected[threshold], "mailsweep attachments {}", tools[t].route);
            let mut seen = candidates.borrow_mut();
            assert!(seen[threshold].is_none_or(|s| s == c), "candidates changed between runs");
            seen[threshold] = Some(c);
        } else {
            let rows = String::from_utf8_lossy(&run.output.stdout).lines().skip(1).filter(|l| !l.is_empty()).count();
            if let Some(c) = candidates.borrow()[threshold] {
                assert_eq!(rows as u64, c, "doveadm fetch {} rows = mailsweep's candidates", tools[t].route);
            }
        }
    };

    let load_before = load_average();
    let mut notes: Vec<String> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    for state in [Cache::First, Cache::Cold] {
        for (t, tool) in tools.iter().enumerate() {
            notes.extend(chill(&mut d, &user, state));
            let from = d.log().len();
            let r = tool.run(&scratch);
            let wire = (t % 2 == 0).then(|| wire_since(&d, &user.name, from, 1));
            eprintln!(
                "{:<36} {:<24} {:<20} {} {}",
                state.label(),
                tool.name,
                tool.route,
                secs(r.wall),
                mib(r.max_rss_kib)
            );
            check(t, &r);
            rows.push(Row {
                tool: format!("`{}` {}", tool.name, tool.route),
                state,
                wall: r.wall,
                rss_kib: r.max_rss_kib,
                wire,
            });
        }
    }
    // Warm: rounds of every tool. Only mailsweep's sessions write logout lines, so each run's
    // bytes are the lines after the log offset taken when the previous run ended.
    let mut warm_wires: Vec<Vec<Wire>> = tools.iter().map(|_| Vec::new()).collect();
    let mut log_from = d.log().len();
    let warm = run_rounds(&tools, rounds, &scratch, |t, r| {
        check(t, r);
        if t.is_multiple_of(2) {
            warm_wires[t].push(wire_since(&d, &user.name, log_from, 1));
        }
        log_from = d.log().len();
    });
    for (t, tool) in tools.iter().enumerate() {
        let (wall, rss) = median(&warm[t]);
        let wire = (t % 2 == 0).then(|| {
            let w = &warm_wires[t];
            Wire {
                sessions: median_u64(w.iter().map(|w| w.sessions).collect()),
                sent: median_u64(w.iter().map(|w| w.sent).collect()),
                received: median_u64(w.iter().map(|w| w.received).collect()),
                body_count: w.iter().map(|w| w.body_count).max().unwrap_or(0),
                body_bytes: w.iter().map(|w| w.body_bytes).max().unwrap_or(0),
            }
        });
        rows.push(Row {
            tool: format!("`{}` {}", tool.name, tool.route),
            state: Cache::Warm,
            wall,
            rss_kib: rss,
            wire,
        });
    }

    // What a user would otherwise do: download everything (mbsync, IMAPS, into a Maildir++
    // copy on disk), then look for attachments in the copy. mbsync 1.4 matches the certificate
    // by DNS name only, hence `localhost` (the test leaf names it; it resolves to 127.0.0.1).
    // `FSync no` spares mbsync its fsync per message: it favours the download, never mailsweep.
    let download = |state: Cache, notes: &mut Vec<String>, d: &mut Dovecot| -> (Row, Row, (u64, u64, u64)) {
        let copy = TestDir::new();
        let maildir = copy.join("Maildir");
        std::fs::create_dir_all(&maildir).expect("create the download dir");
        let config = scratch.write(
            "mbsyncrc",
            format!(
                "FSync no\n\nIMAPAccount bench\nHost localhost\nPort {port}\nUser {user}\nPass {PASSWORD}\nSSLType IMAPS\n\
                 CertificateFile {ca}\n\nIMAPStore far\nAccount bench\n\n\
                 MaildirStore near\nInbox {maildir}\nSubFolders Maildir++\n\n\
                 Channel all\nFar :far:\nNear :near:\nPatterns *\nCreate Near\nSync Pull\nExpunge None\nSyncState *\n",
                port = d.imaps_port,
                user = user.name,
                ca = ca.display(),
                maildir = maildir.display(),
            ),
        );
        let fetch = Tool {
            name: "mbsync",
            route: "full download (IMAPS, Maildir++ copy on disk)".into(),
            program: mbsync.clone(),
            args: vec!["-c".into(), config.into_os_string(), "-a".into(), "-q".into()],
            envs: Vec::new(),
        };
        let scan = Tool {
            name: "mailsweep attachments",
            route: "maildir: on the copy, --min-size 5MiB".into(),
            program: PathBuf::from(env!("CARGO_BIN_EXE_mailsweep")),
            args: ["attachments".into(), format!("maildir:{}", maildir.display()), "--format".into(), "json".into()]
                .map(OsString::from)
                .to_vec(),
            envs: Vec::new(),
        };
        notes.extend(chill(d, &user, state));
        let from = d.log().len();
        let r = fetch.run(&scratch);
        let wire = wire_since(d, &user.name, from, 1);
        eprintln!("{:<36} mbsync {} {} {wire:?}", state.label(), secs(r.wall), mib(r.max_rss_kib));
        let s = scan.run(&scratch);
        eprintln!("{:<36} scan of the copy {} {}", state.label(), secs(s.wall), mib(s.max_rss_kib));
        let found = attachment_figures(&s.output);
        let row = |tool: &Tool, run: &Run, wire| Row {
            tool: format!("`{}` {}", tool.name, tool.route),
            state,
            wall: run.wall,
            rss_kib: run.max_rss_kib,
            wire,
        };
        (row(&fetch, &r, Some(wire)), row(&scan, &s, None), found)
    };
    let mut full: Vec<(Row, Row)> = Vec::new();
    for state in [Cache::Cold, Cache::Warm] {
        let (fetch, scan, found) = download(state, &mut notes, &mut d);
        // The copy holds the same attachments (sizes may differ: mbsync stores LF line ends).
        assert_eq!(found.0, expected[0].0, "attachments found in the downloaded copy");
        full.push((fetch, scan));
    }
    let load_after = load_average();
    notes.sort();
    notes.dedup();

    // The tables.
    println!();
    println!(
        "{} messages ({with_attachment} with a base64 attachment), {} folders, {} stored (sum of vsizes), seeded in {:.0} s",
        plan(total_messages).iter().map(|p| p.1).sum::<u64>(),
        names.len(),
        bytes(stored),
        seeded.as_secs_f64()
    );
    println!("mail in {}", user.maildir().display());
    println!("{}", machine_line(&load_before, &load_after));
    for (threshold, (name, _)) in THRESHOLDS.iter().enumerate() {
        let c = candidates.borrow()[threshold].unwrap_or(0);
        println!(
            "--min-size {name}: {} attachments, {} (generator = mailsweep), {c} candidate messages (UID SEARCH LARGER)",
            expected[threshold].0,
            bytes(expected[threshold].1)
        );
    }
    println!();
    println!("| tool | server cache | wall | peak RSS | sessions | bytes to client | bytes from client | body bytes |");
    println!("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let line = |r: &Row| {
        let (sessions, down, up, body) = match &r.wire {
            Some(w) => (w.sessions.to_string(), bytes(w.received), bytes(w.sent), bytes(w.body_bytes)),
            None => ("0".into(), "0 (in-process)".into(), "0".into(), "0".into()),
        };
        println!(
            "| {} | {} | {} | {} | {sessions} | {down} | {up} | {body} |",
            r.tool,
            r.state.label(),
            secs(r.wall),
            mib(r.rss_kib)
        );
    };
    let mut ordered: Vec<&Row> = rows.iter().collect();
    ordered.sort_by_key(|r| (r.tool.clone(), r.state as u8));
    for r in ordered {
        line(r);
    }
    for (fetch, scan) in &full {
        line(fetch);
        let mut s =
            Row { tool: scan.tool.clone(), state: scan.state, wall: scan.wall, rss_kib: scan.rss_kib, wire: None };
        s.tool.push_str(" (local, after the download)");
        line(&s);
    }
    println!();
    for n in &notes {
        println!("note: {n}");
    }

    // Verdicts, for the default threshold (what a user runs).
    let find = |tool: &str, state: Cache| -> &Row {
        rows.iter().find(|r| r.tool.contains(tool) && r.state == state).unwrap_or_else(|| panic!("row {tool}"))
    };
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    println!();
    for state in [Cache::Cold, Cache::Warm] {
        let ms = find("--min-size 5MiB", state);
        let da = find(&format!("larger {}", (5u64 << 20) - 1), state);
        let (fetch, scan) = &full[if state == Cache::Cold { 0 } else { 1 }];
        let w = ms.wire.expect("mailsweep wire figures");
        let fw = fetch.wire.expect("mbsync wire figures");
        let full_time = fetch.wall + scan.wall;
        let (t_ratio, d_ratio) =
            (full_time.as_secs_f64() / ms.wall.as_secs_f64(), ms.wall.as_secs_f64() / da.wall.as_secs_f64());
        let b_ratio = fw.received as f64 / w.received.max(1) as f64;
        println!("{}:", state.label());
        println!(
            "  target zero body bytes: {} (body_bytes={}, body_count={})",
            verdict(w.body_bytes == 0),
            w.body_bytes,
            w.body_count
        );
        println!("  target within 2× the server-side time: {} ({d_ratio:.2}× doveadm fetch)", verdict(d_ratio <= 2.0));
        println!(
            "  target ≥ 100× fewer bytes than the full download: {} ({b_ratio:.0}×: {} against {})",
            verdict(b_ratio >= 100.0),
            bytes(w.received),
            bytes(fw.received)
        );
        println!(
            "  target ≥ 50× less time than the full download: {} ({t_ratio:.0}×: {} against {} + {} scan)",
            verdict(t_ratio >= 50.0),
            secs(ms.wall),
            secs(fetch.wall),
            secs(scan.wall)
        );
    }
    let worst = rows.iter().filter(|r| r.tool.contains("mailsweep")).map(|r| r.rss_kib).max().unwrap_or(0);
    println!(
        "target ≤ 32 MiB peak memory (mailsweep over IMAP, every run): {} ({})",
        verdict(worst <= 32 * 1024),
        mib(worst)
    );
}
