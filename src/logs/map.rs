//! Read-only mappings of plain log files, so that the parsing threads read the page cache
//! in place (no copy into a buffer), made safe against files truncated while mapped.
//!
//! A mapped page past a file's end raises SIGBUS when it is read: a log rotated by
//! logrotate's `copytruncate` while it is read would crash the run. So when the first file
//! is mapped, a SIGBUS handler is installed (once per process, then kept). A fault inside one
//! of our mappings is answered by mapping a page of zeros over the faulting page (the
//! design of systemd's journal reader) and noting it: the read goes on harmlessly and
//! [`Mapping::check`] turns it into an ordinary I/O error that names what happened (the
//! file shrank while it was read), reported like any unreadable input. Any other SIGBUS
//! goes to the handler that was there before (Rust's stack-overflow guard, or the default
//! action). The handler only reads atomics and calls `mmap` and `sigaction` (system calls).

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// At most this many files mapped at once in the process (then files are read with pread).
const SLOTS: usize = 64;

/// A registered mapping: `start` is 0 when the slot is free or being set up.
struct Slot {
    taken: AtomicBool,
    start: AtomicUsize,
    len: AtomicUsize,
    faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
    taken: AtomicBool::new(false),
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    faulted: AtomicBool::new(false),
};
static SLOT: [Slot; SLOTS] = [FREE; SLOTS];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// The SIGBUS action found when ours was installed, for faults that are not ours.
struct Previous(std::cell::UnsafeCell<libc::sigaction>);
// SAFETY: written once inside `INSTALL` before our handler can run, then only read.
unsafe impl Sync for Previous {}
// SAFETY: `sigaction` is plain data; all zeros is `SIG_DFL` with no flags.
static PREVIOUS: Previous = Previous(std::cell::UnsafeCell::new(unsafe { std::mem::zeroed() }));

/// A whole regular file mapped read-only.
pub struct Mapping {
    ptr: *mut libc::c_void,
    len: usize,
    slot: usize,
    file: File,
}

// SAFETY: the mapping is read-only and owned; the pointer is only read through `bytes`.
unsafe impl Send for Mapping {}
// SAFETY: as above: shared reads of read-only memory.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Maps the first `len` bytes (`len > 0`, its size when opened) of a regular file.
    /// The file back when it cannot be mapped (or too many are): the caller reads it otherwise.
    pub fn new(file: File, len: u64) -> Result<Mapping, File> {
        let Ok(len) = usize::try_from(len) else { return Err(file) };
        if len == 0 || !install() {
            return Err(file);
        }
        let Some(slot) = SLOT.iter().position(|s| !s.taken.swap(true, Ordering::AcqRel)) else {
            return Err(file);
        };
        // SAFETY: a fresh read-only private mapping of an open file; nothing else is affected.
        let ptr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            SLOT[slot].taken.store(false, Ordering::Release);
            return Err(file);
        }
        let s = &SLOT[slot];
        s.faulted.store(false, Ordering::Relaxed);
        s.len.store(len, Ordering::Relaxed);
        s.start.store(ptr as usize, Ordering::Release);
        Ok(Mapping { ptr, len, slot, file })
    }

    /// The file's bytes. A page that vanished (the file shrank) reads as zeros, and
    /// [`Mapping::check`] then fails.
    pub fn bytes(&self) -> &[u8] {
        // SAFETY: `len` bytes mapped read-only for the life of `self`; a read past the
        // file's current end is answered by the SIGBUS handler with zeros, not a crash.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }

    /// An error if the file shrank while it was read: a page read past its new end, or its
    /// size now below the size it had when mapped (a tail of zeros in the last page).
    pub fn check(&self) -> io::Result<()> {
        let faulted = SLOT[self.slot].faulted.load(Ordering::Acquire);
        // fstat cannot fail on an open file in practice; if it does, only a fault tells.
        let now = self.file.metadata().map_or(self.len as u64, |m| m.len());
        if faulted || now < self.len as u64 {
            return Err(io::Error::other(format!(
                "the file shrank while it was read ({} bytes when opened, {now} now; rotated with \
                 copytruncate?): nothing of it was used, read it again (and the rotated copy)",
                self.len
            )));
        }
        Ok(())
    }

    /// Lets the kernel drop our mapping of the pages inside `range` (they stay in the page
    /// cache): the pages of a parsed chunk no longer count in the process's memory. A page
    /// read again is mapped again, so a range shared with a chunk being read is harmless.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let page = PAGE.load(Ordering::Relaxed);
        let start = range.start.min(self.len).next_multiple_of(page);
        let end = range.end.min(self.len) & !(page - 1);
        if end <= start {
            return;
        }
        // SAFETY: advice on our own read-only file mapping: its pages are dropped from the
        // page tables and read again from the page cache if touched.
        unsafe {
            libc::madvise(self.ptr.cast::<u8>().add(start).cast(), end - start, libc::MADV_DONTNEED);
        }
    }

    /// An error if a page read past the file's end since the mapping was made (cheap: one
    /// atomic load, for every block).
    pub fn check_faults(&self) -> io::Result<()> {
        if SLOT[self.slot].faulted.load(Ordering::Acquire) { self.check() } else { Ok(()) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        let s = &SLOT[self.slot];
        s.start.store(0, Ordering::Release);
        // SAFETY: our own mapping, no longer used (`bytes` borrows end with `self`).
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
        s.faulted.store(false, Ordering::Relaxed);
        s.taken.store(false, Ordering::Release);
    }
}

