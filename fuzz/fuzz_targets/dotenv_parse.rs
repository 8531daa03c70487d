//! `.env` files are user input: any text parses or fails with a line number, and rewriting
//! with no replacement gives the file back unchanged.
#![no_main]

use keyward_core::inject::dotenv::DotEnv;
use libfuzzer_sys::fuzz_target;
use zeroize::Zeroizing;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match DotEnv::parse(Zeroizing::new(text.to_owned())) {
        Ok(env) => assert_eq!(env.rewrite(|_| None).as_str(), text),
        Err(err) => assert!(err.to_string().starts_with("line ")),
    }
});
