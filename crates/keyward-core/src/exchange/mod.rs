//! Moving secrets between vaults and people: an export is a JSON document of secrets with their
//! metadata and every past value ([`document`]), sealed in an age file ([`sealed`]) to X25519 or
//! SSH recipients or to a passphrase, so `age`/`rage` can open it and make one keyward reads.

pub mod document;
pub mod sealed;
pub mod transfer;
