//! Work done in parallel, results used in order.
//!
//! [`Pipeline`] reads a log: every thread takes a free buffer, fills it with the next block
//! (parsed), and then uses the blocks ready so far in order (joins them), unless another
//! thread is doing so. No thread only waits for the others: one thread per core keeps
//! every core busy, where a separate joining thread would share the cores with the parsing
//! ones. The joining state moves between threads, under a lock, a block at a time.
//!
//! [`in_order`] is the other shape, for a consumer that must stay on its thread (the writer
//! of the report): results sent in any order over a channel, taken in order.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Condvar, Mutex, PoisonError};

use super::join::lock;

/// What a thread made of the block numbered `seq`: a block to use, or the last (the end of
/// the input, an error): nothing after the first last in order is used.
pub enum Step<B, L> {
    Block(B),
    Last(L),
}

/// Buffers `B` go round: free, filled by any thread, used in order with the state `S`
/// (see the module's doc). The input's end `L` ends it.
pub struct Pipeline<B, S, L> {
    queue: Mutex<Queue<B, L>>,
    /// Signalled when a buffer is freed, and on the end.
    freed: Condvar,
    user: Mutex<User<S, L>>,
}

struct Queue<B, L> {
    free: Vec<B>,
    /// Filled buffers (and lasts) waiting for their turn, by number.
    ready: BTreeMap<u64, Step<B, L>>,
    /// The last is used: no more buffers are handed out.
    ended: bool,
}

/// The side that uses the buffers in order, held by one thread at a time.
struct User<S, L> {
    state: S,
    /// The number of the next buffer to use.
    next: u64,
    last: Option<L>,
}

impl<B, S, L> Pipeline<B, S, L> {
    /// A pipeline of these buffers (as many blocks in flight at most), its user starting
    /// with `state` at number 0.
    pub fn new(buffers: impl IntoIterator<Item = B>, state: S) -> Self {
        Pipeline {
            queue: Mutex::new(Queue { free: buffers.into_iter().collect(), ready: BTreeMap::new(), ended: false }),
            freed: Condvar::new(),
            user: Mutex::new(User { state, next: 0, last: None }),
        }
    }

