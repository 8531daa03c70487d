//! The `keyward` binary: all of it lives in the library, shared with the end-to-end tests.

fn main() -> std::process::ExitCode {
    keyward_cli::main()
}
