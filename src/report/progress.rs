//! The progress line of a long run (`archive`): a bar, messages and bytes done out of
//! the plan, the rate and the time left, redrawn in place on stderr when it is a
//! terminal, and nothing at all in cron (stdout keeps only the report).
//!
//! Callers report per folder (`show(folder, done, total, bytes)`, where `done` and
//! `bytes` count from the start of that folder); the whole-run figures add up the
//! folders already finished, so a run over six folders shows one ETA, not six.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::model::size::human;

/// Redraws closer together than this are skipped: a terminal is not a log.
const REDRAW_EVERY: Duration = Duration::from_millis(100);
/// Width of the bar itself, in characters.
const BAR_WIDTH: usize = 24;
/// Before this much time has passed the rate (and so the ETA) means little.
const RATE_AFTER: Duration = Duration::from_secs(1);

/// A progress line for a whole run of `total_messages` messages and `total_bytes`.
pub struct Progress {
    on: bool,
    total_messages: u64,
    total_bytes: u64,
    started: Instant,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    folder: String,
    /// Messages and bytes of the folders finished before `folder`.
    base: (u64, u64),
    /// The last figures reported for `folder`.
    current: (u64, u64),
    drawn: Option<Instant>,
}

/// What one progress line shows; [`line()`] turns it into text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub done_messages: u64,
    pub total_messages: u64,
    pub done_bytes: u64,
    pub total_bytes: u64,
    pub elapsed: Duration,
}

impl Progress {
    /// On only when stderr is a terminal.
    pub fn new(total_messages: u64, total_bytes: u64) -> Progress {
        Progress::with(std::io::stderr().is_terminal(), total_messages, total_bytes)
    }

    fn with(on: bool, total_messages: u64, total_bytes: u64) -> Progress {
        Progress { on, total_messages, total_bytes, started: Instant::now(), state: Mutex::new(State::default()) }
    }

    /// `done` messages and `bytes` archived so far in `folder` (counted from its start).
    pub fn show(&self, folder: &str, done: u64, total: u64, bytes: u64) {
        if !self.on {
            return;
        }
        let Ok(mut st) = self.state.lock() else { return };
        if st.folder != folder {
            st.base = (st.base.0 + st.current.0, st.base.1 + st.current.1);
            st.folder = folder.to_string();
        }
        st.current = (done, bytes);
        let now = Instant::now();
        let folder_finished = done >= total;
        if st.drawn.is_some_and(|t| now.duration_since(t) < REDRAW_EVERY) && !folder_finished {
            return;
        }
        st.drawn = Some(now);
        let figures = Figures {
            done_messages: st.base.0 + done,
            total_messages: self.total_messages.max(st.base.0 + done),
            done_bytes: st.base.1 + bytes,
            total_bytes: self.total_bytes.max(st.base.1 + bytes),
            elapsed: now.duration_since(self.started),
        };
        let text = format!("{}  {}", line(&figures), crate::report::printable(folder));
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[K{text}");
        let _ = err.flush();
    }

    /// Clears the line before the report is printed.
    pub fn end(&self) {
        if self.on {
            eprint!("\r\x1b[K");
        }
    }
}

/// `[#########...............]  38%  1234/3200 messages  1.2 GiB of 3.2 GiB  31 MiB/s  ETA 65 s`
pub fn line(f: &Figures) -> String {
    let share = if f.total_bytes > 0 {
        f.done_bytes as f64 / f.total_bytes as f64
    } else if f.total_messages > 0 {
        f.done_messages as f64 / f.total_messages as f64
    } else {
        1.0
    }
    .clamp(0.0, 1.0);
    let filled = (share * BAR_WIDTH as f64).round() as usize;
    let mut s = format!(
        "[{}{}] {:>3.0}%  {}/{} messages  {} of {}",
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        share * 100.0,
        f.done_messages,
        f.total_messages,
        human(f.done_bytes),
        human(f.total_bytes)
    );
    if f.elapsed >= RATE_AFTER && f.done_bytes > 0 {
        let rate = f.done_bytes as f64 / f.elapsed.as_secs_f64();
        s.push_str(&format!("  {}/s", human(rate as u64)));
        let left = f.total_bytes.saturating_sub(f.done_bytes) as f64 / rate;
        s.push_str(&format!("  ETA {}", crate::model::verdict::human_duration(left.ceil() as u64)));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(done_messages: u64, done_bytes: u64, elapsed: u64) -> Figures {
        Figures {
            done_messages,
            total_messages: 400,
            done_bytes,
            total_bytes: 400 << 20,
            elapsed: Duration::from_secs(elapsed),
        }
    }

    #[test]
    fn the_line_shows_share_counts_bytes_rate_and_time_left() {
        let l = line(&figures(100, 100 << 20, 10));
        assert_eq!(l, "[######..................]  25%  100/400 messages  100 MiB of 400 MiB  10 MiB/s  ETA 30 s");
        // Nothing done yet, or too early to tell: no rate and no ETA rather than nonsense.
        assert_eq!(line(&figures(0, 0, 10)), "[........................]   0%  0/400 messages  0 B of 400 MiB");
        assert!(!line(&figures(10, 10 << 20, 0)).contains("ETA"));
        assert!(line(&figures(400, 400 << 20, 60)).starts_with("[########################] 100%"));
    }

    #[test]
    fn an_empty_plan_is_complete_not_a_division_by_zero() {
        let f = Figures { done_messages: 0, total_messages: 0, done_bytes: 0, total_bytes: 0, elapsed: Duration::ZERO };
        assert!(line(&f).contains("100%"));
    }

    #[test]
    fn folders_add_up_into_one_run() {
        let p = Progress::with(true, 30, 3000);
        p.show("A", 10, 10, 1000);
        p.show("B", 5, 20, 500);
        let st = p.state.lock().unwrap();
        assert_eq!((st.base, st.current), ((10, 1000), (5, 500)));
    }

    #[test]
    fn off_the_terminal_nothing_is_kept_or_drawn() {
        let p = Progress::with(false, 30, 3000);
        p.show("A", 10, 10, 1000);
        assert!(p.state.lock().unwrap().folder.is_empty());
    }
}
