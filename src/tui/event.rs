//! Input: keys become actions ([`key_action`], pure), and the loop that reads the
//! terminal, applies actions, carries out effects and redraws when something changed.

use super::app::{update, Action, App, EditOutcome, Effect, Mode};
use super::worker::Worker;
use crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// How often screens that show counters ask for them again.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// The action a key asks for in the current mode, if any.
pub fn key_action(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind != KeyEventKind::Press {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    match &app.mode {
        Mode::Command(_) | Mode::Filter(_) | Mode::RunInput(_) => match key.code {
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Enter => Some(Action::Enter),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char('u') if ctrl => Some(Action::ClearInput),
            KeyCode::Char('w') if ctrl => Some(Action::InputDeleteWord),
            KeyCode::Char('a') if ctrl => Some(Action::InputHome),
            KeyCode::Char('e') if ctrl => Some(Action::InputEnd),
            KeyCode::Left => Some(Action::InputLeft),
            KeyCode::Right => Some(Action::InputRight),
            KeyCode::Home => Some(Action::InputHome),
            KeyCode::End => Some(Action::InputEnd),
            KeyCode::Delete => Some(Action::InputDelete),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        },
        Mode::Confirm(_) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => Some(Action::ConfirmYes),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                Some(Action::ConfirmNo)
            }
            _ => None,
        },
        Mode::Help => match key.code {
            KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => Some(Action::Help),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        Mode::Normal => {
            if ctrl {
                return match key.code {
                    KeyCode::Char('d') => Some(Action::Delete),
                    KeyCode::Char('f') => Some(Action::PageDown),
                    KeyCode::Char('b') => Some(Action::PageUp),
                    _ => None,
                };
            }
            Some(match key.code {
                KeyCode::Char('q') => Action::Quit,
                KeyCode::Char(':') => Action::StartCommand,
                KeyCode::Char('/') => Action::StartFilter,
                KeyCode::Char('?') => Action::Help,
                KeyCode::Esc => Action::Back,
                KeyCode::Enter => Action::Enter,
                KeyCode::Up | KeyCode::Char('k') => Action::Up,
                KeyCode::Down | KeyCode::Char('j') => Action::Down,
                KeyCode::PageUp => Action::PageUp,
                KeyCode::PageDown => Action::PageDown,
                KeyCode::Home | KeyCode::Char('g') => Action::Top,
                KeyCode::End | KeyCode::Char('G') => Action::Bottom,
                KeyCode::Char('y') => Action::Raw,
                KeyCode::Char('e') => Action::Edit,
                KeyCode::Char('n') => Action::Create,
                KeyCode::Char('t') => Action::Toggle,
                KeyCode::Char('c') => Action::SwitchContext,
                KeyCode::Char('p') | KeyCode::Char(' ') => Action::TogglePause,
                KeyCode::Char('r') => Action::Refresh,
                KeyCode::Char(']') | KeyCode::Right => Action::NextPage,
                KeyCode::Char('[') | KeyCode::Left => Action::PrevPage,
                KeyCode::Tab => Action::NextTab,
                KeyCode::Char('D') => Action::Deploy,
                KeyCode::Char('x') => Action::DryRun,
                KeyCode::Char('R') => Action::Replay,
                _ => return None,
            })
        }
    }
}

/// Leaves and re-enters the terminal UI around an external program (the editor).
pub trait Suspend {
    fn suspend(&mut self) -> std::io::Result<()>;
    fn resume(&mut self) -> std::io::Result<()>;
}

/// Opens `$VISUAL`, else `$EDITOR`, else `vi` on `yaml`; the edited document. With
/// `keep`, a file closed without a change is kept (it holds the text of an edit the API
/// refused) and its path is the outcome.
pub fn run_editor(yaml: &str, keep: bool) -> EditOutcome {
    let path = std::env::temp_dir().join(format!("tracardictl-tui-{}.yaml", uuid::Uuid::new_v4()));
    if let Err(e) = std::fs::write(&path, yaml) {
        return EditOutcome::Failed(format!("cannot write {}: {e}", path.display()));
    }
    let set = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let editor = set("VISUAL")
        .or_else(|| set("EDITOR"))
        .unwrap_or_else(|| "vi".into());
    // Through the shell, so that EDITOR may carry arguments (`code --wait`).
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("tracardictl-edit")
        .arg(&path)
        .status();
    let edited = std::fs::read_to_string(&path);
    if keep && matches!(&edited, Ok(text) if text == yaml) {
        return EditOutcome::Kept(path.display().to_string());
    }
    let _ = std::fs::remove_file(&path);
    match (status, edited) {
        (Err(e), _) => EditOutcome::Failed(format!("cannot run the editor `{editor}`: {e}")),
        (Ok(s), _) if !s.success() => EditOutcome::Failed(format!(
            "the editor `{editor}` failed ({s}); nothing applied"
        )),
        (_, Err(e)) => EditOutcome::Failed(format!("cannot read the edited file: {e}")),
        (_, Ok(text)) if text == yaml => EditOutcome::Unchanged,
        (_, Ok(text)) => match serde_yaml::from_str::<serde_json::Value>(&text) {
            Ok(serde_json::Value::Null) => EditOutcome::Unchanged,
            Ok(doc) => EditOutcome::Saved { doc, text },
            Err(e) => EditOutcome::Invalid {
                text,
                error: format!("the edited file is not valid YAML: {e}"),
            },
        },
    }
}

