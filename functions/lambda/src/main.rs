//! The deployed binary of every function: Lambda passes the function's `Handler` property as
//! `_HANDLER`, and an unknown name fails the start naming the known ones.

fn main() -> Result<(), hookline::lambda::Error> {
    hookline_functions::run(None)
}
