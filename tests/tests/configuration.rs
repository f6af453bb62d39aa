//! `docs/configuration.md` is held against the settings as declared: every variable the
//! functions or the local server read has a row, with its flag and each side's default, and
//! the table names nothing that is not declared. Adding a setting without documenting it
//! fails here.

use clap::{Arg, Command, CommandFactory};
use std::collections::BTreeMap;

/// One row of the table, by column.
#[derive(Debug)]
struct Row {
    flag: String,
    functions: String,
    local: String,
}

/// The table's rows, by variable.
fn documented() -> BTreeMap<String, Row> {
    let path = format!("{}/../docs/configuration.md", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = BTreeMap::new();
    for line in text.lines().filter(|l| l.starts_with("| `HOOKLINE_")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 7, "five columns: {line}");
        let variable = cells[1].trim_matches('`').to_owned();
        let row = Row {
            flag: cells[2].trim_matches('`').to_owned(),
            functions: cells[3].to_owned(),
            local: cells[4].to_owned(),
        };
        assert!(rows.insert(variable, row).is_none(), "twice: {line}");
    }
    assert!(!rows.is_empty(), "no table in docs/configuration.md");
    rows
}

/// What a default cell starts with for `arg`: its default in backticks (`empty` for the
/// empty text), else `required` or `none`.
fn default_cell(arg: &Arg) -> String {
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    match defaults.as_slice() {
        [] if arg.is_required_set() => "required".to_owned(),
        [] => "none".to_owned(),
        [one] if one.is_empty() => "empty".to_owned(),
        many => format!("`{}`", many.join(",")),
    }
}

/// The command's settings by variable; every argument but help and version has one.
fn declared(command: Command) -> BTreeMap<String, Arg> {
    let mut command = command;
    command.build();
    command
        .get_arguments()
        .filter(|arg| !matches!(arg.get_id().as_str(), "help" | "version"))
        .map(|arg| {
            let env = arg.get_env().unwrap_or_else(|| {
                panic!("{} has no environment variable", arg.get_id());
            });
            (env.to_string_lossy().into_owned(), arg.clone())
        })
        .collect()
}

#[test]
fn every_function_setting_is_documented_with_its_default() {
    let rows = documented();
    for (variable, arg) in declared(hookline::config::FunctionSettings::command()) {
        let row = rows
            .get(&variable)
            .unwrap_or_else(|| panic!("{variable} is not in docs/configuration.md"));
        let expected = default_cell(&arg);
        assert!(
            row.functions.starts_with(&expected),
            "{variable}: the functions' default is {expected}, the table says {:?}",
            row.functions
        );
    }
}

#[test]
fn every_local_flag_is_documented_with_its_default() {
    let rows = documented();
    for (variable, arg) in declared(hookline_local::Settings::command()) {
        let row = rows
            .get(&variable)
            .unwrap_or_else(|| panic!("{variable} is not in docs/configuration.md"));
        let flag = format!("--{}", arg.get_long().unwrap());
        assert_eq!(row.flag, flag, "{variable}'s flag");
        let expected = default_cell(&arg);
        assert!(
            row.local.starts_with(&expected),
            "{variable}: the local default is {expected}, the table says {:?}",
            row.local
        );
    }
}

#[test]
fn the_table_names_only_declared_settings() {
    let functions = declared(hookline::config::FunctionSettings::command());
    let local = declared(hookline_local::Settings::command());
    for (variable, row) in documented() {
        assert!(
            functions.contains_key(&variable) || local.contains_key(&variable),
            "{variable} is documented but not declared"
        );
        let dash = |declared: bool, cell: &str, column: &str| {
            assert_eq!(
                !declared,
                cell == "—",
                "{variable}: the {column} column is \"—\" exactly when that side has no such setting"
            );
        };
        dash(
            functions.contains_key(&variable),
            &row.functions,
            "functions'",
        );
        dash(local.contains_key(&variable), &row.local, "local default");
        dash(local.contains_key(&variable), &row.flag, "local flag");
    }
}
