use super::*;

/// Every command id, listed through an exhaustive match so a new variant cannot be
/// forgotten here.
fn all_ids() -> Vec<CommandId> {
    use CommandId::*;
    let ids = vec![
        OpenPalette,
        ToggleHelp,
        Quit,
        Detach,
        StopServer,
        Suspend,
        NewAgentSlot,
        NewShellSlot,
        RunCommandSlot,
        RestartSlot,
        LayoutZoom,
        LayoutSplit,
        LayoutGrid,
        ToggleReasoning,
        ShowDiff,
        ShowBoard,
        ResumeSession,
        ForkSession,
        NextSlot,
        PrevSlot,
        CloseSlot,
        ScrollUp,
        ScrollDown,
        ScrollTop,
        ScrollBottom,
        CopyMode,
        SearchPane,
        Interrupt,
        Submit,
        InsertNewline,
        HistorySearch,
        ClearOrInterrupt,
        CursorLeft,
        CursorRight,
        CursorUp,
        CursorDown,
        LineStart,
        LineEnd,
        WordLeft,
        WordRight,
        Backspace,
        DeleteChar,
        KillToEnd,
        KillToStart,
        KillWord,
        Yank,
        Accept,
        Close,
        Up,
        Down,
        PageUp,
        PageDown,
        ClearQuery,
        ToggleHere,
        ToggleFinished,
        OlderMatch,
        NewerMatch,
        MarkSelection,
        CopySelection,
        SearchBack,
        SearchForward,
        SearchNext,
        SearchPrevious,
        Approve,
        ApproveForSession,
        Deny,
        DenyWithReason,
        DecideLater,
        ToggleWorktree,
        NextSource,
        PrevSource,
        KeepWorktree,
        RemoveWorktree,
        ForceRemoveWorktree,
        ReleaseKeys,
        PaneScrollUp,
        PaneScrollDown,
        ToggleSidebar,
        SetModel,
        SetApproval,
        RenameSlot,
        ShowStatus,
        Complete,
        BoardFilter,
        BoardSearch,
        BoardNew,
        BoardApprove,
        BoardReject,
        BoardRetry,
        BoardCancel,
        BoardResume,
        BoardOpen,
    ];
    for id in &ids {
        match id {
            OpenPalette | ToggleHelp | Quit | Detach | StopServer | Suspend | NewAgentSlot
            | NewShellSlot | RunCommandSlot | RestartSlot | LayoutZoom | LayoutSplit
            | LayoutGrid | ToggleReasoning | ShowDiff | ShowBoard | ResumeSession | ForkSession
            | NextSlot | PrevSlot | CloseSlot | ScrollUp | ScrollDown | ScrollTop
            | ScrollBottom | CopyMode | SearchPane | Interrupt | Submit | InsertNewline
            | HistorySearch | ClearOrInterrupt | CursorLeft | CursorRight | CursorUp
            | CursorDown | LineStart | LineEnd | WordLeft | WordRight | Backspace | DeleteChar
            | KillToEnd | KillToStart | KillWord | Yank | Accept | Close | Up | Down | PageUp
            | PageDown | ClearQuery | ToggleHere | ToggleFinished | OlderMatch | NewerMatch
            | MarkSelection | CopySelection | SearchBack | SearchForward | SearchNext
            | SearchPrevious | Approve | ApproveForSession | Deny | DenyWithReason
            | DecideLater | ToggleWorktree | NextSource | PrevSource | KeepWorktree
            | RemoveWorktree | ForceRemoveWorktree | ReleaseKeys | PaneScrollUp
            | PaneScrollDown | ToggleSidebar | SetModel | SetApproval | RenameSlot | ShowStatus
            | Complete | BoardFilter | BoardSearch | BoardNew | BoardApprove | BoardReject
            | BoardRetry | BoardCancel | BoardResume | BoardOpen => {}
        }
    }
    ids
}

#[test]
fn every_command_has_a_registry_row() {
    for id in all_ids() {
        assert!(
            COMMANDS.iter().any(|c| c.id == id),
            "{id:?} has no row in COMMANDS"
        );
    }
    assert_eq!(COMMANDS.len(), all_ids().len());
}

#[test]
fn names_and_ids_are_unique() {
    for (i, a) in COMMANDS.iter().enumerate() {
        for b in &COMMANDS[i + 1..] {
            assert_ne!(a.id, b.id);
            assert_ne!(a.name, b.name);
        }
        assert_eq!(by_name(a.name).map(|c| c.id), Some(a.id));
    }
}
