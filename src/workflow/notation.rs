//! Dot notation: addressing values inside the workflow context.
//!
//! A *dot path* is `source@path`, where `source` is one of `profile`, `session`,
//! `event`, `payload`, `flow` or `memory` (case-insensitive) and `path` is a list of
//! segments separated by `.`:
//!
//! * plain keys: `profile@data.pii.firstname`
//! * numeric segments, which index lists (and look up the key `"0"` in objects):
//!   `payload@items.0`; `payload@items[0]` is the same
//! * quoted keys for anything else: `profile@traits["my key"]` (`'…'` works too;
//!   `\"`, `\\`, `\n`, `\t`, `\r`, `\/`, `\'` and `\uXXXX` escapes are understood)
//! * an empty path, `profile@`, which means the whole source object.
//!
//! A string that is not a dot path (`"text"`, `"xxx@y"` with an unknown source, `""`)
//! is a *literal*: [`DotContext::resolve`] returns it as it is. Reading a path that does
//! not resolve gives "missing" (`None` from [`DotContext::get`]), which is distinct from
//! a present `null`.
//!
//! ```text
//! DotPath::parse(&str) -> Option<DotPath>            None = the string is a literal
//! DotContext::get(&DotPath) -> Option<&Value>        None = missing
//! DotContext::get_str(&str) -> Option<&Value>        None = missing or not a dot path
//! DotContext::set(&DotPath, Value) -> Result<(), NotationError>
//! DotContext::delete(&DotPath) -> Result<Option<Value>, NotationError>
//! DotContext::resolve(&Value) -> Resolved            literal, found value or missing
//! DotContext::render_template(&str) -> String        "Hello {{profile@data.pii.firstname}}"
//! DotContext::render_object(&Value, &TemplateOptions) -> Result<Value, NotationError>
//! ```
//!
//! Writing creates missing (or `null`) intermediate objects, and sets list elements by
//! index where the list exists (an index equal to the length appends).
//!
//! Templates:
//!
//! * text templates replace every `{{ dot path }}` with the value found there: strings
//!   as they are, missing and `null` as the empty string, anything else as JSON text.
//!   A `{{…}}` whose content is not a dot path is left untouched.
//! * object templates walk a JSON value; every string leaf that is a dot path is
//!   replaced by the value found there, a backtick-quoted leaf is cast
//!   (`` `true` `` → `true`, `` `10` `` → `10`, `` `text` `` → `"text"`), and any other
//!   string leaf containing `{{` is rendered as a text template (ours). A key ending in
//!   `?` is optional: the `?` is dropped and the key is left out when its value is
//!   missing or empty (`null`, `""`, `[]`, `{}`). For other missing values
//!   [`TemplateOptions::on_missing`] chooses between an error and a default value, and
//!   [`TemplateOptions::drop_null`] leaves out `null` results (object entries and list
//!   elements alike).

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use thiserror::Error;

/// Errors from writing, deleting and rendering with dot paths.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NotationError {
    /// An object template referred to a path that does not resolve.
    #[error("missing value at `{path}` (template key `{key}`)")]
    Missing { path: String, key: String },
    /// A write had to go through a value that is neither an object nor a list.
    #[error("cannot write `{path}`: `{at}` holds {found}, not an object or a list")]
    NotAContainer {
        path: String,
        at: String,
        found: &'static str,
    },
    /// A write addressed a list element past the end of the list.
    #[error("cannot write `{path}`: index {index} is out of range for a list of length {len}")]
    IndexOutOfRange {
        path: String,
        index: usize,
        len: usize,
    },
    /// A list was addressed with a key that is not a number.
    #[error("cannot write `{path}`: `{key}` is not a list index")]
    NotAnIndex { path: String, key: String },
    /// `delete` was asked to remove a whole source (`profile@`).
    #[error("cannot delete the whole source `{path}`; set it instead")]
    DeleteRoot { path: String },
}

/// The place a dot path starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DotSource {
    Profile,
    Session,
    Event,
    Payload,
    Flow,
    Memory,
}

impl DotSource {
    /// All sources, in the order they are documented.
    pub const ALL: [DotSource; 6] = [
        DotSource::Profile,
        DotSource::Session,
        DotSource::Event,
        DotSource::Payload,
        DotSource::Flow,
        DotSource::Memory,
    ];

