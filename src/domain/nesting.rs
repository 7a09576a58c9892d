//! JSON accepted from outside that every store can keep and read back.
//!
//! - Nesting: serde_json refuses documents nested deeper than 128 levels. A stored
//!   record wraps what a client sent a few levels deeper (an event's
//!   `context.segment.integrations`, a backup line, a page of a listing), so input
//!   nested close to that limit would be accepted and then could never be read back.
//!   Input is held well below it instead.
//! - U+0000 in a string: PostgreSQL's `jsonb` and `text` cannot hold it; accepted, the
//!   write would fail as if the database were down (503) on every retry.

/// Objects and arrays nested deeper than this are refused.
pub const MAX_DEPTH: usize = 64;

/// Why `json` is refused, if it nests objects and arrays deeper than [`MAX_DEPTH`] or
/// a string holds U+0000 (`\u0000`). Counts brackets outside strings; it does not
/// otherwise check the syntax (the parser that follows does).
pub fn refused(json: &[u8]) -> Option<String> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in json.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
                if b == b'u' && json.get(i + 1..i + 5) == Some(b"0000") {
                    return Some(
                        "a JSON string holds U+0000 (`\\u0000`), which is not stored".into(),
                    );
                }
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(format!(
                        "JSON nested deeper than {MAX_DEPTH} levels of objects and arrays"
                    ));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{{\"x\":{}1{}}}", "[".repeat(n - 1), "]".repeat(n - 1))
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert_eq!(refused(nested(MAX_DEPTH).as_bytes()), None);
        assert!(
            refused(nested(MAX_DEPTH + 1).as_bytes()).is_some_and(|m| m.contains("deeper than 64"))
        );
    }

    #[test]
    fn a_nul_in_a_string_is_refused_and_only_that() {
        assert!(refused(br#"{"x":"a\u0000b"}"#).is_some_and(|m| m.contains("U+0000")));
        assert!(refused(br#"{"a\u0000":1}"#).is_some());
        // An escaped backslash followed by `u0000` is text, not the character.
        assert_eq!(refused(br#"{"x":"a\\u0000b"}"#), None);
        assert!(refused(br#"{"x":"\u00001"}"#).is_some());
        assert_eq!(refused(br#"{"x":"\u0001"}"#), None);
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let s = format!("{{\"x\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert_eq!(refused(s.as_bytes()), None);
        assert_eq!(refused(b"[[1],[2],{\"a\":[3]}]"), None);
    }
}
