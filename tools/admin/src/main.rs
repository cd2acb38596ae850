//! `cargo run -p admin -- create-user --username alice --password '…' [--role admin]`
//! `cargo run -p admin -- migrate`
//! `cargo run -p admin -- create-tenant acme --name "Acme" [--rate-limit 600] [--rate-window 60] [--pool-size 4] [--disabled]`
//! Reads the same PG_* variables as the functions (source .local/stack.env locally).

use clap::{Parser, Subcommand};
use shared::adapters::postgres::Postgres;
use shared::adapters::postgres::tenants::provision;
use shared::config::{Env, PostgresConfig};
use shared::domain::tenants::{NewTenant, TenantId};
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
        /// The tenant the user belongs to (tenant data service): its tokens carry it.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Create or update a tenant: directory row, its own role and schema, its table.
    CreateTenant {
        id: String,
        #[arg(long)]
        name: String,
        /// Requests per caller per window.
        #[arg(long, default_value_t = 600)]
        rate_limit: i32,
        /// Window of the rate limit, seconds.
        #[arg(long, default_value_t = 60)]
        rate_window: i32,
        /// Connections per execution environment for this tenant (capped by TENANT_POOL_MAX_SIZE).
        #[arg(long, default_value_t = 4)]
        pool_size: i32,
        /// Create it disabled (its requests answer TENANT_NOT_FOUND).
        #[arg(long)]
        disabled: bool,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = async {
        let env = Env::process();
        let db = PostgresConfig::from_env(&env).and_then(|c| Postgres::new(&c)).map_err(|e| e.to_string())?;
        match cli.command {
            Command::Migrate => {
                let applied = db.migrate().await.map_err(|e| e.to_string())?;
                println!("applied migrations: {applied:?}");
            }
            Command::CreateUser { username, password, role, tenant } => {
                let hasher = shared::config::password_hasher(&env).map_err(|e| e.to_string())?;
                let hash = hasher.hash(&password).map_err(|e| e.to_string())?;
                let id = db.create_user(username.trim(), &hash, &role).await.map_err(|e| e.to_string())?;
                if let Some(tenant) = tenant {
                    let tenant = TenantId::parse(&tenant).map_err(|e| e.to_string())?;
                    let client = db.client().await.map_err(|e| e.to_string())?;
                    client
                        .execute("UPDATE users SET tenant_id = $2 WHERE id = $1", &[&id, &tenant.as_str()])
                        .await
                        .map_err(|e| e.to_string())?;
                }
                println!("created user '{}' with id {id} (role {role})", username.trim());
            }
            Command::CreateTenant { id, name, rate_limit, rate_window, pool_size, disabled } => {
                let tenant = NewTenant {
                    id: TenantId::parse(&id).map_err(|e| e.to_string())?,
                    name,
                    active: !disabled,
                    pool_max_size: pool_size,
                    rate_limit,
                    rate_window_seconds: rate_window,
                };
                let client = db.client().await.map_err(|e| e.to_string())?;
                provision(&client, &tenant).await.map_err(|e| e.to_string())?;
                println!("tenant '{id}' ready: schema and role {}", tenant.id.schema());
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
