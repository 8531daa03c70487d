//! The vault header is the first thing read from a file that may be damaged or hostile.
#![no_main]

use keyward_core::vault::Header;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = Header::decode(data) {
        assert_eq!(Header::decode(&header.encode()).ok(), Some(header));
    }
});
