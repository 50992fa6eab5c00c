//! Raw IMAP wire access for the answers async-imap cannot read: a tokenizer for response
//! data, a bounded response assembler, one-command exchanges on a borrowed socket, and
//! typed readers for LIST, STATUS, QUOTA, QUOTAROOT, CAPABILITY and (E)SEARCH.
//!
//! Why it exists: async-imap 0.12 parses with imap-proto, which knows neither the `SIZE`
//! item of STATUS (RFC 8438) nor `LIST ... RETURN (STATUS (...))` (RFC 5819), and one
//! failed parse poisons its connection. So between two async-imap commands (when its
//! buffer is empty) we write our own tagged command to the same socket, read the answer
//! here up to our tagged completion, and hand the socket back untouched.
//!
//! Everything except [`raw_command`] is pure and never panics on any input: errors are
//! values carrying the offset of the offending byte.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Lists deeper than this are refused: recursion (and dropping the nested `Vec`s) would
/// otherwise let a hostile server overflow our stack with `((((...`.
const MAX_DEPTH: usize = 64;

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// One token of IMAP response data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// An atom: keywords, numbers, flags such as `\Sent`, sequence sets, `BODY[...]`.
    Atom(String),
    /// A quoted string or a literal, as bytes: mailbox names may be raw 8-bit.
    Str(Vec<u8>),
    Nil,
    List(Vec<Value>),
}

impl Value {
    /// The text of an atom or a UTF-8 string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Atom(s) => Some(s),
            Value::Str(b) => std::str::from_utf8(b).ok(),
            _ => None,
        }
    }

    /// The bytes of an atom or a string: an astring (a mailbox name may be either).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Atom(s) => Some(s.as_bytes()),
            Value::Str(b) => Some(b),
            _ => None,
        }
    }

    /// A number: an atom of ASCII digits only (no sign, which IMAP numbers never have).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Atom(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s.parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// Whether this is the atom `name`, compared case-insensitively as IMAP keywords are.
    pub fn is_atom(&self, name: &str) -> bool {
        matches!(self, Value::Atom(s) if s.eq_ignore_ascii_case(name))
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
}

/// IMAP-like rendering, for error messages and debugging (strings are shown lossily).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Atom(s) => f.write_str(s),
            Value::Str(b) => {
                f.write_str("\"")?;
                for c in String::from_utf8_lossy(b).chars() {
                    match c {
                        '"' | '\\' => write!(f, "\\{c}")?,
                        c if c.is_control() => write!(f, "{}", c.escape_debug())?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"")
            }
            Value::Nil => f.write_str("NIL"),
            Value::List(items) => {
                f.write_str("(")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// Why a response could not be tokenised, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at byte {offset}")]
pub struct ParseError {
    /// Offset of the offending byte in the logical response line.
    pub offset: usize,
    pub kind: ParseErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseErrorKind {
    #[error("empty response")]
    Empty,
    #[error("unexpected byte 0x{0:02x}")]
    UnexpectedByte(u8),
    #[error("unexpected end of response")]
    UnexpectedEnd,
    #[error("unterminated quoted string")]
    UnterminatedString,
    #[error("line break inside a quoted string")]
    LineBreakInString,
    #[error("malformed literal announcement")]
    BadLiteral,
    #[error("literal announces {announced} bytes but only {available} follow")]
    ShortLiteral { announced: u64, available: usize },
    #[error("unclosed list")]
    UnclosedList,
    #[error("unbalanced ')'")]
    UnbalancedParen,
    #[error("unclosed '['")]
    UnclosedBracket,
    #[error("lists nested deeper than {MAX_DEPTH}")]
    TooDeep,
    #[error("atom is not valid UTF-8")]
    InvalidUtf8,
    #[error("missing tag")]
    MissingTag,
    #[error("a tagged response must be OK, NO or BAD")]
    BadCondition,
}

fn err<T>(offset: usize, kind: ParseErrorKind) -> Result<T, ParseError> {
    Err(ParseError { offset, kind })
}

/// Tokenises response data (everything after `* ` of an untagged data response).
/// Literals are expected inline, as on the wire: `{n}\r\n` followed by the n bytes.
pub fn tokenize(input: &[u8]) -> Result<Vec<Value>, ParseError> {
    Parser { input, pos: 0 }.values()
}

struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        // Several spaces in a row are a server bug, but a harmless one to accept.
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn values(&mut self) -> Result<Vec<Value>, ParseError> {
        let mut out = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                None => return Ok(out),
                Some(b')') => return err(self.pos, ParseErrorKind::UnbalancedParen),
                Some(_) => out.push(self.value(0)?),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, ParseError> {
        let start = self.pos;
        match self.peek() {
            None => err(start, ParseErrorKind::UnexpectedEnd),
            Some(b'(') => {
                if depth >= MAX_DEPTH {
                    return err(start, ParseErrorKind::TooDeep);
                }
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_spaces();
                    match self.peek() {
                        None => return err(start, ParseErrorKind::UnclosedList),
                        Some(b')') => {
                            self.pos += 1;
                            return Ok(Value::List(items));
                        }
                        Some(_) => items.push(self.value(depth + 1)?),
                    }
                }
            }
            Some(b')') => err(start, ParseErrorKind::UnbalancedParen),
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            Some(b'~') if self.input.get(start + 1) == Some(&b'{') => {
                self.pos += 1;
                self.literal()
            }
            Some(_) => self.atom(),
        }
    }

    fn quoted(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return err(start, ParseErrorKind::UnterminatedString);
            };
            match b {
                b'"' => {
                    self.pos += 1;
                    return Ok(Value::Str(out));
                }
                b'\r' | b'\n' => return err(self.pos, ParseErrorKind::LineBreakInString),
                b'\\' => {
                    let Some(&next) = self.input.get(self.pos + 1) else {
                        return err(start, ParseErrorKind::UnterminatedString);
                    };
                    match next {
                        b'"' | b'\\' => out.push(next),
                        b'\r' | b'\n' => return err(self.pos + 1, ParseErrorKind::LineBreakInString),
                        // Invalid per RFC 3501, but a server that forgot to escape a
                        // backslash (a `\` hierarchy delimiter) means both bytes.
                        _ => out.extend_from_slice(&[b'\\', next]),
                    }
                    self.pos += 2;
                }
                // 8-bit bytes included: some servers send raw UTF-8 in quoted strings.
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let Some((size, header_len)) = literal_header(&self.input[start..]) else {
            return err(start, ParseErrorKind::BadLiteral);
        };
        let body = start + header_len;
        let available = self.input.len() - body;
        let len = match usize::try_from(size) {
            Ok(len) if len <= available => len,
            _ => return err(start, ParseErrorKind::ShortLiteral { announced: size, available }),
        };
        self.pos = body + len;
        Ok(Value::Str(self.input[body..body + len].to_vec()))
    }

    fn atom(&mut self) -> Result<Value, ParseError> {
        let start = self.pos;
        let mut brackets = 0usize;
        while let Some(b) = self.peek() {
            match b {
                // `BODY[HEADER.FIELDS (SUBJECT)]` is one token: inside brackets spaces
                // and parentheses belong to the atom.
                b'[' => brackets += 1,
                b']' if brackets > 0 => brackets -= 1,
                b' ' | b'(' | b')' if brackets > 0 => {}
                b' ' | b'(' | b')' | b'"' => break,
                b'\r' | b'\n' | 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        if brackets > 0 {
            // `[` is an ordinary atom character (only `]` is special): a mailbox name such
            // as `esc&ABs-[2J` arrives as a bare atom. Scan it again without sections.
            self.pos = start;
            while let Some(b) = self.peek() {
                if matches!(b, b' ' | b'(' | b')' | b'"' | b'\r' | b'\n' | 0) {
                    break;
                }
                self.pos += 1;
            }
        }
        if self.pos == start {
            return err(start, ParseErrorKind::UnexpectedByte(self.input[start]));
        }
        let Ok(text) = std::str::from_utf8(&self.input[start..self.pos]) else {
            return err(start, ParseErrorKind::InvalidUtf8);
        };
        if text.eq_ignore_ascii_case("NIL") { Ok(Value::Nil) } else { Ok(Value::Atom(text.to_owned())) }
    }
}

/// Reads a literal header at the start of `input` (`{n}`, `{n+}`, `{n-}` or `~{n}`, then
/// CRLF or a bare LF): the announced size and the header's length.
fn literal_header(input: &[u8]) -> Option<(u64, usize)> {
    let mut i = usize::from(input.first() == Some(&b'~'));
    if input.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    let digits_start = i;
    while input.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let size = parse_digits(&input[digits_start..i])?;
    if matches!(input.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    if input.get(i) != Some(&b'}') {
        return None;
    }
    i += 1;
    if input.get(i) == Some(&b'\r') {
        i += 1;
    }
    if input.get(i) != Some(&b'\n') {
        return None;
    }
    Some((size, i + 1))
}

fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

// ---------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------

/// The condition of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ok,
    No,
    Bad,
    /// Untagged only (greeting).
    Preauth,
    /// Untagged only: the server is closing the connection.
    Bye,
}

impl State {
    fn from_word(word: &[u8]) -> Option<State> {
        [("OK", State::Ok), ("NO", State::No), ("BAD", State::Bad), ("PREAUTH", State::Preauth), ("BYE", State::Bye)]
            .into_iter()
            .find(|(w, _)| word.eq_ignore_ascii_case(w.as_bytes()))
            .map(|(_, s)| s)
    }

    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::No => "NO",
            State::Bad => "BAD",
            State::Preauth => "PREAUTH",
            State::Bye => "BYE",
        }
    }
}

/// A status line: the tagged completion of a command, or an untagged OK/NO/BAD/PREAUTH/BYE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub state: State,
    /// The response code between `[` and `]`, as sent (lossy UTF-8).
    pub code: Option<String>,
    /// The response code tokenised (`UIDVALIDITY 3` → two atoms); `None` when there is no
    /// code or it is free text that does not tokenise.
    pub code_values: Option<Vec<Value>>,
    /// Human-readable text after the code (lossy UTF-8).
    pub text: String,
}

impl Completion {
    pub fn is_ok(&self) -> bool {
        self.state == State::Ok
    }
}

/// `NO [NONEXISTENT] Mailbox doesn't exist`: the way the server said it, for messages.
impl fmt::Display for Completion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.state.label())?;
        if let Some(code) = &self.code {
            write!(f, " [{code}]")?;
        }
        if !self.text.is_empty() {
            write!(f, " {}", self.text)?;
        }
        Ok(())
    }
}

