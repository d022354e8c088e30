//! The docs describe the program that exists: generated references match,
//! and every configuration key is documented.

use portaldesk::config::DEFAULT_TOML;
use portaldesk::docs::keymap_reference;
use portaldesk::keymap::Keymap;

const KEYMAP_MD: &str = "docs/keymap.md";

/// Compares a generated document with the committed one (or rewrites it).
fn matches_on_disk(path: &str, generated: &str) {
    if std::env::var_os("PORTALDESK_WRITE_DOCS").is_some() {
        std::fs::write(path, generated).unwrap();
    }
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{path} is out of date: run `PORTALDESK_WRITE_DOCS=1 cargo test --test docs` and commit it"
    );
}

#[test]
fn keymap_reference_matches_the_program() {
    matches_on_disk(KEYMAP_MD, &keymap_reference(&Keymap::from_texts(None).unwrap()));
}

#[test]
fn import_spec_matches_the_validation() {
    matches_on_disk("docs/import-spec.md", &portaldesk::domain::import_spec::markdown());
}

#[test]
fn every_config_key_is_documented() {
    let doc = std::fs::read_to_string("docs/configuration.md").unwrap();
    let table: toml::Table = DEFAULT_TOML.parse().unwrap();
    for (k, v) in &table {
        match v.as_table() {
            Some(section) => {
                for sk in section.keys() {
                    assert!(doc.contains(&format!("`{k}.{sk}`")), "docs/configuration.md lacks {k}.{sk}");
                }
            }
            None => assert!(doc.contains(&format!("`{k}`")), "docs/configuration.md lacks {k}"),
        }
    }
}

#[test]
fn docs_that_the_issue_asks_for_exist() {
    // Each document names what it is about: its title, and the parts a reader comes for.
    for (f, must) in [
        (
            "docs/architecture.md",
            &[
                "# Architecture",
                "## The store: one query, two engines",
                "## The event loop",
                "## Actions and the ops layer",
            ][..],
        ),
        ("docs/configuration.md", &["reveal_seconds", "keymap.toml"][..]),
        (KEYMAP_MD, &["nav.focus_prev", "case.claim_next", ":member"][..]),
        ("README.md", &["# portaldesk", "cargo test", "PORTALDESK_TEST_PG_URL"][..]),
    ] {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for m in must {
            assert!(text.contains(m), "{f} does not mention {m:?}");
        }
    }
    let readme = std::fs::read_to_string("README.md").unwrap();
    let top: Vec<&str> = readme.lines().take(6).collect();
    assert!(
        top.iter().any(|l| l.starts_with("cargo run --release")) && top.iter().any(|l| l.starts_with("cargo test")),
        "README must start with the two set-up commands"
    );
}
