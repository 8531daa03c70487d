//! Getting a project's secrets to the process that needs them, and nowhere else: resolving
//! variables, formatting them for shells, filling templates, masking values in output, and
//! running the child.

pub mod child;
pub mod dotenv;
pub mod format;
pub mod mask;
pub mod output_file;
pub mod plan;
pub mod reference;
pub mod template;

use crate::error::{Error, Result};

/// A portable environment variable name: a letter or `_`, then letters, digits and `_`.
pub fn check_variable_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 255;
    if valid {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "'{}' is not a valid variable name (letters, digits and _, not starting with a digit)",
            name.escape_debug()
        )))
    }
}

/// Variables that change how the child's loader, shell or runtime behaves: a secret injected
/// under one of these names runs code instead of configuring it.
/// The environment variable a secret's name suggests: upper case, `_` for anything else
/// (`stripe-live` is `STRIPE_LIVE`), with a leading `_` when it would start with a digit.
pub fn variable_for(name: &str) -> String {
    let variable: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' | '0'..='9' | '_' => c,
            _ => '_',
        })
        .collect();
    match variable.starts_with(|c: char| c.is_ascii_digit()) {
        true => format!("_{variable}"),
        false => variable,
    }
}

pub fn is_dangerous(name: &str) -> bool {
    const EXACT: &[&str] = &[
        "BASH_ENV",
        "ENV",
        "PROMPT_COMMAND",
        "PS4",
        "SHELLOPTS",
        "BASHOPTS",
        "IFS",
        "PATH",
        "CDPATH",
        "GLOBIGNORE",
        "ZDOTDIR",
        "NODE_OPTIONS",
        "NODE_PATH",
        "PYTHONPATH",
        "PYTHONSTARTUP",
        "PYTHONHOME",
        "PERL5OPT",
        "PERL5LIB",
        "PERLLIB",
        "RUBYOPT",
        "RUBYLIB",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
        "JDK_JAVA_OPTIONS",
        "GCONV_PATH",
        "GIT_SSH_COMMAND",
        "GIT_EXEC_PATH",
        "GIT_CONFIG_GLOBAL",
        "EDITOR",
        "VISUAL",
        "PAGER",
        "LESSOPEN",
    ];
    const PREFIXES: &[&str] = &["LD_", "DYLD_", "BASH_FUNC_", "MALLOC_", "GLIBC_TUNABLES"];
    EXACT.contains(&name) || PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_suggested_by_names_are_valid() {
        for (name, want) in [
            ("stripe-live", "STRIPE_LIVE"),
            ("aws/prod.key", "AWS_PROD_KEY"),
            ("1pw", "_1PW"),
        ] {
            assert_eq!(variable_for(name), want);
            assert!(check_variable_name(&variable_for(name)).is_ok());
        }
    }

    #[test]
    fn variable_names() {
        for good in ["A", "_X", "STRIPE_KEY", "a1_b2"] {
            check_variable_name(good).unwrap();
        }
        for bad in ["", "1A", "A-B", "A B", "A=B", "É", "A.B"] {
            assert!(check_variable_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loader_and_shell_hooks_are_dangerous() {
        for name in [
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "DYLD_INSERT_LIBRARIES",
            "BASH_ENV",
            "ENV",
            "PROMPT_COMMAND",
            "NODE_OPTIONS",
            "BASH_FUNC_x%%",
        ] {
            assert!(is_dangerous(name), "{name}");
        }
        for name in ["STRIPE_KEY", "DATABASE_URL", "ENVIRONMENT", "LDAP_PASSWORD"] {
            assert!(!is_dangerous(name), "{name}");
        }
    }
}