/// One logical response from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `* LIST ...`, `* 3 EXISTS`: the data after `* `, tokenised.
    Data(Vec<Value>),
    /// `* OK [...] ...`, `* BYE ...`.
    Status(Completion),
    /// `+ ...`: a continuation request, with its text.
    Continuation(String),
    /// `TAG OK/NO/BAD ...`.
    Tagged { tag: String, status: Completion },
}

/// Parses one logical response line (without its final CRLF, literals inline).
pub fn parse_response(line: &[u8]) -> Result<Response, ParseError> {
    match line.first() {
        None => err(0, ParseErrorKind::Empty),
        Some(b'+') => {
            let text = line[1..].strip_prefix(b" ").unwrap_or(&line[1..]);
            Ok(Response::Continuation(String::from_utf8_lossy(text).into_owned()))
        }
        Some(b'*') => {
            if line.get(1) != Some(&b' ') {
                return err(1, ParseErrorKind::UnexpectedEnd.or_byte(line.get(1)));
            }
            let (word, after) = word_at(line, 2);
            match State::from_word(word) {
                Some(state) => Ok(Response::Status(status_line(line, state, after))),
                None => Ok(Response::Data(Parser { input: line, pos: 2 }.values()?)),
            }
        }
        Some(_) => {
            let (tag, after_tag) = word_at(line, 0);
            if tag.is_empty() || !tag.iter().all(|&b| is_tag_char(b)) {
                return err(0, ParseErrorKind::MissingTag);
            }
            let cond_at = after_tag + 1;
            if line.get(after_tag) != Some(&b' ') {
                return err(after_tag, ParseErrorKind::UnexpectedEnd.or_byte(line.get(after_tag)));
            }
            let (word, after) = word_at(line, cond_at);
            match State::from_word(word) {
                Some(state @ (State::Ok | State::No | State::Bad)) => Ok(Response::Tagged {
                    // is_tag_char admits ASCII only, so this is exact.
                    tag: String::from_utf8_lossy(tag).into_owned(),
                    status: status_line(line, state, after),
                }),
                _ => err(cond_at, ParseErrorKind::BadCondition),
            }
        }
    }
}

impl ParseErrorKind {
    fn or_byte(self, b: Option<&u8>) -> ParseErrorKind {
        b.map_or(self, |&b| ParseErrorKind::UnexpectedByte(b))
    }
}

/// Tag characters: ASTRING-CHAR minus `+` (RFC 3501 `tag`), 7-bit only.
fn is_tag_char(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b'+')
}

/// The bytes from `at` up to the next space (or the end), and where they stop.
fn word_at(line: &[u8], at: usize) -> (&[u8], usize) {
    let rest = line.get(at..).unwrap_or_default();
    let len = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
    (&rest[..len], at + len)
}

fn status_line(line: &[u8], state: State, mut pos: usize) -> Completion {
    while line.get(pos) == Some(&b' ') {
        pos += 1;
    }
    let (mut code, mut code_values) = (None, None);
    // A code that does not scan (a stray quote in free text) is cut at its first `]`,
    // and without any `]` it is just text: a quirky completion must not cost the answer.
    let end = match line.get(pos) {
        Some(b'[') => code_end(line, pos).ok().or_else(|| line[pos..].iter().position(|&b| b == b']').map(|i| pos + i)),
        _ => None,
    };
    if let Some(end) = end {
        let inner = &line[pos + 1..end];
        code = Some(String::from_utf8_lossy(inner).into_owned());
        code_values = tokenize(inner).ok();
        pos = end + 1;
        if line.get(pos) == Some(&b' ') {
            pos += 1;
        }
    }
    let text = String::from_utf8_lossy(line.get(pos..).unwrap_or_default()).into_owned();
    Completion { state, code, code_values, text }
}

/// The offset of the `]` closing the response code opened at `open`, skipping quoted
/// strings and literals and allowing nested brackets (`[REFERRAL imap://[::1]/]`).
fn code_end(line: &[u8], open: usize) -> Result<usize, ParseError> {
    let mut scan = CodeScan::open();
    let mut i = open + 1;
    while i < line.len() {
        if !scan.in_quote
            && let Some((size, header)) = literal_header(&line[i..])
        {
            let next = usize::try_from(size).ok().and_then(|n| n.checked_add(header)?.checked_add(i));
            match next {
                Some(next) if next <= line.len() => {
                    i = next;
                    continue;
                }
                _ => {
                    let available = line.len() - i - header;
                    return err(i, ParseErrorKind::ShortLiteral { announced: size, available });
                }
            }
        }
        if scan.step(line[i]) {
            return Ok(i);
        }
        i += 1;
    }
    err(open, ParseErrorKind::UnclosedBracket)
}

/// Where we are inside a response code, so that `]` in a quoted string does not close it.
#[derive(Debug, Clone, Copy)]
struct CodeScan {
    depth: usize,
    in_quote: bool,
    escaped: bool,
}

impl CodeScan {
    fn open() -> CodeScan {
        CodeScan { depth: 1, in_quote: false, escaped: false }
    }

    /// Consumes one byte; true when it closes the code.
    fn step(&mut self, b: u8) -> bool {
        if self.in_quote {
            match (self.escaped, b) {
                (true, _) => self.escaped = false,
                (false, b'\\') => self.escaped = true,
                (false, b'"') => self.in_quote = false,
                _ => {}
            }
            return false;
        }
        match b {
            b'"' => self.in_quote = true,
            b'[' => self.depth += 1,
            b']' => {
                self.depth -= 1;
                return self.depth == 0;
            }
            _ => {}
        }
        false
    }
}

// ---------------------------------------------------------------------------------------
// Assembling responses from byte chunks
// ---------------------------------------------------------------------------------------

/// Bounds on what one server may make us hold in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes outside literals in one logical response.
    pub max_line: usize,
    /// Literal bytes in one logical response (all its literals together, so that many
    /// literals cannot add up past the bound).
    pub max_literal: usize,
    /// Approximate memory held for one command's whole answer in [`raw_command`]: bytes
    /// kept plus a fixed cost per token, since `1 1 1 ...` costs far more parsed than raw.
    pub max_answer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_line: 1 << 20, max_literal: 64 << 20, max_answer: 64 << 20 }
    }
}

/// Why the byte stream could not be cut into responses. The connection is unusable after.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    #[error("a response line is longer than {limit} bytes")]
    LineTooLong { limit: usize },
    #[error("a response announces {announced} bytes of literals, more than the limit of {limit}")]
    LiteralTooLarge { announced: u64, limit: usize },
}

/// How to read a `{n}` at the end of a line segment.
#[derive(Debug, Clone, Copy)]
enum Tail {
    /// Response data: `{n}` announces a literal.
    Data,
    /// Inside a status line's response code, where a literal is possible.
    Code(CodeScan),
    /// Free text (status text, continuation): `{5}` there is just text.
    Text,
}

