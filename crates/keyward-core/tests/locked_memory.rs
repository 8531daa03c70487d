//! Key pages are locked in RAM while the keys live and released when they go. Alone in its own
//! test binary, because it reads the process's locked-memory total.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use keyward_core::hardening::Locked;

/// `VmLck` of this process, in kB.
fn locked_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmLck:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn locked_values_hold_their_own_page_and_give_it_back() {
    let before = locked_kb();
    let a = Locked::new([0x41u8; 32]);
    let b = Locked::new([0x42u8; 32]);
    let during = locked_kb();
    if during == before {
        // RLIMIT_MEMLOCK of 0: locking is best effort, and there is nothing to give back.
        eprintln!("skipping: this process may not lock memory");
        return;
    }
    assert_eq!(during, before + 8, "one page each");
    assert_eq!(*a, [0x41; 32]);
    drop(a);
    assert_eq!(
        locked_kb(),
        before + 4,
        "dropping one leaves the other locked"
    );
    assert_eq!(*b, [0x42; 32]);
    drop(b);
    assert_eq!(locked_kb(), before);
}
