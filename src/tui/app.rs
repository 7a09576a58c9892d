//! The state of the terminal UI and `update`, the one place it changes.
//!
//! `update(state, action)` is pure: it reads nothing from outside and performs nothing;
//! what must happen outside (an API call, the editor, quitting) comes back as
//! [`Effect`]s for the event loop to carry out.

use crate::domain::Context;
use serde_json::Value;
use std::collections::VecDeque;

use super::dashboard::DashData;
use super::health::HealthData;
use super::profiles::short_time;

/// Events kept by the live screen; older ones scroll away.
pub const LIVE_CAP: usize = 500;
/// Profiles per page.
pub const PAGE: usize = 20;

/// A configuration screen, by the kind it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Sources,
    Rules,
    Flows,
    Segments,
    Consents,
    Destinations,
    Resources,
    Users,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Sources,
        Kind::Rules,
        Kind::Flows,
        Kind::Segments,
        Kind::Consents,
        Kind::Destinations,
        Kind::Resources,
        Kind::Users,
    ];

    /// The kind's name in the private API (`/config/{kind}`); users have their own route.
    pub fn api(self) -> &'static str {
        match self {
            Kind::Sources => "event-source",
            Kind::Rules => "rule",
            Kind::Flows => "flow",
            Kind::Segments => "segment",
            Kind::Consents => "consent-type",
            Kind::Destinations => "destination",
            Kind::Resources => "resource",
            Kind::Users => "user",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Kind::Sources => "Event sources",
            Kind::Rules => "Rules",
            Kind::Flows => "Flows",
            Kind::Segments => "Segments",
            Kind::Consents => "Consent types",
            Kind::Destinations => "Destinations",
            Kind::Resources => "Resources",
            Kind::Users => "Users",
        }
    }

    /// Whether documents of this kind are edited and created as YAML (`apply` form).
    pub fn editable(self) -> bool {
        self != Kind::Users
    }

    fn index(self) -> usize {
        Kind::ALL.iter().position(|k| *k == self).unwrap_or(0)
    }
}

/// What the main area shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    Profiles,
    Live,
    Config(Kind),
    Deploy,
    Health,
}

impl Screen {
    /// Names accepted by `:`, first the one shown.
    pub const NAMES: &'static [(&'static str, Screen)] = &[
        ("dashboard", Screen::Dashboard),
        ("dash", Screen::Dashboard),
        ("profiles", Screen::Profiles),
        ("profile", Screen::Profiles),
        ("live", Screen::Live),
        ("events", Screen::Live),
        ("sources", Screen::Config(Kind::Sources)),
        ("event-sources", Screen::Config(Kind::Sources)),
        ("rules", Screen::Config(Kind::Rules)),
        ("flows", Screen::Config(Kind::Flows)),
        ("segments", Screen::Config(Kind::Segments)),
        ("consents", Screen::Config(Kind::Consents)),
        ("destinations", Screen::Config(Kind::Destinations)),
        ("resources", Screen::Config(Kind::Resources)),
        ("users", Screen::Config(Kind::Users)),
        ("deploy", Screen::Deploy),
        ("health", Screen::Health),
    ];

    /// The screen a `:` command names: an exact name, else the only one it begins.
    pub fn parse(s: &str) -> Option<Screen> {
        let s = s.trim().to_ascii_lowercase();
        if s.is_empty() {
            return None;
        }
        if let Some((_, sc)) = Screen::NAMES.iter().find(|(n, _)| *n == s) {
            return Some(*sc);
        }
        let mut hits = Screen::NAMES.iter().filter(|(n, _)| n.starts_with(&s));
        let first = hits.next()?.1;
        hits.all(|(_, sc)| *sc == first).then_some(first)
    }

    /// The screens a `:` prefix could mean, by their first name.
    pub fn candidates(s: &str) -> Vec<&'static str> {
        let s = s.trim().to_ascii_lowercase();
        let mut out: Vec<&'static str> = Vec::new();
        if s.is_empty() {
            return out;
        }
        let mut seen = Vec::new();
        for (n, sc) in Screen::NAMES {
            if n.starts_with(&s) && !seen.contains(sc) {
                seen.push(*sc);
                // The screen's first (shown) name, not the alias that matched.
                if let Some((first, _)) = Screen::NAMES.iter().find(|(_, x)| x == sc) {
                    out.push(first);
                }
            }
        }
        out
    }

    pub fn title(self) -> &'static str {
        match self {
            Screen::Dashboard => "Dashboard",
            Screen::Profiles => "Profiles",
            Screen::Live => "Live events",
            Screen::Config(k) => k.title(),
            Screen::Deploy => "Deploy",
            Screen::Health => "Health",
        }
    }
}

/// What a key or an API answer asks of the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Enter,
    Back,
    /// `:` — type a screen name.
    StartCommand,
    /// `/` — type a filter or a search.
    StartFilter,
    Input(char),
    Backspace,
    /// Ctrl-U while typing: clear the line.
    ClearInput,
    /// Line editing while typing: ← →, Home / Ctrl-A, End / Ctrl-E, Delete, Ctrl-W
    /// (the word before the cursor).
    InputLeft,
    InputRight,
    InputHome,
    InputEnd,
    InputDelete,
    InputDeleteWord,
    Help,
    /// `y` — the selection as raw JSON, then YAML.
    Raw,
    /// `e` — edit the selection in $EDITOR.
    Edit,
    /// `n` — create a document of this kind in $EDITOR.
    Create,
    /// `t` — enable or disable the selected configuration document.
    Toggle,
    /// Ctrl-D — delete the selection, after confirmation.
    Delete,
    /// `y` or `Enter` in a confirmation.
    ConfirmYes,
    /// `n` or `Esc` in a confirmation.
    ConfirmNo,
    /// `c` — staging ⇄ production.
    SwitchContext,
    /// `p` on the live screen.
    TogglePause,
    /// `r` — fetch again.
    Refresh,
    /// `]` / `[` — next and previous page.
    NextPage,
    PrevPage,
    /// `Tab` — next section of a detail view.
    NextTab,
    /// `D` on the deploy screen: deploy staging to production, after confirmation.
    Deploy,
    /// `x` on an open flow: dry-run it against an event (asks for an id or JSON).
    DryRun,
    /// `R` on the health screen: put the selected dead letter back on the queue.
    Replay,
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// Time passed; screens that poll ask again.
    Tick,
    /// The terminal's size (columns, rows), at the start and on every resize.
    Resize(u16, u16),
    /// An answer from the API worker.
    Loaded(Loaded),
    /// The editor closed: the text saved, or why there is none.
    Edited {
        kind: Kind,
        outcome: EditOutcome,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum EditOutcome {
    /// The document saved, and the text it was read from.
    Saved {
        doc: Value,
        text: String,
    },
    Unchanged,
    /// Closed without a change after an error: the text stays in this file.
    Kept(String),
    /// The saved text is not a YAML document; the text, and why.
    Invalid {
        text: String,
        error: String,
    },
    Failed(String),
}

/// A document being edited in `$EDITOR`, from the moment it is opened until the API has
/// taken it: what to reopen when the API refuses it, and what to check it against.
#[derive(Debug, Clone, PartialEq)]
pub struct EditSession {
    pub kind: Kind,
    /// The document as it was fetched to be edited (None when creating one): if the
    /// server's copy no longer matches it at saving time, someone else changed it.
    pub base: Option<Value>,
    /// The text last saved in the editor.
    pub text: String,
}

/// The first line of the comment put above a document reopened after an error.
const EDIT_HEADER: &str = "# tracardictl: this change was NOT applied:";

/// The user's text with the error above it as comments (YAML ignores them), for the
/// editor to reopen on: as `kubectl edit` does, nothing typed is thrown away.
pub fn annotate(text: &str, error: &str) -> String {
    let mut out = format!("{EDIT_HEADER}\n");
    for l in error.lines() {
        out.push_str(&format!("#   {l}\n"));
    }
    out.push_str(
        "# Fix the document below and save to try again, or quit without saving to cancel\n\
         # (your text is then kept in a file). These # lines are ignored.\n#\n",
    );
    out.push_str(strip_annotation(text));
    out
}

/// `text` without the comment block [`annotate`] put above it.
pub fn strip_annotation(text: &str) -> &str {
    if !text.starts_with(EDIT_HEADER) {
        return text;
    }
    let mut rest = text;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, r)| r);
    }
    rest
}

/// A call for the API worker. Every one names the context it is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    Dashboard,
    Health,
    /// A page of profiles matching a search (empty: all).
    Profiles {
        query: String,
        after: Option<String>,
    },
    /// A profile with its events, sessions and merge history.
    Profile(String),
    /// The next page of a profile's events (or sessions).
    MoreOfProfile {
        id: String,
        sessions: bool,
        after: String,
    },
    /// A flow's stored run traces, newest first.
    Traces(String),
    /// A dry run of a flow (its draft) against an event: an event id, the event as
    /// JSON, or nothing for an empty event.
    DryRun {
        flow: String,
        input: String,
    },
    /// Put a dead letter back on the work queue.
    Replay(u64),
    DeleteDeadLetter(u64),
    Config(Kind),
    /// One document, fetched to be edited.
    ForEdit(Kind, String),
    /// Write a document; with `base`, only if the server's copy still is `base` (the
    /// document as it was opened in the editor).
    Apply {
        kind: Kind,
        doc: Value,
        base: Option<Value>,
    },
    /// Flip a document's `enabled`.
    Toggle(Kind, String),
    DeleteConfig(Kind, String),
    DeleteProfile(String),
    DeployPlan,
    /// What deploying one object would change: production's YAML against staging's.
    DeployDiff {
        kind: String,
        id: String,
    },
    Deploy,
    /// Start (true) or stop the live stream.
    Stream(bool),
}

/// What the event loop must do after an update.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Call(Context, Request),
    /// Suspend the UI and open `$EDITOR` on this YAML. With `keep`, closing it without
    /// a change keeps the file (the text of an edit the API refused).
    Edit {
        kind: Kind,
        yaml: String,
        keep: bool,
    },
    Quit,
}

/// An API answer, tagged with the context it was asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub context: Context,
    pub data: Result<Data, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Dashboard(Box<DashData>),
    Health(Box<HealthData>),
    Profiles {
        query: String,
        after: Option<String>,
        items: Vec<Value>,
        next: Option<String>,
    },
    /// A page of profiles could not be fetched (a bad condition, a refused token, the
    /// API down): the search it was for, and why.
    ProfilesFailed {
        query: String,
        error: String,
    },
    Profile {
        profile: Value,
        events: Vec<Value>,
        sessions: Vec<Value>,
        /// Cursors of the next page of events and of sessions, when there are more.
        more: [Option<String>; 2],
        /// `/profiles/{id}/explain`, or why it is not there.
        explain: Result<Value, String>,
    },
    /// A further page of a profile's events or sessions, and the cursor after it.
    MoreOfProfile {
        id: String,
        sessions: bool,
        after: String,
        items: Vec<Value>,
        next: Option<String>,
    },
    /// A flow's traces: (flow id, traces).
    Traces(String, Vec<Value>),
    /// A dry run's answer (`result`, `profile`, `session`, `event`): (flow id, answer).
    DryRun(String, Value),
    Config(Kind, Vec<Value>),
    ForEdit(Kind, Value),
    /// An edited document was not applied: why, and when someone else changed it
    /// meanwhile, the server's copy now (Null: deleted), the new base of the edit.
    ApplyFailed {
        error: String,
        current: Option<Value>,
    },
    /// A change went through; the message says what it did.
    Done(String),
    /// The dashboard or health figures could not be fetched because the API cannot be
    /// reached: why, and the time of day it was tried.
    Unreachable {
        error: String,
        at: String,
    },
    DeployPlan(Value),
    /// A unified diff to show, with its title.
    Diff(String, String),
    /// One event from the live stream.
    Event(Value),
    /// The stream said how many events this subscriber missed.
    Lagged(u64),
    StreamState(bool),
    /// The stream failed or ended; the worker reconnects.
    StreamDown(String),
}