/// Cuts a stream of byte chunks into logical responses: a line plus any literals it
/// announces (`{n}\r\n` and exactly n bytes) and the lines continuing after them.
///
/// Pure: fed with [`feed`](Self::feed), drained with [`next_response`](Self::next_response).
#[derive(Debug)]
pub struct ResponseAssembler {
    limits: Limits,
    input: Vec<u8>,
    /// Bytes of `input` already moved into `line`.
    start: usize,
    /// Bytes of `input` already searched for a line end, so a server trickling a long
    /// line byte by byte costs linear time, not quadratic.
    scanned: usize,
    line: Vec<u8>,
    text_bytes: usize,
    literal_bytes: usize,
    literal_left: usize,
    /// `None` before the first segment of a response has been read.
    tail: Option<Tail>,
    failed: Option<AssembleError>,
}

impl ResponseAssembler {
    pub fn new(limits: Limits) -> Self {
        ResponseAssembler {
            limits,
            input: Vec::new(),
            start: 0,
            scanned: 0,
            line: Vec::new(),
            text_bytes: 0,
            literal_bytes: 0,
            literal_left: 0,
            tail: None,
            failed: None,
        }
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        if self.start == self.input.len() {
            self.input.clear();
            self.start = 0;
            self.scanned = 0;
        } else if self.start >= 64 * 1024 {
            self.input.drain(..self.start);
            self.scanned = self.scanned.saturating_sub(self.start);
            self.start = 0;
        }
        self.input.extend_from_slice(chunk);
    }

    /// Bytes fed but not yet returned as part of a complete response.
    pub fn pending(&self) -> usize {
        self.line.len() + (self.input.len() - self.start)
    }

    /// The next complete logical response (without its final line ending, literals
    /// inline), or `None` until more bytes are fed. After an error, keeps failing.
    pub fn next_response(&mut self) -> Result<Option<Vec<u8>>, AssembleError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let r = self.advance();
        if let Err(e) = &r {
            self.failed = Some(e.clone());
        }
        r
    }

    fn advance(&mut self) -> Result<Option<Vec<u8>>, AssembleError> {
        loop {
            if self.literal_left > 0 {
                let take = self.literal_left.min(self.input.len() - self.start);
                if take == 0 {
                    return Ok(None);
                }
                self.line.extend_from_slice(&self.input[self.start..self.start + take]);
                self.start += take;
                self.scanned = self.start;
                self.literal_left -= take;
                continue;
            }
            let from = self.scanned.max(self.start);
            let Some(lf) = self.input[from..].iter().position(|&b| b == b'\n').map(|i| from + i) else {
                self.scanned = self.input.len();
                if self.text_bytes + (self.input.len() - self.start) > self.limits.max_line {
                    return Err(AssembleError::LineTooLong { limit: self.limits.max_line });
                }
                return Ok(None);
            };
            let segment = &self.input[self.start..=lf];
            self.text_bytes += segment.len();
            if self.text_bytes > self.limits.max_line {
                return Err(AssembleError::LineTooLong { limit: self.limits.max_line });
            }
            let body = strip_line_end(segment);
            let mut tail = self.tail.unwrap_or_else(|| first_tail(body));
            let scan_from = if self.tail.is_none() { code_start(body) } else { 0 };
            if let Tail::Code(mut scan) = tail {
                let closed = body.get(scan_from..).unwrap_or_default().iter().any(|&b| scan.step(b));
                tail = if closed { Tail::Text } else { Tail::Code(scan) };
            }
            let in_quote = matches!(tail, Tail::Code(CodeScan { in_quote: true, .. }));
            let announced = match tail {
                Tail::Data | Tail::Code(_) if !in_quote => trailing_literal(body),
                _ => None,
            };
            let ending = segment.len() - body.len();
            self.line.extend_from_slice(segment);
            self.start = lf + 1;
            self.scanned = self.start;
            match announced {
                Some(size) => {
                    let total = usize::try_from(size)
                        .ok()
                        .and_then(|n| n.checked_add(self.literal_bytes))
                        .filter(|&t| t <= self.limits.max_literal);
                    let Some(total) = total else {
                        return Err(AssembleError::LiteralTooLarge { announced: size, limit: self.limits.max_literal });
                    };
                    self.literal_left = total - self.literal_bytes;
                    self.literal_bytes = total;
                    self.tail = Some(tail);
                }
                None => {
                    self.line.truncate(self.line.len() - ending);
                    let done = std::mem::take(&mut self.line);
                    self.text_bytes = 0;
                    self.literal_bytes = 0;
                    self.tail = None;
                    return Ok(Some(done));
                }
            }
        }
    }
}

/// The segment without its LF and the CR before it (a bare LF is tolerated).
fn strip_line_end(segment: &[u8]) -> &[u8] {
    let s = segment.strip_suffix(b"\n").unwrap_or(segment);
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// How to read the end of the first segment of a response, from its start.
fn first_tail(body: &[u8]) -> Tail {
    if body.first() == Some(&b'+') {
        return Tail::Text;
    }
    match status_prefix(body) {
        None => Tail::Data,
        Some(after) => match body.get(after..).map(|r| r.iter().position(|&b| b != b' ')) {
            Some(Some(i)) if body[after + i] == b'[' => Tail::Code(CodeScan::open()),
            _ => Tail::Text,
        },
    }
}

/// Where the code of a status line's first segment starts (just after its `[`), else 0.
fn code_start(body: &[u8]) -> usize {
    status_prefix(body)
        .and_then(|after| body[after..].iter().position(|&b| b == b'[').map(|i| after + i + 1))
        .unwrap_or(0)
}

/// For `* OK ...` or `TAG NO ...`, the offset just after the condition word.
fn status_prefix(body: &[u8]) -> Option<usize> {
    let (_, after_tag) = word_at(body, 0);
    let (word, after) = word_at(body, after_tag + 1);
    State::from_word(word).map(|_| after)
}

/// The size announced by a `{n}`, `{n+}` or `~{n}` ending a line segment.
fn trailing_literal(body: &[u8]) -> Option<u64> {
    let inner = body.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").or_else(|| digits.strip_suffix(b"-")).unwrap_or(digits);
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Too many digits to fit is still an announcement: make it fail the size limit.
    Some(parse_digits(digits).unwrap_or(u64::MAX)).filter(|_| !digits.is_empty())
}

// ---------------------------------------------------------------------------------------
// One command on a borrowed connection
// ---------------------------------------------------------------------------------------

/// A command's whole answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// Each untagged data response tokenised, without the leading `*`.
    pub untagged: Vec<Vec<Value>>,
    /// Untagged OK/NO/BAD/PREAUTH lines (`* OK [ALERT] ...`, `* NO [OVERQUOTA] ...`).
    pub notices: Vec<Completion>,
    /// An untagged BYE: the server is closing the connection after this answer.
    pub bye: Option<Completion>,
    /// The tagged completion of our command.
    pub status: Completion,
    /// Bytes arrived after the tagged completion. [`raw_command`] never returns such a
    /// response as `Ok`: it comes inside [`WireError::Desync`].
    pub trailing_bytes: bool,
}

/// What went wrong in [`raw_command`]. After any error the connection is out of step
/// with async-imap (bytes may have been consumed or left unread): it must be dropped.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("cannot send {0:?} to the server: a tag or command must be one line")]
    InvalidCommand(String),
    #[error("the server closed the connection while waiting for the answer to {verb}{}",
        bye.as_ref().map(|b| format!(" ({b})")).unwrap_or_default())]
    Closed { verb: String, bye: Option<Completion> },
    #[error("cannot read the answer to {verb}: {source}")]
    Assemble { verb: String, source: AssembleError },
    #[error("cannot parse the answer to {verb}: {source} in {preview:?}")]
    Parse { verb: String, preview: String, source: ParseError },
    #[error("the answer to {verb} is larger than the limit of {limit} bytes")]
    TooLarge { verb: String, limit: usize },
    #[error("the server asked for more data while answering {verb}; the connection must not be reused")]
    Continuation { verb: String },
    #[error(
        "the server answered with tag {got:?} while waiting for {expected:?} ({verb}); the connection must not be reused"
    )]
    UnexpectedTag { verb: String, expected: String, got: String },
    /// The answer itself is complete and kept here, but more bytes followed it.
    #[error("the server sent unexpected data after the answer to {verb}; the connection must not be reused")]
    Desync { verb: String, response: Box<RawResponse> },
}

/// Sends `TAG command` on a connection that async-imap is not using at the moment, and
/// reads everything up to the tagged completion for `tag`. Each write and read is
/// bounded by `limit`.
///
/// `Ok` means the connection is exactly as async-imap left it (a `NO`/`BAD` completion
/// is `Ok` too: look at `status`). Any `Err` (a [`WireError`] or a timeout) means the
/// connection must not be reused: reconnect.
pub async fn raw_command<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    tag: &str,
    command: &str,
    limit: Duration,
) -> anyhow::Result<RawResponse> {
    raw_command_with(stream, tag, command, limit, Limits::default()).await
}

