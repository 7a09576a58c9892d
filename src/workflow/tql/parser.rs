//! Recursive-descent parser over the tokens of [`super::lexer`].

use serde_json::Value;
use thiserror::Error;

use super::lexer::{tokenize, Tok, Token};
use super::{Check, Expr, Func, MatchOp, Operand};

/// Deeper nesting than this (parentheses, `NOT`, lists, calls) is refused, so that
/// hostile input cannot overflow the stack of the parser, `Display` or `eval`.
pub const MAX_DEPTH: usize = 64;

/// A syntax error, with where it happened: `offset` in bytes, `line` and `column`
/// (1-based, in characters).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} at line {line}, column {column} (offset {offset})")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub offset: usize,
    pub line: usize,
    pub column: usize,
}

/// What went wrong in a [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    #[error("unexpected character `{0}`")]
    UnexpectedChar(char),
    #[error("invalid string: {0}")]
    InvalidString(String),
    #[error("invalid number or duration `{0}`")]
    InvalidNumber(String),
    #[error("unknown source `{0}` (expected profile, session, event, payload, flow or memory)")]
    UnknownSource(String),
    #[error("invalid dot path: {0}")]
    InvalidPath(String),
    #[error("expected {expected}, found {found}")]
    Unexpected {
        expected: &'static str,
        found: String,
    },
    #[error("unknown function or keyword `{0}`")]
    UnknownWord(String),
    #[error("{func}() takes {expected} argument(s), got {found}")]
    Arity {
        func: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("`{0}` mixes AND and OR without parentheses; write `(a AND b) OR c`")]
    MixedAndOr(String),
    #[error("condition nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Parses a condition.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let locate = |kind: ParseErrorKind, offset: usize| {
        let before = &input[..offset.min(input.len())];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        ParseError {
            kind,
            offset,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    };
    let tokens = tokenize(input).map_err(|(kind, at)| locate(kind, at))?;
    let mut parser = Parser {
        input,
        tokens: &tokens,
        pos: 0,
    };
    let expr = parser.expr(0).map_err(|(kind, at)| locate(kind, at))?;
    match parser.peek() {
        Tok::End => Ok(expr),
        _ => Err(locate(
            parser.unexpected("AND, OR or the end of the condition"),
            parser.offset(),
        )),
    }
}

type PResult<T> = Result<T, (ParseErrorKind, usize)>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Logic {
    And,
    Or,
}

struct Parser<'a> {
    input: &'a str,
    tokens: &'a [Token],
    pos: usize,
}

