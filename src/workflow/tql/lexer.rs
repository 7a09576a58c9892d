//! Splits a condition into tokens, each with its byte span.

use chrono::TimeDelta;
use serde_json::Number;

use super::parser::ParseErrorKind;
use super::time::parse_duration;
use super::CmpOp;
use crate::workflow::notation::{scan_quoted, DotPath, DotSource, PathSyntax};

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Field(DotPath),
    /// A keyword or a function name, as written (`and`, `now.offset`).
    Word(String),
    Number(Number),
    Duration(TimeDelta),
    Str(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Cmp(CmpOp),
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

pub(crate) type LexError = (ParseErrorKind, usize);

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Length in bytes of the run of `pred` characters at the start of `text`.
fn run(text: &str, pred: impl Fn(char) -> bool) -> usize {
    text.find(|c: char| !pred(c)).unwrap_or(text.len())
}

pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, LexError> {
    let mut tokens = Vec::new();
    let mut pos = 0;
    loop {
        pos += run(&input[pos..], char::is_whitespace);
        let rest = &input[pos..];
        let Some(c) = rest.chars().next() else {
            tokens.push(Token {
                tok: Tok::End,
                start: pos,
                end: pos,
            });
            return Ok(tokens);
        };
        let next = rest[c.len_utf8()..].chars().next();
        let (tok, len) = match c {
            '(' => (Tok::LParen, 1),
            ')' => (Tok::RParen, 1),
            '[' => (Tok::LBracket, 1),
            ']' => (Tok::RBracket, 1),
            ',' => (Tok::Comma, 1),
            '=' => match next {
                Some('=') => (Tok::Cmp(CmpOp::Eq), 2),
                Some('>') => (Tok::Cmp(CmpOp::Ge), 2),
                Some('<') => (Tok::Cmp(CmpOp::Le), 2),
                _ => (Tok::Cmp(CmpOp::Eq), 1),
            },
            '!' => match next {
                Some('=') => (Tok::Cmp(CmpOp::Ne), 2),
                _ => return Err((ParseErrorKind::UnexpectedChar('!'), pos)),
            },
            '>' => match next {
                Some('=') => (Tok::Cmp(CmpOp::Ge), 2),
                _ => (Tok::Cmp(CmpOp::Gt), 1),
            },
            '<' => match next {
                Some('=') => (Tok::Cmp(CmpOp::Le), 2),
                _ => (Tok::Cmp(CmpOp::Lt), 1),
            },
            '"' | '\'' => {
                let (text, end) = scan_quoted(input, pos)
                    .map_err(|e| (ParseErrorKind::InvalidString(e.message), e.at))?;
                (Tok::Str(text), end - pos)
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => lex_number(rest, pos)?,
            c if is_word_start(c) => lex_word(input, pos)?,
            other => return Err((ParseErrorKind::UnexpectedChar(other), pos)),
        };
        tokens.push(Token {
            tok,
            start: pos,
            end: pos + len,
        });
        pos += len;
    }
}

/// A word followed by `@` is a dot path; otherwise a keyword or a (dotted) function name.
fn lex_word(input: &str, pos: usize) -> Result<(Tok, usize), LexError> {
    let rest = &input[pos..];
    let head = run(rest, is_word_char);
    if rest[head..].starts_with('@') {
        if DotSource::from_name(&rest[..head]).is_none() {
            return Err((ParseErrorKind::UnknownSource(rest[..head].to_string()), pos));
        }
        return match DotPath::parse_prefix(input, pos, PathSyntax::Strict) {
            Ok(Some((path, end))) => Ok((Tok::Field(path), end - pos)),
            Ok(None) => Err((ParseErrorKind::UnknownSource(rest[..head].to_string()), pos)),
            Err(e) => Err((ParseErrorKind::InvalidPath(e.message), e.at)),
        };
    }
    let mut len = head;
    while rest[len..].starts_with('.') && rest[len + 1..].chars().next().is_some_and(is_word_start)
    {
        len += 1 + run(&rest[len + 1..], is_word_char);
    }
    Ok((Tok::Word(rest[..len].to_string()), len))
}

/// Numbers (`12`, `-3.5`, `1e3`) and durations (`15m`, `-1d`, `1h30m`).
fn lex_number(rest: &str, pos: usize) -> Result<(Tok, usize), LexError> {
    let bytes = rest.as_bytes();
    let sign = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let digits = run(&rest[sign..], |c| c.is_ascii_digit());
    if digits == 0 {
        let c = rest.chars().next().unwrap_or('-');
        return Err((ParseErrorKind::UnexpectedChar(c), pos));
    }
    let mut len = sign + digits;
    let mut plain_integer = true;
    if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(u8::is_ascii_digit) {
        len += 1 + run(&rest[len + 1..], |c| c.is_ascii_digit());
        plain_integer = false;
    }
    if matches!(bytes.get(len), Some(b'e' | b'E')) {
        let after = len + 1 + usize::from(matches!(bytes.get(len + 1), Some(b'+' | b'-')));
        if bytes.get(after).is_some_and(u8::is_ascii_digit) {
            len = after + run(&rest[after..], |c| c.is_ascii_digit());
            plain_integer = false;
        }
    }
    let tail = run(&rest[len..], is_word_char);
    if tail > 0 {
        let text = &rest[..len + tail];
        return match parse_duration(text) {
            Some(d) if plain_integer => Ok((Tok::Duration(d), text.len())),
            _ => Err((ParseErrorKind::InvalidNumber(text.to_string()), pos)),
        };
    }
    let text = &rest[..len];
    // Rust's float parsing rounds correctly, so printed floats read back bit for bit.
    let integer = plain_integer
        .then(|| {
            text.parse::<i64>()
                .map(Number::from)
                .or_else(|_| text.parse::<u64>().map(Number::from))
                .ok()
        })
        .flatten();
    integer
        .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
        .map(|n| (Tok::Number(n), len))
        .ok_or_else(|| (ParseErrorKind::InvalidNumber(text.to_string()), pos))
}
