//! Time checks: day/night, weekend, time between.

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde_json::Value;

use super::{
    opt_num, opt_str, req_str, Action, ActionError, InitError, InitField, Output, PluginSpec,
    RunState,
};

const TRUE_FALSE: &[&str] = &["true", "false"];
const TZ_FIELD: InitField = InitField {
    name: "timezone",
    ty: "string",
    required: false,
    description: "IANA zone name, default UTC",
};

pub static PLUGINS: &[PluginSpec] = &[
    PluginSpec {
        id: "day-night",
        name: "Day/night",
        description: "Payload on `day` when the sun is above the horizon at init.latitude/longitude, else on `night`.",
        family: "time",
        inputs: &["payload"],
        outputs: &["day", "night"],
        init: &[
            InitField { name: "latitude", ty: "number", required: true, description: "degrees, north positive" },
            InitField { name: "longitude", ty: "number", required: true, description: "degrees, east positive" },
        ],
        aliases: &["DayNightAction"],
        join: false,
        build: build_day_night,
    },
    PluginSpec {
        id: "weekend",
        name: "Is weekend",
        description: "Payload on `true` on Saturday and Sunday in init.timezone, else `false`.",
        family: "time",
        inputs: &["payload"],
        outputs: TRUE_FALSE,
        init: &[TZ_FIELD],
        aliases: &["WeekendAction", "IsWeekendAction"],
        join: false,
        build: |init| Ok(Box::new(Weekend { tz: tz(init)? })),
    },
    PluginSpec {
        id: "time-between",
        name: "Time between",
        description: "Payload on `true` when the local time is within [start, end) (HH:MM; a range may wrap midnight), else `false`.",
        family: "time",
        inputs: &["payload"],
        outputs: TRUE_FALSE,
        init: &[
            InitField { name: "start", ty: "HH:MM", required: true, description: "start of the range" },
            InitField { name: "end", ty: "HH:MM", required: true, description: "end of the range" },
            TZ_FIELD,
        ],
        aliases: &["TimeSpanAction", "LocalTimeSpanAction"],
        join: false,
        build: build_between,
    },
];

fn tz(init: &Value) -> Result<Tz, InitError> {
    match opt_str(init, "timezone")? {
        None => Ok(Tz::UTC),
        Some(name) if name.trim().is_empty() => Ok(Tz::UTC),
        Some(name) => name
            .trim()
            .parse::<Tz>()
            .or_else(|_| {
                chrono_tz::TZ_VARIANTS
                    .iter()
                    .find(|t| t.name().eq_ignore_ascii_case(name.trim()))
                    .copied()
                    .ok_or(())
            })
            .map_err(|_| InitError::field("timezone", format!("`{name}` is not a time zone"))),
    }
}

/// Sun elevation in degrees at a place and time (approximate: declination and the
/// equation of time from the day of the year; good to a few minutes at sunrise).
pub fn sun_elevation(at: DateTime<Utc>, latitude: f64, longitude: f64) -> f64 {
    let day = f64::from(at.ordinal());
    let b = (360.0 / 365.0 * (day - 81.0)).to_radians();
    let declination = (23.44f64).to_radians() * b.sin();
    let eot_minutes = 9.87 * (2.0 * b).sin() - 7.53 * b.cos() - 1.5 * b.sin();
    let hours =
        f64::from(at.hour()) + f64::from(at.minute()) / 60.0 + f64::from(at.second()) / 3600.0;
    let solar = hours + longitude / 15.0 + eot_minutes / 60.0;
    let hour_angle = (15.0 * (solar - 12.0)).to_radians();
    let lat = latitude.to_radians();
    let sin_e = lat.sin() * declination.sin() + lat.cos() * declination.cos() * hour_angle.cos();
    sin_e.clamp(-1.0, 1.0).asin().to_degrees()
}

struct DayNight {
    latitude: f64,
    longitude: f64,
}

impl Action for DayNight {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let day = sun_elevation(state.now(), self.latitude, self.longitude) > -0.833;
        Ok(Output::port(
            if day { "day" } else { "night" },
            state.take_payload(),
        ))
    }
}

