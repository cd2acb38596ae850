//! The integration tests need the local cloud (its servers, the built functions and
//! `.local/stack.env` in the environment). Without it, a plain `cargo test` compiles them out and
//! says so, instead of failing on a connection refused.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(local_cloud)");
    println!("cargo::rerun-if-env-changed=GATEWAY_URL");
    if std::env::var_os("GATEWAY_URL").is_some() {
        println!("cargo::rustc-cfg=local_cloud");
    } else {
        println!(
            "cargo::warning=integration tests skipped: they need the local cloud. Run `bash localstack/test.sh` \
             (it starts it and runs every test), or `bash localstack/up.sh` then \
             `set -a; source .local/stack.env; set +a; cargo test`"
        );
    }
}
