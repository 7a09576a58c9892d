//! Datetimes, durations and time zones for TQL.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

/// A datetime as conditions see it: with an offset, or wall time without one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Time {
    Aware(DateTime<FixedOffset>),
    Naive(NaiveDateTime),
}

impl Time {
    /// Orders two datetimes; wall time is read in the other side's offset.
    pub(crate) fn cmp(self, other: Time) -> Ordering {
        match (self, other) {
            (Time::Aware(a), Time::Aware(b)) => a.cmp(&b),
            (Time::Naive(a), Time::Naive(b)) => a.cmp(&b),
            (Time::Naive(a), Time::Aware(b)) => a.cmp(&b.naive_local()),
            (Time::Aware(a), Time::Naive(b)) => a.naive_local().cmp(&b),
        }
    }

    pub(crate) fn checked_add(self, delta: TimeDelta) -> Option<Time> {
        match self {
            Time::Aware(t) => t.checked_add_signed(delta).map(Time::Aware),
            Time::Naive(t) => t.checked_add_signed(delta).map(Time::Naive),
        }
    }
}

/// Reads an RFC 3339 / ISO 8601 datetime: `2024-05-01T10:00:00Z`, `…+02:00`,
/// `2024-05-01 10:00:00.123`, `2024-05-01T10:00`, `2024-05-01`.
pub(crate) fn parse_datetime(text: &str) -> Option<Time> {
    let text = text.trim();
    let bytes = text.as_bytes();
    // Cheap rejection keeps ordinary strings from going through every format.
    if bytes.len() < 10 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'-' {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(Time::Aware(t));
    }
    let zulu = text
        .strip_suffix('Z')
        .or_else(|| text.strip_suffix('z'))
        .map(|t| format!("{t}+00:00"));
    let with_offset = zulu.as_deref().unwrap_or(text);
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%d %H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(with_offset, format) {
            return Some(Time::Aware(t));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Time::Naive(t));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(Time::Naive)
}

const UNITS: [(char, i64); 5] = [
    ('w', 7 * 86_400),
    ('d', 86_400),
    ('h', 3_600),
    ('m', 60),
    ('s', 1),
];

/// Reads `[+-]?(<digits><unit>)+` with units `w d h m s`: `15m`, `-1d`, `+2h`, `1h30m`.
pub(crate) fn parse_duration(text: &str) -> Option<TimeDelta> {
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    let mut rest = body;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let amount: i64 = rest[..digits].parse().ok()?;
        let unit = rest[digits..].chars().next()?;
        let (_, seconds) = UNITS.iter().find(|(u, _)| *u == unit)?;
        total = total.checked_add(amount.checked_mul(*seconds)?)?;
        rest = &rest[digits + 1..];
    }
    TimeDelta::try_seconds(if negative { -total } else { total })
}

/// Prints a whole-second duration in the form [`parse_duration`] reads: `-1h30m`, `0s`.
pub(crate) fn write_duration(f: &mut impl fmt::Write, duration: TimeDelta) -> fmt::Result {
    let seconds = duration.num_seconds();
    if seconds == 0 {
        return f.write_str("0s");
    }
    if seconds < 0 {
        f.write_char('-')?;
    }
    let mut rest = seconds.unsigned_abs();
    for (unit, size) in UNITS {
        let size = size.unsigned_abs();
        if rest >= size {
            write!(f, "{}{unit}", rest / size)?;
            rest %= size;
        }
    }
    Ok(())
}

/// Looks a time zone up by IANA name, ignoring ASCII case.
pub(crate) fn find_timezone(name: &str) -> Option<Tz> {
    static ZONES: OnceLock<HashMap<String, Tz>> = OnceLock::new();
    let zones = ZONES.get_or_init(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| (tz.name().to_ascii_lowercase(), *tz))
            .collect()
    });
    zones.get(&name.trim().to_ascii_lowercase()).copied()
}

/// `instant` as seen in `zone`.
pub(crate) fn in_zone(instant: DateTime<FixedOffset>, zone: Tz) -> DateTime<FixedOffset> {
    zone.from_utc_datetime(&instant.naive_utc()).fixed_offset()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn aware(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    #[test]
    fn parses_datetime_forms() {
        let utc10 = Time::Aware(aware("2024-05-01T10:00:00Z"));
        for text in [
            "2024-05-01T10:00:00Z",
            "2024-05-01T10:00:00+00:00",
            "2024-05-01T12:00:00+02:00",
            "2024-05-01 10:00:00Z",
            "2024-05-01 10:00:00.000+00:00",
            "2024-05-01T10:00Z",
            "2024-05-01T10:00:00+0000",
        ] {
            let t = parse_datetime(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(t.cmp(utc10), Ordering::Equal, "{text}");
        }
        for text in [
            "2024-05-01T10:00:00",
            "2024-05-01 10:00:00.123456",
            "2024-05-01T10:00",
            "2024-05-01",
        ] {
            assert!(
                matches!(parse_datetime(text), Some(Time::Naive(_))),
                "{text}"
            );
        }
        for text in [
            "",
            "hello",
            "2024-13-01",
            "2024-05-01T25:00:00",
            "12345678901",
        ] {
            assert_eq!(parse_datetime(text), None, "{text}");
        }
    }

    #[test]
    fn naive_reads_in_the_other_offset() {
        let naive = parse_datetime("2024-05-01T12:00:00").unwrap();
        let warsaw = Time::Aware(aware("2024-05-01T12:00:00+02:00"));
        assert_eq!(naive.cmp(warsaw), Ordering::Equal);
        assert_eq!(warsaw.cmp(naive), Ordering::Equal);
        let utc = Time::Aware(aware("2024-05-01T12:00:00Z"));
        assert_eq!(warsaw.cmp(utc), Ordering::Less);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m"), Some(TimeDelta::minutes(15)));
        assert_eq!(parse_duration("-15m"), Some(TimeDelta::minutes(-15)));
        assert_eq!(parse_duration("+1d"), Some(TimeDelta::days(1)));
        assert_eq!(parse_duration("30s"), Some(TimeDelta::seconds(30)));
        assert_eq!(parse_duration("2h"), Some(TimeDelta::hours(2)));
        assert_eq!(parse_duration("1w"), Some(TimeDelta::weeks(1)));
        assert_eq!(parse_duration("1h30m"), Some(TimeDelta::minutes(90)));
        for bad in [
            "",
            "-",
            "15",
            "m",
            "15x",
            "1.5h",
            "15m3",
            "99999999999999999999s",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let mut out = String::new();
        write_duration(&mut out, TimeDelta::seconds(-(7 * 86_400 + 3_600 + 5))).unwrap();
        assert_eq!(out, "-1w1h5s");
        out.clear();
        write_duration(&mut out, TimeDelta::zero()).unwrap();
        assert_eq!(out, "0s");
    }

    #[test]
    fn time_zones_ignore_case() {
        assert_eq!(find_timezone("europe/warsaw"), Some(Tz::Europe__Warsaw));
        assert_eq!(find_timezone("UTC"), Some(Tz::UTC));
        assert_eq!(find_timezone("Mars/Olympus"), None);
    }
}
