//! `keyward` built inside the test crate: the same `keyward_cli::main`, rebuilt whenever the
//! end-to-end tests are, so they never run a stale binary.

fn main() -> std::process::ExitCode {
    keyward_cli::main()
}
