//! The deployed binary of every function: Lambda passes the function's `Handler` property as
//! `_HANDLER`, and an unknown name fails the start naming the known ones.

use std::process::ExitCode;

fn main() -> ExitCode {
    match hookline_functions::run(None) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hookline-lambda: {e}");
            ExitCode::FAILURE
        }
    }
}
