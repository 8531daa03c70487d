//! Where secrets leak outside project folders: shell, REPL and database-client history files,
//! and the folders where editors keep backups, swap files and local history. Paths are relative
//! to the user's home folder. `keyward scan --history` reads the first list; the watcher watches
//! both by default.

/// History files, each in the folder the program writes it to.
pub const HISTORY_FILES: &[&str] = &[
    ".bash_history",
    ".zsh_history",
    ".histfile",
    ".local/share/fish/fish_history",
    ".python_history",
    ".node_repl_history",
    ".psql_history",
    ".mysql_history",
    ".sqlite_history",
    ".irb_history",
    ".rediscli_history",
    ".viminfo",
];

/// Editors' backup, swap, auto-save and local-history folders (vim, neovim, emacs, VS Code and
/// VSCodium).
pub const EDITOR_BACKUP_DIRS: &[&str] = &[
    ".vim/backup",
    ".vim/swap",
    ".local/state/nvim/swap",
    ".local/state/nvim/backup",
    ".emacs.d/auto-save-list",
    ".emacs.d/backups",
    ".config/Code/User/History",
    ".config/VSCodium/User/History",
];