    /// The canonical (lower-case) name.
    pub fn name(self) -> &'static str {
        match self {
            DotSource::Profile => "profile",
            DotSource::Session => "session",
            DotSource::Event => "event",
            DotSource::Payload => "payload",
            DotSource::Flow => "flow",
            DotSource::Memory => "memory",
        }
    }

    /// Looks a source up by name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<DotSource> {
        DotSource::ALL
            .into_iter()
            .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for DotSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One step of a dot path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// An object key.
    Key(String),
    /// A list index; on an object it looks up the key spelled as the number.
    Index(usize),
}

/// A parsed `source@path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DotPath {
    pub source: DotSource,
    pub segments: Vec<Segment>,
}

/// How strict path syntax is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathSyntax {
    /// Inside TQL: plain segments are letters, digits, `_` and `-`, so that operators
    /// and parentheses end the path.
    Strict,
    /// A whole string: plain segments may hold any character but `.`, brackets, quotes,
    /// braces and whitespace.
    Loose,
}

/// Why a path (or a quoted string) could not be read; `at` is a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub at: usize,
    pub message: String,
}

fn syntax_error(at: usize, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        at,
        message: message.into(),
    }
}

fn is_plain_char(c: char, syntax: PathSyntax) -> bool {
    match syntax {
        PathSyntax::Strict => c.is_alphanumeric() || c == '_' || c == '-',
        PathSyntax::Loose => {
            !c.is_whitespace()
                && !c.is_control()
                && !matches!(c, '.' | '[' | ']' | '"' | '\'' | '{' | '}')
        }
    }
}

/// A key that prints without quotes and reads back as the same key in both syntaxes.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| is_plain_char(c, PathSyntax::Strict))
        && !key.bytes().all(|b| b.is_ascii_digit())
}

/// A segment made of digits only: an index when canonical (`0`, `12`), else a key.
fn numeric_segment(text: &str) -> Segment {
    let canonical = text == "0" || !text.starts_with('0');
    match text.parse::<usize>() {
        Ok(i) if canonical => Segment::Index(i),
        _ => Segment::Key(text.to_string()),
    }
}

/// Reads a quoted string starting at byte `start` (which holds `"` or `'`).
/// Returns the unescaped text and the offset just past the closing quote.
pub(crate) fn scan_quoted(input: &str, start: usize) -> Result<(String, usize), SyntaxError> {
    let rest = &input[start..];
    let mut chars = rest.char_indices();
    let quote = match chars.next() {
        Some((_, q @ ('"' | '\''))) => q,
        _ => return Err(syntax_error(start, "expected a quote")),
    };
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return Ok((out, start + i + c.len_utf8()));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((j, e)) = chars.next() else {
            break;
        };
        match e {
            '"' | '\'' | '\\' | '/' => out.push(e),
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            'u' => {
                let hex: String = rest[j + 1..].chars().take(4).collect();
                let code = (hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()))
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .and_then(char::from_u32);
                match code {
                    Some(ch) => out.push(ch),
                    None => {
                        return Err(syntax_error(
                            start + i,
                            "invalid \\u escape (expected 4 hex digits of a valid character)",
                        ));
                    }
                }
                for _ in 0..4 {
                    chars.next();
                }
            }
            other => {
                return Err(syntax_error(
                    start + i,
                    format!("invalid escape `\\{other}`"),
                ));
            }
        }
    }
    Err(syntax_error(start, "unterminated string"))
}