/// [`raw_command`] with explicit memory [`Limits`].
pub async fn raw_command_with<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    tag: &str,
    command: &str,
    limit: Duration,
    limits: Limits,
) -> anyhow::Result<RawResponse> {
    let verb = verb_of(command);
    if tag.is_empty() || !tag.bytes().all(is_tag_char) || command.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(WireError::InvalidCommand(format!("{tag} {command}")).into());
    }
    let request = format!("{tag} {command}\r\n");
    crate::net::deadline(limit, || format!("sending {verb}"), async {
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await
    })
    .await?;

    let mut assembler = ResponseAssembler::new(limits);
    let mut untagged = Vec::new();
    let mut notices = Vec::new();
    let mut bye = None;
    let mut held = 0usize;
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = crate::net::deadline(limit, || format!("waiting for the answer to {verb}"), stream.read(&mut chunk))
            .await?;
        if n == 0 {
            return Err(WireError::Closed { verb, bye }.into());
        }
        assembler.feed(&chunk[..n]);
        loop {
            let line = match assembler.next_response() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(source) => return Err(WireError::Assemble { verb, source }.into()),
            };
            let response = parse_response(&line).map_err(|source| WireError::Parse {
                verb: verb.clone(),
                preview: preview(&line),
                source,
            })?;
            match response {
                Response::Data(values) => {
                    held = held.saturating_add(weight(&values));
                    if held > limits.max_answer {
                        return Err(WireError::TooLarge { verb, limit: limits.max_answer }.into());
                    }
                    untagged.push(values);
                }
                Response::Status(status) if status.state == State::Bye => bye = Some(status),
                Response::Status(status) => notices.push(status),
                Response::Continuation(_) => return Err(WireError::Continuation { verb }.into()),
                Response::Tagged { tag: got, status } if got == tag => {
                    // The server says nothing after a tagged completion unless asked, so
                    // anything more was meant for someone else: async-imap would never
                    // see it, and the two readers would disagree from here on.
                    let trailing_bytes = assembler.pending() > 0;
                    let response = RawResponse { untagged, notices, bye, status, trailing_bytes };
                    if trailing_bytes {
                        return Err(WireError::Desync { verb, response: Box::new(response) }.into());
                    }
                    return Ok(response);
                }
                Response::Tagged { tag: got, .. } => {
                    return Err(WireError::UnexpectedTag { verb, expected: tag.to_owned(), got }.into());
                }
            }
        }
    }
}

/// The command's name for messages: `STATUS`, `UID SEARCH`.
fn verb_of(command: &str) -> String {
    let mut words = command.split(' ');
    let first = words.next().unwrap_or_default().to_ascii_uppercase();
    match words.next() {
        Some(second) if first == "UID" => format!("UID {}", second.to_ascii_uppercase()),
        _ => first,
    }
}

fn preview(line: &[u8]) -> String {
    let cut = &line[..line.len().min(200)];
    String::from_utf8_lossy(cut).into_owned()
}

/// Rough memory cost of parsed values: their bytes plus what each allocation costs.
fn weight(values: &[Value]) -> usize {
    values
        .iter()
        .map(|v| {
            48 + match v {
                Value::Atom(s) => s.len(),
                Value::Str(b) => b.len(),
                Value::Nil => 0,
                Value::List(items) => weight(items),
            }
        })
        .sum()
}

// ---------------------------------------------------------------------------------------
// Typed readers of untagged responses
// ---------------------------------------------------------------------------------------

/// `LIST (\HasNoChildren \Sent) "/" "Sent"`, with RFC 5258 extended data if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    /// As sent, e.g. `\HasNoChildren`, `\Sent`: compare case-insensitively.
    pub attributes: Vec<String>,
    /// `None` for a flat namespace (`NIL`).
    pub delimiter: Option<char>,
    /// Raw name bytes: modified UTF-7 unless the server accepted UTF-8.
    pub name: Vec<u8>,
    /// `("CHILDINFO" ("SUBSCRIBED"))` as (tag, value) pairs.
    pub extended: Vec<(String, Value)>,
}

/// Reads an untagged `LIST` (or `LSUB`) response; `None` if it is something else or malformed.
pub fn parse_list(values: &[Value]) -> Option<ListEntry> {
    let [keyword, attrs, delimiter, name, rest @ ..] = values else {
        return None;
    };
    if !(keyword.is_atom("LIST") || keyword.is_atom("LSUB")) {
        return None;
    }
    let attributes = attrs
        .as_list()?
        .iter()
        .map(|a| match a {
            Value::Atom(s) => Some(s.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let delimiter = match delimiter {
        Value::Nil => None,
        other => match other.as_bytes()? {
            [b] if b.is_ascii() => Some(char::from(*b)),
            _ => return None,
        },
    };
    let name = name.as_bytes()?.to_vec();
    let extended = match rest {
        [] => Vec::new(),
        [Value::List(items)] if items.len() % 2 == 0 => items
            .chunks_exact(2)
            .map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].clone())))
            .collect::<Option<Vec<_>>>()?,
        _ => return None,
    };
    Some(ListEntry { attributes, delimiter, name, extended })
}

/// `STATUS "Sent" (MESSAGES 3 UNSEEN 0 SIZE 12345)`: the items the server returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusEntry {
    pub name: Vec<u8>,
    pub messages: Option<u64>,
    pub unseen: Option<u64>,
    /// RFC 8438: total size of the mailbox in bytes.
    pub size: Option<u64>,
    pub uidnext: Option<u64>,
    pub uidvalidity: Option<u64>,
    pub recent: Option<u64>,
    pub highestmodseq: Option<u64>,
}

/// Reads an untagged `STATUS` response. Items we do not know are skipped (their values
/// may not be numbers, e.g. `APPENDLIMIT NIL`); a known item without a number makes the
/// whole response malformed (`None`), as guessing would report wrong sizes.
pub fn parse_status(values: &[Value]) -> Option<StatusEntry> {
    let [keyword, name, Value::List(items)] = values else {
        return None;
    };
    if !keyword.is_atom("STATUS") || items.len() % 2 != 0 {
        return None;
    }
    let mut entry = StatusEntry { name: name.as_bytes()?.to_vec(), ..StatusEntry::default() };
    for pair in items.chunks_exact(2) {
        let Value::Atom(item) = &pair[0] else {
            return None;
        };
        let slot = match item.to_ascii_uppercase().as_str() {
            "MESSAGES" => &mut entry.messages,
            "UNSEEN" => &mut entry.unseen,
            "SIZE" => &mut entry.size,
            "UIDNEXT" => &mut entry.uidnext,
            "UIDVALIDITY" => &mut entry.uidvalidity,
            "RECENT" => &mut entry.recent,
            "HIGHESTMODSEQ" => &mut entry.highestmodseq,
            _ => continue,
        };
        *slot = Some(pair[1].as_u64()?);
    }
    Some(entry)
}

/// One resource of a quota root (RFC 9208): `STORAGE` is in KiB, the others are counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaResource {
    /// Upper-cased resource name: `STORAGE`, `MESSAGE`, `MAILBOX`, ...
    pub name: String,
    pub usage: u64,
    pub limit: u64,
}

/// `QUOTA "User quota" (STORAGE 10 100 MESSAGE 3 1000)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quota {
    /// Raw root name (often empty: `""`).
    pub root: Vec<u8>,
    pub resources: Vec<QuotaResource>,
}

pub fn parse_quota(values: &[Value]) -> Option<Quota> {
    let [keyword, root, Value::List(items)] = values else {
        return None;
    };
    if !keyword.is_atom("QUOTA") || items.len() % 3 != 0 {
        return None;
    }
    let resources = items
        .chunks_exact(3)
        .map(|t| {
            let Value::Atom(name) = &t[0] else { return None };
            Some(QuotaResource { name: name.to_ascii_uppercase(), usage: t[1].as_u64()?, limit: t[2].as_u64()? })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Quota { root: root.as_bytes()?.to_vec(), resources })
}

/// `QUOTAROOT INBOX "User quota"`: the roots governing a mailbox (possibly none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaRoot {
    pub mailbox: Vec<u8>,
    pub roots: Vec<Vec<u8>>,
}

pub fn parse_quotaroot(values: &[Value]) -> Option<QuotaRoot> {
    let [keyword, mailbox, roots @ ..] = values else {
        return None;
    };
    if !keyword.is_atom("QUOTAROOT") {
        return None;
    }
    let roots = roots.iter().map(|r| r.as_bytes().map(<[u8]>::to_vec)).collect::<Option<Vec<_>>>()?;
    Some(QuotaRoot { mailbox: mailbox.as_bytes()?.to_vec(), roots })
}

