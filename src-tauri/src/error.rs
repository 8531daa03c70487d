//! What a failed command hands the UI: the core's stable error code and its one-line message.
//! Core errors never carry a secret value, so neither does this.

use serde::Serialize;

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct UiError {
    /// A stable code (`wrong_password`, `not_found`, `locked`, ...), the same as the CLI's JSON.
    pub code: String,
    pub message: String,
}

impl From<keyward_core::Error> for UiError {
    fn from(err: keyward_core::Error) -> Self {
        let payload = err.payload();
        UiError {
            code: payload.code,
            message: payload.message,
        }
    }
}

impl UiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        keyward_core::Error::Invalid(message.into()).into()
    }
}

pub type UiResult<T> = Result<T, UiError>;