/// Writes `text` double-quoted, escaping what [`scan_quoted`] would otherwise misread.
pub(crate) fn write_quoted(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\t' => f.write_str("\\t")?,
            '\r' => f.write_str("\\r")?,
            c if c.is_control() && (c as u32) <= 0xFFFF => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

impl DotPath {
    /// A path to a whole source (`profile@`).
    pub fn root(source: DotSource) -> DotPath {
        DotPath {
            source,
            segments: Vec::new(),
        }
    }

    /// Parses a whole string as a dot path; `None` means the string is a literal.
    pub fn parse(text: &str) -> Option<DotPath> {
        match DotPath::parse_prefix(text, 0, PathSyntax::Loose) {
            Ok(Some((path, end))) if end == text.len() => Some(path),
            _ => None,
        }
    }

    /// Reads a dot path at byte `start` of `input`, stopping where the path ends.
    ///
    /// `Ok(None)`: there is no `known-source@` at `start`. `Err`: there is one, but the
    /// path after it is malformed.
    pub(crate) fn parse_prefix(
        input: &str,
        start: usize,
        syntax: PathSyntax,
    ) -> Result<Option<(DotPath, usize)>, SyntaxError> {
        let rest = &input[start..];
        let Some(at) = rest.find('@') else {
            return Ok(None);
        };
        let Some(source) = DotSource::from_name(&rest[..at]) else {
            return Ok(None);
        };
        let bytes = input.as_bytes();
        let mut pos = start + at + 1;
        let mut segments = Vec::new();
        // `expect_segment` is true right after a `.`: something must follow.
        let mut expect_segment = false;
        loop {
            let next = input[pos..].chars().next();
            match next {
                Some('[') => {
                    let (segment, end) = scan_bracket(input, pos)?;
                    segments.push(segment);
                    pos = end;
                }
                Some(c) if is_plain_char(c, syntax) => {
                    let len = input[pos..]
                        .find(|c: char| !is_plain_char(c, syntax))
                        .unwrap_or(input.len() - pos);
                    let text = &input[pos..pos + len];
                    segments.push(if text.bytes().all(|b| b.is_ascii_digit()) {
                        numeric_segment(text)
                    } else {
                        Segment::Key(text.to_string())
                    });
                    pos += len;
                }
                _ if expect_segment => {
                    return Err(syntax_error(pos, "expected a key after `.`"));
                }
                _ => break,
            }
            expect_segment = false;
            match bytes.get(pos) {
                Some(b'.') => {
                    pos += 1;
                    expect_segment = true;
                }
                Some(b'[') => {}
                _ => break,
            }
        }
        Ok(Some((DotPath { source, segments }, pos)))
    }
}

/// Reads `["key"]`, `['key']` or `[12]` at byte `start` (which holds `[`).
fn scan_bracket(input: &str, start: usize) -> Result<(Segment, usize), SyntaxError> {
    let inner = start + 1;
    let (segment, end) = match input[inner..].chars().next() {
        Some('"' | '\'') => {
            let (key, end) = scan_quoted(input, inner)?;
            (Segment::Key(key), end)
        }
        Some(c) if c.is_ascii_digit() => {
            let len = input[inner..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(input.len() - inner);
            (numeric_segment(&input[inner..inner + len]), inner + len)
        }
        _ => {
            return Err(syntax_error(
                inner,
                "expected a quoted key or a number after `[`",
            ));
        }
    };
    if input.as_bytes().get(end) != Some(&b']') {
        return Err(syntax_error(end, "expected `]`"));
    }
    Ok((segment, end + 1))
}

impl fmt::Display for DotPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@", self.source)?;
        for (i, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(key) if is_plain_key(key) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(key)?;
                }
                Segment::Key(key) => {
                    f.write_char('[')?;
                    write_quoted(f, key)?;
                    f.write_char(']')?;
                }
                Segment::Index(index) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    write!(f, "{index}")?;
                }
            }
        }
        Ok(())
    }
}

/// Everything a dot path can read from, plus the clock used by conditions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DotContext {
    pub profile: Value,
    pub session: Value,
    pub event: Value,
    pub payload: Value,
    pub flow: Value,
    pub memory: Value,
    /// The current time for `now()` and friends; `None` means `Utc::now()`.
    pub now: Option<DateTime<Utc>>,
}

/// The result of [`DotContext::resolve`].
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved<'a> {
    /// The value was not a dot path: the value itself, or its cast when it was
    /// backtick-quoted.
    Literal(Cow<'a, Value>),
    /// The value was a dot path and this is what it points at.
    Found(&'a Value),
    /// The value was a dot path that does not resolve.
    Missing,
}

impl Resolved<'_> {
    /// The value, `None` when missing.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Resolved::Literal(v) => Some(v.as_ref()),
            Resolved::Found(v) => Some(v),
            Resolved::Missing => None,
        }
    }

    /// An owned copy of the value, `None` when missing.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Resolved::Literal(v) => Some(v.into_owned()),
            Resolved::Found(v) => Some(v.clone()),
            Resolved::Missing => None,
        }
    }
}

