//! Password hashing: PBKDF2-HMAC-SHA256 in PHC strings, verified in constant time, with a
//! dummy verification of the same cost for unknown users.

use crate::domain::error::AppError;
use pbkdf2::Pbkdf2;
use pbkdf2::password_hash::{Output, PasswordHash, PasswordVerifier as _, Salt, SaltString, rand_core::OsRng};
use std::sync::OnceLock;

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. See docs/identity.md for the cost.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;
pub const MIN_PBKDF2_ITERATIONS: u32 = 10_000;

/// PBKDF2-HMAC-SHA256 in the self-describing PHC string format
/// (`$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`), so the cost can change without a migration.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    iterations: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Invalid,
    Valid { needs_rehash: bool },
}

impl PasswordHasher {
    /// `None` below [`MIN_PBKDF2_ITERATIONS`]: such a hash would be cheap to brute-force.
    pub fn new(iterations: u32) -> Option<Self> {
        (iterations >= MIN_PBKDF2_ITERATIONS).then_some(Self { iterations })
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn hash(&self, password: &str) -> Result<String, AppError> {
        let failed = |e: pbkdf2::password_hash::Error| AppError::internal(format!("password hashing failed: {e}"));
        let salt = SaltString::generate(&mut OsRng);
        let params = pbkdf2::Params { rounds: self.iterations, output_length: 32 };
        let mut out = [0u8; 32];
        derive_sha256(password.as_bytes(), salt.as_salt(), self.iterations, &mut out).map_err(failed)?;
        let hash = PasswordHash {
            algorithm: pbkdf2::Algorithm::Pbkdf2Sha256.ident(),
            version: None,
            params: params.try_into().map_err(failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(failed)?),
        };
        Ok(hash.to_string())
    }

    /// Constant-time comparison (done by `password-hash`). A malformed stored hash counts as
    /// a mismatch, so a corrupt row can never log anybody in.
    pub fn verify(&self, password: &str, stored: &str) -> Verification {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verification::Invalid;
        };
        let matches = if parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident() {
            verify_sha256(password.as_bytes(), &parsed)
        } else {
            // Other PBKDF2 variants are never written, only accepted if found.
            Pbkdf2.verify_password(password.as_bytes(), &parsed).is_ok()
        };
        if !matches {
            return Verification::Invalid;
        }
        let current_params = parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident()
            && pbkdf2::Params::try_from(&parsed).map(|p| p.rounds == self.iterations).unwrap_or(false);
        Verification::Valid { needs_rehash: !current_params }
    }

    /// Burns the same time as a real verification, so a login for an unknown user cannot be
    /// told apart from a wrong password by its latency.
    pub fn verify_dummy(&self, password: &str) {
        static DUMMY: OnceLock<(u32, String)> = OnceLock::new();
        let (iterations, hash) = DUMMY.get_or_init(|| {
            let hash = self.hash("dummy-password-for-timing").unwrap_or_default();
            (self.iterations, hash)
        });
        if *iterations == self.iterations {
            let _ = self.verify(password, hash);
        }
    }
}

/// PBKDF2-HMAC-SHA256 with a PHC salt, through `kdf` (compiled optimised in debug builds too).
fn derive_sha256(
    password: &[u8],
    salt: Salt<'_>,
    rounds: u32,
    out: &mut [u8],
) -> Result<(), pbkdf2::password_hash::Error> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    kdf::pbkdf2_sha256(password, salt_bytes, rounds, out);
    Ok(())
}

/// What `Pbkdf2.verify_password` does for `pbkdf2-sha256`, with the comparison in constant time
/// (`Output`'s equality).
fn verify_sha256(password: &[u8], parsed: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(params) = pbkdf2::Params::try_from(parsed) else { return false };
    if parsed.version.is_some() || params.output_length != expected.len() {
        return false;
    }
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    derive_sha256(password, salt, params.rounds, out).is_ok() && Output::new(out).is_ok_and(|actual| actual == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: u32 = MIN_PBKDF2_ITERATIONS;

    #[test]
    fn hash_is_self_describing_and_verifies() {
        let h = PasswordHasher::new(FAST).unwrap();
        let stored = h.hash("correct horse").unwrap();
        assert!(stored.starts_with(&format!("$pbkdf2-sha256$i={FAST},l=32$")), "{stored}");
        assert_eq!(h.verify("correct horse", &stored), Verification::Valid { needs_rehash: false });
        assert_eq!(h.verify("wrong", &stored), Verification::Invalid);
        assert_eq!(h.verify("correct horse", "not a phc string"), Verification::Invalid);
    }

    #[test]
    fn the_fast_path_agrees_with_the_pbkdf2_crate_both_ways() {
        use pbkdf2::password_hash::PasswordHasher as _;
        let h = PasswordHasher::new(FAST).unwrap();
        // Ours verifies with the crate's own verifier ...
        let ours = h.hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Pbkdf2.verify_password(b"correct horse", &parsed).is_ok());
        assert!(Pbkdf2.verify_password(b"correct hors", &parsed).is_err());
        // ... and the crate's hash, with the same salt and cost, is byte for byte ours.
        let salt = parsed.salt.unwrap();
        let params = pbkdf2::Params { rounds: FAST, output_length: 32 };
        let theirs = Pbkdf2
            .hash_password_customized(
                b"correct horse",
                Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()),
                None,
                params,
                salt,
            )
            .unwrap()
            .to_string();
        assert_eq!(theirs, ours);
        // A stored hash whose length does not match its l= parameter never verifies.
        let tampered = ours.replace(",l=32$", ",l=31$");
        assert_eq!(h.verify("correct horse", &tampered), Verification::Invalid);
    }

    #[test]
    fn changed_iterations_ask_for_rehash() {
        let old = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let newer = PasswordHasher::new(FAST * 2).unwrap();
        assert_eq!(newer.verify("pw", &old), Verification::Valid { needs_rehash: true });
    }

    #[test]
    fn too_few_iterations_are_refused() {
        assert!(PasswordHasher::new(1000).is_none());
    }
}
