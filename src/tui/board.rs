//! The task board in the workstation: every task's summary (kept current by the server's
//! news), the board view's selection, filter and detail, its actions, and the submit form.
//! Pure: keys and notifications in, state changes and commands out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{AppState, Effect, Mode};
use super::commands::CommandId;
use super::keymap::KeyMode;
use crate::event::TaskState;
use crate::ids::TaskId;
use crate::protocol::Command;
use crate::protocol::tasks::{SubmitRequest, TaskAction, TaskCommand, TaskNotification};
use crate::tasks::TaskDraft;
use crate::tasks::view::TaskSummary;

/// Rows PgUp/PgDn move.
const PAGE: usize = 10;

/// Every task this window knows, in submission order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskBoard {
    pub tasks: Vec<TaskSummary>,
}

impl TaskBoard {
    pub fn upsert(&mut self, summary: TaskSummary) {
        match self.tasks.iter_mut().find(|t| t.id == summary.id) {
            Some(task) => *task = summary,
            None => self.tasks.push(summary),
        }
    }

    pub fn count(&self, state: TaskState) -> usize {
        self.tasks.iter().filter(|t| t.state == state).count()
    }

    /// Tasks that wait for a person: an approval or a gate.
    pub fn waiting(&self) -> usize {
        self.count(TaskState::AwaitingApproval)
    }

    /// Tasks whose attempt is under way.
    pub fn running(&self) -> usize {
        self.count(TaskState::Running) + self.count(TaskState::Validating)
    }
}

/// The board view: which tasks it shows, which one is selected, and its detail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardView {
    /// Only tasks in this state (Tab cycles through the states present).
    pub filter: Option<TaskState>,
    /// Only tasks whose name or title contains this.
    pub search: String,
    pub searching: bool,
    pub selected: usize,
    /// The selected task's record, logs and patch, once loaded.
    pub detail: Option<Detail>,
    pub detail_scroll: usize,
    /// A rejection's reason being typed.
    pub reject: Option<String>,
    /// The submit form, when open.
    pub form: Option<TaskForm>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Detail {
    pub task: Option<TaskId>,
    pub record: String,
    pub logs: String,
    pub patch: String,
}

/// The submit form's fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskForm {
    pub field: usize,
    pub goal: String,
    pub title: String,
    pub executor: String,
    pub validation: String,
    pub depends: String,
    pub gate: bool,
}

impl Default for TaskForm {
    fn default() -> Self {
        Self {
            field: 0,
            goal: String::new(),
            title: String::new(),
            executor: "native".into(),
            validation: String::new(),
            depends: String::new(),
            gate: false,
        }
    }
}

/// The form's fields, in order (labels).
pub const FORM_FIELDS: [&str; 6] = ["goal", "title", "executor", "validation", "depends", "gate"];

impl BoardView {
    /// The tasks shown, in board order: grouped by state (those needing a person first),
    /// then submission order.
    pub fn rows<'a>(&self, board: &'a TaskBoard) -> Vec<&'a TaskSummary> {
        let search = self.search.to_lowercase();
        let mut rows: Vec<&TaskSummary> = board
            .tasks
            .iter()
            .filter(|t| self.filter.is_none_or(|f| t.state == f))
            .filter(|t| {
                search.is_empty()
                    || t.label().to_lowercase().contains(&search)
                    || t.title.to_lowercase().contains(&search)
            })
            .collect();
        rows.sort_by_key(|t| (group(t.state), t.order));
        rows
    }

    pub fn selected_task<'a>(&self, board: &'a TaskBoard) -> Option<&'a TaskSummary> {
        self.rows(board).get(self.selected).copied()
    }
}

/// Where a state's group sits on the board.
pub fn group(state: TaskState) -> usize {
    TaskState::ALL
        .iter()
        .position(|s| *s == state)
        .unwrap_or(TaskState::ALL.len())
}

/// Opens the board view.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.mode = Mode::Board(Box::default());
    vec![Effect::Send(Command::Task(TaskCommand::List))]
}

/// The server's news about tasks.
pub fn apply(state: &mut AppState, notification: TaskNotification) -> Vec<Effect> {
    match notification {
        TaskNotification::Board(tasks) => state.tasks.tasks = tasks,
        TaskNotification::Changed(summary) => {
            let id = summary.id;
            state.tasks.upsert(*summary);
            if let Mode::Board(view) = &state.mode
                && view.detail.as_ref().is_some_and(|d| d.task == Some(id))
            {
                return load_detail(id);
            }
        }
        TaskNotification::Record { task, text, .. } => {
            with_detail(state, task.id, |d| d.record = text)
        }
        TaskNotification::Logs { task, text, .. } => with_detail(state, task, |d| d.logs = text),
        TaskNotification::Evidence { task, files, .. } => {
            let patch = files
                .iter()
                .find(|f| f.name == "patch.diff")
                .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
                .unwrap_or_default();
            with_detail(state, task, |d| d.patch = patch);
        }
        TaskNotification::Admitted { ids } => {
            state.notify(format!(
                "task {} submitted",
                ids.first().map(|i| i.short()).unwrap_or_default()
            ));
        }
        TaskNotification::Refused { error } => state.notify_error(error),
        TaskNotification::Done { text, .. } => state.notify(text),
    }
    Vec::new()
}