/// What [`DotContext::render_object`] does with a path that does not resolve.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum OnMissing {
    /// Fail with [`NotationError::Missing`].
    #[default]
    Error,
    /// Use this value instead.
    Default(Value),
}

/// Options of [`DotContext::render_object`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateOptions {
    pub on_missing: OnMissing,
    /// Leave out entries (and list elements) whose rendered value is `null`.
    pub drop_null: bool,
}

/// Casts the inside of a backtick-quoted value: JSON when it reads as JSON
/// (`true`, `10`, `[1]`), the text itself otherwise.
pub fn cast_backtick(inner: &str) -> Value {
    let trimmed = inner.trim();
    match trimmed.to_ascii_lowercase().as_str() {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        "null" | "none" => return Value::Null,
        _ => {}
    }
    serde_json::from_str(trimmed).unwrap_or_else(|_| Value::String(inner.to_string()))
}

fn backtick_inner(text: &str) -> Option<&str> {
    text.strip_prefix('`')?.strip_suffix('`')
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn step<'v>(value: &'v Value, segment: &Segment) -> Option<&'v Value> {
    match (value, segment) {
        (Value::Object(map), Segment::Key(key)) => map.get(key),
        (Value::Object(map), Segment::Index(index)) => map.get(&index.to_string()),
        (Value::Array(list), Segment::Index(index)) => list.get(*index),
        _ => None,
    }
}

fn prefix_string(path: &DotPath, len: usize) -> String {
    DotPath {
        source: path.source,
        segments: path.segments[..len].to_vec(),
    }
    .to_string()
}

impl DotContext {
    /// The whole value of a source.
    pub fn source(&self, source: DotSource) -> &Value {
        match source {
            DotSource::Profile => &self.profile,
            DotSource::Session => &self.session,
            DotSource::Event => &self.event,
            DotSource::Payload => &self.payload,
            DotSource::Flow => &self.flow,
            DotSource::Memory => &self.memory,
        }
    }

    /// The whole value of a source, for writing.
    pub fn source_mut(&mut self, source: DotSource) -> &mut Value {
        match source {
            DotSource::Profile => &mut self.profile,
            DotSource::Session => &mut self.session,
            DotSource::Event => &mut self.event,
            DotSource::Payload => &mut self.payload,
            DotSource::Flow => &mut self.flow,
            DotSource::Memory => &mut self.memory,
        }
    }

    /// The value at `path`; `None` when the path does not resolve.
    pub fn get(&self, path: &DotPath) -> Option<&Value> {
        path.segments
            .iter()
            .try_fold(self.source(path.source), |value, segment| {
                step(value, segment)
            })
    }

    /// The value at a path given as text; `None` when the text is not a dot path or
    /// the path does not resolve.
    pub fn get_str(&self, path: &str) -> Option<&Value> {
        self.get(&DotPath::parse(path)?)
    }

    /// Writes `value` at `path`, creating missing or `null` intermediate objects.
    pub fn set(&mut self, path: &DotPath, value: Value) -> Result<(), NotationError> {
        let mut current = self.source_mut(path.source);
        for (depth, segment) in path.segments.iter().enumerate() {
            if current.is_null() {
                *current = Value::Object(Map::new());
            }
            let last = depth + 1 == path.segments.len();
            let found = type_name(current);
            current = match (current, segment) {
                (Value::Object(map), segment) => {
                    let key = match segment {
                        Segment::Key(key) => key.clone(),
                        Segment::Index(index) => index.to_string(),
                    };
                    map.entry(key).or_insert(Value::Null)
                }
                (Value::Array(list), Segment::Index(index)) => {
                    let len = list.len();
                    if *index == len && last {
                        list.push(Value::Null);
                    }
                    match list.get_mut(*index) {
                        Some(slot) => slot,
                        None => {
                            return Err(NotationError::IndexOutOfRange {
                                path: path.to_string(),
                                index: *index,
                                len,
                            });
                        }
                    }
                }
                (Value::Array(_), Segment::Key(key)) => {
                    return Err(NotationError::NotAnIndex {
                        path: path.to_string(),
                        key: key.clone(),
                    });
                }
                _ => {
                    return Err(NotationError::NotAContainer {
                        path: path.to_string(),
                        at: prefix_string(path, depth),
                        found,
                    });
                }
            };
        }
        *current = value;
        Ok(())
    }

