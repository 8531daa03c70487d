//! Reading a secret value: every byte of stdin when it is not a terminal, else a hidden prompt.

use std::io::IsTerminal;

use anyhow::Result;
use keyward_core::SecretBytes;
use keyward_core::secret::MAX_VALUE_LEN;

use crate::password::prompt_hidden;

pub fn read_value(name: &str) -> Result<SecretBytes> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return prompt_hidden(&format!("Value for {name}: "), "no value");
    }
    Ok(SecretBytes::read_limited(
        &mut stdin.lock(),
        MAX_VALUE_LEN,
        "value on stdin",
    )?)
}

/// Text from stdin for a note (not a secret value, but kept out of argv all the same).
pub fn read_note() -> Result<String> {
    let bytes = SecretBytes::read_limited(
        &mut std::io::stdin().lock(),
        keyward_core::names::MAX_NOTE_LEN,
        "note on stdin",
    )?;
    let text = std::str::from_utf8(bytes.expose())
        .map_err(|_| keyward_core::Error::Invalid("the note on stdin is not UTF-8 text".into()))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_owned())
}