/// `CAPABILITY IMAP4rev1 LITERAL+ ...` (also a `[CAPABILITY ...]` code's values):
/// the capabilities upper-cased, since they compare case-insensitively.
pub fn parse_capability(values: &[Value]) -> Option<Vec<String>> {
    let [keyword, caps @ ..] = values else {
        return None;
    };
    if !keyword.is_atom("CAPABILITY") {
        return None;
    }
    caps.iter()
        .map(|c| match c {
            Value::Atom(s) => Some(s.to_ascii_uppercase()),
            _ => None,
        })
        .collect()
}

/// The result of `SEARCH` or `ESEARCH` (RFC 4731).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// The ESEARCH correlator (`(TAG "A282")`).
    pub tag: Option<String>,
    /// ESEARCH said the numbers are UIDs. Plain SEARCH does not say: the caller knows.
    pub uid: bool,
    /// The matches as a sequence set: ESEARCH `ALL` as sent, or the SEARCH numbers
    /// joined with `,`. Empty when nothing matched.
    pub set: String,
    /// The matches as ranges, without expanding them (`1:4000000000` stays small).
    pub ranges: Vec<RangeInclusive<u64>>,
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub count: Option<u64>,
    /// CONDSTORE: `(MODSEQ n)` in SEARCH, `MODSEQ n` in ESEARCH.
    pub modseq: Option<u64>,
}

impl SearchResult {
    /// How many numbers the ranges hold.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|r| r.end().saturating_sub(*r.start()).saturating_add(1)).fold(0, u64::saturating_add)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
}

pub fn parse_search(values: &[Value]) -> Option<SearchResult> {
    let [keyword, rest @ ..] = values else {
        return None;
    };
    let mut result = SearchResult::default();
    if keyword.is_atom("SEARCH") {
        let mut numbers = Vec::new();
        for v in rest {
            match v {
                Value::List(m) => match m.as_slice() {
                    [k, n] if k.is_atom("MODSEQ") => result.modseq = Some(n.as_u64()?),
                    _ => return None,
                },
                other => numbers.push(other.as_u64().filter(|&n| n > 0)?),
            }
        }
        result.set = numbers.iter().map(u64::to_string).collect::<Vec<_>>().join(",");
        result.ranges = numbers.into_iter().map(|n| n..=n).collect();
        return Some(result);
    }
    if !keyword.is_atom("ESEARCH") {
        return None;
    }
    let mut rest = rest;
    if let [Value::List(correlator), tail @ ..] = rest {
        match correlator.as_slice() {
            [k, v] if k.is_atom("TAG") => result.tag = Some(v.as_str()?.to_owned()),
            _ => return None,
        }
        rest = tail;
    }
    if let [u, tail @ ..] = rest
        && u.is_atom("UID")
    {
        result.uid = true;
        rest = tail;
    }
    if rest.len() % 2 != 0 {
        return None;
    }
    for pair in rest.chunks_exact(2) {
        let Value::Atom(name) = &pair[0] else {
            return None;
        };
        match name.to_ascii_uppercase().as_str() {
            "MIN" => result.min = Some(pair[1].as_u64()?),
            "MAX" => result.max = Some(pair[1].as_u64()?),
            "COUNT" => result.count = Some(pair[1].as_u64()?),
            "MODSEQ" => result.modseq = Some(pair[1].as_u64()?),
            "ALL" => {
                let Value::Atom(set) = &pair[1] else {
                    return None;
                };
                result.ranges = parse_sequence_set(set)?;
                result.set = set.clone();
            }
            // Other return data (PARTIAL, RELEVANCY, ...) is not ours to read.
            _ => {}
        }
    }
    Some(result)
}

/// `1:3,5,9:7` → ranges (reversed bounds normalised). `*` is refused: results never hold it.
pub fn parse_sequence_set(set: &str) -> Option<Vec<RangeInclusive<u64>>> {
    let number = |s: &str| parse_digits(s.as_bytes()).filter(|&n| n > 0);
    set.split(',')
        .map(|part| match part.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                Some(a.min(b)..=a.max(b))
            }
            None => number(part).map(|n| n..=n),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Quoting
// ---------------------------------------------------------------------------------------

/// A mailbox name that cannot be put into a one-line command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the folder name {name:?} contains byte 0x{byte:02x} at offset {offset}, which cannot be sent safely in a command"
)]
pub struct QuoteError {
    /// The name, lossily decoded, for the message.
    pub name: String,
    pub offset: usize,
    pub byte: u8,
}