    /// Removes the value at `path` and returns it; `Ok(None)` when it was missing.
    /// Removing a list element shifts the elements after it.
    pub fn delete(&mut self, path: &DotPath) -> Result<Option<Value>, NotationError> {
        let Some((last, parents)) = path.segments.split_last() else {
            return Err(NotationError::DeleteRoot {
                path: path.to_string(),
            });
        };
        let mut current = self.source_mut(path.source);
        for segment in parents {
            let next = match (current, segment) {
                (Value::Object(map), Segment::Key(key)) => map.get_mut(key),
                (Value::Object(map), Segment::Index(index)) => map.get_mut(&index.to_string()),
                (Value::Array(list), Segment::Index(index)) => list.get_mut(*index),
                _ => None,
            };
            match next {
                Some(value) => current = value,
                None => return Ok(None),
            }
        }
        Ok(match (current, last) {
            (Value::Object(map), Segment::Key(key)) => map.shift_remove(key),
            (Value::Object(map), Segment::Index(index)) => map.shift_remove(&index.to_string()),
            (Value::Array(list), Segment::Index(index)) if *index < list.len() => {
                Some(list.remove(*index))
            }
            _ => None,
        })
    }

    /// Resolves a value that may be a dot path: a string that is a dot path gives the
    /// value there (or missing), a backtick-quoted string gives its cast, anything else
    /// is returned as it is.
    pub fn resolve<'a>(&'a self, value: &'a Value) -> Resolved<'a> {
        let Value::String(text) = value else {
            return Resolved::Literal(Cow::Borrowed(value));
        };
        if let Some(inner) = backtick_inner(text) {
            return Resolved::Literal(Cow::Owned(cast_backtick(inner)));
        }
        match DotPath::parse(text) {
            Some(path) => self.get(&path).map_or(Resolved::Missing, Resolved::Found),
            None => Resolved::Literal(Cow::Borrowed(value)),
        }
    }

