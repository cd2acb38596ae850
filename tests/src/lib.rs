//! Helpers shared by the integration tests: where the local cloud is and how to reach it.
//! The tests expect the stack that `localstack/test.sh` brings up; its settings arrive through
//! the environment (`.local/stack.env`).

pub mod tls;

use serde_json::Value;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests through `bash localstack/test.sh` (or source .local/stack.env with the stack up)")
    })
}

pub fn gateway() -> String {
    env("GATEWAY_URL").trim_end_matches('/').to_string()
}

/// The stack the local cloud runs: template.yaml deployed with localstack/parameters.toml, read
/// the way `local-cloud` reads it (the settings come from the running stack's recorded config).
pub fn stack() -> &'static local_cloud::Stack {
    static STACK: OnceLock<local_cloud::Stack> = OnceLock::new();
    STACK.get_or_init(|| {
        let root = runtime_api::workspace_root();
        local_cloud::Settings::from_process(&root)
            .and_then(|settings| local_cloud::Stack::load(&settings))
            .unwrap_or_else(|e| panic!("the local cloud's stack: {e}"))
    })
}

/// A function of the template by its Binary (the name used everywhere in the repository).
pub fn function(binary: &str) -> &'static local_cloud::stack::functions::Function {
    stack().function(binary).unwrap_or_else(|| panic!("no function {binary} in template.yaml"))
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("http client")
}

/// The debug binary of a function as `localstack/up.sh` built it (`cargo build --workspace
/// --bins`), for tests that run it under their own Runtime API. Tests never run cargo: a build
/// with another feature set would replace the binaries the local cloud runs.
pub fn function_binary(function: &str) -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| runtime_api::workspace_root().join("target"));
    let binary = target.join("debug").join(function);
    assert!(binary.exists(), "{} is missing: run `bash localstack/up.sh` (it builds every function)", binary.display());
    binary
}

/// Starts a function's binary under its own local Runtime API with the environment the template
/// gives it (as the local cloud does) and overrides (an empty value removes a variable), and
/// waits for its init; its logs go to `.local/logs/runtime-api-<function>.log`. The process
/// keeps its Runtime API alive.
pub async fn run_function(function: &str, overrides: &[(&str, &str)]) -> runtime_api::FunctionProcess {
    let api = runtime_api::RuntimeApi::start().await.expect("runtime api");
    let logs = runtime_api::workspace_root().join(".local/logs");
    std::fs::create_dir_all(&logs).expect("log directory");
    let binary = function_binary(function);
    let definition = self::function(function);
    api.set_function_timeout(definition.timeout);
    let task_root = binary.parent().map(|p| p.display().to_string()).unwrap_or_default();
    let mut builder = runtime_api::FunctionProcess::builder(&binary, &definition.name, &api)
        .clear_env()
        .envs(definition.process_environment(&stack().region, &task_root))
        .log_file(logs.join(format!("runtime-api-{function}.log")));
    for (key, value) in overrides {
        builder = builder.env(*key, *value);
    }
    let mut process = builder.spawn().expect("spawn function");
    api.set_function_arn(&definition.arn);
    process.wait_ready(Duration::from_secs(30)).await.expect("function init");
    process
}

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }
}

pub async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request reached the gateway");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("response body");
    let json = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text));
    Reply { status, headers, json }
}

pub async fn get(path: &str) -> Reply {
    send(http().get(format!("{}{path}", gateway()))).await
}

pub async fn post_json(path: &str, body: &Value) -> Reply {
    send(http().post(format!("{}{path}", gateway())).json(body)).await
}

/// Invokes a function (by its Binary) through the local cloud's Lambda Invoke API. As on Lambda,
/// a function error is a 200 with an `x-amz-function-error` header and the error document.
pub async fn invoke(function: &str, payload: &Value) -> Reply {
    let name = &self::function(function).name;
    let url = format!("{}/2015-03-31/functions/{name}/invocations", env("INVOKE_URL").trim_end_matches('/'));
    send(http().post(url).json(payload)).await
}

/// Polls `probe` until it returns Some or `timeout` passes.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe().await {
            return Some(v);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn postgres() -> tokio_postgres::Client {
    postgres_with_options(None).await
}

/// A connection with startup `options` (e.g. `-c role=…` to act as a tenant's role).
pub async fn postgres_with_options(options: Option<&str>) -> tokio_postgres::Client {
    let conn = format!(
        "host={} port={} dbname={} user={}{}{}",
        env("PG_HOST"),
        env("PG_PORT"),
        env("PG_DATABASE"),
        env("PG_USER"),
        std::env::var("PG_PASSWORD").map(|p| format!(" password={p}")).unwrap_or_default(),
        options.map(|o| format!(" options='{o}'")).unwrap_or_default(),
    );
    let (client, connection) =
        tokio_postgres::connect(&conn, tokio_postgres::NoTls).await.expect("connect to PostgreSQL");
    tokio::spawn(connection);
    client
}

/// Creates a user the way an operator would (same hash format as the functions).
pub async fn create_user(username: &str, password: &str) -> i64 {
    // The login function's own settings, as the template gives them (PBKDF2_ITERATIONS).
    let settings = shared::config::Env::from_pairs(function("login").environment.clone());
    let hasher = shared::config::password_hasher(&settings).expect("hasher");
    let hash = hasher.hash(password).expect("hash");
    let row = postgres()
        .await
        .query_one("INSERT INTO users (username, password_hash) VALUES ($1, $2) RETURNING id", &[&username, &hash])
        .await
        .expect("insert user");
    row.get(0)
}

pub async fn sqs() -> aws_sdk_sqs::Client {
    let config = aws_sdk_config().await;
    aws_sdk_sqs::Client::new(&config)
}

pub async fn mongo_collection(name: &str) -> mongodb::Collection<mongodb::bson::Document> {
    let client = mongodb::Client::with_uri_str(env("MONGO_URI")).await.expect("mongo client");
    client.database(&std::env::var("MONGO_DATABASE").unwrap_or_else(|_| "sessions".into())).collection(name)
}

pub async fn mongo_sessions() -> mongodb::Collection<mongodb::bson::Document> {
    mongo_collection("sessions").await
}

/// Stops or starts a component of the local cloud (fault injection), through localstack/ctl.sh.
pub async fn stack_ctl(action: &str, component: &str) {
    let status = tokio::process::Command::new("bash")
        .arg(env("STACK_CTL"))
        .arg(action)
        .arg(component)
        .status()
        .await
        .expect("run ctl.sh");
    assert!(status.success(), "ctl.sh {action} {component} failed");
}

/// The environment's AWS settings with the project's HTTPS client (shared::adapters::aws).
pub async fn aws_sdk_config() -> aws_config::SdkConfig {
    shared::adapters::aws::defaults().load().await
}

/// Shown by a plain `cargo test` without the local cloud: the integration tests are compiled out
/// (see tests/build.rs), and this says where they went.
#[cfg(all(test, not(local_cloud)))]
mod without_the_local_cloud {
    #[test]
    #[ignore = "the integration tests need the local cloud: run `bash localstack/test.sh`"]
    fn integration_tests_are_skipped() {}
}