impl Parser<'_> {
    fn token(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn peek(&self) -> &Tok {
        self.token().map_or(&Tok::End, |t| &t.tok)
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        self.tokens
            .get(self.pos + ahead)
            .map_or(&Tok::End, |t| &t.tok)
    }

    fn offset(&self) -> usize {
        self.token().map_or(self.input.len(), |t| t.start)
    }

    fn advance(&mut self) {
        self.pos += 1;
    }

    /// The current token as written, for messages.
    fn found(&self) -> String {
        match self.token() {
            Some(Token { tok: Tok::End, .. }) | None => "the end of the condition".to_string(),
            Some(t) => format!("`{}`", &self.input[t.start..t.end]),
        }
    }

    fn unexpected(&self, expected: &'static str) -> ParseErrorKind {
        ParseErrorKind::Unexpected {
            expected,
            found: self.found(),
        }
    }

    fn fail<T>(&self, expected: &'static str) -> PResult<T> {
        Err((self.unexpected(expected), self.offset()))
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w.eq_ignore_ascii_case(word))
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let found = self.is_word(word);
        if found {
            self.advance();
        }
        found
    }

    fn expect_word(&mut self, word: &str, expected: &'static str) -> PResult<()> {
        if self.eat_word(word) {
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn expect(&mut self, tok: &Tok, expected: &'static str) -> PResult<()> {
        if self.peek() == tok {
            self.advance();
            Ok(())
        } else {
            self.fail(expected)
        }
    }

    fn deeper(&self, depth: usize) -> PResult<usize> {
        if depth >= MAX_DEPTH {
            Err((ParseErrorKind::TooDeep, self.offset()))
        } else {
            Ok(depth + 1)
        }
    }

    fn expr(&mut self, depth: usize) -> PResult<Expr> {
        let start = self.offset();
        let first = self.unary(depth)?;
        let mut items = vec![first];
        let mut chain: Option<Logic> = None;
        loop {
            let logic = if self.is_word("and") {
                Logic::And
            } else if self.is_word("or") {
                Logic::Or
            } else {
                break;
            };
            if chain.is_some_and(|c| c != logic) {
                let text = self.input[start..].trim_end().to_string();
                return Err((ParseErrorKind::MixedAndOr(text), self.offset()));
            }
            chain = Some(logic);
            self.advance();
            items.push(self.unary(depth)?);
        }
        Ok(match chain {
            None => items.into_iter().next().unwrap_or(Expr::And(Vec::new())),
            Some(Logic::And) => Expr::And(items),
            Some(Logic::Or) => Expr::Or(items),
        })
    }

    fn unary(&mut self, depth: usize) -> PResult<Expr> {
        if self.is_word("not") && *self.peek_at(1) == Tok::LParen {
            let depth = self.deeper(depth)?;
            self.advance();
            self.advance();
            let inner = self.expr(depth)?;
            self.expect(&Tok::RParen, "`)`")?;
            return Ok(Expr::Not(Box::new(inner)));
        }
        if self.is_word("not") {
            return self.fail("`(` after NOT (write `NOT (…)`)");
        }
        if *self.peek() == Tok::LParen {
            let depth = self.deeper(depth)?;
            self.advance();
            let inner = self.expr(depth)?;
            self.expect(&Tok::RParen, "`)`")?;
            return Ok(inner);
        }
        self.condition(depth)
    }

    fn condition(&mut self, depth: usize) -> PResult<Expr> {
        let left = self.operand(depth)?;
        if let Tok::Cmp(op) = *self.peek() {
            self.advance();
            let right = self.operand(depth)?;
            return Ok(Expr::Compare { left, op, right });
        }
        let check = |operand: Operand, check: Check| Ok(Expr::Check { operand, check });
        let matching = |p: &mut Self, left: Operand, op: MatchOp| {
            let right = p.operand(depth)?;
            Ok(Expr::Match { left, op, right })
        };
        const EXPECTED: &str =
            "an operator (==, !=, >, >=, <, <=, EXISTS, EMPTY, IS, CONTAINS, STARTS WITH, \
             ENDS WITH, BETWEEN, NOT)";
        let Tok::Word(word) = self.peek() else {
            return self.fail(EXPECTED);
        };
        match word.to_ascii_lowercase().as_str() {
            "exists" => {
                self.advance();
                check(left, Check::Exists)
            }
            "empty" => {
                self.advance();
                check(left, Check::Empty)
            }
            "not" => {
                self.advance();
                if self.eat_word("exists") {
                    check(left, Check::NotExists)
                } else if self.eat_word("empty") {
                    check(left, Check::NotEmpty)
                } else {
                    self.fail("EXISTS or EMPTY after NOT")
                }
            }
            "is" => {
                self.advance();
                let negated = self.eat_word("not");
                self.expect_word("null", "NULL")?;
                check(
                    left,
                    if negated {
                        Check::IsNotNull
                    } else {
                        Check::IsNull
                    },
                )
            }
            "contains" => {
                self.advance();
                matching(self, left, MatchOp::Contains)
            }
            "starts" => {
                self.advance();
                self.expect_word("with", "WITH after STARTS")?;
                matching(self, left, MatchOp::StartsWith)
            }
            "ends" => {
                self.advance();
                self.expect_word("with", "WITH after ENDS")?;
                matching(self, left, MatchOp::EndsWith)
            }
            "between" => {
                self.advance();
                let low = self.operand(depth)?;
                self.expect_word("and", "AND between the bounds of BETWEEN")?;
                let high = self.operand(depth)?;
                Ok(Expr::Between {
                    operand: left,
                    low,
                    high,
                })
            }
            _ => self.fail(EXPECTED),
        }
    }

    fn operand(&mut self, depth: usize) -> PResult<Operand> {
        const EXPECTED: &str =
            "a value (dot path, NULL, TRUE, FALSE, number, string, list, duration or function)";
        let start = self.offset();
        let operand = match self.peek().clone() {
            Tok::Field(path) => Operand::Field(path),
            Tok::Duration(d) => Operand::Duration(d),
            Tok::Number(_) | Tok::Str(_) | Tok::LBracket => {
                return self.literal(depth).map(Operand::Literal);
            }
            Tok::Word(word) => match word.to_ascii_lowercase().as_str() {
                "null" | "true" | "false" => return self.literal(depth).map(Operand::Literal),
                _ => {
                    let Some(func) = Func::from_name(&word) else {
                        return Err((ParseErrorKind::UnknownWord(word), start));
                    };
                    return self.call(func, depth);
                }
            },
            _ => return self.fail(EXPECTED),
        };
        self.advance();
        Ok(operand)
    }

    fn call(&mut self, func: Func, depth: usize) -> PResult<Operand> {
        let start = self.offset();
        let depth = self.deeper(depth)?;
        self.advance();
        self.expect(&Tok::LParen, "`(` after the function name")?;
        let mut args = Vec::new();
        if *self.peek() != Tok::RParen {
            loop {
                args.push(self.operand(depth)?);
                if *self.peek() == Tok::Comma {
                    self.advance();
                } else {
                    break;
                }
            }
        }
        self.expect(&Tok::RParen, "`,` or `)`")?;
        if args.len() != func.arity() {
            return Err((
                ParseErrorKind::Arity {
                    func: func.name(),
                    expected: func.arity(),
                    found: args.len(),
                },
                start,
            ));
        }
        Ok(Operand::Call(func, args))
    }

    fn literal(&mut self, depth: usize) -> PResult<Value> {
        let value = match self.peek().clone() {
            Tok::Number(n) => Value::Number(n),
            Tok::Str(s) => Value::String(s),
            Tok::Word(w) if w.eq_ignore_ascii_case("null") => Value::Null,
            Tok::Word(w) if w.eq_ignore_ascii_case("true") => Value::Bool(true),
            Tok::Word(w) if w.eq_ignore_ascii_case("false") => Value::Bool(false),
            Tok::LBracket => {
                let depth = self.deeper(depth)?;
                self.advance();
                let mut items = Vec::new();
                while *self.peek() != Tok::RBracket {
                    items.push(self.literal(depth)?);
                    if *self.peek() == Tok::Comma {
                        self.advance();
                    } else if *self.peek() != Tok::RBracket {
                        return self.fail("`,` or `]`");
                    }
                }
                self.advance();
                return Ok(Value::Array(items));
            }
            _ => {
                return self
                    .fail("a literal in the list (NULL, TRUE, FALSE, number, string, list)");
            }
        };
        self.advance();
        Ok(value)
    }
}