fn with_detail(state: &mut AppState, task: TaskId, f: impl FnOnce(&mut Detail)) {
    if let Mode::Board(view) = &mut state.mode
        && let Some(detail) = view.detail.as_mut().filter(|d| d.task == Some(task))
    {
        f(detail);
    } else {
        state.dirty = false;
    }
}

fn load_detail(id: TaskId) -> Vec<Effect> {
    let id = id.to_string();
    vec![
        Effect::Send(Command::Task(TaskCommand::Show { id: id.clone() })),
        Effect::Send(Command::Task(TaskCommand::Logs {
            id: id.clone(),
            attempt: None,
        })),
        Effect::Send(Command::Task(TaskCommand::Evidence { id, attempt: None })),
    ]
}

fn act(id: TaskId, action: TaskAction) -> Vec<Effect> {
    vec![Effect::Send(Command::Task(TaskCommand::Act {
        id: id.to_string(),
        action,
    }))]
}

/// A key in the board view.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Mode::Board(view) = &mut state.mode else {
        return Vec::new();
    };
    if view.form.is_some() {
        return form_key(&mut view.form, key);
    }
    if let Some(reason) = view.reject.as_mut() {
        match key.code {
            KeyCode::Esc => view.reject = None,
            KeyCode::Backspace => {
                reason.pop();
            }
            KeyCode::Enter => {
                let reason = view.reject.take().unwrap_or_default();
                if let Some(task) = view.selected_task(&state.tasks) {
                    let reason = if reason.trim().is_empty() {
                        "rejected from the board".to_owned()
                    } else {
                        reason
                    };
                    return act(task.id, TaskAction::Reject { reason });
                }
            }
            KeyCode::Char(c) => reason.push(c),
            _ => {}
        }
        return Vec::new();
    }
    if view.searching {
        match key.code {
            KeyCode::Esc | KeyCode::Enter => view.searching = false,
            KeyCode::Backspace => {
                view.search.pop();
            }
            KeyCode::Char(c) => view.search.push(c),
            _ => {}
        }
        view.selected = 0;
        return Vec::new();
    }
    let rows = view.rows(&state.tasks).len();
    let selected = view.selected_task(&state.tasks).map(|t| (t.id, t.session));
    let command = super::modal_keys::lookup(state, KeyMode::Board, &key);
    let Mode::Board(view) = &mut state.mode else {
        return Vec::new();
    };
    let action = |action: TaskAction| selected.map(|(id, _)| act(id, action)).unwrap_or_default();
    match command {
        Some(CommandId::Close) if view.detail.is_some() => view.detail = None,
        Some(CommandId::Close) => state.mode = Mode::Normal,
        Some(CommandId::Up) => view.selected = view.selected.saturating_sub(1),
        Some(CommandId::Down) => view.selected = (view.selected + 1).min(rows.saturating_sub(1)),
        Some(CommandId::PageUp) if view.detail.is_some() => {
            view.detail_scroll = view.detail_scroll.saturating_sub(PAGE)
        }
        Some(CommandId::PageDown) if view.detail.is_some() => view.detail_scroll += PAGE,
        Some(CommandId::PageUp) => view.selected = view.selected.saturating_sub(PAGE),
        Some(CommandId::PageDown) => {
            view.selected = (view.selected + PAGE).min(rows.saturating_sub(1))
        }
        Some(CommandId::BoardFilter) => {
            view.filter = next_filter(view.filter, &state.tasks);
            view.selected = 0;
        }
        Some(CommandId::BoardSearch) => {
            view.searching = true;
            view.search.clear();
        }
        Some(CommandId::BoardNew) => view.form = Some(TaskForm::default()),
        Some(CommandId::Accept) => {
            if let Some((id, _)) = selected {
                view.detail = Some(Detail {
                    task: Some(id),
                    ..Default::default()
                });
                view.detail_scroll = 0;
                return load_detail(id);
            }
        }
        Some(CommandId::BoardApprove) => return action(TaskAction::Approve),
        Some(CommandId::BoardReject) if selected.is_some() => view.reject = Some(String::new()),
        Some(CommandId::BoardRetry) => return action(TaskAction::Retry),
        Some(CommandId::BoardCancel) => return action(TaskAction::Cancel),
        Some(CommandId::BoardResume) => return action(TaskAction::Resume),
        Some(CommandId::BoardOpen) => {
            if let Some((_, Some(session))) = selected {
                state.mode = Mode::Normal;
                state.pending_focus = Some(session);
                return vec![Effect::Send(Command::OpenSession { session })];
            }
            state.notify("this task has no attempt to open yet");
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

fn form_key(slot: &mut Option<TaskForm>, key: KeyEvent) -> Vec<Effect> {
    let Some(form) = slot.as_mut() else {
        return Vec::new();
    };
    fn field(form: &mut TaskForm) -> Option<&mut String> {
        match form.field {
            0 => Some(&mut form.goal),
            1 => Some(&mut form.title),
            2 => Some(&mut form.executor),
            3 => Some(&mut form.validation),
            4 => Some(&mut form.depends),
            _ => None,
        }
    }
    match key.code {
        KeyCode::Esc => *slot = None,
        KeyCode::Tab | KeyCode::Down => form.field = (form.field + 1) % FORM_FIELDS.len(),
        KeyCode::BackTab | KeyCode::Up => {
            form.field = (form.field + FORM_FIELDS.len() - 1) % FORM_FIELDS.len()
        }
        KeyCode::Char(' ') if form.field == 5 => form.gate = !form.gate,
        KeyCode::Enter if key.modifiers.contains(KeyModifiers::CONTROL) || form.field == 5 => {
            return submit_form(slot);
        }
        KeyCode::Enter => form.field = (form.field + 1) % FORM_FIELDS.len(),
        KeyCode::Backspace => {
            if let Some(text) = field(form) {
                text.pop();
            }
        }
        KeyCode::Char(c) => {
            if let Some(text) = field(form) {
                text.push(c);
            }
        }
        _ => {}
    }
    Vec::new()
}

fn submit_form(slot: &mut Option<TaskForm>) -> Vec<Effect> {
    let Some(form) = slot.take() else {
        return Vec::new();
    };
    if form.goal.trim().is_empty() {
        *slot = Some(form);
        return Vec::new();
    }
    let draft = TaskDraft {
        title: (!form.title.trim().is_empty()).then(|| form.title.trim().to_owned()),
        goal: form.goal.clone(),
        executor: Some(form.executor.trim().to_owned()).filter(|e| !e.is_empty()),
        validations: form
            .validation
            .split(";;")
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        depends: form.depends.split_whitespace().map(str::to_owned).collect(),
        gate: form.gate,
        ..Default::default()
    };
    vec![Effect::Send(Command::Task(TaskCommand::Submit(Box::new(
        SubmitRequest {
            input: serde_json::to_string(&draft).ok(),
            tasks: vec![draft],
            plan: None,
            wait: false,
            agents: Default::default(),
        },
    ))))]
}

/// Pasted text goes to whatever is being typed (a form field, a reason, the search).
pub fn paste(view: &mut BoardView, text: &str) {
    let line = text.lines().next().unwrap_or_default();
    if let Some(form) = view.form.as_mut() {
        match form.field {
            0 => form.goal.push_str(line),
            1 => form.title.push_str(line),
            2 => form.executor.push_str(line),
            3 => form.validation.push_str(line),
            4 => form.depends.push_str(line),
            _ => {}
        }
    } else if let Some(reason) = view.reject.as_mut() {
        reason.push_str(line);
    } else if view.searching {
        view.search.push_str(line);
    }
}

/// The next state filter: all, then each state present on the board in board order.
fn next_filter(current: Option<TaskState>, board: &TaskBoard) -> Option<TaskState> {
    let present: Vec<TaskState> = TaskState::ALL
        .into_iter()
        .filter(|s| board.count(*s) > 0)
        .collect();
    match current {
        None => present.first().copied(),
        Some(state) => {
            let at = present.iter().position(|s| *s == state);
            at.and_then(|i| present.get(i + 1).copied())
        }
    }
}

/// The bytes that ring the terminal bell and raise a desktop notification (OSC 9 for
/// iTerm2, kitty, WezTerm, Windows Terminal; OSC 777 for urxvt, foot, VTE terminals).
pub fn alert_bytes(text: &str) -> Vec<u8> {
    let clean: String = text
        .chars()
        .filter(|c| !c.is_control() && *c != ';')
        .take(200)
        .collect();
    format!("\x07\x1b]9;{clean}\x07\x1b]777;notify;switchboard;{clean}\x07").into_bytes()
}