/// The API stopped answering: the figures shown are from before `since`.
#[derive(Debug, Clone, PartialEq)]
pub struct Down {
    pub error: String,
    /// Time of day of the first failed attempt.
    pub since: String,
}

/// A question waiting for y/n.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: String,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    Command(String),
    Filter(String),
    /// `x` on a flow: typing the event (id or JSON) to dry-run it against.
    RunInput(String),
    Help,
    Confirm(Confirm),
}

/// Text shown over the screen by `y` (and `Enter` on a live event).
#[derive(Debug, Clone, PartialEq)]
pub struct RawView {
    pub title: String,
    pub value: Value,
    pub yaml: bool,
    pub scroll: u16,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileDetail {
    pub profile: Value,
    pub events: Vec<Value>,
    pub sessions: Vec<Value>,
    /// Where the next page of events and of sessions starts, while there is one.
    pub more: [Option<String>; 2],
    /// The merge history (`explain`): None while loading, else it or why it is missing.
    pub explain: Option<Result<Value, String>>,
    /// Section shown below the summary: 0 traits, 1 data, 2 events, 3 sessions,
    /// 4 merges.
    pub tab: usize,
    pub selected: usize,
}

impl ProfileDetail {
    /// The tab's title count: the rows loaded, and the profile's total when more are
    /// still to load (the total from `explain`, or `+` without it).
    pub fn count(&self, sessions: bool) -> String {
        let (loaded, more, key) = if sessions {
            (self.sessions.len(), &self.more[1], "sessions")
        } else {
            (self.events.len(), &self.more[0], "events")
        };
        let total = match &self.explain {
            Some(Ok(e)) => e.get(key).and_then(Value::as_u64),
            _ => None,
        };
        match (more, total) {
            (None, _) => loaded.to_string(),
            (Some(_), Some(t)) if t as usize > loaded => format!("{loaded} of {t}"),
            (Some(_), _) => format!("{loaded}+"),
        }
    }