    /// Replaces every `{{ dot path }}` in `template` with the value found there.
    pub fn render_template(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(open) = rest.find("{{") {
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                break;
            };
            out.push_str(&rest[..open]);
            let inner = after[..close].trim();
            match DotPath::parse(inner) {
                Some(path) => match self.get(&path) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(s)) => out.push_str(s),
                    Some(other) => out.push_str(&other.to_string()),
                },
                None => out.push_str(&rest[open..open + 2 + close + 2]),
            }
            rest = &after[close + 2..];
        }
        out.push_str(rest);
        out
    }

    /// Renders an object template (see the module docs).
    pub fn render_object(
        &self,
        template: &Value,
        options: &TemplateOptions,
    ) -> Result<Value, NotationError> {
        let mut key_path = String::new();
        match self.render_value(template, options, &mut key_path, false)? {
            Some(value) => Ok(value),
            None => Ok(Value::Null),
        }
    }

    /// `Ok(None)` means "leave this entry out".
    fn render_value(
        &self,
        template: &Value,
        options: &TemplateOptions,
        key_path: &mut String,
        optional: bool,
    ) -> Result<Option<Value>, NotationError> {
        let rendered = match template {
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (raw_key, child) in map {
                    let (key, child_optional) = match raw_key.strip_suffix('?') {
                        Some(key) => (key, true),
                        None => (raw_key.as_str(), false),
                    };
                    let saved = key_path.len();
                    if !key_path.is_empty() {
                        key_path.push('.');
                    }
                    key_path.push_str(key);
                    let value = self.render_value(child, options, key_path, child_optional)?;
                    key_path.truncate(saved);
                    if let Some(value) = value {
                        out.insert(key.to_string(), value);
                    }
                }
                Some(Value::Object(out))
            }
            Value::Array(list) => {
                let mut out = Vec::with_capacity(list.len());
                for (i, child) in list.iter().enumerate() {
                    let saved = key_path.len();
                    let _ = write!(key_path, "[{i}]");
                    let value = self.render_value(child, options, key_path, false)?;
                    key_path.truncate(saved);
                    out.extend(value);
                }
                Some(Value::Array(out))
            }
            Value::String(text) => {
                if let Some(inner) = backtick_inner(text) {
                    Some(cast_backtick(inner))
                } else if let Some(path) = DotPath::parse(text) {
                    match self.get(&path) {
                        Some(value) => Some(value.clone()),
                        None if optional => return Ok(None),
                        None => match &options.on_missing {
                            OnMissing::Error => {
                                return Err(NotationError::Missing {
                                    path: path.to_string(),
                                    key: key_path.clone(),
                                });
                            }
                            OnMissing::Default(default) => Some(default.clone()),
                        },
                    }
                } else if text.contains("{{") {
                    Some(Value::String(self.render_template(text)))
                } else {
                    Some(template.clone())
                }
            }
            other => Some(other.clone()),
        };
        Ok(rendered.filter(|value| {
            !(optional && is_empty_value(value) || options.drop_null && value.is_null())
        }))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn path(text: &str) -> DotPath {
        DotPath::parse(text).unwrap_or_else(|| panic!("{text} should be a dot path"))
    }

    fn ctx() -> DotContext {
        DotContext {
            profile: json!({
                "id": "p1",
                "data": {"pii": {"firstname": "Ada", "lastname": null}},
                "traits": {"my key": 5, "tags": ["a", "b"], "7": "seven"},
                "empty": "",
            }),
            payload: json!({"items": [{"sku": "x"}, {"sku": "y"}], "n": 10}),
            event: json!({"type": "page-view"}),
            ..DotContext::default()
        }
    }

    #[test]
    fn parses_sources_case_insensitively() {
        for (text, source) in [
            ("profile@id", DotSource::Profile),
            ("Session@id", DotSource::Session),
            ("EVENT@id", DotSource::Event),
            ("payload@id", DotSource::Payload),
            ("flow@id", DotSource::Flow),
            ("memory@id", DotSource::Memory),
        ] {
            assert_eq!(path(text).source, source);
        }
    }

    #[test]
    fn parses_segments() {
        assert_eq!(
            path("payload@items.0.sku").segments,
            vec![
                Segment::Key("items".into()),
                Segment::Index(0),
                Segment::Key("sku".into())
            ]
        );
        assert_eq!(
            path(r#"profile@traits["my key"]"#).segments,
            vec![Segment::Key("traits".into()), Segment::Key("my key".into())]
        );
        assert_eq!(
            path(r#"profile@['a.b'].c[2]"#).segments,
            vec![
                Segment::Key("a.b".into()),
                Segment::Key("c".into()),
                Segment::Index(2)
            ]
        );
        assert_eq!(path("profile@").segments, vec![]);
        assert_eq!(
            path("profile@007").segments,
            vec![Segment::Key("007".into())]
        );
    }

    #[test]
    fn non_paths_are_literals() {
        for text in [
            "",
            "text",
            "xxx@a.b",
            "user@example.com",
            "profile@a..b",
            "profile@a.",
            "profile@a b",
            "profile@[x]",
            "profile@[\"x\"",
            "@a",
        ] {
            assert_eq!(DotPath::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "profile@",
            "profile@a.b.0",
            r#"profile@traits["my key"].x"#,
            r#"payload@["0"]"#,
            r#"payload@["quote\"d"]"#,
            "event@a-b_c",
        ] {
            let p = path(text);
            assert_eq!(p.to_string(), text);
            assert_eq!(path(&p.to_string()), p);
        }
        assert_eq!(path("PROFILE@a[0]").to_string(), "profile@a.0");
        assert_eq!(path("profile@a$b").to_string(), r#"profile@["a$b"]"#);
    }

    #[test]
    fn get_reads_values_and_reports_missing() {
        let c = ctx();
        assert_eq!(c.get_str("profile@data.pii.firstname"), Some(&json!("Ada")));
        assert_eq!(c.get_str("payload@items.1.sku"), Some(&json!("y")));
        assert_eq!(c.get_str(r#"profile@traits["my key"]"#), Some(&json!(5)));
        assert_eq!(c.get_str("profile@traits.7"), Some(&json!("seven")));
        assert_eq!(c.get_str("profile@data.pii.lastname"), Some(&Value::Null));
        assert_eq!(c.get_str("profile@data.pii.middle"), None);
        assert_eq!(c.get_str("payload@items.5"), None);
        assert_eq!(c.get_str("payload@n.x"), None);
        assert_eq!(c.get_str("session@x"), None);
        assert_eq!(c.get_str("session@"), Some(&Value::Null));
        assert_eq!(c.get_str("event@"), Some(&json!({"type": "page-view"})));
        assert_eq!(c.get_str("not a path"), None);
    }

    #[test]
    fn set_creates_intermediate_objects() {
        let mut c = ctx();
        c.set(&path("profile@a.b.c"), json!(1)).unwrap();
        assert_eq!(c.profile["a"], json!({"b": {"c": 1}}));
        c.set(&path("session@x"), json!(true)).unwrap();
        assert_eq!(c.session, json!({"x": true}));
        c.set(&path("profile@data.pii.lastname.x"), json!(2))
            .unwrap();
        assert_eq!(c.profile["data"]["pii"]["lastname"], json!({"x": 2}));
        c.set(&path("memory@"), json!([1])).unwrap();
        assert_eq!(c.memory, json!([1]));
    }

    #[test]
    fn set_writes_list_elements() {
        let mut c = ctx();
        c.set(&path("payload@items.1.sku"), json!("z")).unwrap();
        assert_eq!(c.payload["items"][1]["sku"], json!("z"));
        c.set(&path("payload@items.0"), json!(0)).unwrap();
        assert_eq!(c.payload["items"][0], json!(0));
        c.set(&path("payload@items.2"), json!(2)).unwrap();
        assert_eq!(c.payload["items"].as_array().map(Vec::len), Some(3));
        assert!(matches!(
            c.set(&path("payload@items.9"), json!(9)),
            Err(NotationError::IndexOutOfRange {
                index: 9,
                len: 3,
                ..
            })
        ));
        assert!(matches!(
            c.set(&path("payload@items.9.x"), json!(9)),
            Err(NotationError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            c.set(&path("payload@items.x"), json!(1)),
            Err(NotationError::NotAnIndex { .. })
        ));
    }

    #[test]
    fn set_through_a_scalar_fails() {
        let mut c = ctx();
        let err = c.set(&path("payload@n.x"), json!(1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot write `payload@n.x`: `payload@n` holds a number, not an object or a list"
        );
    }

    #[test]
    fn delete_removes_values() {
        let mut c = ctx();
        assert_eq!(
            c.delete(&path("profile@data.pii.firstname")).unwrap(),
            Some(json!("Ada"))
        );
        assert_eq!(c.get_str("profile@data.pii.firstname"), None);
        assert_eq!(c.delete(&path("profile@data.pii.firstname")).unwrap(), None);
        assert_eq!(c.delete(&path("profile@nope.x")).unwrap(), None);
        assert_eq!(
            c.delete(&path("payload@items.0")).unwrap(),
            Some(json!({"sku": "x"}))
        );
        assert_eq!(c.get_str("payload@items.0.sku"), Some(&json!("y")));
        assert_eq!(c.delete(&path("payload@items.5")).unwrap(), None);
        assert!(matches!(
            c.delete(&path("profile@")),
            Err(NotationError::DeleteRoot { .. })
        ));
    }

    #[test]
    fn resolve_distinguishes_literal_found_and_missing() {
        let c = ctx();
        let text = json!("text");
        assert_eq!(c.resolve(&text), Resolved::Literal(Cow::Borrowed(&text)));
        let unknown = json!("xxx@a");
        assert_eq!(c.resolve(&unknown).value(), Some(&unknown));
        let empty = json!("");
        assert_eq!(c.resolve(&empty).value(), Some(&empty));
        let number = json!(3);
        assert_eq!(c.resolve(&number).value(), Some(&number));
        assert_eq!(
            c.resolve(&json!("profile@id")),
            Resolved::Found(&json!("p1"))
        );
        assert_eq!(c.resolve(&json!("profile@nope")), Resolved::Missing);
        assert_eq!(c.resolve(&json!("profile@nope")).into_value(), None);
    }

    #[test]
    fn backticks_cast() {
        let c = ctx();
        assert_eq!(c.resolve(&json!("`true`")).into_value(), Some(json!(true)));
        assert_eq!(c.resolve(&json!("`10`")).into_value(), Some(json!(10)));
        assert_eq!(c.resolve(&json!("`1.5`")).into_value(), Some(json!(1.5)));
        assert_eq!(c.resolve(&json!("`None`")).into_value(), Some(Value::Null));
        assert_eq!(
            c.resolve(&json!("`[1,2]`")).into_value(),
            Some(json!([1, 2]))
        );
        assert_eq!(c.resolve(&json!("`abc`")).into_value(), Some(json!("abc")));
    }

    #[test]
    fn text_templates() {
        let c = ctx();
        assert_eq!(
            c.render_template("Hello {{profile@data.pii.firstname}}!"),
            "Hello Ada!"
        );
        assert_eq!(
            c.render_template("{{ payload@n }} items, {{payload@items.0}}"),
            r#"10 items, {"sku":"x"}"#
        );
        assert_eq!(c.render_template("[{{profile@nope}}]"), "[]");
        assert_eq!(c.render_template("[{{profile@data.pii.lastname}}]"), "[]");
        assert_eq!(c.render_template("{{not a path}} {{"), "{{not a path}} {{");
        assert_eq!(c.render_template("no placeholders"), "no placeholders");
    }

    #[test]
    fn object_templates_replace_paths() {
        let c = ctx();
        let template = json!({
            "name": "profile@data.pii.firstname",
            "n": "payload@n",
            "nested": {"list": ["event@type", "literal", 3], "flag": "`true`"},
            "greeting": "Hi {{profile@data.pii.firstname}}",
        });
        let out = c
            .render_object(&template, &TemplateOptions::default())
            .unwrap();
        assert_eq!(
            out,
            json!({
                "name": "Ada",
                "n": 10,
                "nested": {"list": ["page-view", "literal", 3], "flag": true},
                "greeting": "Hi Ada",
            })
        );
    }

    #[test]
    fn object_templates_optional_keys() {
        let c = ctx();
        let template = json!({
            "a?": "profile@nope",
            "b?": "profile@empty",
            "c?": "profile@data.pii.lastname",
            "d?": "profile@id",
            "e?": {},
        });
        let out = c
            .render_object(&template, &TemplateOptions::default())
            .unwrap();
        assert_eq!(out, json!({"d": "p1"}));
    }

    #[test]
    fn object_templates_missing_error_or_default() {
        let c = ctx();
        let template = json!({"x": {"y": "profile@nope"}});
        let err = c
            .render_object(&template, &TemplateOptions::default())
            .unwrap_err();
        assert_eq!(
            err,
            NotationError::Missing {
                path: "profile@nope".into(),
                key: "x.y".into()
            }
        );
        let options = TemplateOptions {
            on_missing: OnMissing::Default(json!("n/a")),
            drop_null: false,
        };
        assert_eq!(
            c.render_object(&template, &options).unwrap(),
            json!({"x": {"y": "n/a"}})
        );
    }

    #[test]
    fn object_templates_drop_null() {
        let c = ctx();
        let template = json!({"a": "profile@data.pii.lastname", "b": null, "c": [null, 1], "d": 1});
        let options = TemplateOptions {
            on_missing: OnMissing::Default(Value::Null),
            drop_null: true,
        };
        assert_eq!(
            c.render_object(&template, &options).unwrap(),
            json!({"c": [1], "d": 1})
        );
        let keep = TemplateOptions::default();
        assert_eq!(
            c.render_object(&template, &keep).unwrap(),
            template_with_nulls()
        );
    }

    fn template_with_nulls() -> Value {
        json!({"a": null, "b": null, "c": [null, 1], "d": 1})
    }

    #[test]
    fn quoted_strings_scan_and_print() {
        let (text, end) = scan_quoted(r#""a\"b\\c\n\u0041" rest"#, 0).unwrap();
        assert_eq!(text, "a\"b\\c\nA");
        assert_eq!(end, 17);
        assert!(scan_quoted(r#""abc"#, 0).is_err());
        assert!(scan_quoted(r#""\q""#, 0).is_err());
        assert!(scan_quoted(r#""\u12""#, 0).is_err());
        let mut out = String::new();
        write_quoted(&mut out, "a\"b\\\n\u{1}").unwrap();
        assert_eq!(out, r#""a\"b\\\n\u0001""#);
    }
}
