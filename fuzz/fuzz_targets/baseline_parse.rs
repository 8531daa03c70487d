//! Baseline files are user input: any bytes give a baseline or a one-line error.
#![no_main]

use keyward_scan::baseline::Baseline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match Baseline::parse(data) {
        Ok(baseline) => {
            let again = Baseline::parse(baseline.to_json().as_bytes());
            assert_eq!(again.ok(), Some(baseline));
        }
        Err(err) => assert!(!err.to_string().contains('\n')),
    }
});
