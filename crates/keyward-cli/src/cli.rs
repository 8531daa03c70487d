//! The command line, as clap sees it. Each command's own flags live in its file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::commands;

#[derive(Debug, Parser)]
#[command(
    name = "keyward",
    version,
    about = "A local-first credential manager for developers",
    long_about = "keyward keeps API keys and other secrets in an encrypted vault on this machine.\n\
                  Secret values are never taken from arguments: `add` and `rotate` read them from\n\
                  stdin or a hidden prompt.",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Read the master password from the first line of FILE (never from an argument)
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "KEYWARD_PASSWORD_FILE"
    )]
    pub password_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the vault
    Init(commands::init::Args),
    /// Store a new secret, its value read from stdin or a hidden prompt
    Add(commands::add::Args),
    /// Print a secret's value
    Get(commands::get::Args),
    /// List secrets: names and metadata, never values
    #[command(visible_alias = "ls")]
    List(commands::list::Args),
    /// Store a new value for a secret; the old one stays in its history
    Rotate(commands::rotate::Args),
    /// Show a secret's versions with their dates, never their values
    History(commands::history::Args),
    /// Change a secret's tags, note, rotation interval or expiry
    Set(commands::set::Args),
    /// Delete a secret and all its versions
    Rm(commands::rm::Args),
    /// Hold the unlocked vault for other commands (foreground unless --detach; ends on SIGTERM)
    Agent(commands::agent::Args),
    /// Unlock the running agent
    Unlock(commands::unlock::Args),
    /// Make the running agent wipe its keys
    Lock(commands::lock::Args),
    /// Whether an agent runs and whether it is unlocked
    Status(commands::status::Args),
    /// Run a command with the project's secrets in its environment only, masked in its output
    Run(commands::run::Args),
    /// Print the project's variables for `eval` or direnv
    Env(commands::env::Args),
    /// Fill {{ kw://NAME }} placeholders in a template
    Inject(commands::inject::Args),
    /// Move a .env file's values into the vault (leaving kw:// references), or bring in an
    /// age file: a keyward export or a .env sealed with age
    Import(commands::import::Args),
    /// Write chosen secrets, with metadata and history, to an age file for recipients or a
    /// passphrase
    Export(commands::export::Args),
    /// Team vaults: secrets shared as age items sealed to every member, in a folder under git
    Team(commands::team::Args),
    /// Show the access log: who got which secrets, never values
    Audit(commands::audit::Args),
    /// Find leaked secrets: your vault's values in any common encoding, and known key formats
    Scan(commands::scan::Args),
    /// Report leaks as files change: the agent's watcher, or PATHs watched here
    Watch(commands::watch::Args),
    /// The folders the agent watches for leaks
    Project(commands::project::Args),
    /// The watcher's findings; ignore or resolve one
    Findings(commands::findings::Args),
    /// Write a consistent copy of the vault (keeps the newest 10)
    Backup(commands::backup::Args),
    /// Replace the vault with a backup (the replaced one is kept)
    Restore(commands::restore::Args),
    /// Secrets to rotate: exposed, expired, overdue, due soon
    Due(commands::due::Args),
    /// Where a secret is used: projects, leaked files, programs
    Where(commands::where_used::Args),
    /// Install the git pre-commit hook that runs `keyward scan --staged`
    Hook(commands::hook::Args),
    /// Copy a value to the clipboard; it is cleared after 30 s if still there
    Copy(commands::copy::Args),
    /// Serve a copied value on the clipboard (started by `copy`)
    #[command(hide = true)]
    ClipboardHold(commands::copy::HoldArgs),
    /// Print a shell completion script
    Completions(commands::completions::Args),
    /// Print the manual page (roff)
    Man(commands::man::Args),
    /// Change the master password
    Passwd(commands::passwd::Args),
}
