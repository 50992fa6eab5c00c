//! Human-readable tables (comfy-table) for `usage` and `probe`, and the table setup every
//! renderer shares: [`new_table`], [`wrap_only`], [`right`].
//!
//! Colour only highlights (status words, folder marks); the text is the same without it.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, presets};

use super::{RenderOptions, UsageOutcome, bar, day, percent, printable, threshold, usage_of_limit, worst_resource};
use crate::model::probe::ProbeReport;
use crate::model::size::human;
use crate::model::{FolderUsage, Protocol, QuotaInfo, QuotaRoot, Security, SizeMethod, Status, UsageReport};

/// Cells in the quota bars.
const BAR_CELLS: usize = 10;

/// The guides' advice on big folders (GUIDES.md, Quota), printed under a table with marks.
pub(crate) const MARK_FOOTNOTE: &str = "folders over 100 MB cost the server much more to handle, over 500 MB even more: \
     split them or move old mail to local folders (mailsweep archive)";

pub(super) fn usage(out: &mut dyn Write, outcomes: &[UsageOutcome], opts: &RenderOptions) -> io::Result<()> {
    match outcomes {
        [] => Ok(()),
        [UsageOutcome::Report(r)] => single(out, r, opts),
        [UsageOutcome::Failed { source, account, error }] => {
            let who = account.as_deref().map_or_else(|| source.clone(), |a| format!("{a} ({source})"));
            writeln!(out, "{}: {who}: {error}", status_word(Status::Critical, opts))
        }
        _ => summary(out, outcomes, opts),
    }
}

/// An empty table in the house style, sized and coloured as `opts` say.
pub(crate) fn new_table(opts: &RenderOptions) -> Table {
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    // The caller decides about the terminal: comfy-table must not look at stdout itself.
    t.force_no_tty();
    if opts.color {
        t.enforce_styling();
    }
    match opts.width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic).set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