fn build_day_night(init: &Value) -> Result<Box<dyn Action>, InitError> {
    let latitude = opt_num(init, "latitude", f64::NAN)?;
    let longitude = opt_num(init, "longitude", f64::NAN)?;
    if !(-90.0..=90.0).contains(&latitude) {
        return Err(InitError::field("latitude", "is required: -90 to 90"));
    }
    if !(-180.0..=180.0).contains(&longitude) {
        return Err(InitError::field("longitude", "is required: -180 to 180"));
    }
    Ok(Box::new(DayNight {
        latitude,
        longitude,
    }))
}

struct Weekend {
    tz: Tz,
}

impl Action for Weekend {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let weekday = state.now().with_timezone(&self.tz).weekday();
        let yes = matches!(weekday, Weekday::Sat | Weekday::Sun);
        Ok(Output::port(
            if yes { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

struct Between {
    start: NaiveTime,
    end: NaiveTime,
    tz: Tz,
}

impl Action for Between {
    fn run(&self, state: &mut RunState) -> Result<Output, ActionError> {
        let t = state.now().with_timezone(&self.tz).time();
        let inside = if self.start <= self.end {
            t >= self.start && t < self.end
        } else {
            t >= self.start || t < self.end
        };
        Ok(Output::port(
            if inside { "true" } else { "false" },
            state.take_payload(),
        ))
    }
}

fn hhmm(init: &Value, field: &str) -> Result<NaiveTime, InitError> {
    let text = req_str(init, field)?;
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(text.trim(), "%H:%M:%S"))
        .map_err(|_| InitError::field(field, format!("`{text}` is not a time (HH:MM)")))
}

fn build_between(init: &Value) -> Result<Box<dyn Action>, InitError> {
    Ok(Box::new(Between {
        start: hhmm(init, "start")?,
        end: hhmm(init, "end")?,
        tz: tz(init)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{init_error, run, state};
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    #[test]
    fn day_and_night_in_warsaw() {
        let mut s = state(); // 2024-06-01 12:00 UTC
        let init = json!({"latitude": 52.23, "longitude": 21.01});
        assert!(run("day-night", init.clone(), &mut s)
            .unwrap()
            .get("day")
            .is_some());
        s.ctx.now = Utc.with_ymd_and_hms(2024, 6, 1, 23, 0, 0).single();
        assert!(run("day-night", init, &mut s)
            .unwrap()
            .get("night")
            .is_some());
        assert!(
            init_error("day-night", json!({"latitude": 100, "longitude": 0}))
                .contains("init.latitude")
        );
    }

    #[test]
    fn weekend_depends_on_zone() {
        let mut s = state(); // Saturday
        assert!(run("weekend", json!({}), &mut s)
            .unwrap()
            .get("true")
            .is_some());
        s.ctx.now = Utc.with_ymd_and_hms(2024, 6, 2, 23, 30, 0).single(); // Sunday UTC, Monday in Warsaw
        assert!(run("weekend", json!({"timezone": "europe/warsaw"}), &mut s)
            .unwrap()
            .get("false")
            .is_some());
        assert!(init_error("weekend", json!({"timezone": "Mars/Base"})).contains("init.timezone"));
    }

    #[test]
    fn time_between_wraps_midnight() {
        let mut s = state(); // 12:00 UTC = 14:00 Warsaw
        let out = run(
            "time-between",
            json!({"start": "13:00", "end": "15:00", "timezone": "Europe/Warsaw"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("true").is_some());
        let out = run(
            "time-between",
            json!({"start": "22:00", "end": "06:00"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("false").is_some());
        s.ctx.now = Utc.with_ymd_and_hms(2024, 6, 1, 2, 0, 0).single();
        let out = run(
            "time-between",
            json!({"start": "22:00", "end": "06:00"}),
            &mut s,
        )
        .unwrap();
        assert!(out.get("true").is_some());
        assert!(
            init_error("time-between", json!({"start": "25:00", "end": "1:00"}))
                .contains("init.start")
        );
    }
}
