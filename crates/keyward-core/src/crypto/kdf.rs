//! Argon2id: from the master password to the key-encryption key.
//!
//! The floor is RFC 9106's second recommended setting (m = 64 MiB, t = 3, p = 4, Bitwarden's
//! default). `init` calibrates the pass count upward until one derivation takes about 0.5-1 s on
//! the machine, as KeePassXC does. Parameters read back from a file are range-checked, so a
//! tampered header can neither weaken the KDF nor make unlocking run for hours.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};

use super::keys::{KEY_LEN, Key};
use crate::error::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over the memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

/// Limits a vault's stored parameters must fall within.
const MAX_M_KIB: u32 = 4 * 1024 * 1024;
const MAX_T: u32 = 200;
const MAX_P: u32 = 64;

/// Calibration aims for this unlock time, inside the 0.5-1 s band.
const CALIBRATION_TARGET: Duration = Duration::from_millis(700);
const CALIBRATION_FLOOR_TIME: Duration = Duration::from_millis(500);

impl KdfParams {
    pub const FLOOR: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 4,
    };

    /// Tiny costs for test vaults only (`init --insecure-fast-kdf`).
    pub const INSECURE_FAST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    /// Checks parameters read from a file. A vault flagged as a test vault may go below the floor.
    pub fn check(&self, insecure_allowed: bool) -> Result<()> {
        let floor = if insecure_allowed {
            KdfParams::INSECURE_FAST
        } else {
            KdfParams::FLOOR
        };
        // Argon2 itself needs 8 KiB of memory per lane.
        let sane = (floor.m_kib..=MAX_M_KIB).contains(&self.m_kib)
            && (floor.t..=MAX_T).contains(&self.t)
            && (floor.p..=MAX_P).contains(&self.p)
            && self.m_kib / 8 >= self.p;
        if sane {
            Ok(())
        } else {
            Err(Error::corrupt(format!(
                "key-derivation parameters out of range (m={} KiB, t={}, p={})",
                self.m_kib, self.t, self.p
            )))
        }
    }

    /// Runs Argon2id over `password` and `salt`.
    pub fn derive(&self, password: &[u8], salt: &[u8]) -> Result<Key> {
        let params = Params::new(self.m_kib, self.t, self.p, Some(KEY_LEN))
            .map_err(|e| Error::corrupt(format!("invalid key-derivation parameters: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut out = [0u8; KEY_LEN];
        argon
            .hash_password_into(password, salt, &mut out)
            .map_err(|e| Error::Invalid(format!("key derivation failed: {e}")))?;
        Ok(Key::from_bytes(out))
    }

    /// Times one derivation with these parameters.
    pub fn time(&self) -> Result<Duration> {
        let start = Instant::now();
        self.derive(b"calibration password", &[0u8; 32])?;
        Ok(start.elapsed())
    }

    /// The floor, with more passes if the floor runs faster than 0.5 s here. Returns the chosen
    /// parameters and the time one unlock took with them.
    pub fn calibrate() -> Result<(KdfParams, Duration)> {
        let mut chosen = KdfParams::FLOOR;
        let mut took = chosen.time()?;
        // Time is not quite proportional to passes (allocating 64 MiB costs the same at any t),
        // so scale, measure again, and repeat a few times until inside the band.
        for _ in 0..4 {
            if took >= CALIBRATION_FLOOR_TIME || chosen.t >= MAX_T {
                break;
            }
            let scale = CALIBRATION_TARGET.as_secs_f64() / took.as_secs_f64().max(1e-3);
            let t = ((f64::from(chosen.t) * scale).ceil() as u32).clamp(chosen.t + 1, MAX_T);
            chosen = KdfParams { t, ..chosen };
            took = chosen.time()?;
        }
        Ok((chosen, took))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_test_costs_pass_their_own_checks() {
        KdfParams::FLOOR.check(false).unwrap();
        KdfParams::INSECURE_FAST.check(true).unwrap();
    }

    #[test]
    fn weak_parameters_are_refused_for_a_normal_vault() {
        KdfParams::INSECURE_FAST.check(false).unwrap_err();
        let weak = [
            KdfParams {
                m_kib: 32 * 1024,
                ..KdfParams::FLOOR
            },
            KdfParams {
                t: 2,
                ..KdfParams::FLOOR
            },
            KdfParams {
                p: 1,
                ..KdfParams::FLOOR
            },
        ];
        for params in weak {
            assert_eq!(
                params.check(false).unwrap_err().exit_code(),
                4,
                "{params:?}"
            );
        }
    }

    #[test]
    fn absurd_parameters_are_refused_even_for_a_test_vault() {
        let absurd = [
            KdfParams {
                m_kib: u32::MAX,
                ..KdfParams::FLOOR
            },
            KdfParams {
                t: 10_000,
                ..KdfParams::FLOOR
            },
            KdfParams {
                p: 0,
                ..KdfParams::FLOOR
            },
            KdfParams {
                m_kib: 0,
                t: 1,
                p: 1,
            },
        ];
        for params in absurd {
            assert!(params.check(true).is_err(), "{params:?}");
        }
    }

    #[test]
    fn derive_depends_on_password_salt_and_params() {
        let p = KdfParams::INSECURE_FAST;
        let base = p.derive(b"pw", &[1; 32]).unwrap();
        assert_eq!(base.expose(), p.derive(b"pw", &[1; 32]).unwrap().expose());
        assert_ne!(base.expose(), p.derive(b"pX", &[1; 32]).unwrap().expose());
        assert_ne!(base.expose(), p.derive(b"pw", &[2; 32]).unwrap().expose());
        let more = KdfParams { t: 2, ..p };
        assert_ne!(
            base.expose(),
            more.derive(b"pw", &[1; 32]).unwrap().expose()
        );
    }

    #[test]
    fn calibration_never_goes_below_the_floor() {
        let (params, _) = KdfParams::calibrate().unwrap();
        params.check(false).unwrap();
        assert!(params.t >= KdfParams::FLOOR.t);
        assert_eq!(params.m_kib, KdfParams::FLOOR.m_kib);
    }
}
