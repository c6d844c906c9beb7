use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

fn always(_: When) -> bool {
    true
}

#[test]
fn no_two_commands_share_a_key_in_one_mode() {
    let keymap = Keymap::default();
    for (i, (mode, chord, id)) in keymap.bindings.iter().enumerate() {
        for (other_mode, other, other_id) in &keymap.bindings[i + 1..] {
            // The workstation's keys also apply while composing.
            let overlapping = mode == other_mode
                || matches!(
                    (mode, other_mode),
                    (KeyMode::Workstation, KeyMode::Composer)
                        | (KeyMode::Composer, KeyMode::Workstation)
                );
            assert!(
                !(overlapping && chord.same_key(other) && chord.when == other.when),
                "{id:?} and {other_id:?} share {} in {mode:?}",
                chord.label()
            );
        }
    }
}

#[test]
fn every_modal_view_can_be_left_and_every_list_moved() {
    let keymap = Keymap::default();
    for mode in [
        KeyMode::Palette,
        KeyMode::Picker,
        KeyMode::PickerTurns,
        KeyMode::Help,
        KeyMode::Leave,
        KeyMode::History,
        KeyMode::Copy,
        KeyMode::DenyReason,
        KeyMode::NewSlot,
        KeyMode::Diff,
        KeyMode::CloseWorktree,
    ] {
        assert!(
            !keymap.keys(mode, CommandId::Close).is_empty(),
            "{mode:?} has no way out"
        );
    }
    for mode in [
        KeyMode::Palette,
        KeyMode::Picker,
        KeyMode::Help,
        KeyMode::Diff,
    ] {
        assert!(!keymap.keys(mode, CommandId::Down).is_empty(), "{mode:?}");
    }
}

#[test]
fn lookup_is_per_mode_and_respects_conditions() {
    let keymap = Keymap::default();
    let esc = key(KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(
        keymap.lookup(KeyMode::Palette, &esc, always),
        Some(CommandId::Close)
    );
    assert_eq!(
        keymap.lookup(KeyMode::Approval, &esc, always),
        Some(CommandId::DecideLater)
    );
    let question = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
    assert_eq!(
        keymap.lookup(KeyMode::Workstation, &question, always),
        Some(CommandId::ToggleHelp)
    );
    let typing = |when: When| when != When::ComposerEmpty;
    assert_eq!(keymap.lookup(KeyMode::Workstation, &question, typing), None);
}

#[test]
fn config_rebinds_unbinds_and_moves_the_leader() {
    let modes: BTreeMap<String, toml::Value> = toml::from_str(
        "[palette]\n\"ctrl-j\" = \"list.down\"\n\"ctrl-n\" = \"none\"\n\
         [workstation]\n\"ctrl-p\" = \"help.toggle\"\n",
    )
    .unwrap();
    let keymap = Keymap::configured("ctrl-]", &modes).unwrap();
    let ctrl = |c| key(KeyCode::Char(c), KeyModifiers::CONTROL);
    assert_eq!(
        keymap.lookup(KeyMode::Palette, &ctrl('j'), always),
        Some(CommandId::Down)
    );
    assert_eq!(keymap.lookup(KeyMode::Palette, &ctrl('n'), always), None);
    assert_eq!(
        keymap.lookup(KeyMode::Workstation, &ctrl('p'), always),
        Some(CommandId::ToggleHelp)
    );
    assert_eq!(
        keymap.key(KeyMode::Workstation, CommandId::OpenPalette),
        None
    );
    assert_eq!(keymap.leader(), Chord::ctrl(']'));
    assert_eq!(keymap.lookup(KeyMode::Pane, &ctrl('g'), always), None);
    assert_eq!(
        keymap.hints(
            KeyMode::Palette,
            &[(CommandId::Accept, "run"), (CommandId::Close, "close")]
        ),
        ["Enter run", "Esc close"]
    );
}

#[test]
fn bad_config_says_which_entry_in_one_line() {
    let parse = |text: &str| -> BTreeMap<String, toml::Value> { toml::from_str(text).unwrap() };
    let cases = [
        ("ctrl-g", "[palet]\n\"ctrl-j\" = \"list.down\"\n", "palet"),
        (
            "ctrl-g",
            "[palette]\n\"hyper-j\" = \"list.down\"\n",
            "hyper-j",
        ),
        (
            "ctrl-g",
            "[palette]\n\"ctrl-j\" = \"lst.down\"\n",
            "lst.down",
        ),
        ("ctrl-g", "[palette]\n\"ctrl-j\" = 5\n", "ctrl-j"),
        ("g", "", "leader"),
    ];
    for (leader, text, named) in cases {
        let err = Keymap::configured(leader, &parse(text))
            .unwrap_err()
            .to_string();
        assert!(err.contains(named), "{err}");
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn docs_list_every_mode() {
    let doc = Keymap::default().markdown();
    for mode in KeyMode::ALL {
        assert!(doc.contains(&format!("[keys.{}]", mode.name())), "{mode:?}");
    }
    assert!(doc.contains("`Ctrl+G`"));
}
