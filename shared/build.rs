// refinery's `embed_migrations!` reads shared/migrations at compile time but does not tell cargo,
// so a new migration file would not rebuild the crate: db-migrate would ship without it.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
