//! `cargo run -p admin -- create-user --username alice --password '…' [--role admin]`
//! `cargo run -p admin -- migrate`
//! Reads the same PG_* variables as the functions (source .local/stack.env locally).

use clap::{Parser, Subcommand};
use shared::adapters::postgres::Postgres;
use shared::identity::PasswordHasher;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Operator commands for the local cloud")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending SQL migrations.
    Migrate,
    /// Create a user with a PBKDF2-HMAC-SHA256 password hash.
    CreateUser {
        #[arg(long)]
        username: String,
        /// Read from ADMIN_PASSWORD when omitted, so it stays out of shell history.
        #[arg(long, env = "ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "user", value_parser = ["user", "admin"])]
        role: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = async {
        let db = Postgres::from_env().map_err(|e| e.to_string())?;
        match cli.command {
            Command::Migrate => {
                let applied = db.migrate().await.map_err(|e| e.to_string())?;
                println!("applied migrations: {applied:?}");
            }
            Command::CreateUser { username, password, role } => {
                let hasher = PasswordHasher::from_env().map_err(|e| e.to_string())?;
                let hash = hasher.hash(&password).map_err(|e| e.to_string())?;
                let id = db.create_user(username.trim(), &hash, &role).await.map_err(|e| e.to_string())?;
                println!("created user '{}' with id {id} (role {role})", username.trim());
            }
        }
        Ok::<_, String>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