    /// The merge journal records of the profile, newest last as the API gives them.
    pub fn merges(&self) -> Vec<Value> {
        match &self.explain {
            Some(Ok(e)) => e
                .get("merges")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

pub const PROFILE_TABS: [&str; 5] = ["Traits", "Data", "Events", "Sessions", "Merges"];

/// A run shown node by node: a stored trace or a dry run's result.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceView {
    pub title: String,
    /// The run (`RunResult`: `trace`, `errors`, `logs`, …).
    pub run: Value,
    /// The whole dry-run answer (with the resulting profile, session, event).
    pub answer: Option<Value>,
    /// The node selected in the trace.
    pub selected: usize,
}

impl TraceView {
    pub fn nodes(&self) -> Vec<Value> {
        self.run
            .get("trace")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// What is shown of the open flow: its graph, or its runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlowView {
    /// 0 graph, 1 traces.
    pub tab: usize,
    /// The flow's stored traces, newest first; None until fetched.
    pub traces: Option<Vec<Value>>,
    pub selected: usize,
    /// A trace or dry run opened node by node.
    pub trace: Option<TraceView>,
    /// The first line of the graph shown.
    pub graph_scroll: u16,
}

pub const FLOW_TABS: [&str; 2] = ["Graph", "Traces"];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfilesState {
    pub query: String,
    pub items: Vec<Value>,
    pub selected: usize,
    /// The cursor this page was fetched after, and those of the pages before it.
    pub after: Option<String>,
    pub back: Vec<Option<String>>,
    pub next: Option<String>,
    pub loaded: bool,
    /// Why the last request for a page failed, until one succeeds.
    pub failed: Option<String>,
    pub detail: Option<ProfileDetail>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    pub events: VecDeque<Value>,
    /// Events that arrived while paused, shown on resume.
    pub held: Vec<Value>,
    pub paused: bool,
    pub filter: String,
    pub selected: usize,
    pub connected: bool,
    pub missed: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListState {
    pub items: Vec<Value>,
    pub selected: usize,
    pub filter: String,
    pub loaded: bool,
    /// The flow whose graph is shown (flows only).
    pub open: Option<Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeployState {
    pub plan: Option<Value>,
    pub selected: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    pub url: String,
    pub user: String,
    pub context: Context,
    pub readonly: bool,
    pub screen: Screen,
    /// Screens visited before, for `Esc`.
    pub history: Vec<Screen>,
    pub mode: Mode,
    pub raw: Option<RawView>,
    /// The last thing that happened, shown above the help bar.
    pub status: String,
    pub error: bool,
    /// Calls sent and not yet answered.
    pub pending: usize,
    pub dashboard: Option<Box<DashData>>,
    pub health: Option<Box<HealthData>>,
    pub profiles: ProfilesState,
    pub live: LiveState,
    pub lists: Vec<ListState>,
    /// The open flow's traces and dry runs.
    pub flow: FlowView,
    /// The dead letter selected on the health screen.
    pub dead_selected: usize,
    pub deploy: DeployState,
    /// The document open in the editor or being applied.
    pub editing: Option<EditSession>,
    /// Set while the API cannot be reached (polled screens find out); cleared by the
    /// next answer.
    pub down: Option<Down>,
    /// The terminal's size (columns, rows): how far the text views may scroll.
    pub size: (u16, u16),
    /// Where the cursor is in the line being typed, in characters; None: at its end.
    pub input_cursor: Option<usize>,
}

impl App {
    pub fn new(url: &str, user: &str, context: Context, readonly: bool) -> App {
        App {
            url: url.to_string(),
            user: user.to_string(),
            context,
            readonly,
            screen: Screen::Dashboard,
            history: Vec::new(),
            mode: Mode::Normal,
            raw: None,
            status: String::new(),
            error: false,
            pending: 0,
            dashboard: None,
            health: None,
            profiles: ProfilesState::default(),
            live: LiveState::default(),
            lists: Kind::ALL.iter().map(|_| ListState::default()).collect(),
            flow: FlowView::default(),
            dead_selected: 0,
            deploy: DeployState::default(),
            editing: None,
            down: None,
            size: (80, 24),
            input_cursor: None,
        }
    }

    /// The calls that fill the first screen.
    pub fn start(&mut self) -> Vec<Effect> {
        self.enter_screen()
    }

    pub fn list(&self, k: Kind) -> &ListState {
        &self.lists[k.index()]
    }

    fn list_mut(&mut self, k: Kind) -> &mut ListState {
        &mut self.lists[k.index()]
    }

    fn call(&mut self, r: Request) -> Effect {
        self.pending += 1;
        Effect::Call(self.context, r)
    }

    fn say(&mut self, msg: impl Into<String>) {
        self.status = msg.into();
        self.error = false;
    }

    fn fail(&mut self, msg: impl Into<String>) {
        self.status = msg.into();
        self.error = true;
    }

    /// The live events that pass the filter, newest first.
    pub fn live_visible(&self) -> Vec<&Value> {
        let f = self.live.filter.to_ascii_lowercase();
        self.live
            .events
            .iter()
            .rev()
            .filter(|e| f.is_empty() || live_matches(e, &f))
            .collect()
    }

    /// The documents of a configuration list that pass its filter.
    pub fn list_visible(&self, k: Kind) -> Vec<&Value> {
        let l = self.list(k);
        let f = l.filter.to_ascii_lowercase();
        l.items
            .iter()
            .filter(|d| {
                f.is_empty()
                    || text(d, "id").to_ascii_lowercase().contains(&f)
                    || text(d, "name").to_ascii_lowercase().contains(&f)
                    || text(d, "email").to_ascii_lowercase().contains(&f)
            })
            .collect()
    }

    fn enter_screen(&mut self) -> Vec<Effect> {
        let mut out = Vec::new();
        match self.screen {
            Screen::Dashboard => out.push(self.call(Request::Dashboard)),
            Screen::Health => out.push(self.call(Request::Health)),
            Screen::Profiles => {
                if !self.profiles.loaded {
                    // The page shown, not the first one: its number stays right.
                    let query = self.profiles.query.clone();
                    let after = self.profiles.after.clone();
                    out.push(self.call(Request::Profiles { query, after }));
                }
            }
            Screen::Live => {
                if !self.live.connected {
                    // A stream answers many times, never "done": not a pending call.
                    out.push(Effect::Call(self.context, Request::Stream(true)));
                }
            }
            Screen::Config(k) => out.push(self.call(Request::Config(k))),
            Screen::Deploy => out.push(self.call(Request::DeployPlan)),
        }
        out
    }

    fn goto(&mut self, s: Screen) -> Vec<Effect> {
        if s != self.screen {
            self.history.push(self.screen);
            if self.history.len() > 32 {
                self.history.remove(0);
            }
            self.screen = s;
            // The status line belongs to the screen it was said on.
            self.say("");
        }
        self.raw = None;
        self.enter_screen()
    }

    /// The number of rows of the list the cursor moves in.
    fn rows(&self) -> usize {
        match self.screen {
            Screen::Profiles => match &self.profiles.detail {
                Some(d) => match d.tab {
                    2 => d.events.len(),
                    3 => d.sessions.len(),
                    4 => d.merges().len(),
                    _ => 0,
                },
                None => self.profiles.items.len(),
            },
            Screen::Live => self.live_visible().len(),
            Screen::Config(Kind::Flows) if self.flow_open().is_some() => match &self.flow.trace {
                Some(t) => t.nodes().len(),
                None if self.flow.tab == 1 => self.flow.traces.as_ref().map_or(0, Vec::len),
                None => 0,
            },
            Screen::Config(k) => self.list_visible(k).len(),
            Screen::Deploy => changes(self.deploy.plan.as_ref()).len(),
            Screen::Health => self.health.as_ref().map_or(0, |h| h.dead.len()),
            Screen::Dashboard => 0,
        }
    }

    /// The document `e` and `t` act on: the open one (a flow whose graph or trace is
    /// shown), else the selected one.
    pub fn config_target(&self, k: Kind) -> Option<Value> {
        let l = self.list(k);
        match &l.open {
            Some(open) => Some(open.clone()),
            None => self.list_visible(k).get(l.selected).map(|d| (*d).clone()),
        }
    }

    /// The flow whose graph and runs are shown, if one is open.
    pub fn flow_open(&self) -> Option<&Value> {
        self.list(Kind::Flows).open.as_ref()
    }

    /// The dead letter selected on the health screen.
    pub fn dead_letter(&self) -> Option<&Value> {
        self.health
            .as_ref()
            .and_then(|h| h.dead.get(self.dead_selected))
    }

    fn cursor(&mut self) -> Option<&mut usize> {
        match self.screen {
            Screen::Profiles => Some(match &mut self.profiles.detail {
                Some(d) => &mut d.selected,
                None => &mut self.profiles.selected,
            }),
            Screen::Live => Some(&mut self.live.selected),
            Screen::Config(Kind::Flows) if self.flow_open().is_some() => {
                let tab = self.flow.tab;
                match &mut self.flow.trace {
                    Some(t) => Some(&mut t.selected),
                    None if tab == 1 => Some(&mut self.flow.selected),
                    None => None,
                }
            }
            Screen::Config(k) => Some(&mut self.list_mut(k).selected),
            Screen::Deploy => Some(&mut self.deploy.selected),
            Screen::Health => Some(&mut self.dead_selected),
            Screen::Dashboard => None,
        }
    }

    /// The rows (wrapped) of the raw view, and how many of them fit on the screen:
    /// the frame takes a header, a status line, a key bar and the borders.
    pub fn raw_view_rows(&self, raw: &RawView) -> (usize, usize) {
        let (w, h) = self.size;
        let rows = super::ui::raw_lines(raw, w.saturating_sub(2).max(1) as usize).len();
        (rows, h.saturating_sub(5).max(1) as usize)
    }

    /// How far the flow graph may scroll: its lines less those that fit (the flow's
    /// tab line takes a row more than the raw view).
    pub fn graph_max_scroll(&self) -> u16 {
        let Some(flow) = self.flow_open() else {
            return 0;
        };
        let lines = super::flows::graph_lines(flow).len();
        let fit = self.size.1.saturating_sub(6).max(1) as usize;
        lines.saturating_sub(fit).min(u16::MAX as usize) as u16
    }

    /// Keeps the text views' scroll within their text (after a resize or a change).
    fn clamp_scrolls(&mut self) {
        if let Some(raw) = &self.raw {
            let (rows, fit) = self.raw_view_rows(raw);
            let max = rows.saturating_sub(fit).min(u16::MAX as usize) as u16;
            if let Some(r) = &mut self.raw {
                r.scroll = r.scroll.min(max);
            }
        }
        self.flow.graph_scroll = self.flow.graph_scroll.min(self.graph_max_scroll());
    }

    fn move_cursor(&mut self, delta: isize) {
        if let Some(raw) = &self.raw {
            // Scrolling stops where the last line is at the bottom.
            let (rows, fit) = self.raw_view_rows(raw);
            let max = rows.saturating_sub(fit).min(u16::MAX as usize) as isize;
            if let Some(r) = &mut self.raw {
                r.scroll = (r.scroll as isize + delta).clamp(0, max) as u16;
            }
            return;
        }
        if self.screen == Screen::Config(Kind::Flows)
            && self.flow_open().is_some()
            && self.flow.trace.is_none()
            && self.flow.tab == 0
        {
            let max = self.graph_max_scroll() as isize;
            self.flow.graph_scroll = (self.flow.graph_scroll as isize + delta).clamp(0, max) as u16;
            return;
        }
        let rows = self.rows();
        if let Some(c) = self.cursor() {
            let max = rows.saturating_sub(1) as isize;
            *c = (*c as isize + delta).clamp(0, max.max(0)) as usize;
        }
    }

    /// What `y`, `e` and Ctrl-D act on: (title, document).
    pub fn selection(&self) -> Option<(String, Value)> {
        match self.screen {
            Screen::Profiles => match &self.profiles.detail {
                Some(d) => {
                    let merges = d.merges();
                    let picked = match d.tab {
                        2 => d.events.get(d.selected),
                        3 => d.sessions.get(d.selected),
                        4 => merges.get(d.selected),
                        _ => None,
                    };
                    match picked {
                        Some(v) => {
                            Some((format!("{}/{}", tab_kind(d.tab), text(v, "id")), v.clone()))
                        }
                        None => Some((
                            format!("profile/{}", text(&d.profile, "id")),
                            d.profile.clone(),
                        )),
                    }
                }
                None => self
                    .profiles
                    .items
                    .get(self.profiles.selected)
                    .map(|p| (format!("profile/{}", text(p, "id")), p.clone())),
            },
            Screen::Live => self
                .live_visible()
                .get(self.live.selected)
                .map(|e| (format!("event/{}", text(e, "id")), (*e).clone())),
            Screen::Config(Kind::Flows) if self.flow_open().is_some() => {
                let flow = self.flow_open()?;
                let fid = text(flow, "id");
                match &self.flow.trace {
                    // `y` shows the whole run (a dry run with the resulting profile,
                    // session and event); ⏎ shows the selected node.
                    Some(t) => Some((
                        format!("trace/{}", text(&t.run, "run_id")),
                        t.answer.clone().unwrap_or_else(|| t.run.clone()),
                    )),
                    None => {
                        let picked = (self.flow.tab == 1)
                            .then(|| self.flow.traces.as_ref()?.get(self.flow.selected))
                            .flatten();
                        Some(match picked {
                            Some(tr) => (format!("trace/{}", text(tr, "run_id")), tr.clone()),
                            None => (format!("flow/{fid}"), flow.clone()),
                        })
                    }
                }
            }
            Screen::Config(k) => {
                let l = self.list(k);
                if let Some(open) = &l.open {
                    return Some((format!("{}/{}", k.api(), text(open, "id")), open.clone()));
                }
                self.list_visible(k)
                    .get(l.selected)
                    .map(|d| (format!("{}/{}", k.api(), text(d, "id")), (*d).clone()))
            }
            Screen::Deploy => self.deploy.plan.clone().map(|p| ("deploy plan".into(), p)),
            Screen::Dashboard => self
                .dashboard
                .as_ref()
                .map(|d| ("stats".into(), d.stats.clone())),
            Screen::Health => match (self.dead_letter(), &self.health) {
                (Some(d), _) => Some((format!("dead-letter/{}", text(d, "id")), d.clone())),
                (None, Some(h)) => Some(("stats".into(), h.stats.clone())),
                (None, None) => None,
            },
        }
    }
}

fn tab_kind(tab: usize) -> &'static str {
    match tab {
        3 => "session",
        4 => "merge",
        _ => "event",
    }
}

/// The changes of a deploy plan.
pub fn changes(plan: Option<&Value>) -> Vec<Value> {
    plan.and_then(|p| p.get("changes"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// A dot path of a JSON value as display text ("" when absent).
pub fn text(v: &Value, path: &str) -> String {
    let mut cur = v;
    for k in path.split('.') {
        match cur.get(k) {
            Some(x) => cur = x,
            None => return String::new(),
        }
    }
    match cur {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn live_matches(e: &Value, f: &str) -> bool {
    ["type", "source.id", "profile.id", "session.id", "id"]
        .iter()
        .any(|p| text(e, p).to_ascii_lowercase().contains(f))
}

/// A YAML template for a new document of a kind: the fields the kind needs, with
/// comments saying what to fill in. Saved as it is (once the id is changed) it is
/// accepted, except a destination, whose `resource.id` must name an existing resource;
/// a rule starts disabled, as it names no source or flow yet.
pub fn template(k: Kind) -> String {
    let extra = match k {
        Kind::Sources => "type: rest\n",
        Kind::Rules => {
            "# The events this rule runs a flow on: fill in source.id (an event source) and\n\
             # flow.id, then set enabled: true.\n\
             source:\n  id: \"\"\nevent_type:\n  id: page-view\nflow:\n  id: \"\"\n"
        }
        Kind::Segments => "condition: 'profile@stats.visits > 1'\n",
        Kind::Resources => {
            "# Where a destination sends: the URL per context (production, test).\n\
             type: webhook\ncredentials:\n  production:\n    url: https://example.com/hook\n  \
             test:\n    url: https://example.com/hook-test\n"
        }
        Kind::Destinations => {
            "# What to send (event_type, condition, mapping) and through which resource\n\
             # (resource.id: an existing resource of this context).\n\
             destination:\n  package: webhook\n  init:\n    method: post\n    timeout: 10\n\
             event_type:\n  id: purchase\nresource:\n  id: new-resource\n"
        }
        _ => "",
    };
    let enabled = if k == Kind::Rules { "false" } else { "true" };
    format!(
        "kind: {}\nid: new-{}\nname: New {}\n{extra}enabled: {enabled}\n",
        k.api(),
        k.api(),
        k.api()
    )
}

/// Applies an action to the state and says what must happen outside.
pub fn update(app: &mut App, action: Action) -> Vec<Effect> {
    // Typing into the command or filter line, at the cursor.
    if let Mode::Command(s) | Mode::Filter(s) | Mode::RunInput(s) = &mut app.mode {
        let len = s.chars().count();
        let at = app.input_cursor.unwrap_or(len).min(len);
        let byte = |s: &str, i: usize| s.char_indices().nth(i).map_or(s.len(), |(b, _)| b);
        let moved = match &action {
            Action::Input(c) => {
                s.insert(byte(s, at), *c);
                at + 1
            }
            Action::Paste(t) => {
                // One line: a pasted JSON document keeps its meaning without newlines.
                let t: String = t
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                s.insert_str(byte(s, at), &t);
                at + t.chars().count()
            }
            Action::Backspace if at > 0 => {
                s.remove(byte(s, at - 1));
                at - 1
            }
            Action::Backspace => at,
            Action::InputDelete => {
                if at < len {
                    s.remove(byte(s, at));
                }
                at
            }
            Action::InputDeleteWord => {
                let chars: Vec<char> = s.chars().collect();
                let mut from = at;
                while from > 0 && chars[from - 1].is_whitespace() {
                    from -= 1;
                }
                while from > 0 && !chars[from - 1].is_whitespace() {
                    from -= 1;
                }
                let (b0, b1) = (byte(s, from), byte(s, at));
                s.replace_range(b0..b1, "");
                from
            }
            Action::ClearInput => {
                s.clear();
                0
            }
            Action::InputLeft => at.saturating_sub(1),
            Action::InputRight => (at + 1).min(len),
            Action::InputHome => 0,
            Action::InputEnd => len,
            _ => usize::MAX,
        };
        if moved != usize::MAX {
            let len = s.chars().count();
            app.input_cursor = (moved < len).then_some(moved);
            return Vec::new();
        }
    }
    match action {
        Action::Quit => match app.mode {
            Mode::Normal => vec![Effect::Quit],
            _ => {
                app.mode = Mode::Normal;
                Vec::new()
            }
        },
        Action::Help => {
            app.mode = if app.mode == Mode::Help {
                Mode::Normal
            } else {
                Mode::Help
            };
            Vec::new()
        }
        Action::StartCommand => {
            app.input_cursor = None;
            app.mode = Mode::Command(String::new());
            Vec::new()
        }
        Action::StartFilter => {
            let current = match app.screen {
                Screen::Profiles => app.profiles.query.clone(),
                Screen::Live => app.live.filter.clone(),
                Screen::Config(k) => app.list(k).filter.clone(),
                _ => String::new(),
            };
            app.input_cursor = None;
            app.mode = Mode::Filter(current);
            Vec::new()
        }
        Action::Input(_)
        | Action::Backspace
        | Action::ClearInput
        | Action::Paste(_)
        | Action::InputLeft
        | Action::InputRight
        | Action::InputHome
        | Action::InputEnd
        | Action::InputDelete
        | Action::InputDeleteWord => Vec::new(),
        Action::Up => {
            app.move_cursor(-1);
            Vec::new()
        }
        Action::Down => {
            app.move_cursor(1);
            Vec::new()
        }
        Action::PageUp => {
            app.move_cursor(-10);
            Vec::new()
        }
        Action::PageDown => {
            app.move_cursor(10);
            Vec::new()
        }
        Action::Top => {
            app.move_cursor(-(u16::MAX as isize));
            Vec::new()
        }
        Action::Bottom => {
            app.move_cursor(u16::MAX as isize);
            Vec::new()
        }
        Action::Enter => enter(app),
        Action::Back => back(app),
        Action::Raw => {
            match &mut app.raw {
                Some(r) if !r.yaml => {
                    // Another text: from its top.
                    r.yaml = true;
                    r.scroll = 0;
                }
                Some(_) => app.raw = None,
                None => {
                    if let Some((title, value)) = app.selection() {
                        app.raw = Some(RawView {
                            title,
                            value,
                            yaml: false,
                            scroll: 0,
                        });
                    }
                }
            }
            Vec::new()
        }
        Action::Edit => edit(app),
        Action::Create => {
            if app.readonly {
                app.fail("read-only: creating is off");
                return Vec::new();
            }
            match app.screen {
                Screen::Config(k) if k.editable() => {
                    app.editing = Some(EditSession {
                        kind: k,
                        base: None,
                        text: String::new(),
                    });
                    vec![Effect::Edit {
                        kind: k,
                        yaml: template(k),
                        keep: false,
                    }]
                }
                _ => Vec::new(),
            }
        }
        Action::Delete => delete(app),
        Action::Toggle => {
            if app.readonly {
                app.fail("read-only: enabling and disabling are off");
                return Vec::new();
            }
            match app.screen {
                Screen::Config(k) if k.editable() => match app.config_target(k) {
                    Some(doc) => vec![app.call(Request::Toggle(k, text(&doc, "id")))],
                    None => Vec::new(),
                },
                _ => Vec::new(),
            }
        }
        Action::ConfirmYes => match std::mem::replace(&mut app.mode, Mode::Normal) {
            Mode::Confirm(c) => {
                app.say("working…");
                vec![app.call(c.request)]
            }
            other => {
                app.mode = other;
                Vec::new()
            }
        },
        Action::ConfirmNo => {
            if matches!(app.mode, Mode::Confirm(_)) {
                app.mode = Mode::Normal;
                app.say("cancelled");
            }
            Vec::new()
        }
        Action::SwitchContext => {
            app.context = match app.context {
                Context::Staging => Context::Production,
                Context::Production => Context::Staging,
            };
            app.profiles = ProfilesState {
                query: app.profiles.query.clone(),
                ..ProfilesState::default()
            };
            app.live = LiveState {
                filter: app.live.filter.clone(),
                ..LiveState::default()
            };
            app.lists = Kind::ALL.iter().map(|_| ListState::default()).collect();
            app.flow = FlowView::default();
            app.dashboard = None;
            app.deploy = DeployState::default();
            app.raw = None;
            app.say(format!("context: {}", app.context.as_str()));
            let mut out = Vec::new();
            if app.screen != Screen::Live {
                // The old stream belongs to the other context.
                out.push(Effect::Call(app.context, Request::Stream(false)));
            }
            out.extend(app.enter_screen());
            out
        }
        Action::TogglePause => {
            if app.screen == Screen::Live {
                app.live.paused = !app.live.paused;
                if !app.live.paused {
                    let held = std::mem::take(&mut app.live.held);
                    for e in held {
                        push_live(&mut app.live, e);
                    }
                    app.say("live: resumed");
                } else {
                    app.say("live: paused (p resumes)");
                }
            }
            Vec::new()
        }
        Action::Refresh => {
            if app.screen == Screen::Config(Kind::Flows) && app.flow.tab == 1 {
                if let Some(f) = app.flow_open() {
                    let id = text(f, "id");
                    return vec![app.call(Request::Traces(id))];
                }
            }
            if app.screen == Screen::Profiles {
                app.profiles.loaded = false;
                app.profiles.failed = None;
                if let Some(d) = &app.profiles.detail {
                    let id = text(&d.profile, "id");
                    return vec![app.call(Request::Profile(id))];
                }
            }
            app.enter_screen()
        }
        Action::NextPage => {
            if let (Screen::Profiles, Some(d)) = (app.screen, &app.profiles.detail) {
                // The events and sessions tabs load their next page below the rows.
                let sessions = match d.tab {
                    2 => false,
                    3 => true,
                    _ => return Vec::new(),
                };
                let what = if sessions { "sessions" } else { "events" };
                match d.more[usize::from(sessions)].clone() {
                    Some(after) => {
                        let id = text(&d.profile, "id");
                        app.say(format!("loading more {what}…"));
                        return vec![app.call(Request::MoreOfProfile {
                            id,
                            sessions,
                            after,
                        })];
                    }
                    None => {
                        app.say(format!("all the profile's {what} are shown"));
                        return Vec::new();
                    }
                }
            }
            if app.screen == Screen::Profiles && app.profiles.detail.is_none() {
                // The page stack moves when the page arrives (see `loaded`), so a
                // failed or repeated request leaves the page number right.
                if let Some(next) = app.profiles.next.clone() {
                    let query = app.profiles.query.clone();
                    return vec![app.call(Request::Profiles {
                        query,
                        after: Some(next),
                    })];
                }
                app.say("last page");
            }
            Vec::new()
        }
        Action::PrevPage => {
            if app.screen == Screen::Profiles && app.profiles.detail.is_none() {
                if let Some(after) = app.profiles.back.last().cloned() {
                    let query = app.profiles.query.clone();
                    return vec![app.call(Request::Profiles { query, after })];
                }
                app.say("first page");
            }
            Vec::new()
        }
        Action::NextTab => {
            if let (Screen::Profiles, Some(d)) = (app.screen, &mut app.profiles.detail) {
                d.tab = (d.tab + 1) % PROFILE_TABS.len();
                d.selected = 0;
            }
            if app.screen == Screen::Config(Kind::Flows) && app.flow.trace.is_none() {
                if let Some(id) = app.flow_open().map(|f| text(f, "id")) {
                    app.flow.tab = (app.flow.tab + 1) % FLOW_TABS.len();
                    if app.flow.tab == 1 && app.flow.traces.is_none() {
                        return vec![app.call(Request::Traces(id))];
                    }
                }
            }
            Vec::new()
        }
        Action::DryRun => {
            match (app.screen, app.flow_open()) {
                (Screen::Config(Kind::Flows), Some(_)) => {
                    app.input_cursor = None;
                    app.mode = Mode::RunInput(String::new());
                }
                (Screen::Config(Kind::Flows), None) => {
                    app.fail("open a flow first (Enter), then x runs it");
                }
                _ => {}
            }
            Vec::new()
        }
        Action::Replay => {
            if app.screen != Screen::Health {
                return Vec::new();
            }
            if app.readonly {
                app.fail("read-only: replaying is off");
                return Vec::new();
            }
            match app.dead_letter().cloned() {
                Some(d) => {
                    let id = d.get("id").and_then(Value::as_u64).unwrap_or(0);
                    app.mode = Mode::Confirm(Confirm {
                        question: format!(
                            "Replay dead letter {id} ({}, {} attempt(s), last error: {})? It goes back on the work queue with its attempts reset.",
                            text(&d, "topic"),
                            text(&d, "attempts"),
                            text(&d, "last_error"),
                        ),
                        request: Request::Replay(id),
                    });
                }
                None => app.fail("no dead letter to replay"),
            }
            Vec::new()
        }
        Action::Deploy => {
            if app.screen != Screen::Deploy {
                return Vec::new();
            }
            if app.readonly {
                app.fail("read-only: deploying is off");
                return Vec::new();
            }
            let n = changes(app.deploy.plan.as_ref())
                .iter()
                .filter(|c| text(c, "result") != "unchanged")
                .count();
            app.mode = Mode::Confirm(Confirm {
                question: format!("Deploy staging to production ({n} change(s))?"),
                request: Request::Deploy,
            });
            Vec::new()
        }
        Action::Resize(w, h) => {
            app.size = (w, h);
            app.clamp_scrolls();
            Vec::new()
        }
        Action::Tick => match (app.screen, &app.mode, app.pending) {
            (Screen::Dashboard, Mode::Normal, 0) => vec![app.call(Request::Dashboard)],
            (Screen::Health, Mode::Normal, 0) => vec![app.call(Request::Health)],
            _ => Vec::new(),
        },
        Action::Loaded(l) => loaded(app, l),
        Action::Edited { kind, outcome } => match outcome {
            EditOutcome::Saved { doc, text } => {
                app.say(format!("applying {}…", kind.api()));
                let base = match &mut app.editing {
                    Some(e) if e.kind == kind => {
                        e.text = text;
                        e.base.clone()
                    }
                    _ => {
                        app.editing = Some(EditSession {
                            kind,
                            base: None,
                            text,
                        });
                        None
                    }
                };
                vec![app.call(Request::Apply { kind, doc, base })]
            }
            EditOutcome::Unchanged => {
                app.editing = None;
                app.say("edit cancelled, no changes made");
                Vec::new()
            }
            EditOutcome::Kept(path) => {
                app.editing = None;
                app.say(format!(
                    "edit cancelled, nothing applied; your text is kept in {path}"
                ));
                Vec::new()
            }
            EditOutcome::Invalid { text, error } => {
                if let Some(e) = &mut app.editing {
                    e.text = text.clone();
                }
                app.fail(format!("{error} — reopened in the editor"));
                vec![Effect::Edit {
                    kind,
                    yaml: annotate(&text, &error),
                    keep: true,
                }]
            }
            EditOutcome::Failed(why) => {
                app.editing = None;
                app.fail(why);
                Vec::new()
            }
        },
    }
}

fn enter(app: &mut App) -> Vec<Effect> {
    match std::mem::replace(&mut app.mode, Mode::Normal) {
        Mode::Command(s) => {
            if s.trim() == "q" || s.trim() == "quit" {
                return vec![Effect::Quit];
            }
            match Screen::parse(&s) {
                Some(sc) => app.goto(sc),
                None if !Screen::candidates(&s).is_empty() => {
                    app.fail(format!(
                        "`:{}` could be any of: {}; type more of the name",
                        s.trim(),
                        Screen::candidates(&s).join(", ")
                    ));
                    Vec::new()
                }
                None => {
                    let names: Vec<&str> = Screen::NAMES.iter().map(|(n, _)| *n).collect();
                    app.fail(format!(
                        "no screen `{}`; try one of: {}",
                        s.trim(),
                        names.join(", ")
                    ));
                    Vec::new()
                }
            }
        }
        Mode::Filter(s) => {
            let s = s.trim().to_string();
            match app.screen {
                Screen::Profiles => {
                    app.profiles = ProfilesState {
                        query: s.clone(),
                        ..ProfilesState::default()
                    };
                    app.say(if s.is_empty() {
                        "all profiles".to_string()
                    } else {
                        format!("searching `{s}`…")
                    });
                    vec![app.call(Request::Profiles {
                        query: s,
                        after: None,
                    })]
                }
                Screen::Live => {
                    app.live.filter = s;
                    app.live.selected = 0;
                    Vec::new()
                }
                Screen::Config(k) => {
                    let l = app.list_mut(k);
                    l.filter = s;
                    l.selected = 0;
                    Vec::new()
                }
                _ => Vec::new(),
            }
        }
        Mode::RunInput(s) => {
            let Some(flow) = app.flow_open().map(|f| text(f, "id")) else {
                return Vec::new();
            };
            let input = s.trim().to_string();
            app.say(if input.is_empty() {
                format!("dry run of {flow} against an empty event…")
            } else if input.starts_with('{') {
                format!("dry run of {flow} against the pasted event…")
            } else {
                format!("dry run of {flow} against event {input}…")
            });
            vec![app.call(Request::DryRun { flow, input })]
        }
        Mode::Confirm(c) => {
            app.mode = Mode::Confirm(c);
            update(app, Action::ConfirmYes)
        }
        Mode::Help => Vec::new(),
        Mode::Normal => {
            if app.raw.is_some() {
                return Vec::new();
            }
            match app.screen {
                Screen::Profiles => {
                    if let Some(d) = &app.profiles.detail {
                        if d.tab >= 2 {
                            return update(app, Action::Raw);
                        }
                        return Vec::new();
                    }
                    match app.profiles.items.get(app.profiles.selected) {
                        Some(p) => {
                            let id = text(p, "id");
                            app.profiles.detail = Some(ProfileDetail {
                                profile: p.clone(),
                                ..ProfileDetail::default()
                            });
                            app.say("Tab: traits, data, events, sessions, merges · Esc back");
                            vec![app.call(Request::Profile(id))]
                        }
                        None => Vec::new(),
                    }
                }
                Screen::Live => update(app, Action::Raw),
                Screen::Config(Kind::Flows) if app.flow_open().is_some() => {
                    if let Some(t) = &app.flow.trace {
                        if let Some(n) = t.nodes().get(t.selected) {
                            app.raw = Some(RawView {
                                title: format!(
                                    "trace/{}/{}",
                                    text(&t.run, "run_id"),
                                    text(n, "node")
                                ),
                                value: n.clone(),
                                yaml: false,
                                scroll: 0,
                            });
                        }
                        return Vec::new();
                    }
                    let picked = (app.flow.tab == 1)
                        .then(|| app.flow.traces.as_ref()?.get(app.flow.selected).cloned())
                        .flatten();
                    if let Some(t) = picked {
                        app.flow.trace = Some(TraceView {
                            title: format!(
                                "trace {} · {}",
                                text(&t, "run_id"),
                                short_time(&text(&t, "started"))
                            ),
                            run: t,
                            answer: None,
                            selected: 0,
                        });
                        app.say(
                            "↑↓ node · ⏎ node as JSON · y the whole run · esc back to the traces",
                        );
                    }
                    Vec::new()
                }
                Screen::Config(Kind::Flows) => {
                    let picked = app
                        .list_visible(Kind::Flows)
                        .get(app.list(Kind::Flows).selected)
                        .map(|v| (*v).clone());
                    if picked.is_some() {
                        app.say("tab: graph ⇄ traces · x dry run · esc back");
                    }
                    app.list_mut(Kind::Flows).open = picked;
                    app.flow = FlowView::default();
                    Vec::new()
                }
                Screen::Deploy => {
                    let all = changes(app.deploy.plan.as_ref());
                    match all.get(app.deploy.selected) {
                        Some(c) if text(c, "result") != "unchanged" => {
                            let (kind, id) = (text(c, "kind"), text(c, "id"));
                            vec![app.call(Request::DeployDiff { kind, id })]
                        }
                        Some(_) => {
                            app.say("unchanged: production already has this");
                            Vec::new()
                        }
                        None => Vec::new(),
                    }
                }
                Screen::Config(_) => update(app, Action::Raw),
                Screen::Dashboard => app.goto(Screen::Profiles),
                Screen::Health => update(app, Action::Raw),
            }
        }
    }
}

fn back(app: &mut App) -> Vec<Effect> {
    if app.mode != Mode::Normal {
        app.mode = Mode::Normal;
        return Vec::new();
    }
    if app.raw.take().is_some() {
        return Vec::new();
    }
    match app.screen {
        Screen::Profiles if app.profiles.detail.is_some() => {
            app.profiles.detail = None;
            return Vec::new();
        }
        Screen::Config(Kind::Flows) if app.flow.trace.is_some() => {
            app.flow.trace = None;
            return Vec::new();
        }
        Screen::Config(k) if app.list(k).open.is_some() => {
            app.list_mut(k).open = None;
            app.flow = FlowView::default();
            return Vec::new();
        }
        Screen::Config(k) if !app.list(k).filter.is_empty() => {
            app.list_mut(k).filter.clear();
            return Vec::new();
        }
        Screen::Live if !app.live.filter.is_empty() => {
            app.live.filter.clear();
            return Vec::new();
        }
        _ => {}
    }
    match app.history.pop() {
        Some(prev) => {
            app.screen = prev;
            app.say("");
            app.enter_screen()
        }
        None => Vec::new(),
    }
}

fn edit(app: &mut App) -> Vec<Effect> {
    if app.readonly {
        app.fail("read-only: editing is off");
        return Vec::new();
    }
    match app.screen {
        Screen::Config(k) if k.editable() => match app.config_target(k) {
            Some(doc) => {
                let id = text(&doc, "id");
                app.say(format!("opening {}/{id}…", k.api()));
                vec![app.call(Request::ForEdit(k, id))]
            }
            None => Vec::new(),
        },
        Screen::Config(Kind::Users) => {
            app.fail("users are not edited here; use `tracardictl` user commands");
            Vec::new()
        }
        _ => {
            app.fail("nothing to edit here (configuration screens edit in $EDITOR)");
            Vec::new()
        }
    }
}

fn delete(app: &mut App) -> Vec<Effect> {
    if app.readonly {
        app.fail("read-only: deleting is off");
        return Vec::new();
    }
    let request = match app.screen {
        // From every tab of its detail, the profile shown (not the event selected).
        Screen::Profiles => match &app.profiles.detail {
            Some(d) => Some(Request::DeleteProfile(text(&d.profile, "id"))),
            None => app
                .selection()
                .map(|(_, p)| Request::DeleteProfile(text(&p, "id"))),
        },
        Screen::Config(Kind::Flows) if app.flow_open().is_some() => {
            app.fail("Esc closes the flow; Ctrl-D in the list deletes it");
            return Vec::new();
        }
        Screen::Config(k) => app
            .selection()
            .map(|(_, d)| Request::DeleteConfig(k, text(&d, "id"))),
        Screen::Health => app
            .dead_letter()
            .and_then(|d| d.get("id").and_then(Value::as_u64))
            .map(Request::DeleteDeadLetter),
        _ => None,
    };
    match request {
        Some(r) => {
            let question = match &r {
                Request::DeleteProfile(id) => format!(
                    "Delete profile {id} with its sessions and events in {}?",
                    app.context.as_str()
                ),
                Request::DeleteConfig(k, id) => {
                    format!("Delete {} {id} in {}?", k.api(), app.context.as_str())
                }
                Request::DeleteDeadLetter(id) => {
                    format!("Delete dead letter {id}? It will never be retried.")
                }
                _ => String::new(),
            };
            app.mode = Mode::Confirm(Confirm {
                question,
                request: r,
            });
        }
        None => app.fail("nothing to delete here"),
    }
    Vec::new()
}

fn push_live(live: &mut LiveState, e: Value) {
    live.events.push_back(e);
    while live.events.len() > LIVE_CAP {
        live.events.pop_front();
    }
    // Keep the cursor on the same event as new ones arrive on top.
    if live.selected > 0 {
        live.selected = (live.selected + 1).min(live.events.len().saturating_sub(1));
    }
}

fn loaded(app: &mut App, l: Loaded) -> Vec<Effect> {
    let stream_item = matches!(
        l.data,
        Ok(Data::Event(_))
            | Ok(Data::Lagged(_))
            | Ok(Data::StreamState(_))
            | Ok(Data::StreamDown(_))
    );
    if !stream_item {
        app.pending = app.pending.saturating_sub(1);
    }
    if l.context != app.context {
        return Vec::new();
    }
    let data = match l.data {
        Ok(d) => d,
        Err(e) => {
            app.fail(e);
            return Vec::new();
        }
    };
    if !stream_item && !matches!(data, Data::Unreachable { .. }) {
        // It answered.
        app.down = None;
    }
    let failed = matches!(
        data,
        Data::Unreachable { .. } | Data::ProfilesFailed { .. } | Data::ApplyFailed { .. }
    );
    if app.error && !failed && (!stream_item || data == Data::StreamState(true)) {
        // A request went through since the error: it is over.
        app.say("");
    }
    match data {
        Data::Unreachable { error, at } => {
            let since = match app.down.take() {
                Some(d) => d.since,
                None => at,
            };
            app.fail(format!("API unreachable since {since}: {error}"));
            app.down = Some(Down { error, since });
        }
        Data::Dashboard(mut d) => {
            if let Some(prev) = &app.dashboard {
                d.carry_history(prev);
            }
            app.dashboard = Some(d);
            if app.error && app.screen == Screen::Dashboard {
                app.say("");
            }
        }
        Data::Health(h) => {
            app.dead_selected = app.dead_selected.min(h.dead.len().saturating_sub(1));
            app.health = Some(h);
        }
        Data::Profiles {
            query,
            after,
            items,
            next,
        } => {
            if query != app.profiles.query {
                return Vec::new();
            }
            let p = &mut app.profiles;
            // The page before this one is on top of `back` when we went back, the page
            // shown when we went forward; the same page again is a refresh.
            if after != p.after {
                if p.back.last() == Some(&after) {
                    p.back.pop();
                } else {
                    p.back.push(p.after.take());
                }
            }
            p.after = after;
            p.items = items;
            p.next = next;
            p.selected = 0;
            p.loaded = true;
            p.failed = None;
            let n = p.items.len();
            app.say(match (n, query.is_empty()) {
                (0, true) => "no profiles yet: post an event to the collector".to_string(),
                (0, false) => format!("no profile matches `{query}`"),
                (n, _) => format!("{n} profile(s); Enter opens one"),
            });
        }
        Data::ProfilesFailed { query, error } => {
            if query == app.profiles.query {
                app.profiles.loaded = true;
                app.profiles.failed = Some(error.clone());
            }
            app.fail(error);
        }
        Data::Profile {
            profile,
            events,
            sessions,
            more,
            explain,
        } => {
            let keep = app.profiles.detail.as_ref().map(|d| (d.tab, d.selected));
            let (tab, selected) = keep.unwrap_or((0, 0));
            app.profiles.detail = Some(ProfileDetail {
                profile,
                events,
                sessions,
                more,
                explain: Some(explain),
                tab,
                selected,
            });
        }
        Data::MoreOfProfile {
            id,
            sessions,
            after,
            items,
            next,
        } => {
            let Some(d) = &mut app.profiles.detail else {
                return Vec::new();
            };
            let slot = usize::from(sessions);
            // Another profile's page, or one already added (asked twice): ignored.
            if text(&d.profile, "id") != id || d.more[slot].as_deref() != Some(after.as_str()) {
                return Vec::new();
            }
            let what = if sessions { "session" } else { "event" };
            let list = if sessions {
                &mut d.sessions
            } else {
                &mut d.events
            };
            list.extend(items);
            d.more[slot] = next;
            let shown = d.count(sessions);
            app.say(format!("{shown} {what}(s) loaded"));
        }
        Data::Traces(flow, items) => {
            if app.flow_open().map(|f| text(f, "id")) == Some(flow) {
                app.flow.selected = app.flow.selected.min(items.len().saturating_sub(1));
                app.say(if items.is_empty() {
                    "no stored traces: x dry-runs the flow".to_string()
                } else {
                    format!("{} trace(s); ⏎ opens one", items.len())
                });
                app.flow.traces = Some(items);
            }
        }
        Data::DryRun(flow, answer) => {
            if app.flow_open().map(|f| text(f, "id")) == Some(flow.clone()) {
                let run = answer.get("result").cloned().unwrap_or(Value::Null);
                let n = run
                    .get("trace")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let errors = run
                    .get("errors")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let on = match text(&answer, "event.id") {
                    id if id.is_empty() => "an event without id".to_string(),
                    id => format!("event {id}"),
                };
                app.flow.tab = 1;
                app.flow.trace = Some(TraceView {
                    title: format!("dry run of {flow} on {on}"),
                    run,
                    answer: Some(answer),
                    selected: 0,
                });
                let msg = format!(
                    "dry run of the draft, nothing stored: {n} node(s), {errors} error(s); \
                     y shows the resulting profile, session and event"
                );
                if errors > 0 {
                    app.fail(msg);
                } else {
                    app.say(msg);
                }
            }
        }
        Data::Config(k, items) => {
            let l = app.list_mut(k);
            l.items = items;
            l.loaded = true;
            l.selected = l.selected.min(l.items.len().saturating_sub(1));
        }
        Data::ForEdit(k, doc) => {
            let doc_before = doc.clone();
            let mut m = serde_json::Map::new();
            m.insert("kind".into(), Value::String(k.api().into()));
            if let Value::Object(o) = doc {
                for (key, v) in o {
                    if key != "kind" {
                        m.insert(key, v);
                    }
                }
            }
            match serde_yaml::to_string(&Value::Object(m)) {
                Ok(yaml) => {
                    app.editing = Some(EditSession {
                        kind: k,
                        base: Some(doc_before),
                        text: yaml.clone(),
                    });
                    return vec![Effect::Edit {
                        kind: k,
                        yaml,
                        keep: false,
                    }];
                }
                Err(e) => app.fail(format!("cannot render YAML: {e}")),
            }
        }
        Data::ApplyFailed { error, current } => {
            let Some(e) = &mut app.editing else {
                app.fail(error);
                return Vec::new();
            };
            if let Some(now) = current {
                // Saving again means: over those changes.
                e.base = (!now.is_null()).then_some(now);
            }
            let (kind, yaml) = (e.kind, annotate(&e.text, &error));
            let first = error.lines().next().unwrap_or_default();
            app.fail(format!("{first} — reopened in the editor"));
            return vec![Effect::Edit {
                kind,
                yaml,
                keep: true,
            }];
        }
        Data::Done(msg) => {
            app.editing = None;
            app.say(msg);
            app.raw = None;
            if app.screen == Screen::Profiles {
                app.profiles.detail = None;
                app.profiles.loaded = false;
            }
            return app.enter_screen();
        }
        Data::DeployPlan(p) => {
            app.deploy.plan = Some(p);
            app.deploy.selected = 0;
        }
        Data::Diff(title, diff) => {
            app.raw = Some(RawView {
                title,
                value: Value::String(diff),
                yaml: true,
                scroll: 0,
            });
        }
        Data::Event(e) => {
            if app.live.paused {
                app.live.held.push(e);
                if app.live.held.len() > LIVE_CAP {
                    app.live.held.remove(0);
                }
            } else {
                push_live(&mut app.live, e);
            }
        }
        Data::Lagged(n) => app.live.missed += n,
        Data::StreamState(on) => app.live.connected = on,
        Data::StreamDown(why) => {
            app.live.connected = false;
            if app.screen == Screen::Live {
                app.fail(why);
            }
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app() -> App {
        App::new(
            "http://127.0.0.1:8686",
            "admin@example.com",
            Context::Production,
            false,
        )
    }

    fn ok(data: Data) -> Action {
        Action::Loaded(Loaded {
            context: Context::Production,
            data: Ok(data),
        })
    }

    fn type_in(app: &mut App, s: &str) {
        for c in s.chars() {
            update(app, Action::Input(c));
        }
    }

    #[test]
    fn colon_jumps_to_a_screen_by_name_or_prefix() {
        let mut a = app();
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "prof");
        let fx = update(&mut a, Action::Enter);
        assert_eq!(a.screen, Screen::Profiles);
        assert_eq!(a.mode, Mode::Normal);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Profiles {
                    query: String::new(),
                    after: None
                }
            )]
        );
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "nope");
        update(&mut a, Action::Enter);
        assert!(a.error);
        assert_eq!(a.screen, Screen::Profiles);
        assert_eq!(
            Screen::parse("d"),
            None,
            "ambiguous: dashboard, deploy, destinations"
        );
        assert_eq!(Screen::parse("ru"), Some(Screen::Config(Kind::Rules)));
    }

    #[test]
    fn esc_goes_back_through_detail_then_screens() {
        let mut a = app();
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "profiles");
        update(&mut a, Action::Enter);
        update(
            &mut a,
            ok(Data::Profiles {
                query: String::new(),
                after: None,
                items: vec![json!({"id": "p1"}), json!({"id": "p2"})],
                next: None,
            }),
        );
        update(&mut a, Action::Down);
        let fx = update(&mut a, Action::Enter);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Profile("p2".into())
            )]
        );
        assert!(a.profiles.detail.is_some());
        update(&mut a, Action::Back);
        assert!(a.profiles.detail.is_none());
        update(&mut a, Action::Back);
        assert_eq!(a.screen, Screen::Dashboard);
    }

    #[test]
    fn slash_searches_profiles_and_filters_lists() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(&mut a, Action::StartFilter);
        type_in(&mut a, "nothing");
        update(&mut a, Action::ClearInput);
        type_in(&mut a, "traits.plan == \"pro\"x");
        update(&mut a, Action::Backspace);
        let fx = update(&mut a, Action::Enter);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Profiles {
                    query: "traits.plan == \"pro\"".into(),
                    after: None
                }
            )]
        );
        a.screen = Screen::Config(Kind::Rules);
        update(
            &mut a,
            ok(Data::Config(
                Kind::Rules,
                vec![
                    json!({"id": "r1", "name": "Welcome"}),
                    json!({"id": "r2", "name": "Cart"}),
                ],
            )),
        );
        update(&mut a, Action::StartFilter);
        type_in(&mut a, "cart");
        update(&mut a, Action::Enter);
        assert_eq!(a.list_visible(Kind::Rules).len(), 1);
        update(&mut a, Action::Back);
        assert_eq!(a.list_visible(Kind::Rules).len(), 2);
    }

    #[test]
    fn delete_asks_first_and_readonly_refuses() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Rules);
        update(
            &mut a,
            ok(Data::Config(Kind::Rules, vec![json!({"id": "r1"})])),
        );
        assert!(update(&mut a, Action::Delete).is_empty());
        assert!(matches!(a.mode, Mode::Confirm(_)));
        update(&mut a, Action::ConfirmNo);
        assert_eq!(a.mode, Mode::Normal);
        update(&mut a, Action::Delete);
        let fx = update(&mut a, Action::ConfirmYes);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::DeleteConfig(Kind::Rules, "r1".into())
            )]
        );
        let mut ro = app();
        ro.readonly = true;
        ro.screen = Screen::Config(Kind::Rules);
        update(
            &mut ro,
            ok(Data::Config(Kind::Rules, vec![json!({"id": "r1"})])),
        );
        assert!(update(&mut ro, Action::Delete).is_empty());
        assert_eq!(ro.mode, Mode::Normal);
        assert!(update(&mut ro, Action::Edit).is_empty());
        assert!(ro.error);
    }

    #[test]
    fn edit_fetches_then_opens_the_editor_then_applies() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Sources);
        update(
            &mut a,
            ok(Data::Config(Kind::Sources, vec![json!({"id": "web"})])),
        );
        let fx = update(&mut a, Action::Edit);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::ForEdit(Kind::Sources, "web".into())
            )]
        );
        let fx = update(
            &mut a,
            ok(Data::ForEdit(
                Kind::Sources,
                json!({"id": "web", "name": "Web"}),
            )),
        );
        assert_eq!(
            fx,
            vec![Effect::Edit {
                kind: Kind::Sources,
                yaml: "kind: event-source\nid: web\nname: Web\n".into(),
                keep: false,
            }]
        );
        let doc = json!({"kind": "event-source", "id": "web", "name": "Site"});
        let fx = update(
            &mut a,
            Action::Edited {
                kind: Kind::Sources,
                outcome: EditOutcome::Saved {
                    doc: doc.clone(),
                    text: "kind: event-source\nid: web\nname: Site\n".into(),
                },
            },
        );
        // Applied only over the document as it was opened.
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Apply {
                    kind: Kind::Sources,
                    doc,
                    base: Some(json!({"id": "web", "name": "Web"})),
                }
            )]
        );
    }

    /// An edit the API refuses (or that is not YAML) reopens the editor on the user's
    /// text with the error above it; someone else's change since opening is shown, and
    /// saving again applies over it.
    #[test]
    fn a_refused_edit_reopens_the_editor_on_the_text_typed() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Rules);
        update(
            &mut a,
            ok(Data::ForEdit(
                Kind::Rules,
                json!({"id": "r1", "enabled": true}),
            )),
        );
        let typed = "kind: rule\nid: r1\nenabled: true\nname: [oops\n";
        let fx = update(
            &mut a,
            Action::Edited {
                kind: Kind::Rules,
                outcome: EditOutcome::Invalid {
                    text: typed.into(),
                    error: "the edited file is not valid YAML: did not find ']'".into(),
                },
            },
        );
        let reopened = match fx.as_slice() {
            [Effect::Edit {
                yaml, keep: true, ..
            }] => yaml.clone(),
            other => panic!("{other:?}"),
        };
        assert!(reopened.starts_with(EDIT_HEADER), "{reopened}");
        assert!(
            reopened.contains("#   the edited file is not valid YAML"),
            "{reopened}"
        );
        assert!(
            reopened.ends_with(typed),
            "the text is kept whole:\n{reopened}"
        );
        assert!(a.error);

        // Fixed and saved: applied; refused by the API: reopened once more, with only
        // the new error above the text.
        let fixed = reopened.replace("[oops", "ok");
        let doc = json!({"kind": "rule", "id": "r1", "enabled": true, "name": "ok"});
        let fx = update(
            &mut a,
            Action::Edited {
                kind: Kind::Rules,
                outcome: EditOutcome::Saved {
                    doc: doc.clone(),
                    text: fixed.clone(),
                },
            },
        );
        assert!(matches!(
            fx.as_slice(),
            [Effect::Call(_, Request::Apply { .. })]
        ));
        let now = json!({"id": "r1", "enabled": false});
        let fx = update(
            &mut a,
            ok(Data::ApplyFailed {
                error: "rule/r1 was changed by someone else since you opened it:\n-enabled: true\n+enabled: false".into(),
                current: Some(now.clone()),
            }),
        );
        let reopened = match fx.as_slice() {
            [Effect::Edit {
                yaml, keep: true, ..
            }] => yaml.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(reopened.matches(EDIT_HEADER).count(), 1, "{reopened}");
        assert!(reopened.contains("#   +enabled: false"), "{reopened}");
        assert!(!reopened.contains("not valid YAML"), "{reopened}");
        assert!(reopened.ends_with("kind: rule\nid: r1\nenabled: true\nname: ok\n"));
        // Saving again goes over the change now seen.
        let fx = update(
            &mut a,
            Action::Edited {
                kind: Kind::Rules,
                outcome: EditOutcome::Saved {
                    doc: doc.clone(),
                    text: "kind: rule\nid: r1\n".into(),
                },
            },
        );
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Apply {
                    kind: Kind::Rules,
                    doc,
                    base: Some(now)
                }
            )]
        );
        update(&mut a, ok(Data::Done("rule/r1 configured".into())));
        assert_eq!(a.editing, None);
        // Closed without a change after an error: the text is kept in a file.
        update(&mut a, ok(Data::ForEdit(Kind::Rules, json!({"id": "r1"}))));
        update(
            &mut a,
            Action::Edited {
                kind: Kind::Rules,
                outcome: EditOutcome::Kept("/tmp/x.yaml".into()),
            },
        );
        assert!(a.status.contains("kept in /tmp/x.yaml"), "{}", a.status);
        assert_eq!(a.editing, None);
    }

    #[test]
    fn context_switch_clears_data_and_ignores_stale_answers() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Rules);
        let stale = ok(Data::Config(Kind::Rules, vec![json!({"id": "r1"})]));
        let fx = update(&mut a, Action::SwitchContext);
        assert_eq!(a.context, Context::Staging);
        assert!(fx.contains(&Effect::Call(
            Context::Staging,
            Request::Config(Kind::Rules)
        )));
        update(&mut a, stale);
        assert!(a.list(Kind::Rules).items.is_empty());
    }

    #[test]
    fn live_pauses_filters_and_opens_json() {
        let mut a = app();
        a.screen = Screen::Live;
        for (i, t) in ["page-view", "purchase", "page-view"].iter().enumerate() {
            update(
                &mut a,
                ok(Data::Event(json!({"id": format!("e{i}"), "type": t}))),
            );
        }
        assert_eq!(a.live_visible().len(), 3);
        update(&mut a, Action::TogglePause);
        update(
            &mut a,
            ok(Data::Event(json!({"id": "e3", "type": "login"}))),
        );
        assert_eq!(a.live_visible().len(), 3);
        update(&mut a, Action::TogglePause);
        assert_eq!(a.live_visible().len(), 4);
        update(&mut a, Action::StartFilter);
        type_in(&mut a, "purch");
        update(&mut a, Action::Enter);
        assert_eq!(a.live_visible().len(), 1);
        update(&mut a, Action::Enter);
        assert_eq!(a.raw.as_ref().map(|r| r.title.as_str()), Some("event/e1"));
        update(&mut a, Action::Raw);
        assert_eq!(a.raw.as_ref().map(|r| r.yaml), Some(true));
        update(&mut a, Action::Back);
        assert!(a.raw.is_none());
    }

    #[test]
    fn paging_moves_through_cursors() {
        let mut a = app();
        a.screen = Screen::Profiles;
        let page = |after: Option<&str>, next: Option<&str>| Data::Profiles {
            query: String::new(),
            after: after.map(str::to_string),
            items: vec![json!({"id": "p"})],
            next: next.map(str::to_string),
        };
        update(&mut a, ok(page(None, Some("c1"))));
        let fx = update(&mut a, Action::NextPage);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Profiles {
                    query: String::new(),
                    after: Some("c1".into())
                }
            )]
        );
        update(&mut a, ok(page(Some("c1"), None)));
        assert!(update(&mut a, Action::NextPage).is_empty());
        let fx = update(&mut a, Action::PrevPage);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Profiles {
                    query: String::new(),
                    after: None
                }
            )]
        );
    }

    #[test]
    fn refresh_delete_and_return_reload_the_page_shown_with_its_number() {
        let mut a = app();
        a.screen = Screen::Profiles;
        let page = |after: Option<&str>, next: Option<&str>| Data::Profiles {
            query: String::new(),
            after: after.map(str::to_string),
            items: vec![json!({"id": "p"})],
            next: next.map(str::to_string),
        };
        let asks = |after: Option<&str>| {
            vec![Effect::Call(
                Context::Production,
                Request::Profiles {
                    query: String::new(),
                    after: after.map(str::to_string),
                },
            )]
        };
        update(&mut a, ok(page(None, Some("c1"))));
        update(&mut a, Action::NextPage);
        update(&mut a, ok(page(Some("c1"), Some("c2"))));
        assert_eq!(a.profiles.back.len() + 1, 2, "page 2");
        // `r` asks for page 2 again, and its answer keeps the number.
        assert_eq!(update(&mut a, Action::Refresh), asks(Some("c1")));
        update(&mut a, ok(page(Some("c1"), Some("c2"))));
        assert_eq!(a.profiles.back.len() + 1, 2);
        // So do a deletion and coming back to the screen.
        update(&mut a, ok(Data::Done("profile/p deleted".into())));
        update(&mut a, ok(page(Some("c1"), Some("c2"))));
        assert_eq!(a.profiles.back.len() + 1, 2);
        update(&mut a, Action::Refresh);
        a.screen = Screen::Dashboard;
        assert_eq!(a.goto(Screen::Profiles), asks(Some("c1")));
        update(&mut a, ok(page(Some("c1"), Some("c2"))));
        assert_eq!(a.profiles.back.len() + 1, 2);
        // A page that fails to come moves nothing; one asked twice counts once.
        update(&mut a, Action::NextPage);
        update(
            &mut a,
            ok(Data::ProfilesFailed {
                query: String::new(),
                error: "cannot reach".into(),
            }),
        );
        assert_eq!(a.profiles.back.len() + 1, 2);
        update(&mut a, Action::NextPage);
        update(&mut a, Action::NextPage);
        update(&mut a, ok(page(Some("c2"), None)));
        update(&mut a, ok(page(Some("c2"), None)));
        assert_eq!(a.profiles.back.len() + 1, 3);
        assert_eq!(update(&mut a, Action::PrevPage), asks(Some("c1")));
        update(&mut a, ok(page(Some("c1"), Some("c2"))));
        assert_eq!(update(&mut a, Action::PrevPage), asks(None));
        update(&mut a, ok(page(None, Some("c1"))));
        assert!(a.profiles.back.is_empty(), "page 1");
    }

    #[test]
    fn a_failed_search_ends_the_loading_and_says_why() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(&mut a, Action::StartFilter);
        type_in(&mut a, "traits.value >");
        update(&mut a, Action::Enter);
        assert!(!a.profiles.loaded);
        update(
            &mut a,
            ok(Data::ProfilesFailed {
                query: "traits.value >".into(),
                error: "invalid condition".into(),
            }),
        );
        assert!(a.profiles.loaded);
        assert_eq!(a.profiles.failed.as_deref(), Some("invalid condition"));
        assert!(a.error);
        // A late failure of an older search does not mark the new one.
        update(&mut a, Action::StartFilter);
        update(&mut a, Action::ClearInput);
        update(&mut a, Action::Enter);
        update(
            &mut a,
            ok(Data::ProfilesFailed {
                query: "traits.value >".into(),
                error: "invalid condition".into(),
            }),
        );
        assert_eq!(a.profiles.failed, None);
        assert!(!a.profiles.loaded);
    }

    #[test]
    fn t_toggles_enabled_unless_readonly() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Rules);
        update(
            &mut a,
            ok(Data::Config(Kind::Rules, vec![json!({"id": "r1"})])),
        );
        assert_eq!(
            update(&mut a, Action::Toggle),
            vec![Effect::Call(
                Context::Production,
                Request::Toggle(Kind::Rules, "r1".into())
            )]
        );
        a.readonly = true;
        assert!(update(&mut a, Action::Toggle).is_empty());
    }

    #[test]
    fn deploy_enter_shows_the_diff_of_a_change() {
        let mut a = app();
        a.screen = Screen::Deploy;
        update(
            &mut a,
            ok(Data::DeployPlan(json!({"changes": [
                {"kind": "rule", "id": "r1", "result": "unchanged"},
                {"kind": "rule", "id": "r2", "result": "configured"}
            ]}))),
        );
        assert!(update(&mut a, Action::Enter).is_empty());
        update(&mut a, Action::Down);
        let fx = update(&mut a, Action::Enter);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::DeployDiff {
                    kind: "rule".into(),
                    id: "r2".into()
                }
            )]
        );
        update(&mut a, ok(Data::Diff("rule/r2".into(), "-a\n+b\n".into())));
        assert!(a.raw.is_some());
        update(&mut a, Action::Back);
        assert!(a.raw.is_none());
    }

    #[test]
    fn merges_tab_lists_the_explained_merges() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(
            &mut a,
            ok(Data::Profiles {
                query: String::new(),
                after: None,
                items: vec![json!({"id": "p1"})],
                next: None,
            }),
        );
        update(&mut a, Action::Enter);
        assert_eq!(
            a.profiles.detail.as_ref().map(|d| d.explain.is_none()),
            Some(true)
        );
        update(
            &mut a,
            ok(Data::Profile {
                profile: json!({"id": "p1"}),
                events: Vec::new(),
                sessions: Vec::new(),
                more: Default::default(),
                explain: Ok(json!({"merges": [{"id": "m1"}, {"id": "m2"}]})),
            }),
        );
        for _ in 0..4 {
            update(&mut a, Action::NextTab);
        }
        assert_eq!(a.rows(), 2);
        update(&mut a, Action::Bottom);
        assert_eq!(a.selection().map(|s| s.0), Some("merge/m2".into()));
        update(&mut a, Action::Enter);
        assert_eq!(a.raw.as_ref().map(|r| r.title.as_str()), Some("merge/m2"));
        // Without merges the tab has no rows and Enter shows the profile.
        update(&mut a, Action::Back);
        update(
            &mut a,
            ok(Data::Profile {
                profile: json!({"id": "p1"}),
                events: Vec::new(),
                sessions: Vec::new(),
                more: Default::default(),
                explain: Err("not configured".into()),
            }),
        );
        assert_eq!(a.rows(), 0);
        assert_eq!(a.selection().map(|s| s.0), Some("profile/p1".into()));
    }

    /// A profile with more events or sessions than one page: `]` on their tab loads the
    /// next page below, the tab counts say how many there are, and Ctrl-D deletes the
    /// profile from every tab.
    #[test]
    fn profile_detail_reaches_every_event_and_session() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(
            &mut a,
            ok(Data::Profiles {
                query: String::new(),
                after: None,
                items: vec![json!({"id": "p1"})],
                next: None,
            }),
        );
        update(&mut a, Action::Enter);
        let events: Vec<Value> = (0..200).map(|i| json!({"id": format!("e{i}")})).collect();
        update(
            &mut a,
            ok(Data::Profile {
                profile: json!({"id": "p1"}),
                events,
                sessions: vec![json!({"id": "s1"})],
                more: [Some("c200".into()), None],
                explain: Ok(json!({"events": 303, "sessions": 1})),
            }),
        );
        let d = a.profiles.detail.clone().unwrap_or_default();
        assert_eq!(
            (d.count(false), d.count(true)),
            ("200 of 303".into(), "1".into())
        );
        update(&mut a, Action::NextTab);
        update(&mut a, Action::NextTab);
        let ask = vec![Effect::Call(
            Context::Production,
            Request::MoreOfProfile {
                id: "p1".into(),
                sessions: false,
                after: "c200".into(),
            },
        )];
        assert_eq!(update(&mut a, Action::NextPage), ask);
        let more = |after: &str| {
            ok(Data::MoreOfProfile {
                id: "p1".into(),
                sessions: false,
                after: after.into(),
                items: (200..303).map(|i| json!({"id": format!("e{i}")})).collect(),
                next: None,
            })
        };
        update(&mut a, more("c200"));
        update(&mut a, more("c200"));
        assert_eq!(a.rows(), 303, "a page answered twice is added once");
        update(&mut a, Action::Bottom);
        assert_eq!(a.selection().map(|s| s.0), Some("event/e302".into()));
        assert!(update(&mut a, Action::NextPage).is_empty());
        assert!(
            a.status.contains("all the profile's events"),
            "{}",
            a.status
        );
        // Ctrl-D on the events tab deletes the profile, not "nothing".
        update(&mut a, Action::Delete);
        assert!(
            matches!(&a.mode, Mode::Confirm(c) if c.request == Request::DeleteProfile("p1".into())),
            "{:?}",
            a.mode
        );
        update(&mut a, Action::ConfirmNo);
        update(&mut a, Action::NextTab);
        update(&mut a, Action::Delete);
        assert!(
            matches!(&a.mode, Mode::Confirm(c) if c.request == Request::DeleteProfile("p1".into()))
        );
    }

    /// `G` in the JSON/YAML view shows the last page, not a blank one; scrolling stops
    /// at the last line; `y` to YAML starts at the top; long lines and wide characters
    /// wrap onto rows marked `↪` instead of ending at the border.
    #[test]
    fn the_raw_view_wraps_long_lines_and_scrolls_no_further_than_its_end() {
        let mut a = app();
        a.size = (80, 24);
        a.screen = Screen::Live;
        let long = "L".repeat(500);
        let wide = "北京".repeat(60);
        let mut props = serde_json::Map::new();
        for i in 0..60 {
            props.insert(format!("k{i:02}"), json!(i));
        }
        props.insert("long".into(), json!(long));
        props.insert("wide".into(), json!(wide));
        update(
            &mut a,
            ok(Data::Event(json!({"id": "e1", "properties": props}))),
        );
        update(&mut a, Action::Enter);
        let raw = a.raw.clone().unwrap_or_else(|| panic!("no raw view"));
        let lines = crate::tui::ui::raw_lines(&raw, 78);
        let texts: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert!(lines.iter().all(|l| l.width() <= 78));
        let joined: String = texts.join("").replace('↪', "");
        assert!(
            joined.contains(&long) && joined.contains(&wide),
            "nothing is lost"
        );
        assert!(texts.iter().any(|t| t.starts_with("↪LLL")), "{texts:?}");
        let (rows, fit) = a.raw_view_rows(&raw);
        assert_eq!(fit, 19);
        update(&mut a, Action::Bottom);
        assert_eq!(a.raw.as_ref().map(|r| r.scroll as usize), Some(rows - fit));
        update(&mut a, Action::PageDown);
        assert_eq!(a.raw.as_ref().map(|r| r.scroll as usize), Some(rows - fit));
        update(&mut a, Action::Up);
        assert_eq!(
            a.raw.as_ref().map(|r| r.scroll as usize),
            Some(rows - fit - 1)
        );
        update(&mut a, Action::Raw);
        assert_eq!(a.raw.as_ref().map(|r| (r.yaml, r.scroll)), Some((true, 0)));
        // A taller terminal shows more: the offset follows.
        update(&mut a, Action::Bottom);
        update(&mut a, Action::Resize(80, 200));
        assert_eq!(a.raw.as_ref().map(|r| r.scroll), Some(0));
    }

    /// A flow too long for the screen scrolls like the text views.
    #[test]
    fn a_long_flow_graph_scrolls() {
        let mut a = app();
        update(&mut a, Action::Resize(120, 40));
        a.screen = Screen::Config(Kind::Flows);
        let mut nodes = vec![json!({"id": "start", "plugin": "start"})];
        let mut edges = Vec::new();
        for i in 0..60 {
            nodes.push(json!({"id": format!("n{i}"), "plugin": "increase-views",
                "name": format!("Step {i} with a rather long node name")}));
            let from = if i == 0 {
                "start".to_string()
            } else {
                format!("n{}", i - 1)
            };
            edges.push(json!(format!("{from} -> n{i}")));
        }
        let flow = json!({"id": "long", "name": "Long", "nodes": nodes, "edges": edges});
        update(&mut a, ok(Data::Config(Kind::Flows, vec![flow.clone()])));
        update(&mut a, Action::Enter);
        let lines = crate::tui::flows::graph_lines(&flow);
        let text: Vec<String> = lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect();
        assert!(
            text.iter().any(|t| t.contains("Step 0 with a rather lo… ")),
            "{text:?}"
        );
        update(&mut a, Action::Down);
        assert_eq!(a.flow.graph_scroll, 1);
        update(&mut a, Action::Bottom);
        assert_eq!(a.flow.graph_scroll as usize, lines.len() - 34);
        update(&mut a, Action::PageDown);
        assert_eq!(a.flow.graph_scroll as usize, lines.len() - 34);
        update(&mut a, Action::Top);
        assert_eq!(a.flow.graph_scroll, 0);
    }

    /// The `/` and `:` lines edit at a cursor: ← →, Home/End (^a ^e), Delete, ^w, and
    /// typing or pasting in the middle; multi-byte characters count as one.
    #[test]
    fn input_lines_edit_at_the_cursor() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(&mut a, Action::StartFilter);
        type_in(&mut a, "żółć北京🎉");
        let line = |a: &App| match &a.mode {
            Mode::Filter(s) => s.clone(),
            other => panic!("{other:?}"),
        };
        update(&mut a, Action::Backspace);
        assert_eq!(line(&a), "żółć北京");
        update(&mut a, Action::InputLeft);
        update(&mut a, Action::InputLeft);
        update(&mut a, Action::Backspace);
        assert_eq!(line(&a), "żół北京");
        update(&mut a, Action::InputHome);
        update(&mut a, Action::InputDelete);
        assert_eq!(line(&a), "ół北京");
        type_in(&mut a, "x");
        assert_eq!(line(&a), "xół北京");
        update(&mut a, Action::InputEnd);
        type_in(&mut a, " and y");
        update(&mut a, Action::InputDeleteWord);
        assert_eq!(line(&a), "xół北京 and ");
        update(&mut a, Action::InputHome);
        update(&mut a, Action::InputRight);
        update(&mut a, Action::Paste("Y".into()));
        assert_eq!(line(&a), "xYół北京 and ");
        // A new line starts with the cursor at its end.
        update(&mut a, Action::Back);
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "ab");
        assert_eq!(a.mode, Mode::Command("ab".into()));
    }

    /// The status line belongs to the screen it was said on, and an error goes once a
    /// request goes through; an ambiguous `:` prefix names its candidates.
    #[test]
    fn the_status_line_follows_the_screen_and_clears_errors() {
        let mut a = app();
        a.screen = Screen::Profiles;
        update(
            &mut a,
            ok(Data::Profiles {
                query: String::new(),
                after: None,
                items: vec![json!({"id": "p1"})],
                next: None,
            }),
        );
        update(&mut a, Action::Enter);
        assert!(a.status.starts_with("Tab: traits"));
        update(&mut a, Action::Back);
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "live");
        update(&mut a, Action::Enter);
        assert_eq!(a.status, "");
        update(
            &mut a,
            Action::Loaded(Loaded {
                context: Context::Production,
                data: Err("cannot reach http://x".into()),
            }),
        );
        assert!(a.error);
        update(&mut a, ok(Data::StreamState(true)));
        assert!(!a.error && a.status.is_empty(), "{}", a.status);
        update(
            &mut a,
            Action::Loaded(Loaded {
                context: Context::Production,
                data: Err("cannot reach http://x".into()),
            }),
        );
        update(&mut a, ok(Data::Config(Kind::Rules, Vec::new())));
        assert!(!a.error);
        update(&mut a, Action::StartCommand);
        type_in(&mut a, "d");
        update(&mut a, Action::Enter);
        assert!(a.error);
        assert!(
            a.status
                .contains("could be any of: dashboard, destinations, deploy"),
            "{}",
            a.status
        );
    }

    fn flow_open(a: &mut App) {
        a.screen = Screen::Config(Kind::Flows);
        update(
            a,
            ok(Data::Config(
                Kind::Flows,
                vec![json!({"id": "f1", "name": "F"})],
            )),
        );
        update(a, Action::Enter);
    }

    #[test]
    fn flow_tab_fetches_traces_and_enter_opens_one() {
        let mut a = app();
        flow_open(&mut a);
        assert!(a.flow_open().is_some());
        let fx = update(&mut a, Action::NextTab);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::Traces("f1".into())
            )]
        );
        // Traces of another flow (a late answer) are ignored.
        update(&mut a, ok(Data::Traces("other".into(), vec![json!({})])));
        assert_eq!(a.flow.traces, None);
        let tr = json!({"run_id": "r1", "trace": [{"node": "a"}, {"node": "b", "error": "boom"}]});
        update(&mut a, ok(Data::Traces("f1".into(), vec![tr.clone()])));
        assert_eq!(a.rows(), 1);
        update(&mut a, Action::Enter);
        assert_eq!(a.flow.trace.as_ref().map(|t| t.run.clone()), Some(tr));
        update(&mut a, Action::Down);
        assert_eq!(a.selection().map(|s| s.0), Some("trace/r1".into()));
        update(&mut a, Action::Enter);
        assert_eq!(a.raw.as_ref().map(|r| r.title.as_str()), Some("trace/r1/b"));
        update(&mut a, Action::Back);
        // `e` edits the flow itself, not the node shown.
        assert_eq!(
            update(&mut a, Action::Edit),
            vec![Effect::Call(
                Context::Production,
                Request::ForEdit(Kind::Flows, "f1".into())
            )]
        );
        assert!(update(&mut a, Action::Refresh).contains(&Effect::Call(
            Context::Production,
            Request::Traces("f1".into())
        )));
        update(&mut a, Action::Back);
        assert!(a.flow.trace.is_none());
        assert!(a.flow_open().is_some());
        update(&mut a, Action::Back);
        assert!(a.flow_open().is_none());
        assert_eq!(a.flow, FlowView::default());
    }

    #[test]
    fn x_dry_runs_the_open_flow_against_a_typed_or_pasted_event() {
        let mut a = app();
        a.screen = Screen::Config(Kind::Flows);
        update(&mut a, Action::DryRun);
        assert!(a.error, "no flow open");
        flow_open(&mut a);
        update(&mut a, Action::DryRun);
        assert_eq!(a.mode, Mode::RunInput(String::new()));
        update(&mut a, Action::Paste("{\"type\":\n \"purchase\"}".into()));
        let fx = update(&mut a, Action::Enter);
        assert_eq!(
            fx,
            vec![Effect::Call(
                Context::Production,
                Request::DryRun {
                    flow: "f1".into(),
                    input: "{\"type\":  \"purchase\"}".into()
                }
            )]
        );
        update(
            &mut a,
            ok(Data::DryRun(
                "f1".into(),
                json!({"result": {"run_id": "d1", "trace": [{"node": "a"}], "errors": [{"node": "a"}]}}),
            )),
        );
        assert_eq!(a.flow.tab, 1);
        assert_eq!(a.rows(), 1);
        assert!(a.error, "a run with errors is reported as one");
        // Esc in the prompt cancels it.
        update(&mut a, Action::Back);
        update(&mut a, Action::DryRun);
        update(&mut a, Action::Back);
        assert_eq!(a.mode, Mode::Normal);
    }

    fn health_with_dead_letters(a: &mut App) {
        a.screen = Screen::Health;
        update(
            a,
            ok(Data::Health(Box::new(HealthData {
                dead: vec![json!({"id": 7, "topic": "workflow"}), json!({"id": 9})],
                ..HealthData::default()
            }))),
        );
    }

    #[test]
    fn dead_letters_replay_and_delete_after_confirmation() {
        let mut a = app();
        health_with_dead_letters(&mut a);
        update(&mut a, Action::Down);
        assert_eq!(a.selection().map(|s| s.0), Some("dead-letter/9".into()));
        assert!(update(&mut a, Action::Replay).is_empty());
        assert!(matches!(&a.mode, Mode::Confirm(c) if c.request == Request::Replay(9)));
        let fx = update(&mut a, Action::ConfirmYes);
        assert_eq!(
            fx,
            vec![Effect::Call(Context::Production, Request::Replay(9))]
        );
        update(&mut a, Action::Up);
        update(&mut a, Action::Delete);
        assert!(matches!(&a.mode, Mode::Confirm(c) if c.request == Request::DeleteDeadLetter(7)));
        update(&mut a, Action::ConfirmNo);
        // A reload with fewer dead letters keeps the cursor in range.
        update(&mut a, Action::Down);
        update(
            &mut a,
            ok(Data::Health(Box::new(HealthData {
                dead: vec![json!({"id": 7})],
                ..HealthData::default()
            }))),
        );
        assert_eq!(a.dead_selected, 0);

        let mut ro = app();
        ro.readonly = true;
        health_with_dead_letters(&mut ro);
        assert!(update(&mut ro, Action::Replay).is_empty());
        assert_eq!(ro.mode, Mode::Normal);
        update(&mut ro, Action::Delete);
        assert_eq!(ro.mode, Mode::Normal);
        assert!(ro.error);
    }

    #[test]
    fn errors_are_shown_and_quit_leaves_modes_first() {
        let mut a = app();
        update(
            &mut a,
            Action::Loaded(Loaded {
                context: Context::Production,
                data: Err("cannot reach http://x".into()),
            }),
        );
        assert!(a.error);
        update(&mut a, Action::Help);
        assert!(update(&mut a, Action::Quit).is_empty());
        assert_eq!(update(&mut a, Action::Quit), vec![Effect::Quit]);
    }
}
