//! Settings through the real binary: the one settings table drives `--help`, `rehearse config`
//! and the `.env.example` check; every layer names where a value came from, down to the line.

mod common;

use common::Sandbox;
use predicates::prelude::*;
use rehearse::settings;

fn config_json(out: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn setting<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no setting {name}"))
}

#[test]
fn env_example_documents_exactly_the_settings_variables() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/.env.example")).unwrap();
    // Every `# NAME=` or `NAME=` line names a variable.
    let mut documented: Vec<String> = text
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.trim().to_owned()))
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    documented.sort();
    documented.dedup();
    let mut defined: Vec<String> = settings::ALL
        .iter()
        .flat_map(|d| d.env.iter().map(|v| (*v).to_owned()))
        .collect();
    defined.sort();
    let undocumented: Vec<&String> = defined.iter().filter(|v| !documented.contains(v)).collect();
    let unknown: Vec<&String> = documented.iter().filter(|v| !defined.contains(v)).collect();
    assert!(
        undocumented.is_empty(),
        "not in .env.example: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "in .env.example but not a setting: {unknown:?}"
    );
}

#[test]
fn readme_lists_every_setting_variable() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for def in settings::ALL {
        for var in def.env {
            assert!(readme.contains(var), "README does not mention {var}");
        }
        if let Some(flag) = def.flag_name() {
            assert!(readme.contains(&flag), "README does not mention {flag}");
        }
    }
}

#[test]
fn help_is_generated_from_the_settings_table() {
    let sandbox = Sandbox::new();
    let out = sandbox.cmd().arg("--help").assert().success();
    let help = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for def in settings::ALL.iter().filter(|d| d.flag.is_some()) {
        let flag = def.flag_name().unwrap();
        assert!(help.contains(&flag), "--help lacks {flag}");
        for var in def.env {
            assert!(help.contains(var), "--help lacks {var} for {flag}");
        }
    }
    // No flag for a secret: command lines are visible to other users.
    assert!(!help.contains("--api-key"));
}

#[test]
fn config_names_the_line_and_what_set_each_value() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/.env",
        "# local model\n\nREHEARSE_MODEL=dotenv-model\n",
    );
    sandbox.write(
        "config/rehearse/config.toml",
        "# tuned for a slow laptop\ntimeout_secs = 300\n",
    );
    let out = sandbox
        .cmd()
        .env("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
        .args(["--judge-model", "judge-x", "config", "--format", "json"])
        .assert()
        .success();
    let json = config_json(&out);
    let model = setting(&json, "model");
    assert_eq!(model["value"], "dotenv-model");
    assert_eq!(model["layer"], ".env");
    assert_eq!(model["line"], 3);
    assert_eq!(model["set_by"], "REHEARSE_MODEL");
    let timeout = setting(&json, "timeout_secs");
    assert_eq!(timeout["value"], "300");
    assert_eq!(timeout["line"], 2);
    assert_eq!(timeout["set_by"], "timeout_secs");
    let base = setting(&json, "base_url");
    assert_eq!(base["layer"], "env");
    assert_eq!(base["set_by"], "OPENAI_BASE_URL");
    let judge = setting(&json, "judge_model");
    assert_eq!(judge["layer"], "flag");
    assert_eq!(judge["set_by"], "--judge-model");
    // The table names them too.
    sandbox
        .cmd()
        .arg("config")
        .assert()
        .success()
        .stdout(predicate::str::contains(".env:3 (REHEARSE_MODEL)"))
        .stdout(predicate::str::contains("config.toml:2"))
        .stdout(predicate::str::contains("SET BY"));
}

#[test]
fn a_config_file_named_explicitly_must_exist() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .args(["--config", "/no/such/config.toml", "config"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/no/such/config.toml"))
        .stderr(predicate::str::contains("does not exist"));
    sandbox
        .cmd()
        .env("REHEARSE_CONFIG", "/no/such/other.toml")
        .arg("questions")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("REHEARSE_CONFIG"));
}

#[test]
fn switches_accept_only_on_or_off_words() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd()
        .env("REHEARSE_OFFLINE", "banana")
        .arg("config")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("REHEARSE_OFFLINE = \"banana\""));
    let out = sandbox
        .cmd()
        .env("REHEARSE_OFFLINE", "yes")
        .env("REHEARSE_BASE_URL", "http://127.0.0.1:9/v1")
        .args(["config", "--format", "json"])
        .assert()
        .success();
    assert_eq!(config_json(&out)["mode"], "offline (forced)");
}

#[test]
fn a_quoted_tilde_in_home_is_expanded_like_the_shell_would() {
    let sandbox = Sandbox::new();
    let out = sandbox
        .cmd()
        .args(["--home", "~/practice", "config", "--format", "json"])
        .assert()
        .success();
    let json = config_json(&out);
    let home = setting(&json, "home")["value"].as_str().unwrap().to_owned();
    assert!(!home.contains('~'), "{home}");
    assert!(home.ends_with("/practice"), "{home}");
}

#[test]
fn config_and_env_files_are_read_only_up_to_a_megabyte() {
    let sandbox = Sandbox::new();
    let big = "# x\n".repeat(300_000);
    sandbox.write("config/rehearse/config.toml", &big);
    sandbox
        .cmd()
        .arg("config")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 1 MB"));
}