    /// A free buffer, waiting for one if need be; `None` once the last is used (the thread
    /// stops). Number the block after taking its buffer: the buffer of every block that must
    /// come before it is then taken, so the wait always ends.
    pub fn take(&self) -> Option<B> {
        let mut q = lock(&self.queue);
        loop {
            if q.ended {
                return None;
            }
            if let Some(b) = q.free.pop() {
                return Some(b);
            }
            q = self.freed.wait(q).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Hands in block `seq`, then uses the blocks ready, in order, with `f` (each buffer
    /// freed after), unless another thread is using them: that one then uses ours too.
    pub fn put(&self, seq: u64, step: Step<B, L>, f: &impl Fn(&mut S, &B)) {
        lock(&self.queue).ready.insert(seq, step);
        loop {
            let next = {
                // Busy: its holder looks for our block before it lets go (below). Poisoned:
                // a thread panicked, which its scope passes on.
                let Ok(mut user) = self.user.try_lock() else { return };
                loop {
                    let step = lock(&self.queue).ready.remove(&user.next);
                    match step {
                        Some(Step::Block(b)) => {
                            f(&mut user.state, &b);
                            user.next += 1;
                            lock(&self.queue).free.push(b);
                            self.freed.notify_one();
                        }
                        Some(Step::Last(last)) => {
                            user.last = Some(last);
                            lock(&self.queue).ended = true;
                            self.freed.notify_all();
                            return;
                        }
                        None => break user.next,
                    }
                }
            };
            // A block handed in by a thread that found the user busy, after we last looked:
            // its thread is gone, we use it.
            if !lock(&self.queue).ready.contains_key(&next) {
                return;
            }
        }
    }

    /// The user's state, and the last if it was reached (every thread is done).
    pub fn into_inner(self) -> (S, Option<L>) {
        let user = self.user.into_inner().unwrap_or_else(PoisonError::into_inner);
        (user.state, user.last)
    }
}

/// The result numbered `n` from threads that finish in any order: from `pending` (those
/// that came early) or the channel, keeping the others there for later; `None` once every
/// sender is gone.
pub fn in_order<K: Ord, T>(n: K, pending: &mut BTreeMap<K, T>, rx: &mpsc::Receiver<(K, T)>) -> Option<T> {
    loop {
        if let Some(r) = pending.remove(&n) {
            return Some(r);
        }
        let (k, r) = rx.recv().ok()?;
        pending.insert(k, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// Runs `threads` threads over blocks 0.. (the last at `end`, an `Err` if `fails`), with
    /// `buffers` buffers and, if `pause`, random pauses before blocks are handed in: the
    /// blocks used (in order) and the last, or a panic if the run does not end within a
    /// minute. A thread that numbers a block past the last stops without handing it in, as
    /// threads reading a stream do: no later block rescues a last left behind.
    fn run(
        threads: usize,
        buffers: usize,
        end: u64,
        fails: bool,
        pause: bool,
        seed: u64,
    ) -> (Vec<u64>, Option<Result<u64, u64>>) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let pipe = Pipeline::new((0..buffers).map(|_| 0u64), Vec::new());
            let next = AtomicU64::new(0);
            std::thread::scope(|scope| {
                for t in 0..threads as u64 {
                    let (pipe, next) = (&pipe, &next);
                    scope.spawn(move || {
                        let mut rng = seed ^ (t + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                        // A buffer is a number: the block it holds.
                        while pipe.take().is_some() {
                            let seq = next.fetch_add(1, Ordering::Relaxed);
                            rng ^= rng << 13;
                            rng ^= rng >> 7;
                            rng ^= rng << 17;
                            match rng % 8 {
                                0 if pause => std::thread::sleep(Duration::from_micros(rng % 300)),
                                1..=3 if pause => std::thread::yield_now(),
                                _ => {}
                            }
                            let step = match seq.cmp(&end) {
                                std::cmp::Ordering::Less => Step::Block(seq),
                                std::cmp::Ordering::Equal if fails => Step::Last(Err(seq)),
                                std::cmp::Ordering::Equal => Step::Last(Ok(seq)),
                                std::cmp::Ordering::Greater => return,
                            };
                            let last = matches!(step, Step::Last(_));
                            pipe.put(seq, step, &|used: &mut Vec<u64>, b: &u64| used.push(*b));
                            if last {
                                return;
                            }
                        }
                    });
                }
            });
            let _ = tx.send(pipe.into_inner());
        });
        rx.recv_timeout(Duration::from_secs(60)).expect("the pipeline must end")
    }

    #[test]
    fn every_block_is_used_once_in_order_whatever_the_threads_and_buffers() {
        for (k, (threads, buffers)) in [(1, 1), (1, 3), (2, 1), (2, 2), (3, 2), (4, 8), (8, 3)].into_iter().enumerate()
        {
            for end in [0, 1, 7, 300] {
                let (used, last) = run(threads, buffers, end, false, true, k as u64 * 1000 + end);
                assert_eq!(used, (0..end).collect::<Vec<_>>(), "{threads} threads, {buffers} buffers, end {end}");
                assert_eq!(last, Some(Ok(end)));
            }
        }
    }

    /// The race of a block handed in while the thread using the blocks lets go (it looks
    /// again after): without pauses, many short runs hit it.
    #[test]
    fn a_block_handed_in_while_the_user_lets_go_is_used() {
        for seed in 0..3000 {
            let (used, last) = run(2, 2, 2, false, false, seed);
            assert_eq!((used, last), (vec![0, 1], Some(Ok(2))), "run {seed}");
        }
    }

    #[test]
    fn an_error_ends_the_run_and_nothing_after_it_is_used() {
        for threads in [1, 2, 4] {
            let (used, last) = run(threads, 3, 50, true, true, threads as u64);
            assert_eq!(used, (0..50).collect::<Vec<_>>());
            assert_eq!(last, Some(Err(50)));
        }
    }

    #[test]
    fn in_order_takes_results_in_order_and_none_once_senders_are_gone() {
        let (tx, rx) = mpsc::channel();
        for k in [2, 0, 1] {
            tx.send((k, k * 10)).unwrap();
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        assert_eq!([0, 1, 2].map(|k| in_order(k, &mut pending, &rx)), [Some(0), Some(10), Some(20)]);
        assert_eq!(in_order(3, &mut pending, &rx), None);
    }
}
