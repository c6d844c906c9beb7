//! `sessions rm` and `sessions prune`: remove sessions from the store, with the worktrees
//! they made.
//!
//! The store decides what may go (`Store::remove_sessions`): never a session with a fork that
//! stays (forks read their parent's events), one a live process owns, or one open in the
//! running server (asked for its slots). `rm` refuses the whole command when any session it
//! names must stay; `prune` removes what may go and lists what stays, and why.
//!
//! A session's worktree goes with it, unless another session still works in it or it holds
//! uncommitted files or unmerged commits (the close-worktree dialog's rule,
//! `workspace::removal_check`): then it is kept and the output says so; `--force` removes it
//! anyway. The session's snapshot refs (`refs/switchboard/<session>/…`) go with the session.

use std::collections::HashSet;
use std::io::Write;
use std::time::Duration;

use super::super::Context;
use crate::ids::{SessionId, ShortIds, Timestamp};
use crate::store::{Kept, Removal, RemoveOptions, SessionMeta, Store};
use crate::workspace::{self, RemoveCheck, Worktree};

/// The flags `rm` and `prune` share.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Remove worktrees holding uncommitted or unmerged work too.
    pub force: bool,
    /// Say what would go; remove nothing.
    pub dry_run: bool,
}

/// A worktree a removed session made, and what removing it would lose.
struct Owned {
    session: SessionId,
    worktree: Worktree,
    check: Result<RemoveCheck, String>,
}

pub fn rm(
    context: &Context,
    store: &Store,
    typed: &[String],
    options: Options,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let ids = typed
        .iter()
        .map(|text| store.resolve(text))
        .collect::<Result<Vec<_>, _>>()?;
    for id in &ids {
        match store.meta(*id)?.kind {
            crate::event::SessionKind::Tasks => anyhow::bail!(
                "{} is the task board's record, not a session; tasks are looked after with `switchboard task`",
                id.short()
            ),
            crate::event::SessionKind::Mcp => anyhow::bail!(
                "{} is the record of MCP tool calls (the audit trail), not a session; it is kept",
                id.short()
            ),
            crate::event::SessionKind::Agent
            | crate::event::SessionKind::Pty
            | crate::event::SessionKind::Other => {}
        }
    }
    let short = store.short_ids()?;
    let mut remove = remove_options(context)?;
    remove.dry_run = true;
    let plan = store.remove_sessions(&ids, &remove)?;
    if let Some((meta, why)) = plan.kept.first() {
        anyhow::bail!(refusal(meta, why, &short));
    }
    let job = Job {
        store,
        ids: &ids,
        short: &short,
        options,
        strict: Strict::Named,
    };
    job.run(plan, remove, out)
}

pub fn prune(
    context: &Context,
    store: &Store,
    older_than: Duration,
    options: Options,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let micros = i64::try_from(older_than.as_micros()).unwrap_or(i64::MAX);
    let cutoff = Timestamp(Timestamp::now().0.saturating_sub(micros));
    let ids: Vec<SessionId> = store
        .sessions()?
        .into_iter()
        // The store's own logs (the task board's, the MCP calls') are not sessions a person
        // made; they are never pruned.
        .filter(|meta| meta.updated_at < cutoff && !meta.kind.is_log())
        .map(|meta| meta.id)
        .collect();
    let age = humantime::format_duration(older_than);
    if ids.is_empty() {
        writeln!(
            out,
            "nothing to prune: no session was last updated over {age} ago"
        )?;
        return Ok(());
    }
    let short = store.short_ids()?;
    let mut remove = remove_options(context)?;
    remove.dry_run = true;
    let plan = store.remove_sessions(&ids, &remove)?;
    let job = Job {
        store,
        ids: &ids,
        short: &short,
        options,
        strict: Strict::Selected,
    };
    job.run(plan, remove, out)
}

/// Who else may hold the sessions: the running server's open slots, when one runs.
fn remove_options(context: &Context) -> anyhow::Result<RemoveOptions> {
    let status = super::super::server_cmd::running_status(context)?;
    Ok(RemoveOptions {
        dry_run: false,
        server_pid: status.as_ref().map(|s| s.pid),
        open: status
            .map(|s| s.slots.iter().map(|slot| slot.slot).collect())
            .unwrap_or_default(),
    })
}

/// One `rm` or `prune`: the sessions asked for and how.
struct Job<'a> {
    store: &'a Store,
    ids: &'a [SessionId],
    short: &'a ShortIds,
    options: Options,
    strict: Strict,
}

