//! PBKDF2-HMAC-SHA256 behind one non-generic function.
//!
//! Generic code is compiled in the crate that instantiates it, at that crate's opt-level:
//! calling `pbkdf2` from `shared` put the whole hot loop in `shared`'s unoptimised debug
//! build, and a debug-build login took 3 s instead of 60 ms. Instantiated here, the loop
//! follows this crate's own `[profile.dev.package.kdf] opt-level = 3`, and release builds
//! are unchanged (the function inlines across crates with LTO).

/// Fills `out` with PBKDF2-HMAC-SHA256(`password`, `salt`, `rounds`).
pub fn pbkdf2_sha256(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8]) {
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, out);
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc_7914_test_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256 (P="passwd", S="salt", c=1, dkLen=64).
        let mut out = [0u8; 64];
        super::pbkdf2_sha256(b"passwd", b"salt", 1, &mut out);
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc\
             49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"
        );
    }
}
