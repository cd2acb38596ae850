//! `local-cloud`: the local cloud read from template.yaml (see the library's docs and
//! docs/local-cloud.md).

use clap::{Parser, Subcommand};
use local_cloud::runtime::PoolOptions;
use local_cloud::stack::{PARAMETER_FILE, TEMPLATE_FILE};
use local_cloud::{Error, Settings, Stack, envfile, provision, serve};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(version, about = "The local cloud, read from template.yaml and localstack/parameters.toml")]
struct Cli {
    /// The repository (template.yaml, localstack/parameters.toml); by default the first directory
    /// upwards from here that has both.
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (LOCAL_GATEWAY_PORT) and the Invoke API (LOCAL_INVOKE_PORT), run the
    /// SQS event-source mappings and the schedules, until SIGINT/SIGTERM.
    Serve {
        /// The cargo profile whose binaries run (target/<profile>/<Binary>).
        #[arg(long, default_value = "debug")]
        profile: String,
        /// Execution environments per function at most.
        #[arg(long, env = "LOCAL_MAX_ENVIRONMENTS", default_value_t = 4)]
        max_environments: usize,
        /// How long an idle environment stays warm.
        #[arg(long, env = "LOCAL_IDLE_SECONDS", default_value_t = 900)]
        idle_seconds: u64,
        /// Leave the SQS queues alone.
        #[arg(long)]
        no_event_sources: bool,
        /// Run no schedules.
        #[arg(long)]
        no_schedules: bool,
    },
    /// Create the template's queues, tables and buckets on the emulators (idempotent).
    Provision,
    /// Print a function's environment: the template's variables and what Lambda sets.
    Env {
        /// Its name, Binary or logical id.
        function: String,
        /// Only the variables the template declares.
        #[arg(long)]
        template_only: bool,
    },
    /// Print the HTTP API's routes.
    Routes,
    /// Print the stack's outputs as resolved locally.
    Outputs,
    /// Load and resolve everything; fail with the first problem.
    Check {
        /// Also require every function's binary in target/<profile>.
        #[arg(long)]
        binaries: Option<String>,
    },
    /// Write .local/stack.env (for people and the integration tests; no function reads it).
    StackEnv {
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Extra KEY=VALUE lines (the scripts' own settings).
        #[arg(long = "set")]
        extra: Vec<String>,
    },
    /// SAM's --env-vars file and --parameter-overrides for `sam local invoke`; prints the
    /// loopback ports the functions use (what the container needs forwarded).
    Sam {
        /// The address a container reaches this machine at (podman's bridge gateway).
        #[arg(long)]
        host_address: String,
        #[arg(long)]
        env_vars: PathBuf,
        /// One KEY=VALUE per line.
        #[arg(long)]
        parameter_overrides: PathBuf,
    },
    /// Invoke a function through the running Invoke API; exits 1 on a function error.
    Invoke {
        /// Its name, Binary or logical id.
        function: String,
        #[arg(long, conflicts_with = "data_file")]
        data: Option<String>,
        #[arg(long)]
        data_file: Option<PathBuf>,
    },
}

/// `println!` that stops quietly when the reader went away (`local-cloud routes | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(TEMPLATE_FILE).is_file() && d.join(PARAMETER_FILE).is_file())
        .map(Path::to_path_buf)
}

fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOCAL_CLOUD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let serving = matches!(cli.command, Command::Serve { .. });
    init_tracing(if serving { "info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn" } else { "warn" });
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::Settings(format!("no current directory: {e}")))?;
    let root = match cli.root {
        Some(root) => root,
        None => find_root(&cwd).ok_or_else(|| {
            Error::Settings(format!(
                "no {TEMPLATE_FILE} with {PARAMETER_FILE} in {} or above (use --root)",
                cwd.display()
            ))
        })?,
    };
    let settings = Settings::from_process(&root)?;
    let stack = Stack::load(&settings)?;
    let number = |name: &str| -> Result<Option<u64>, Error> {
        settings.env.number::<u64>(name, 0).map(|n| (n > 0).then_some(n)).map_err(Error::Settings)
    };
    match cli.command {
        Command::Serve { profile, max_environments, idle_seconds, no_event_sources, no_schedules } => {
            let options = serve::Options {
                pools: PoolOptions {
                    binaries: target_dir(&root, &settings).join(&profile),
                    logs: root.join(".local/logs/functions"),
                    max_environments: max_environments.max(1),
                    idle_timeout: Duration::from_secs(idle_seconds),
                    init_timeout: Duration::from_secs(10),
                },
                event_sources: !no_event_sources,
                schedules: !no_schedules,
                schedule_rate_cap: number("LOCAL_SCHEDULE_RATE_SECONDS")?.map(Duration::from_secs),
                gateway_port: settings.gateway_port,
                invoke_port: settings.invoke_port,
            };
            serve::serve(stack, options).await?;
        }
        Command::Provision => {
            let overrides = provision::Overrides {
                queue_visibility_timeout: number("LOCAL_QUEUE_VISIBILITY_TIMEOUT")?.map(|n| n.min(43_200) as u32),
            };
            provision::provision(&stack, &overrides).await?;
        }
        Command::Env { function, template_only } => {
            let f = stack.function(&function).ok_or_else(|| unknown_function(&function, &stack))?;
            let env = if template_only {
                f.environment.clone()
            } else {
                f.process_environment(&stack.region, &target_dir(&root, &settings).join("debug").display().to_string())
            };
            for (k, v) in env {
                out!("{k}={v}");
            }
        }
        Command::Routes => {
            for r in stack.routes.routes() {
                let (method, path) = r.key.split_once(' ').unwrap_or(("ANY", r.key.as_str()));
                out!("{method:<8} {:<40} {}", path, r.function);
            }
        }
        Command::Outputs => {
            for (name, value) in &stack.outputs {
                out!("{name:<24} {value}");
            }
        }
        Command::Check { binaries } => {
            if let Some(profile) = binaries {
                let dir = target_dir(&root, &settings).join(profile);
                let missing: Vec<_> = stack
                    .functions
                    .iter()
                    .filter(|f| !dir.join(&f.binary).is_file())
                    .map(|f| f.binary.as_str())
                    .collect();
                if !missing.is_empty() {
                    return Err(Error::Settings(format!("not built in {}: {}", dir.display(), missing.join(", "))));
                }
            }
            out!(
                "ok: {} functions, {} routes, {} queues, {} tables, {} buckets, {} SQS mappings, {} schedules",
                stack.functions.len(),
                stack.routes.routes().len(),
                stack.queues.len(),
                stack.tables.len(),
                stack.buckets.len(),
                stack.mappings.len(),
                stack.schedules.len()
            );
        }
        Command::StackEnv { output, extra } => {
            let extra: Vec<(String, String)> = extra
                .iter()
                .map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
                .collect::<Option<_>>()
                .ok_or_else(|| Error::Settings("--set takes KEY=VALUE".into()))?;
            let text = envfile::stack_env(&stack, &extra).map_err(Error::Settings)?;
            match output {
                Some(path) => write_private(&path, &text)?,
                None => out!("{}", text.trim_end()),
            }
        }
        Command::Sam { host_address, env_vars, parameter_overrides } => {
            let doc = envfile::sam_env_vars(&stack, &host_address);
            write_private(&env_vars, &serde_json::to_string_pretty(&doc).unwrap_or_default())?;
            let lines = envfile::sam_parameter_overrides(&stack, &host_address).join("\n");
            write_private(&parameter_overrides, &format!("{lines}\n"))?;
            let ports: Vec<String> = envfile::loopback_ports(&stack).iter().map(u16::to_string).collect();
            out!("{}", ports.join(" "));
        }
        Command::Invoke { function, data, data_file } => {
            let f = stack.function(&function).ok_or_else(|| unknown_function(&function, &stack))?;
            let payload = match (data, data_file) {
                (Some(d), _) => d,
                (None, Some(file)) => std::fs::read_to_string(&file).map_err(|e| Error::io(&file, e))?,
                (None, None) => "{}".to_owned(),
            };
            return invoke(&stack, &f.name, payload).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn unknown_function(key: &str, stack: &Stack) -> Error {
    Error::Settings(format!(
        "no function {key:?} in {} (give its name, Binary or logical id)",
        stack.template_file.display()
    ))
}

fn target_dir(root: &Path, settings: &Settings) -> PathBuf {
    match settings.env.var("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Written owner-only: these files hold the stack's secrets.
fn write_private(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(|e| Error::io(&tmp, e))?;
    file.write_all(text.as_bytes()).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

async fn invoke(stack: &Stack, name: &str, payload: String) -> Result<ExitCode, Error> {
    let url = format!("{}/2015-03-31/functions/{name}/invocations", stack.invoke_url);
    let resp = reqwest::Client::new()
        .post(&url)
        .body(payload)
        .send()
        .await
        .map_err(|e| Error::Settings(format!("{url}: {e} (is `local-cloud serve` running?)")))?;
    let failed = resp.headers().contains_key("x-amz-function-error") || !resp.status().is_success();
    let body = resp.text().await.map_err(|e| Error::Settings(format!("{url}: {e}")))?;
    out!("{body}");
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
