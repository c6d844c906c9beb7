//! `switchboard render --keys`: a key script in tmux's notation drives the headless
//! workstation into any view before it is printed, through the real binary and store.

mod support;

use support::Home;

fn render(home: &Home, keys: &str) -> String {
    home.ok(&["render", "--size", "80x24", "--keys", keys])
}

#[test]
fn keys_reach_the_palette_help_the_slash_popup_and_back() {
    let home = Home::new();
    let palette = render(&home, "C-p new");
    assert!(palette.contains("Command palette"), "{palette}");
    assert!(palette.contains("› new"), "{palette}");
    assert!(palette.contains("New shell slot"), "{palette}");

    let help = render(&home, "F1");
    assert!(help.contains("Help"), "{help}");
    assert!(help.contains("Command palette"), "{help}");

    let slash = render(&home, "/mo");
    assert!(slash.contains("/model"), "{slash}");
    assert!(!slash.contains("/rename"), "filtered as typed: {slash}");

    // Escape closes what the keys opened: back to the welcome screen.
    let back = render(&home, "C-p Escape");
    assert!(!back.contains("Command palette"), "{back}");
    assert!(back.contains("Many agent sessions"), "{back}");
}

#[test]
fn a_rebound_key_in_config_is_the_key_the_script_presses() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.toml"),
        "[keys.workstation]\n\"ctrl-o\" = \"palette.open\"\n",
    )
    .expect("config");
    let out = render(&home, "C-o");
    assert!(out.contains("Command palette"), "{out}");
}

#[test]
fn a_bad_script_is_refused_in_one_line_naming_the_token() {
    let home = Home::new();
    let err = home.fails(&["render", "--keys", "C-p C-Bogus"]);
    assert!(err.contains("'C-Bogus'"), "{err}");
    assert!(err.contains("not a key"), "{err}");
    let err = home.fails(&["render", "--keys", "C-M-"]);
    assert!(err.contains("needs a key after it"), "{err}");
    // Nothing was created for a refused script.
    assert!(!home.store_file().exists());
}