/// Runs the UI until `q`. Draws only after something changed.
pub fn run<B: Backend, S: Suspend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    worker: &Worker,
    answers: &Receiver<Action>,
    screen: &mut S,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    if let Ok(size) = terminal.size() {
        update(app, Action::Resize(size.width, size.height));
    }
    let mut effects = app.start();
    let mut dirty = true;
    let mut last_poll = Instant::now();
    loop {
        if super::stop_signal().is_some() {
            // A signal asked us to stop: leave like `q`, so the terminal is restored.
            return Ok(());
        }

        for fx in std::mem::take(&mut effects) {
            match fx {
                Effect::Quit => return Ok(()),
                Effect::Call(ctx, req) => worker.send(ctx, req),
                Effect::Edit { kind, yaml, keep } => {
                    let outcome = edit(screen, &yaml, keep);
                    terminal.clear()?;
                    effects.extend(update(app, Action::Edited { kind, outcome }));
                    dirty = true;
                }
            }
        }
        if !effects.is_empty() {
            continue;
        }
        if dirty {
            terminal.draw(|f| super::ui::draw(f, app))?;
            dirty = false;
        }
        // Wait for the terminal ourselves: when it goes away (an SSH connection dropped
        // without a hangup signal reaching us) crossterm's poll spins on the dead
        // descriptor for ever, and the TUI would stay behind at full CPU.
        let ready = match wait_for_terminal(Duration::from_millis(100)) {
            Tty::Gone => return Ok(()),
            Tty::Quiet => event::poll(Duration::ZERO)?,
            Tty::Readable => event::poll(Duration::from_millis(10))?,
            Tty::Unknown => event::poll(Duration::from_millis(100))?,
        };
        if ready {
            match event::read()? {
                Event::Key(k) => {
                    if let Some(a) = key_action(app, k) {
                        effects.extend(update(app, a));
                        dirty = true;
                    }
                }
                Event::Resize(w, h) => {
                    effects.extend(update(app, Action::Resize(w, h)));
                    dirty = true;
                }
                Event::Paste(text) => {
                    effects.extend(update(app, Action::Paste(text)));
                    dirty = true;
                }
                _ => {}
            }
        }
        // Answers arrive in bursts (the live stream); apply them all before drawing.
        while let Ok(a) = answers.try_recv() {
            effects.extend(update(app, a));
            dirty = true;
        }
        if last_poll.elapsed() >= POLL_EVERY {
            last_poll = Instant::now();
            effects.extend(update(app, Action::Tick));
        }
    }
}

/// What standard input's terminal did while we waited for it.
enum Tty {
    /// It hung up or is no longer there.
    Gone,
    /// Nothing to read (events crossterm holds already are still taken).
    Quiet,
    /// Input is waiting.
    Readable,
    /// Standard input is not the terminal (crossterm reads `/dev/tty`): not watched.
    Unknown,
}

/// Waits up to `timeout` for input on standard input's terminal.
fn wait_for_terminal(timeout: Duration) -> Tty {
    // SAFETY: isatty only inspects the descriptor.
    if unsafe { libc::isatty(0) } != 1 {
        return Tty::Unknown;
    }
    let mut fd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut fd, 1, ms) };
    if n > 0 && fd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        Tty::Gone
    } else if n > 0 {
        Tty::Readable
    } else {
        Tty::Quiet
    }
}

fn edit<S: Suspend>(screen: &mut S, yaml: &str, keep: bool) -> EditOutcome {
    if let Err(e) = screen.suspend() {
        return EditOutcome::Failed(format!("cannot leave the screen for the editor: {e}"));
    }
    let outcome = run_editor(yaml, keep);
    if let Err(e) = screen.resume() {
        return EditOutcome::Failed(format!("cannot return from the editor: {e}"));
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Context;

    fn press(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn keys_follow_the_mode() {
        let mut a = App::new("u", "me", Context::Staging, false);
        let none = KeyModifiers::NONE;
        assert_eq!(
            key_action(&a, press(KeyCode::Char(':'), none)),
            Some(Action::StartCommand)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Char('d'), KeyModifiers::CONTROL)),
            Some(Action::Delete)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Char('q'), none)),
            Some(Action::Quit)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Char('x'), none)),
            Some(Action::DryRun)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Replay)
        );
        a.mode = Mode::RunInput(String::new());
        assert_eq!(
            key_action(&a, press(KeyCode::Char('x'), none)),
            Some(Action::Input('x'))
        );
        a.mode = Mode::Command(String::new());
        assert_eq!(
            key_action(&a, press(KeyCode::Char('q'), none)),
            Some(Action::Input('q'))
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Left, none)),
            Some(Action::InputLeft)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Char('w'), KeyModifiers::CONTROL)),
            Some(Action::InputDeleteWord)
        );
        assert_eq!(
            key_action(&a, press(KeyCode::Esc, none)),
            Some(Action::Back)
        );
        a.mode = Mode::Help;
        assert_eq!(
            key_action(&a, press(KeyCode::Char('?'), none)),
            Some(Action::Help)
        );
    }
}