impl Job<'_> {
    /// Removes what the dry `plan` found removable (deciding again inside the write), then the
    /// worktrees of what went; prints every step.
    fn run(
        &self,
        plan: Removal,
        mut remove: RemoveOptions,
        out: &mut impl Write,
    ) -> anyhow::Result<()> {
        let Self {
            store,
            ids,
            short,
            options,
            strict,
        } = *self;
        // Worktrees are looked up before the sessions go: their details are in the events.
        let owned = owned_worktrees(store, &plan.removed)?;
        let done = if options.dry_run {
            plan
        } else {
            remove.dry_run = false;
            store.remove_sessions(ids, &remove)?
        };
        let verb = if options.dry_run {
            "would remove"
        } else {
            "removed"
        };
        let gone: HashSet<SessionId> = done.removed.iter().map(|m| m.id).collect();
        let mut events = 0;
        for meta in &done.removed {
            events += meta.events();
            writeln!(
                out,
                "{verb} {}  {}  ({} events)",
                short.get(meta.id),
                meta.title,
                meta.events()
            )?;
            for owned in owned.iter().filter(|o| o.session == meta.id) {
                writeln!(out, "  {}", worktree_line(owned, options))?;
            }
        }
        for (meta, why) in &done.kept {
            writeln!(
                out,
                "kept {}  {}: {}",
                short.get(meta.id),
                meta.title,
                reason(why, short)
            )?;
        }
        if !options.dry_run {
            for owned in owned.iter().filter(|o| gone.contains(&o.session)) {
                let _ = workspace::remove_snapshots(&owned.worktree.repo, owned.session);
            }
        }
        let count = done.removed.len();
        let plural = if count == 1 { "" } else { "s" };
        if options.dry_run {
            writeln!(
                out,
                "{verb} {count} session{plural} ({events} events); nothing was removed (--dry-run)"
            )?;
        } else if count > 0 {
            writeln!(
                out,
                "removed {count} session{plural} ({events} events); `switchboard store compact` gives the space back to the disk"
            )?;
        }
        // `rm` checked before; a session that became live since is still refused, and says so.
        if let (Strict::Named, Some((meta, why))) = (strict, done.kept.first()) {
            anyhow::bail!(refusal(meta, why, short));
        }
        Ok(())
    }
}

/// Whether a session that must stay fails the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strict {
    /// `rm`: every session was named; one that stays is an error.
    Named,
    /// `prune`: sessions were selected by age; what stays is listed.
    Selected,
}

/// The worktrees the sessions made that no other session works in, with what removing each
/// would lose.
fn owned_worktrees(store: &Store, removed: &[SessionMeta]) -> anyhow::Result<Vec<Owned>> {
    let leaving: HashSet<SessionId> = removed.iter().map(|m| m.id).collect();
    let still_used: HashSet<String> = store
        .sessions()?
        .into_iter()
        .filter(|meta| !leaving.contains(&meta.id))
        .filter_map(|meta| meta.worktree)
        .collect();
    let mut seen = HashSet::new();
    let mut owned = Vec::new();
    for meta in removed {
        let Some(path) = &meta.worktree else {
            continue;
        };
        if still_used.contains(path) || !seen.insert(path.clone()) {
            continue;
        }
        let Some(recorded) = store.resume(meta.id)?.state.worktree else {
            continue;
        };
        let worktree = Worktree::recorded(&recorded);
        let check = workspace::removal_check(&worktree).map_err(|e| e.to_string());
        owned.push(Owned {
            session: meta.id,
            worktree,
            check,
        });
    }
    Ok(owned)
}

/// Removes (or, dry, judges) one worktree and says what happened.
fn worktree_line(owned: &Owned, options: Options) -> String {
    let tree = &owned.worktree;
    let name = format!("{} (branch {})", tree.path.display(), tree.branch);
    let loses = match &owned.check {
        Ok(check) if check.loses_work() => Some(check.describe()),
        Ok(_) => None,
        Err(err) if options.force => Some(format!("its state is unknown ({err})")),
        Err(err) => {
            return format!(
                "kept worktree {name}: cannot tell what it holds ({err}); --force removes it"
            );
        }
    };
    match (loses, options.force, options.dry_run) {
        (Some(what), false, _) => format!(
            "kept worktree {name}: it has {what}; --force removes it too, or `git worktree remove` it yourself"
        ),
        (_, _, true) => format!("would remove worktree {name}"),
        (_, force, false) => match workspace::remove(tree, force) {
            Ok(()) => format!("removed worktree {name}"),
            Err(err) => format!("kept worktree {name}: {err}"),
        },
    }
}

/// `rm`'s one-line refusal.
fn refusal(meta: &SessionMeta, why: &Kept, short: &ShortIds) -> String {
    let id = short.get(meta.id);
    match why {
        Kept::Forks(children) => {
            let names: Vec<String> = children.iter().map(|c| short.get(*c).to_string()).collect();
            format!(
                "session {id} has forks that read their history from it ({}); remove them with it (`switchboard sessions rm {id} {}`) or keep it",
                names.join(", "),
                names.join(" ")
            )
        }
        Kept::Live(owner) => format!(
            "session {id} is in use by process {}; let its turn end or close its slot, then retry",
            owner.pid
        ),
        Kept::Open => format!(
            "session {id} is open in a slot of the running server; close the slot (or `switchboard server stop`), then retry"
        ),
    }
}

/// Why `prune` kept a session, after its title.
fn reason(why: &Kept, short: &ShortIds) -> String {
    match why {
        Kept::Forks(children) => {
            let names: Vec<String> = children.iter().map(|c| short.get(*c).to_string()).collect();
            format!("has forks that stay ({})", names.join(", "))
        }
        Kept::Live(owner) => format!("in use by process {}", owner.pid),
        Kept::Open => "open in a slot of the running server".to_owned(),
    }
}
