//! The deepest nesting of JSON accepted from outside.
//!
//! serde_json refuses documents nested deeper than 128 levels. A stored record wraps
//! what a client sent a few levels deeper (an event's `context.segment.integrations`,
//! a backup line, a page of a listing), so input nested close to that limit would be
//! accepted and then could never be read back. Input is held well below it instead.

/// Objects and arrays nested deeper than this are refused.
pub const MAX_DEPTH: usize = 64;

/// Why `json` is refused, if it nests objects and arrays deeper than [`MAX_DEPTH`].
/// Counts brackets outside strings; it does not otherwise check the syntax (the parser
/// that follows does).
pub fn too_deep(json: &[u8]) -> Option<String> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
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
        assert_eq!(too_deep(nested(MAX_DEPTH).as_bytes()), None);
        assert!(too_deep(nested(MAX_DEPTH + 1).as_bytes())
            .is_some_and(|m| m.contains("deeper than 64")));
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let s = format!("{{\"x\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert_eq!(too_deep(s.as_bytes()), None);
        assert_eq!(too_deep(b"[[1],[2],{\"a\":[3]}]"), None);
    }
}
