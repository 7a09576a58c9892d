//! Enrichment of a new session: user agent, screen, page data, UTM and geo moves.

use crate::domain::{App, Device, Hit, Map, Os, Utm};
use serde_json::Value;

/// What a user agent says about the visitor.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserAgentInfo {
    pub os: Os,
    pub device: Device,
    pub app: App,
}

fn known(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s != "UNKNOWN").then(|| s.to_string())
}

/// Parses a user agent with woothee (a maintained UA parser with its own rule set).
pub fn parse_user_agent(ua: &str) -> UserAgentInfo {
    let mut info = UserAgentInfo::default();
    let parser = woothee::parser::Parser::new();
    let Some(r) = parser.parse(ua) else {
        return info;
    };
    info.os.name = known(r.os);
    info.os.version = known(&r.os_version);
    let device_type = match r.category {
        "pc" => Some("desktop"),
        "smartphone" => Some("smartphone"),
        "mobilephone" => Some("feature phone"),
        "crawler" => Some("bot"),
        "appliance" => Some("appliance"),
        "misc" => Some("other"),
        _ => None,
    };
    info.device.device_type = device_type.map(str::to_string);
    info.device.touch = matches!(r.category, "smartphone" | "mobilephone");
    let (brand, model) = match r.os {
        "iPhone" => (Some("Apple"), Some("iPhone")),
        "iPad" => (Some("Apple"), Some("iPad")),
        "iPod" => (Some("Apple"), Some("iPod")),
        "Mac OSX" => (Some("Apple"), Some("Mac")),
        _ => (None, None),
    };
    info.device.brand = brand.map(str::to_string);
    info.device.model = model.map(str::to_string);
    info.device.name = match (&info.device.brand, &info.device.model) {
        (Some(b), Some(m)) => Some(format!("{b} {m}")),
        _ => info.device.device_type.clone(),
    };
    info.app.bot = r.category == "crawler";
    info.app.name = known(r.name);
    info.app.version = known(r.version);
    info.app.app_type = known(r.browser_type);
    info
}

/// True when the user agent is a known crawler or bot.
pub fn is_bot(ua: &str) -> bool {
    woothee::parser::Parser::new()
        .parse(ua)
        .map(|r| r.category == "crawler")
        .unwrap_or(false)
}

fn str_at(m: &Map, path: &[&str]) -> Option<String> {
    let mut cur = m.get(path[0])?;
    for p in &path[1..] {
        cur = cur.as_object()?.get(*p)?;
    }
    match cur {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Screen size from `context.screen` (`{width, height}` or `{local: {width, height}}`).
pub fn screen_resolution(context: &Map) -> Option<String> {
    for base in [&["screen"][..], &["screen", "local"][..]] {
        let w = str_at(context, &[base, &["width"]].concat());
        let h = str_at(context, &[base, &["height"]].concat());
        if let (Some(w), Some(h)) = (w, h) {
            return Some(format!("{w}x{h}"));
        }
    }
    None
}

/// The user agent a browser tracker reports in its context, used when no header came.
pub fn context_user_agent(context: &Map) -> Option<String> {
    str_at(context, &["browser", "local", "browser", "userAgent"])
        .or_else(|| str_at(context, &["browser", "userAgent"]))
        .or_else(|| str_at(context, &["userAgent"]))
}

/// Page data of an event (`context.page`) as the event's `hit`.
pub fn page_hit(context: &Map) -> Hit {
    let mut hit = Hit::default();
    let Some(Value::Object(page)) = context.get("page") else {
        return hit;
    };
    hit.name = str_at(page, &["title"]);
    hit.url = str_at(page, &["url"]);
    hit.referer = str_at(page, &["referer", "host"])
        .or_else(|| str_at(page, &["referer"]))
        .or_else(|| str_at(page, &["referrer"]));
    hit.query = str_at(page, &["query"]).or_else(|| {
        hit.url
            .as_deref()
            .and_then(|u| u.split_once('?'))
            .map(|(_, q)| q.split('#').next().unwrap_or_default().to_string())
            .filter(|q| !q.is_empty())
    });
    hit
}

/// Moves `context.utm` out of the context.
pub fn take_utm(context: &mut Map) -> Option<Utm> {
    match context.remove("utm") {
        Some(Value::Object(m)) => {
            let mut utm = Utm::default();
            for (k, v) in m {
                let s = match &v {
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    other => Some(other.to_string()),
                };
                match k.as_str() {
                    "source" => utm.source = s,
                    "medium" => utm.medium = s,
                    "campaign" => utm.campaign = s,
                    "term" => utm.term = s,
                    "content" => utm.content = s,
                    _ => {
                        utm.extra.insert(k, v);
                    }
                }
            }
            (!utm.is_empty()).then_some(utm)
        }
        Some(other) => {
            // Not an object: leave it where it was rather than lose it.
            context.insert("utm".into(), other);
            None
        }
        None => None,
    }
}

/// Moves `context.location` out of the context (it becomes `device.geo`).
pub fn take_location(context: &mut Map) -> Option<Map> {
    match context.remove("location") {
        Some(Value::Object(m)) => Some(m),
        Some(other) => {
            context.insert("location".into(), other);
            None
        }
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const CHROME_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
    const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    const GOOGLEBOT: &str =
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    #[test]
    fn desktop_browser() {
        let i = parse_user_agent(CHROME_WIN);
        assert_eq!(i.os.name.as_deref(), Some("Windows 10"));
        assert_eq!(i.app.name.as_deref(), Some("Chrome"));
        assert_eq!(i.device.device_type.as_deref(), Some("desktop"));
        assert!(!i.app.bot);
        assert!(!i.device.touch);
    }

    #[test]
    fn phone_and_bot() {
        let i = parse_user_agent(IPHONE);
        assert_eq!(i.device.brand.as_deref(), Some("Apple"));
        assert!(i.device.touch);
        assert!(is_bot(GOOGLEBOT));
        assert!(parse_user_agent(GOOGLEBOT).app.bot);
        assert!(!is_bot(CHROME_WIN));
        assert_eq!(parse_user_agent(""), UserAgentInfo::default());
    }

    #[test]
    fn moves_and_page() {
        let mut ctx = json!({"utm": {"source": "google", "campaign": "x"}, "location": {"city": "Wroclaw"},
            "page": {"title": "Home", "url": "https://a.com/?q=1#top", "referer": {"host": "b.com"}},
            "screen": {"width": 1920, "height": 1080}})
        .as_object()
        .cloned()
        .unwrap();
        let hit = page_hit(&ctx);
        assert_eq!(hit.name.as_deref(), Some("Home"));
        assert_eq!(hit.query.as_deref(), Some("q=1"));
        assert_eq!(hit.referer.as_deref(), Some("b.com"));
        assert_eq!(screen_resolution(&ctx).as_deref(), Some("1920x1080"));
        let utm = take_utm(&mut ctx).unwrap();
        assert_eq!(utm.source.as_deref(), Some("google"));
        assert_eq!(take_location(&mut ctx).unwrap()["city"], "Wroclaw");
        assert!(!ctx.contains_key("utm") && !ctx.contains_key("location"));
    }
}