/// Installs the SIGBUS handler once; `false` if that failed (then nothing is mapped).
fn install() -> bool {
    INSTALL.call_once(|| {
        // SAFETY: sysconf and sigaction with valid arguments; PREVIOUS is written before our
        // handler is installed, and never again.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE.store(page as usize, Ordering::Relaxed);
            }
            if libc::sigaction(libc::SIGBUS, std::ptr::null(), PREVIOUS.0.get()) != 0 {
                return;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut()) == 0 {
                INSTALLED.store(true, Ordering::Release);
            }
        }
    });
    INSTALLED.load(Ordering::Acquire)
}

/// The SIGBUS handler: async-signal-safe (atomics, `mmap`, `sigaction`, no allocation).
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Relaxed);
    for s in &SLOT {
        let start = s.start.load(Ordering::Acquire);
        if start == 0 || addr < start || addr - start >= s.len.load(Ordering::Relaxed) {
            continue;
        }
        // SAFETY: replaces one page of our own read-only mapping (which the fault shows is
        // past the file's end) by zeros; MAP_FIXED over our own range only.
        let p = unsafe {
            libc::mmap(
                (addr & !(page - 1)) as *mut libc::c_void,
                page,
                libc::PROT_READ,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                -1,
                0,
            )
        };
        if p != libc::MAP_FAILED {
            s.faulted.store(true, Ordering::Release);
            return;
        }
    }
    // Not ours: what was there before.
    // SAFETY: PREVIOUS was set before this handler was installed and is only read.
    let prev = unsafe { &*PREVIOUS.0.get() };
    let handler = prev.sa_sigaction;
    if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
        if prev.sa_flags & libc::SA_SIGINFO != 0 {
            // SAFETY: an SA_SIGINFO handler installed by someone else, called as the kernel would.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(handler) };
            f(sig, info, ctx);
        } else {
            // SAFETY: a plain handler installed by someone else.
            let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(handler) };
            f(sig);
        }
        return;
    }
    // The default action: reinstalled, it runs when the faulting access is retried.
    // SAFETY: sigaction is async-signal-safe; `prev` is a valid action.
    unsafe {
        libc::sigaction(libc::SIGBUS, prev, std::ptr::null_mut());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, File) {
        let mut t = tempfile::NamedTempFile::new().unwrap();
        let line = b"Nov 22 10:00:01 mail dovecot[1]: pop3-login: Login: user=<a>, rip=10.0.0.1\n";
        let mut n = 0;
        while n < len {
            let k = line.len().min(len - n);
            t.write_all(&line[..k]).unwrap();
            n += k;
        }
        t.flush().unwrap();
        let f = File::open(t.path()).unwrap();
        (t, f)
    }

    #[test]
    fn a_mapping_reads_the_file() {
        let (t, f) = file_of(100_000);
        let m = Mapping::new(f, 100_000).ok().unwrap();
        assert_eq!(m.bytes(), &std::fs::read(t.path()).unwrap()[..]);
        m.release(0..usize::MAX);
        assert_eq!(m.bytes(), &std::fs::read(t.path()).unwrap()[..]);
        m.check().unwrap();
    }

    /// The copytruncate case: the file emptied while mapped reads as zeros, no crash, and
    /// the read is an error that says why.
    #[test]
    fn a_file_truncated_while_mapped_is_an_error_not_a_crash() {
        let len = 1 << 20;
        let (t, f) = file_of(len);
        let m = Mapping::new(f, len as u64).ok().unwrap();
        let page = PAGE.load(Ordering::Relaxed);
        assert_eq!(m.bytes()[0], b'N');
        std::fs::OpenOptions::new().write(true).open(t.path()).unwrap().set_len(3 * page as u64 + 10).unwrap();
        // Pages before the new end still read; past it, zeros.
        assert_eq!(m.bytes()[page], std::fs::read(t.path()).unwrap()[page]);
        assert!(m.bytes()[len / 2..].iter().all(|&b| b == 0));
        let e = m.check().unwrap_err();
        assert!(e.to_string().contains("shrank while it was read"), "{e}");
        assert!(SLOT[m.slot].faulted.load(Ordering::Relaxed));
        drop(m);

        // Cut inside the last page read: no fault, but the size tells.
        let (t, f) = file_of(10_000);
        let m = Mapping::new(f, 10_000).ok().unwrap();
        std::fs::OpenOptions::new().write(true).open(t.path()).unwrap().set_len(9_000).unwrap();
        assert_eq!(m.bytes()[9_500], 0);
        assert!(m.check().is_err());
    }

    #[test]
    fn empty_files_are_not_mapped() {
        let (_t, f) = file_of(0);
        assert!(Mapping::new(f, 0).is_err());
    }

    /// A SIGBUS outside our mappings is not swallowed: a child process (this test binary)
    /// reads its own unregistered mapping past the end of a truncated file and dies of it.
    #[test]
    fn a_foreign_sigbus_still_kills() {
        if std::env::var_os("MAILSWEEP_SIGBUS_CHILD").is_some() {
            let (_t, f) = file_of(64 << 10);
            let _ours = Mapping::new(f.try_clone().unwrap(), 64 << 10).ok().unwrap();
            // SAFETY: a test of the crash itself: this process is expected to die here.
            let p = unsafe {
                libc::mmap(std::ptr::null_mut(), 64 << 10, libc::PROT_READ, libc::MAP_PRIVATE, f.as_raw_fd(), 0)
            };
            std::fs::OpenOptions::new().write(true).open(_t.path()).unwrap().set_len(0).unwrap();
            // SAFETY: as above.
            let b = unsafe { std::ptr::read_volatile(p.cast::<u8>().add(8192)) };
            println!("survived {b}");
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "logs::map::tests::a_foreign_sigbus_still_kills", "--nocapture", "--test-threads=1"])
            .env("MAILSWEEP_SIGBUS_CHILD", "1")
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(out.status.signal(), Some(libc::SIGBUS), "{out:?}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("survived"));
    }
}