/// Puts a mailbox name (or any astring argument) into a command as a quoted string.
///
/// Only printable 7-bit bytes are accepted: modified UTF-7 names never hold anything
/// else, and refusing CR, LF, NUL, other controls and 8-bit bytes (rather than sending a
/// literal) is what makes a hostile name unable to end our line and start a command.
/// Always quoting, even `INBOX`, keeps `{5}`, `%`, `*` and spaces inert.
pub fn quote(name: &[u8]) -> Result<String, QuoteError> {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for (offset, &byte) in name.iter().enumerate() {
        if !(0x20..=0x7e).contains(&byte) {
            return Err(QuoteError { name: String::from_utf8_lossy(name).into_owned(), offset, byte });
        }
        if byte == b'"' || byte == b'\\' {
            out.push('\\');
        }
        out.push(char::from(byte));
    }
    out.push('"');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn atom(s: &str) -> Value {
        Value::Atom(s.to_owned())
    }

    fn string(s: &str) -> Value {
        Value::Str(s.as_bytes().to_vec())
    }

    fn data(line: &[u8]) -> Vec<Value> {
        match parse_response(line).unwrap() {
            Response::Data(v) => v,
            other => panic!("not data: {other:?}"),
        }
    }

    // --- tokenizer ---

    #[test]
    fn tokenizes_list_response() {
        let v = tokenize(br#"LIST (\HasNoChildren \Sent) "/" "Sent""#).unwrap();
        assert_eq!(
            v,
            vec![atom("LIST"), Value::List(vec![atom("\\HasNoChildren"), atom("\\Sent")]), string("/"), string("Sent")]
        );
    }

    #[test]
    fn quoted_escapes_and_8bit() {
        let v = tokenize(b"\"a\\\"b\\\\c\" \"caf\xc3\xa9\" \"\xff\"").unwrap();
        assert_eq!(v[0], Value::Str(b"a\"b\\c".to_vec()));
        assert_eq!(v[1], Value::Str("café".as_bytes().to_vec()));
        assert_eq!(v[2], Value::Str(vec![0xff]));
        assert_eq!(v[1].as_str(), Some("café"));
        assert_eq!(v[2].as_str(), None);
    }

    #[test]
    fn unknown_escape_keeps_backslash() {
        assert_eq!(tokenize(br#""a\b""#).unwrap(), vec![string("a\\b")]);
    }

    #[test]
    fn literals_plain_nonsync_and_binary() {
        let v = tokenize(b"{3}\r\na b {2+}\r\n\") ~{2}\r\n\x00\x01 x").unwrap();
        assert_eq!(
            v,
            vec![Value::Str(b"a b".to_vec()), Value::Str(b"\")".to_vec()), Value::Str(vec![0, 1]), atom("x")]
        );
        assert_eq!(tokenize(b"{0}\r\n").unwrap(), vec![Value::Str(vec![])]);
    }

    #[test]
    fn nil_nesting_and_brackets() {
        let v = tokenize(b"nil ((a) () (b (c))) BODY[HEADER.FIELDS (SUBJECT)]<0> \\*").unwrap();
        assert_eq!(v[0], Value::Nil);
        assert_eq!(v[1].as_list().unwrap().len(), 3);
        assert_eq!(v[2], atom("BODY[HEADER.FIELDS (SUBJECT)]<0>"));
        assert_eq!(v[3], atom("\\*"));
    }

    #[test]
    fn value_helpers() {
        assert_eq!(atom("12345").as_u64(), Some(12345));
        assert_eq!(atom("+1").as_u64(), None);
        assert_eq!(atom("99999999999999999999999").as_u64(), None);
        assert_eq!(string("1").as_u64(), None);
        assert!(atom("list").is_atom("LIST"));
        assert!(!string("LIST").is_atom("LIST"));
        assert_eq!(Value::List(vec![atom("A"), string("b\"c"), Value::Nil]).to_string(), r#"(A "b\"c" NIL)"#);
    }

    #[test]
    fn errors_carry_offsets() {
        let cases: &[(&[u8], usize, ParseErrorKind)] = &[
            (b"a \"abc", 2, ParseErrorKind::UnterminatedString),
            (b"a (b c", 2, ParseErrorKind::UnclosedList),
            (b"a b)", 3, ParseErrorKind::UnbalancedParen),
            (b"x {5}\r\nab", 2, ParseErrorKind::ShortLiteral { announced: 5, available: 2 }),
            (b"x {5\r\nab", 2, ParseErrorKind::BadLiteral),
            (b"x {}\r\n", 2, ParseErrorKind::BadLiteral),
            (b"x {99999999999999999999999}\r\n", 2, ParseErrorKind::BadLiteral),
            (b"x \xff\xfe", 2, ParseErrorKind::InvalidUtf8),
            (b"x \r", 2, ParseErrorKind::UnexpectedByte(b'\r')),
        ];
        for (input, offset, kind) in cases {
            let e = tokenize(input).unwrap_err();
            assert_eq!((e.offset, &e.kind), (*offset, kind), "{:?}", String::from_utf8_lossy(input));
        }
        assert_eq!(tokenize(b"\"a\\").unwrap_err().kind, ParseErrorKind::UnterminatedString);
    }

    /// `[` is an atom character (RFC 3501: only `]` is a resp-special): Dovecot sends a
    /// mailbox name like `esc&ABs-[2J` as a bare atom, and it must not stop a LIST.
    #[test]
    fn an_open_bracket_without_a_section_is_part_of_the_atom() {
        let v = tokenize(b"LIST () \"/\" esc&ABs-[2J").unwrap();
        assert_eq!(v[3], Value::Atom("esc&ABs-[2J".into()));
        assert_eq!(tokenize(b"x BODY[abc").unwrap()[1], Value::Atom("BODY[abc".into()));
        let v = tokenize(b"a[b (c)").unwrap();
        assert_eq!(v[0], Value::Atom("a[b".into()));
        assert_eq!(v[1], Value::List(vec![Value::Atom("c".into())]));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let mut input = vec![b'('; 100_000];
        input.extend(vec![b')'; 100_000]);
        assert_eq!(tokenize(&input).unwrap_err().kind, ParseErrorKind::TooDeep);
        let ok = format!("{}{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(tokenize(ok.as_bytes()).is_ok());
    }

    #[test]
    fn never_panics_on_arbitrary_bytes() {
        // A cheap deterministic fuzz: every short sequence over the bytes that matter.
        let alphabet: &[u8] = b"(){}[]\"\\~+ \r\n0129aN*\xff";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 12) as usize;
            let input: Vec<u8> =
                (0..len).map(|i| alphabet[((seed >> (i * 5)) % alphabet.len() as u64) as usize]).collect();
            let _ = tokenize(&input);
            let _ = parse_response(&input);
            for limits in [Limits { max_line: 8, max_literal: 8, max_answer: 8 }, Limits::default()] {
                let mut asm = ResponseAssembler::new(limits);
                for b in &input {
                    asm.feed(std::slice::from_ref(b));
                    while let Ok(Some(line)) = asm.next_response() {
                        let _ = parse_response(&line);
                    }
                }
            }
        }
    }

    // --- responses ---

    #[test]
    fn parses_tagged_and_untagged_status() {
        let r = parse_response(b"MS1 OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).").unwrap();
        let Response::Tagged { tag, status } = r else { panic!() };
        assert_eq!(tag, "MS1");
        assert_eq!(status.state, State::Ok);
        assert_eq!(status.code.as_deref(), Some("READ-ONLY"));
        assert_eq!(status.text, "Examine completed (0.001 + 0.000 secs).");
        assert_eq!(status.to_string(), "OK [READ-ONLY] Examine completed (0.001 + 0.000 secs).");

        let Response::Status(s) = parse_response(b"* ok [PERMANENTFLAGS (\\Seen \\*)] Limited").unwrap() else {
            panic!()
        };
        assert_eq!(s.code_values, Some(vec![atom("PERMANENTFLAGS"), Value::List(vec![atom("\\Seen"), atom("\\*")])]));

        let Response::Status(s) = parse_response(b"* BYE").unwrap() else { panic!() };
        assert_eq!((s.state, s.code, s.text.as_str()), (State::Bye, None, ""));

        let Response::Tagged { status, .. } = parse_response(b"A1 NO [BADCHARSET (\"]\")] no").unwrap() else {
            panic!()
        };
        assert_eq!(status.code.as_deref(), Some("BADCHARSET (\"]\")"));
        assert_eq!(status.text, "no");

        let Response::Status(s) = parse_response(b"* OK [REFERRAL imap://[::1]/] go").unwrap() else { panic!() };
        assert_eq!(s.code.as_deref(), Some("REFERRAL imap://[::1]/"));

        // Free text in a code is kept as text even though it does not tokenise.
        let Response::Status(s) = parse_response(b"* NO [ALERT \"x] over quota").unwrap() else { panic!() };
        assert_eq!((s.code.as_deref(), s.text.as_str()), (Some("ALERT \"x"), "over quota"));
        assert_eq!(s.code_values, None);
        let Response::Tagged { status, .. } = parse_response(b"A1 OK [x").unwrap() else { panic!() };
        assert_eq!((status.code, status.text.as_str()), (None, "[x"));
    }

    #[test]
    fn parses_data_and_continuation() {
        assert_eq!(data(b"* 3 EXISTS"), vec![atom("3"), atom("EXISTS")]);
        assert_eq!(parse_response(b"+ Ready").unwrap(), Response::Continuation("Ready".into()));
        assert_eq!(parse_response(b"+").unwrap(), Response::Continuation(String::new()));
    }

    #[test]
    fn rejects_malformed_status_lines() {
        assert_eq!(parse_response(b"").unwrap_err().kind, ParseErrorKind::Empty);
        assert_eq!(parse_response(b"A1 PREAUTH x").unwrap_err().kind, ParseErrorKind::BadCondition);
        assert_eq!(parse_response(b"A1 FETCH x").unwrap_err().kind, ParseErrorKind::BadCondition);
        assert_eq!(parse_response(b"A1").unwrap_err().kind, ParseErrorKind::UnexpectedEnd);
        assert_eq!(parse_response(b"(x OK").unwrap_err().kind, ParseErrorKind::MissingTag);
        assert_eq!(parse_response(b"*x").unwrap_err().kind, ParseErrorKind::UnexpectedByte(b'x'));
    }

    // --- assembler ---

    const STREAM: &[u8] =
        b"* LIST () \"/\" {10}\r\nfoo\r\n{3}\r\n\r\n* STATUS {10}\r\nfoo\r\n{3}\r\n (MESSAGES 1 SIZE 7)\r\n\
* OK [ALERT] text ends like a literal {5}\r\n\
+ also {2}\r\n\
* NO [BADCHARSET ({3}\r\na]b)] x\r\n\
MS1 OK done\r\n";

    fn expected() -> Vec<Vec<u8>> {
        vec![
            b"* LIST () \"/\" {10}\r\nfoo\r\n{3}\r\n".to_vec(),
            b"* STATUS {10}\r\nfoo\r\n{3}\r\n (MESSAGES 1 SIZE 7)".to_vec(),
            b"* OK [ALERT] text ends like a literal {5}".to_vec(),
            b"+ also {2}".to_vec(),
            b"* NO [BADCHARSET ({3}\r\na]b)] x".to_vec(),
            b"MS1 OK done".to_vec(),
        ]
    }

    fn drain(asm: &mut ResponseAssembler, out: &mut Vec<Vec<u8>>) {
        while let Some(r) = asm.next_response().unwrap() {
            out.push(r);
        }
    }

    #[test]
    fn assembles_split_at_every_boundary() {
        for cut in 0..=STREAM.len() {
            let mut asm = ResponseAssembler::new(Limits::default());
            let mut out = Vec::new();
            asm.feed(&STREAM[..cut]);
            drain(&mut asm, &mut out);
            asm.feed(&STREAM[cut..]);
            drain(&mut asm, &mut out);
            assert_eq!(out, expected(), "cut at {cut}");
            assert_eq!(asm.pending(), 0);
        }
        let mut asm = ResponseAssembler::new(Limits::default());
        let mut out = Vec::new();
        for b in STREAM {
            asm.feed(std::slice::from_ref(b));
            drain(&mut asm, &mut out);
        }
        assert_eq!(out, expected());

        let Response::Data(list) = parse_response(&out[0]).unwrap() else { panic!() };
        assert_eq!(parse_list(&list).unwrap().name, b"foo\r\n{3}\r\n");
        let Response::Status(no) = parse_response(&out[4]).unwrap() else { panic!() };
        assert_eq!(no.code_values, Some(vec![atom("BADCHARSET"), Value::List(vec![string("a]b")])]));
        assert_eq!(no.text, "x");
    }

    #[test]
    fn assembler_tolerates_bare_lf_and_reports_pending() {
        let mut asm = ResponseAssembler::new(Limits::default());
        asm.feed(b"* SEARCH {1}\n2\nMS1 OK x\n* 1 EX");
        assert_eq!(asm.next_response().unwrap(), Some(b"* SEARCH {1}\n2".to_vec()));
        assert_eq!(data(b"* SEARCH {1}\n2"), vec![atom("SEARCH"), string("2")]);
        assert_eq!(asm.next_response().unwrap(), Some(b"MS1 OK x".to_vec()));
        assert_eq!(asm.next_response().unwrap(), None);
        assert_eq!(asm.pending(), 6);
    }

    #[test]
    fn assembler_limits() {
        let limits = Limits { max_line: 16, max_literal: 10, max_answer: 1 << 20 };
        let mut asm = ResponseAssembler::new(limits);
        asm.feed(b"* 0123456789abcdefgh");
        assert_eq!(asm.next_response(), Err(AssembleError::LineTooLong { limit: 16 }));
        assert!(asm.next_response().is_err(), "stays failed");

        let mut asm = ResponseAssembler::new(limits);
        asm.feed(b"* X {11}\r\n");
        assert_eq!(asm.next_response(), Err(AssembleError::LiteralTooLarge { announced: 11, limit: 10 }));

        // Many small literals add up against the same bound.
        let mut asm = ResponseAssembler::new(limits);
        asm.feed(b"* X {6}\r\n123456 {6}\r\n");
        assert_eq!(asm.next_response(), Err(AssembleError::LiteralTooLarge { announced: 6, limit: 10 }));

        let mut asm = ResponseAssembler::new(Limits { max_line: 64, ..limits });
        asm.feed(b"* X {99999999999999999999999}\r\n");
        assert!(matches!(asm.next_response(), Err(AssembleError::LiteralTooLarge { .. })));

        // The line limit counts bytes outside literals only.
        let mut asm = ResponseAssembler::new(limits);
        asm.feed(b"* X {10}\r\n0123456789\r\n");
        assert!(asm.next_response().unwrap().is_some());
    }

    // --- raw_command over an in-memory connection ---

    /// Plays the server: expects `request`, answers `answer` in one write, then waits
    /// for the client to hang up.
    fn serve(
        capacity: usize,
        request: &'static [u8],
        answer: &'static [u8],
    ) -> (tokio::io::DuplexStream, tokio::task::JoinHandle<()>) {
        let (client, mut server) = tokio::io::duplex(capacity);
        let task = tokio::spawn(async move {
            let mut got = vec![0u8; request.len()];
            server.read_exact(&mut got).await.unwrap();
            assert_eq!(got, request);
            server.write_all(answer).await.unwrap();
            let mut rest = Vec::new();
            let _ = server.read_to_end(&mut rest).await;
        });
        (client, task)
    }

    const LIST_STATUS: &[u8] = b"* LIST (\\HasNoChildren) \"/\" INBOX\r\n\
* STATUS INBOX (MESSAGES 3 SIZE 12345)\r\n\
* LIST (\\HasNoChildren \\Sent) \"/\" {4}\r\nSent\r\n\
* STATUS {4}\r\nSent (MESSAGES 0 SIZE 0)\r\n\
* OK [ALERT] quota nearly full\r\n\
MS7 OK List completed.\r\n";

    #[tokio::test]
    async fn list_status_byte_by_byte() {
        // A one-byte pipe hands every read a single byte.
        for capacity in [1, 3, 64 * 1024] {
            let (mut client, task) =
                serve(capacity, b"MS7 LIST \"\" \"*\" RETURN (STATUS (MESSAGES SIZE))\r\n", LIST_STATUS);
            let r = raw_command(
                &mut client,
                "MS7",
                "LIST \"\" \"*\" RETURN (STATUS (MESSAGES SIZE))",
                Duration::from_secs(5),
            )
            .await
            .unwrap();
            drop(client);
            task.await.unwrap();
            assert!(r.status.is_ok());
            assert!(!r.trailing_bytes);
            assert_eq!(r.untagged.len(), 4);
            assert_eq!(parse_list(&r.untagged[0]).unwrap().name, b"INBOX");
            let sent = parse_list(&r.untagged[2]).unwrap();
            assert_eq!((sent.name.as_slice(), sent.delimiter), (&b"Sent"[..], Some('/')));
            let inbox = parse_status(&r.untagged[1]).unwrap();
            assert_eq!((inbox.messages, inbox.size), (Some(3), Some(12345)));
            assert_eq!(parse_status(&r.untagged[3]).unwrap().name, b"Sent");
            assert_eq!(r.notices.len(), 1);
            assert_eq!(r.notices[0].code.as_deref(), Some("ALERT"));
        }
    }

    #[tokio::test]
    async fn no_completion_is_ok_and_keeps_the_connection() {
        let (mut client, task) =
            serve(1024, b"MS2 STATUS \"x\" (SIZE)\r\n", b"MS2 NO [NONEXISTENT] Mailbox doesn't exist: x\r\n");
        let r = raw_command(&mut client, "MS2", "STATUS \"x\" (SIZE)", Duration::from_secs(5)).await.unwrap();
        drop(client);
        task.await.unwrap();
        assert_eq!(r.status.state, State::No);
        assert_eq!(r.status.to_string(), "NO [NONEXISTENT] Mailbox doesn't exist: x");
    }

    #[tokio::test]
    async fn trailing_bytes_are_a_desync() {
        let (mut client, task) =
            serve(1024, b"MS3 STATUS INBOX (SIZE)\r\n", b"* STATUS INBOX (SIZE 5)\r\nMS3 OK done\r\n* 4 EXISTS\r\n");
        let e = raw_command(&mut client, "MS3", "STATUS INBOX (SIZE)", Duration::from_secs(5)).await.unwrap_err();
        drop(client);
        task.await.unwrap();
        assert!(e.to_string().contains("must not be reused"), "{e}");
        let Some(WireError::Desync { response, .. }) = e.downcast_ref::<WireError>() else { panic!("{e:?}") };
        assert!(response.trailing_bytes);
        assert_eq!(parse_status(&response.untagged[0]).unwrap().size, Some(5));
    }

    #[tokio::test]
    async fn partial_trailing_bytes_are_a_desync_too() {
        let (mut client, task) = serve(1024, b"MS3 NOOP\r\n", b"MS3 OK done\r\n*");
        let e = raw_command(&mut client, "MS3", "NOOP", Duration::from_secs(5)).await.unwrap_err();
        drop(client);
        task.await.unwrap();
        assert!(matches!(e.downcast_ref::<WireError>(), Some(WireError::Desync { .. })));
    }

    #[tokio::test]
    async fn eof_and_bye() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        let task = tokio::spawn(async move {
            let mut got = [0u8; 10];
            server.read_exact(&mut got).await.unwrap();
            server.write_all(b"* BYE Server shutting down\r\n").await.unwrap();
        });
        let e = raw_command(&mut client, "MS4", "NOOP", Duration::from_secs(5)).await.unwrap_err();
        task.await.unwrap();
        assert_eq!(
            e.to_string(),
            "the server closed the connection while waiting for the answer to NOOP (BYE Server shutting down)"
        );
    }

    #[tokio::test]
    async fn bye_before_logout_completion_is_surfaced() {
        let (mut client, task) = serve(1024, b"MS5 LOGOUT\r\n", b"* BYE Logging out\r\nMS5 OK Logout completed.\r\n");
        let r = raw_command(&mut client, "MS5", "LOGOUT", Duration::from_secs(5)).await.unwrap();
        drop(client);
        task.await.unwrap();
        assert_eq!(r.bye.map(|b| b.text), Some("Logging out".to_owned()));
    }

    #[tokio::test]
    async fn stalled_server_times_out() {
        let (mut client, _server) = tokio::io::duplex(1024);
        let e = raw_command(&mut client, "MS6", "STATUS INBOX (SIZE)", Duration::from_millis(50)).await.unwrap_err();
        assert!(e.to_string().contains("while waiting for the answer to STATUS"), "{e}");
        assert!(e.to_string().starts_with("timed out after"), "{e}");
    }

    #[tokio::test]
    async fn other_tags_and_continuations_are_errors() {
        let (mut client, task) = serve(1024, b"MS8 NOOP\r\n", b"A0001 OK stray\r\n");
        let e = raw_command(&mut client, "MS8", "NOOP", Duration::from_secs(5)).await.unwrap_err();
        drop(client);
        task.await.unwrap();
        assert!(matches!(e.downcast_ref::<WireError>(), Some(WireError::UnexpectedTag { .. })), "{e}");

        let (mut client, task) = serve(1024, b"MS9 NOOP\r\n", b"+ go on\r\n");
        let e = raw_command(&mut client, "MS9", "NOOP", Duration::from_secs(5)).await.unwrap_err();
        drop(client);
        task.await.unwrap();
        assert!(matches!(e.downcast_ref::<WireError>(), Some(WireError::Continuation { .. })), "{e}");
    }

    #[tokio::test]
    async fn refuses_multiline_commands_before_writing() {
        let (mut client, _server) = tokio::io::duplex(1024);
        for (tag, cmd) in [("MS1", "NOOP\r\nA1 LOGOUT"), ("MS 1", "NOOP"), ("", "NOOP"), ("MS+", "NOOP")] {
            let e = raw_command(&mut client, tag, cmd, Duration::from_secs(1)).await.unwrap_err();
            assert!(matches!(e.downcast_ref::<WireError>(), Some(WireError::InvalidCommand(_))), "{tag} {cmd}");
        }
    }

    #[tokio::test]
    async fn answer_budget_is_enforced() {
        let (mut client, task) = serve(1024, b"MS1 SEARCH ALL\r\n", b"* SEARCH 1 2 3 4 5 6 7 8 9\r\nMS1 OK\r\n");
        let limits = Limits { max_answer: 100, ..Limits::default() };
        let e = raw_command_with(&mut client, "MS1", "SEARCH ALL", Duration::from_secs(5), limits).await.unwrap_err();
        drop(client);
        task.await.unwrap();
        assert!(matches!(e.downcast_ref::<WireError>(), Some(WireError::TooLarge { .. })), "{e}");
    }

    // --- typed readers ---

    #[test]
    fn list_variants() {
        let e = parse_list(&data(br#"* LIST (\HasNoChildren \Sent) "/" "Sent""#)).unwrap();
        assert_eq!(e.attributes, vec!["\\HasNoChildren", "\\Sent"]);
        assert_eq!((e.delimiter, e.name.as_slice()), (Some('/'), &b"Sent"[..]));
        let e = parse_list(&data(b"* LIST (\\Noselect) NIL \"\"")).unwrap();
        assert_eq!((e.delimiter, e.name.as_slice()), (None, &b""[..]));
        let e = parse_list(&data(b"* LIST () \".\" INBOX")).unwrap();
        assert_eq!(e.name, b"INBOX");
        let e = parse_list(&data(b"* LIST () \"\\\\\" \"a\\\\b\"")).unwrap();
        assert_eq!((e.delimiter, e.name.as_slice()), (Some('\\'), &b"a\\b"[..]));
        let e = parse_list(&data(b"* LIST (\\Subscribed) \"/\" \"Foo\" (\"CHILDINFO\" (\"SUBSCRIBED\"))")).unwrap();
        assert_eq!(e.extended, vec![("CHILDINFO".to_owned(), Value::List(vec![string("SUBSCRIBED")]))]);
        assert!(parse_list(&data(b"* LSUB () \"/\" x")).is_some());
        assert!(parse_list(&data(b"* LIST () \"//\" x")).is_none());
        assert!(parse_list(&data(b"* LIST x \"/\" x")).is_none());
        assert!(parse_list(&data(b"* STATUS x (MESSAGES 1)")).is_none());
        assert!(parse_list(&data(b"* LIST () \"/\"")).is_none());
    }

    #[test]
    fn status_variants() {
        let s = parse_status(&data(b"* STATUS \"Sent\" (MESSAGES 3 UNSEEN 0 SIZE 12345)")).unwrap();
        assert_eq!(
            s,
            StatusEntry {
                name: b"Sent".to_vec(),
                messages: Some(3),
                unseen: Some(0),
                size: Some(12345),
                ..StatusEntry::default()
            }
        );
        let s = parse_status(&data(
            b"* status INBOX (uidnext 44 UIDVALIDITY 1700000000 RECENT 1 HIGHESTMODSEQ 99 APPENDLIMIT NIL)",
        ))
        .unwrap();
        assert_eq!(
            (s.uidnext, s.uidvalidity, s.recent, s.highestmodseq),
            (Some(44), Some(1700000000), Some(1), Some(99))
        );
        assert_eq!(parse_status(&data(b"* STATUS x ()")).unwrap().messages, None);
        assert!(parse_status(&data(b"* STATUS x (SIZE)")).is_none());
        assert!(parse_status(&data(b"* STATUS x (SIZE -1)")).is_none());
        assert!(parse_status(&data(b"* STATUS x (SIZE NIL)")).is_none());
    }

    #[test]
    fn quota_and_quotaroot() {
        let q = parse_quota(&data(b"* QUOTA \"User quota\" (STORAGE 10 100 message 3 1000)")).unwrap();
        assert_eq!(q.root, b"User quota");
        assert_eq!(
            q.resources,
            vec![
                QuotaResource { name: "STORAGE".into(), usage: 10, limit: 100 },
                QuotaResource { name: "MESSAGE".into(), usage: 3, limit: 1000 }
            ]
        );
        assert_eq!(parse_quota(&data(b"* QUOTA \"\" ()")).unwrap().resources, vec![]);
        assert!(parse_quota(&data(b"* QUOTA \"\" (STORAGE 10)")).is_none());
        let r = parse_quotaroot(&data(b"* QUOTAROOT INBOX \"User quota\" \"\"")).unwrap();
        assert_eq!((r.mailbox, r.roots), (b"INBOX".to_vec(), vec![b"User quota".to_vec(), b"".to_vec()]));
        assert_eq!(parse_quotaroot(&data(b"* QUOTAROOT INBOX")).unwrap().roots, Vec::<Vec<u8>>::new());
    }

    #[test]
    fn capability() {
        let caps = parse_capability(&data(b"* CAPABILITY IMAP4rev1 literal+ STATUS=SIZE LIST-STATUS")).unwrap();
        assert_eq!(caps, vec!["IMAP4REV1", "LITERAL+", "STATUS=SIZE", "LIST-STATUS"]);
        let Response::Status(ok) = parse_response(b"* OK [CAPABILITY IMAP4rev1 IDLE] ready").unwrap() else { panic!() };
        assert_eq!(parse_capability(&ok.code_values.unwrap()).unwrap(), vec!["IMAP4REV1", "IDLE"]);
    }

    #[test]
    fn search_and_esearch() {
        let s = parse_search(&data(b"* SEARCH 2 3 7")).unwrap();
        assert_eq!((s.set.as_str(), s.len()), ("2,3,7", 3));
        let s = parse_search(&data(b"* SEARCH")).unwrap();
        assert!(s.is_empty() && s.set.is_empty());
        assert_eq!(parse_search(&data(b"* SEARCH 2 (MODSEQ 917162500)")).unwrap().modseq, Some(917162500));
        let s = parse_search(&data(b"* ESEARCH (TAG \"MS1\") UID COUNT 4 ALL 1:3,5 MIN 1 MAX 5")).unwrap();
        assert_eq!(s.tag.as_deref(), Some("MS1"));
        assert!(s.uid);
        assert_eq!((s.count, s.min, s.max), (Some(4), Some(1), Some(5)));
        assert_eq!(s.set, "1:3,5");
        assert_eq!(s.ranges, vec![1..=3, 5..=5]);
        assert_eq!(s.len(), 4);
        let s = parse_search(&data(b"* ESEARCH UID ALL 1:4294967295")).unwrap();
        assert_eq!(s.len(), 4294967295);
        assert!(parse_search(&data(b"* ESEARCH (TAG \"MS1\") UID")).unwrap().is_empty());
        assert!(parse_search(&data(b"* ESEARCH ALL 1:*")).is_none());
        assert!(parse_search(&data(b"* SEARCH 0")).is_none());
        assert_eq!(parse_sequence_set("9:7"), Some(vec![7..=9]));
        assert_eq!(parse_sequence_set(""), None);
    }

    // --- quoting ---

    #[test]
    fn quote_plain_and_escaped() {
        assert_eq!(quote(b"Sent").unwrap(), "\"Sent\"");
        assert_eq!(quote(b"").unwrap(), "\"\"");
        assert_eq!(quote(b"..").unwrap(), "\"..\"");
        assert_eq!(quote(b"{5}").unwrap(), "\"{5}\"");
        assert_eq!(quote(b"a\\b").unwrap(), r#""a\\b""#);
        assert_eq!(quote(b"&AOk-t&AOk-").unwrap(), "\"&AOk-t&AOk-\"");
    }

    #[test]
    fn hostile_names_cannot_inject_commands() {
        // The quote inside the name is escaped, so the whole thing stays one string.
        let q = quote(br#"a" DELETE "INBOX"#).unwrap();
        assert_eq!(q, r#""a\" DELETE \"INBOX""#);
        assert_eq!(tokenize(q.as_bytes()).unwrap(), vec![string(r#"a" DELETE "INBOX"#)]);
        let q = quote(b"x\\\" y").unwrap();
        assert_eq!(tokenize(q.as_bytes()).unwrap(), vec![string("x\\\" y")]);

        let e = quote(b"a\r\nA1 LOGOUT").unwrap_err();
        assert_eq!((e.offset, e.byte), (1, b'\r'));
        assert!(e.to_string().contains("cannot be sent safely"), "{e}");
        for bad in [&b"a\nb"[..], b"a\0b", b"caf\xc3\xa9", b"\x7f", b"tab\there"] {
            assert!(quote(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn verb_for_messages() {
        assert_eq!(verb_of("status \"x\" (SIZE)"), "STATUS");
        assert_eq!(verb_of("uid search all"), "UID SEARCH");
    }
}