/// With a width to fit, only the named (text) columns may wrap: a number, a date or a
/// bar broken over two lines is unreadable. If the rest does not fit, the table is wider
/// than asked rather than garbled.
pub(crate) fn wrap_only(t: &mut Table, wrappable: &[usize]) {
    let n = t.column_count();
    for i in (0..n).filter(|i| !wrappable.contains(i)) {
        if let Some(c) = t.column_mut(i) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
}

/// Writes a line of prose, word-wrapped to the width when one is given (continuation
/// lines indented by two spaces).
fn prose(out: &mut dyn Write, text: &str, opts: &RenderOptions) -> io::Result<()> {
    let Some(width) = opts.width.map(usize::from).filter(|&w| w >= 20) else {
        return writeln!(out, "{text}");
    };
    let mut line = String::new();
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            writeln!(out, "{line}")?;
            line = format!("  {word}");
        } else {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    writeln!(out, "{line}")
}

/// A right-aligned cell (sizes, counts).
pub(crate) fn right(text: impl ToString) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

fn status_color(s: Status) -> Option<Color> {
    match s {
        Status::Ok => None,
        Status::Warning => Some(Color::Yellow),
        Status::Critical | Status::Unknown => Some(Color::Red),
    }
}

fn colored(cell: Cell, color: Option<Color>) -> Cell {
    match color {
        Some(c) => cell.fg(c),
        None => cell,
    }
}

/// The status word, coloured when asked.
fn status_word(s: Status, opts: &RenderOptions) -> String {
    paint(s.label(), status_color(s), opts)
}

fn paint(text: &str, color: Option<Color>, opts: &RenderOptions) -> String {
    let code = match (opts.color, color) {
        (true, Some(Color::Red)) => "31",
        (true, Some(Color::Yellow)) => "33",
        _ => return text.to_string(),
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn size_method(m: SizeMethod) -> &'static str {
    match m {
        SizeMethod::StatusSize => "IMAP STATUS=SIZE",
        SizeMethod::FetchSizes => "the RFC822.SIZE of every message (IMAP FETCH)",
        SizeMethod::Pop3List => "POP3 LIST (INBOX only)",
        SizeMethod::Files => "the local message files",
    }
}

/// The folder's name as a tree: the last component indented by depth when its parent
/// is the nearest row above it that is one of its ancestors, with only descendants in
/// between (hierarchy order); the full path otherwise (size order), so a child is never
/// shown without its parent's name.
fn tree_names(folders: &[FolderUsage]) -> Vec<String> {
    let mut names = Vec::with_capacity(folders.len());
    // The rows above that are ancestors of the current row, nearest last.
    let mut chain: Vec<&str> = Vec::new();
    for f in folders {
        while chain.last().is_some_and(|top| !f.name.starts_with(&format!("{top}/"))) {
            chain.pop();
        }
        let name = match f.name.rsplit_once('/') {
            Some((parent, leaf)) if chain.last() == Some(&parent) => format!("{}{leaf}", "  ".repeat(f.depth())),
            _ => {
                chain.clear();
                f.name.clone()
            }
        };
        names.push(name);
        chain.push(&f.name);
    }
    names
}

fn single(out: &mut dyn Write, r: &UsageReport, opts: &RenderOptions) -> io::Result<()> {
    match &r.account {
        Some(a) => writeln!(out, "{} (account {a}), sizes from {}", r.source, size_method(r.size_method))?,
        None => writeln!(out, "{}, sizes from {}", r.source, size_method(r.size_method))?,
    }
    let limit = r.storage_limit();
    let mut t = new_table(opts);
    let mut header = vec!["Folder", "Role", "Messages", "Unseen", "Size"];
    if limit.is_some() {
        header.push("Share of quota");
    }
    header.extend(["Oldest", "Newest", "Mark"]);
    t.set_header(header);
    let share = |bytes: u64| limit.map(|l| bytes as f64 * 100.0 / l as f64);
    let share_cell = |p: f64| Cell::new(format!("{:>6} {}", percent(p), bar(p, BAR_CELLS)));
    for (f, name) in r.folders.iter().zip(tree_names(&r.folders)) {
        let role = match (f.role, f.noselect) {
            (Some(role), _) => role.label().to_string(),
            (None, true) => "(no messages)".to_string(),
            (None, false) => String::new(),
        };
        // A container holds no messages of its own: dashes, not zeros.
        let own = |text: String| right(if f.noselect { "-".to_string() } else { text });
        let mut row = vec![
            Cell::new(printable(&name)),
            Cell::new(role),
            own(f.messages.to_string()),
            own(f.unseen.map_or_else(|| "-".to_string(), |u| u.to_string())),
            own(human(f.bytes)),
        ];
        if let Some(p) = share(f.bytes) {
            row.push(if f.noselect { Cell::new("") } else { share_cell(p) });
        }
        let mark = f.mark();
        let mark_color = match mark {
            Some(crate::model::FolderMark::Over500Mb) => Some(Color::Red),
            Some(crate::model::FolderMark::Over100Mb) => Some(Color::Yellow),
            None => None,
        };
        row.extend([
            Cell::new(day(f.oldest)),
            Cell::new(day(f.newest)),
            colored(Cell::new(mark.map_or("", |m| m.label())), if opts.color { mark_color } else { None }),
        ]);
        t.add_row(row);
    }
    let unseen: Option<u64> = r.folders.iter().map(|f| f.unseen).sum();
    let mut total = vec![
        Cell::new(match r.folders.len() {
            1 => "Total (1 folder)".to_string(),
            n => format!("Total ({n} folders)"),
        }),
        Cell::new(""),
        right(r.total_messages()),
        right(unseen.map_or_else(|| "-".to_string(), |u| u.to_string())),
        right(human(r.total_bytes())),
    ];
    if let Some(p) = share(r.total_bytes()) {
        total.push(share_cell(p));
    }
    total.extend([
        Cell::new(day(r.folders.iter().filter_map(|f| f.oldest).min())),
        Cell::new(day(r.folders.iter().filter_map(|f| f.newest).max())),
        Cell::new(""),
    ]);
    t.add_row(total);
    wrap_only(&mut t, &[0, 1]);
    writeln!(out, "{t}")?;
    if r.folders.iter().any(|f| f.mark().is_some()) {
        prose(out, MARK_FOOTNOTE, opts)?;
    }

    match &r.quota {
        QuotaInfo::Reported { roots } if !roots.is_empty() => {
            writeln!(out, "Quota:")?;
            quota_lines(out, roots)?;
        }
        QuotaInfo::Reported { .. } => writeln!(out, "quota: the server reported no quota root")?,
        QuotaInfo::NotReported { reason } => writeln!(out, "quota: not reported by the server ({reason})")?,
    }

    let status = r.status(&opts.thresholds);
    let verdict = match worst_resource(r) {
        Some(res) => format!("quota {} used", percent(res.percent())),
        None => "no quota to compare".to_string(),
    };
    writeln!(
        out,
        "{}: {verdict} (warn {}, crit {})",
        status_word(status, opts),
        threshold(opts.thresholds.warn),
        threshold(opts.thresholds.crit)
    )?;
    for note in &r.notes {
        prose(out, &format!("note: {note}"), opts)?;
    }
    Ok(())
}

/// One line per quota resource, aligned: `  User quota  STORAGE  852 MiB of 1000 MiB  85.2%`.
fn quota_lines(out: &mut dyn Write, roots: &[QuotaRoot]) -> io::Result<()> {
    let lines: Vec<[String; 4]> = roots
        .iter()
        .flat_map(|root| {
            let name = display_root(&root.name).to_string();
            if root.resources.is_empty() {
                return vec![[name, "(no resources)".to_string(), String::new(), String::new()]];
            }
            root.resources
                .iter()
                .map(|res| [name.clone(), res.name.clone(), usage_of_limit(res), percent(res.percent())])
                .collect()
        })
        .collect();
    let width = |i: usize| lines.iter().map(|l| l[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    for [root, resource, used, pct] in &lines {
        let line = format!("  {root:<w0$}  {resource:<w1$}  {used:<w2$}  {pct:>w3$}");
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// Servers often name the user's root "" (Dovecot's default is "User quota").
fn display_root(name: &str) -> &str {
    if name.is_empty() { "(default root)" } else { name }
}

fn summary(out: &mut dyn Write, outcomes: &[UsageOutcome], opts: &RenderOptions) -> io::Result<()> {
    let mut sorted: Vec<&UsageOutcome> = outcomes.iter().collect();
    // Fullest first; accounts without a quota after, by size; failed accounts last.
    let key = |o: &UsageOutcome| match o {
        UsageOutcome::Report(r) => (0, r.quota_percent().unwrap_or(-1.0), r.total_bytes()),
        UsageOutcome::Failed { .. } => (1, 0.0, 0),
    };
    sorted.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        ka.0.cmp(&kb.0).then(kb.1.total_cmp(&ka.1)).then(kb.2.cmp(&ka.2))
    });

    let mut t = new_table(opts);
    t.set_header(vec!["Account", "Source", "Quota used", "Limit", "%", "Messages", "Size", "Biggest folder", "Status"]);
    let mut failures = Vec::new();
    for o in &sorted {
        let status = o.status(&opts.thresholds);
        let status_cell = colored(Cell::new(status.label()), if opts.color { status_color(status) } else { None });
        let row = match o {
            UsageOutcome::Report(r) => {
                let storage = crate::model::quota::fullest_storage(r.quota.roots());
                let pct = r.quota_percent();
                let biggest = r
                    .folders
                    .iter()
                    .max_by(|a, b| a.bytes.cmp(&b.bytes).then(b.name.cmp(&a.name)))
                    .map_or_else(String::new, |f| format!("{} ({})", f.name, human(f.bytes)));
                vec![
                    Cell::new(r.account.as_deref().unwrap_or("-")),
                    Cell::new(printable(&r.source)),
                    right(storage.map_or_else(|| "-".to_string(), |s| human(s.usage))),
                    right(storage.map_or_else(|| "-".to_string(), |s| human(s.limit))),
                    Cell::new(pct.map_or_else(
                        || "not reported".to_string(),
                        |p| format!("{:>6} {}", percent(p), bar(p, BAR_CELLS)),
                    )),
                    right(r.total_messages()),
                    right(human(r.total_bytes())),
                    Cell::new(printable(&biggest)),
                    status_cell,
                ]
            }
            UsageOutcome::Failed { source, error, .. } => {
                failures.push((o.ident().to_string(), source.as_str(), error.as_str()));
                let mut row = vec![Cell::new(o.account().unwrap_or("-")), Cell::new(source)];
                row.extend([right("-"), right("-"), Cell::new("-"), right("-"), right("-"), Cell::new("-")]);
                row.push(colored(Cell::new("CRITICAL (failed)"), if opts.color { Some(Color::Red) } else { None }));
                row
            }
        };
        t.add_row(row);
    }
    wrap_only(&mut t, &[0, 1, 7]);
    writeln!(out, "{t}")?;
    for (ident, source, error) in failures {
        if ident == source {
            prose(out, &format!("failed: {source}: {error}"), opts)?;
        } else {
            prose(out, &format!("failed: {ident} ({source}): {error}"), opts)?;
        }
    }
    let run = super::usage_status(outcomes, &opts.thresholds);
    let count = |s: Status| outcomes.iter().filter(|o| o.status(&opts.thresholds) == s).count();
    let failed = outcomes.iter().filter(|o| o.report().is_none()).count();
    let mut parts = vec![];
    for (s, word) in [(Status::Critical, "critical"), (Status::Warning, "warning"), (Status::Ok, "ok")] {
        let n = count(s) - if s == Status::Critical { failed } else { 0 };
        if n > 0 {
            parts.push(format!("{n} {word}"));
        }
    }
    if failed > 0 {
        parts.push(format!("{failed} failed"));
    }
    writeln!(
        out,
        "{}: {} accounts: {} (warn {}, crit {})",
        status_word(run, opts),
        outcomes.len(),
        parts.join(", "),
        threshold(opts.thresholds.warn),
        threshold(opts.thresholds.crit)
    )
}

pub(super) fn probe(out: &mut dyn Write, r: &ProbeReport, opts: &RenderOptions) -> io::Result<()> {
    let mut t = new_table(opts);
    t.set_header(vec!["What", "Value"]);
    let mut row = |what: &str, value: String| {
        t.add_row(vec![Cell::new(what), Cell::new(printable(&value))]);
    };
    row("Source", r.source.clone());
    let protocol = match r.protocol {
        Protocol::Imap => "IMAP",
        Protocol::Pop3 => "POP3",
    };
    let security = match r.security {
        Security::Tls => "TLS from the start",
        Security::StartTls => "STARTTLS",
        Security::Plain => "none (plaintext: passwords travel in clear)",
    };
    row("Protocol", format!("{protocol}, security: {security}"));
    row("Address", r.address.clone().unwrap_or_else(|| "-".into()));
    row("Connect time", r.connect_ms.map_or_else(|| "-".into(), |ms| format!("{ms} ms")));
    match &r.tls {
        Some(tls) => {
            row("TLS", format!("{}, {}", tls.version, tls.cipher_suite));
            if let Some(c) = &tls.certificate {
                row("Certificate subject", c.subject.clone());
                row("Certificate issuer", c.issuer.clone());
                if !c.names.is_empty() {
                    row("Certificate names", c.names.join(", "));
                }
                if let Some(nb) = c.not_before.filter(|&nb| nb > opts.now) {
                    row("Valid from", format!("{} (NOT YET VALID)", day(Some(nb))));
                }
                let until = match c.not_after {
                    Some(na) if na < opts.now => format!("{} (EXPIRED)", day(Some(na))),
                    Some(na) => {
                        let days = (na.as_second() - opts.now.as_second()) / 86_400;
                        format!("{} ({days} days left)", day(Some(na)))
                    }
                    None => "-".into(),
                };
                row("Valid until", until);
            }
        }
        None => row("TLS", "none".into()),
    }
    row("Greeting", r.greeting.clone().unwrap_or_else(|| "-".into()));
    if !r.server_id.is_empty() {
        let id: Vec<String> = r.server_id.iter().map(|(k, v)| format!("{k}={v}")).collect();
        row("Server ID", id.join(", "));
    }
    let login = match &r.login {
        None => "not attempted".to_string(),
        Some(l) => {
            let mut s = format!(
                "{} with {} as {}, mailbox {}",
                if l.ok { "ok" } else { "FAILED" },
                l.mechanism,
                l.login,
                l.mailbox
            );
            if let Some(m) = &l.message {
                s.push_str(&format!(": {m}"));
            }
            s
        }
    };
    row("Login", login);
    if !r.capabilities.is_empty() {
        row("Capabilities (as sent)", r.capabilities.join(" "));
    }
    wrap_only(&mut t, &[1]);
    writeln!(out, "{t}")?;

    if !r.explained.is_empty() {
        let mut caps = new_table(opts);
        caps.set_header(vec!["Capability", "Offered", "Meaning"]);
        for c in &r.explained {
            let name = match &c.argument {
                Some(arg) => format!("{} {arg}", c.name),
                None => c.name.clone(),
            };
            caps.add_row(vec![Cell::new(name), Cell::new(if c.offered { "yes" } else { "no" }), Cell::new(&c.meaning)]);
        }
        wrap_only(&mut caps, &[2]);
        writeln!(out, "{caps}")?;
    }
    if r.special_use.is_empty() {
        writeln!(out, "special-use folders: none found")?;
    } else {
        writeln!(out, "Special-use folders:")?;
        for (role, name) in &r.special_use {
            writeln!(out, "  {:<8} {name}", role.label())?;
        }
    }
    if r.quota_roots.is_empty() {
        writeln!(out, "quota: not reported")?;
    } else {
        writeln!(out, "Quota:")?;
        quota_lines(out, &r.quota_roots)?;
    }
    for note in &r.notes {
        prose(out, &format!("note: {note}"), opts)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testdata::{self, opts};
    use super::*;

    fn render(outcomes: &[UsageOutcome], opts: &RenderOptions) -> String {
        let mut out = Vec::new();
        usage(&mut out, outcomes, opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_account_shows_folders_quota_status_and_footnote() {
        let text = render(&[UsageOutcome::Report(testdata::report_warn())], &opts());
        println!("{text}");
        assert!(text.starts_with("imaps://alice@mail.example.org (account alice), sizes from IMAP STATUS=SIZE\n"));
        assert!(text.contains("│   2021 "), "children are indented under their parent:\n{text}");
        let names = |list: &[&str]| {
            let folders: Vec<FolderUsage> = list.iter().map(|n| FolderUsage::new(*n, *n)).collect();
            tree_names(&folders)
        };
        assert_eq!(names(&["A", "A/B", "A/B/C", "A/D", "E"]), ["A", "  B", "    C", "  D", "E"]);
        assert_eq!(names(&["A/2022", "A/2021", "A"]), ["A/2022", "A/2021", "A"], "siblings without their parent");
        assert!(text.contains("│ Archives "));
        assert!(text.contains(">500MB") && text.contains(">100MB"));
        assert!(text.contains(MARK_FOOTNOTE));
        assert!(text.contains("Share of quota"));
        assert!(text.contains("2019-03-04") && text.contains("2024-04-30"));
        assert!(text.contains("Total (5 folders)"));
        assert!(text.contains("User quota  STORAGE  852 MiB of 1000 MiB"), "{text}");
        assert!(text.contains("1234 of 100000 messages"));
        assert!(text.trim_end().ends_with("WARNING: quota 85.2% used (warn 80%, crit 95%)"));
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn without_quota_there_is_no_share_column_and_notes_follow() {
        let text = render(&[UsageOutcome::Report(testdata::report_ok())], &opts());
        println!("{text}");
        assert!(!text.contains("Share of quota"));
        assert!(!text.contains(MARK_FOOTNOTE));
        assert!(text.contains("quota: not reported by the server (POP3 has no quota command)\n"));
        assert!(text.contains("OK: no quota to compare (warn 80%, crit 95%)\nnote: POP3 sees only INBOX\n"));
    }

    #[test]
    fn size_order_shows_full_paths() {
        let mut r = testdata::report_warn();
        r.sort_and_truncate(crate::model::usage::SortKey::Size, None);
        let text = render(&[UsageOutcome::Report(r)], &opts());
        assert!(text.contains("│ Archives/2021 "), "{text}");
    }

    #[test]
    fn colour_changes_the_look_not_the_content() {
        let plain = render(&[UsageOutcome::Report(testdata::report_warn())], &opts());
        let mut o = opts();
        o.color = true;
        let colored = render(&[UsageOutcome::Report(testdata::report_warn())], &o);
        assert!(colored.contains("\x1b["));
        assert_eq!(strip_ansi(&colored), plain);
    }

    #[test]
    fn width_is_respected_when_given() {
        let mut o = opts();
        o.width = Some(112);
        let text = render(&[UsageOutcome::Report(testdata::report_warn())], &o);
        println!("{text}");
        let widest = text.lines().filter(|l| l.starts_with(['┌', '│', '└', '╞', '├'])).map(|l| l.chars().count()).max();
        assert!(widest.unwrap() <= 112, "{text}");
        assert!(text.contains("2019-03-04") && text.contains("583.6 MiB"), "numbers and dates never wrap");
        assert!(text.lines().all(|l| l.chars().count() <= 112), "prose is wrapped too:\n{text}");
        assert!(text.contains("folders over 100 MB cost the server much more"));
        let unbounded = render(&[UsageOutcome::Report(testdata::report_warn())], &opts());
        assert!(unbounded.lines().map(|l| l.chars().count()).max().unwrap() > 80);
    }

    #[test]
    fn several_accounts_are_summarised_fullest_first_failed_last() {
        let outcomes = vec![
            UsageOutcome::Report(testdata::report_ok()),
            testdata::failed(),
            UsageOutcome::Report(testdata::report_warn()),
            UsageOutcome::Report(testdata::report_crit()),
        ];
        let text = render(&outcomes, &opts());
        println!("{text}");
        let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} missing:\n{text}"));
        assert!(pos("│ dave ") < pos("│ alice ") && pos("│ alice ") < pos("pop3s://bob"));
        assert!(pos("pop3s://bob") < pos("│ carol "));
        assert!(text.contains("Archives/2021 (583.6 MiB)"));
        assert!(text.contains("failed: carol (imaps://carol@mail.example.org): cannot connect"));
        assert!(
            text.trim_end()
                .ends_with("CRITICAL: 4 accounts: 1 critical, 1 warning, 1 ok, 1 failed (warn 80%, crit 95%)")
        );
        assert!(!text.contains("Share of quota"), "no per-account detail");
    }

    #[test]
    fn one_failed_account_is_one_line() {
        let text = render(&[testdata::failed()], &opts());
        assert!(text.starts_with("CRITICAL: carol (imaps://carol@mail.example.org): cannot connect"));
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn probe_shows_what_and_value_capabilities_and_expiry() {
        let mut out = Vec::new();
        probe(&mut out, &testdata::probe(), &opts()).unwrap();
        let text = String::from_utf8(out).unwrap();
        println!("{text}");
        assert!(text.contains("│ Valid until "));
        assert!(text.contains("2024-04-01 (EXPIRED)"));
        assert!(text.contains("TLSv1.3, TLS13_AES_256_GCM_SHA384"));
        assert!(text.contains("ok with PLAIN as alice, mailbox alice"));
        assert!(text.contains("name=Dovecot, version=2.3.21"));
        assert!(text.contains("│ EXPIRE 30  ┆ yes     ┆ the server deletes"), "{text}");
        assert!(text.contains("│ MOVE       ┆ no "));
        assert!(text.contains("  sent     Sent\n  trash    Corbeille\n"));
        assert!(text.contains("Quota:\n  User quota  STORAGE  1 KiB of 1 MiB"), "{text}");
        assert!(text.contains("note: login as an admin"));
    }

    #[test]
    fn probe_counts_days_left_on_a_valid_certificate() {
        let mut o = opts();
        o.now = testdata::ts("2024-03-01T00:00:00Z");
        let mut out = Vec::new();
        probe(&mut out, &testdata::probe(), &o).unwrap();
        assert!(String::from_utf8(out).unwrap().contains("2024-04-01 (31 days left)"));
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
