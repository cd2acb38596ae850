//! Measures what a login costs in password hashing at several PBKDF2 iteration counts.
//! `cargo run --release -p shared --features identity --example login_cost`
//! Figures and the reasoning for the default: docs/identity.md.

use shared::domain::auth::{PasswordHasher, Verification};
use std::time::{Duration, Instant};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let runs = 9;
    println!("| iterations | hash (median of {runs}) | verify (median of {runs}) |");
    println!("|---:|---:|---:|");
    for iterations in [100_000u32, 310_000, 600_000, 1_000_000] {
        let Some(hasher) = PasswordHasher::new(iterations) else { continue };
        let mut hashes = Vec::new();
        let mut verifies = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let Ok(stored) = hasher.hash("correct horse battery staple") else { return };
            hashes.push(t.elapsed());
            let t = Instant::now();
            let ok = hasher.verify("correct horse battery staple", &stored);
            verifies.push(t.elapsed());
            assert_eq!(ok, Verification::Valid { needs_rehash: false });
        }
        println!(
            "| {iterations} | {:.1} ms | {:.1} ms |",
            median(hashes).as_secs_f64() * 1e3,
            median(verifies).as_secs_f64() * 1e3
        );
    }
}
