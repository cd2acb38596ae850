//! One execution environment: a function process with its own Runtime API.

use super::{MAX_PAYLOAD_BYTES, Outcome};
use bytes::Bytes;
use runtime_api::{FunctionProcess, InvokeError, RuntimeApi};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// What every environment of one function starts with.
#[derive(Debug, Clone)]
pub struct Spec {
    pub name: String,
    pub arn: String,
    pub binary: PathBuf,
    pub environment: Vec<(String, String)>,
    pub log_file: PathBuf,
    pub timeout: Duration,
    /// Lambda gives the init phase 10 s.
    pub init_timeout: Duration,
}

impl Spec {
    /// When the binary was last built; `None` when it does not exist.
    pub fn binary_modified(&self) -> Option<SystemTime> {
        std::fs::metadata(&self.binary).and_then(|m| m.modified()).ok()
    }
}

pub struct Environment {
    process: FunctionProcess,
    /// Compared with the binary's mtime: a rebuilt binary means a new environment.
    pub started_at: SystemTime,
    pub idle_since: Instant,
}

/// Whether an environment can serve again after an invocation.
#[derive(Debug, PartialEq, Eq)]
pub enum After {
    Reuse,
    Discard,
}

impl Environment {
    /// Starts the process and waits for its init; a failure is the error the invocation reports.
    pub async fn start(spec: &Spec) -> Result<Self, Outcome> {
        if !spec.binary.is_file() {
            return Err(Outcome::error(
                "Runtime.InvalidEntrypoint",
                &format!("{} does not exist: build it (cargo build --workspace --bins)", spec.binary.display()),
            ));
        }
        let api = RuntimeApi::start()
            .await
            .map_err(|e| Outcome::error("Runtime.Unknown", &format!("cannot start a Runtime API: {e}")))?;
        api.set_function_timeout(spec.timeout);
        let started_at = SystemTime::now();
        let mut process = FunctionProcess::builder(&spec.binary, &spec.name, &api)
            .clear_env()
            .envs(spec.environment.iter().cloned())
            .log_file(&spec.log_file)
            .spawn()
            .map_err(|e| Outcome::error("Runtime.InvalidEntrypoint", &format!("{}: {e}", spec.binary.display())))?;
        // After spawn: the builder names the function, the ARN names its account.
        api.set_function_arn(&spec.arn);
        match process.wait_ready(spec.init_timeout).await {
            Ok(_) => Ok(Self { process, started_at, idle_since: Instant::now() }),
            Err(e) => {
                let _ = process.kill().await;
                Err(init_failure(e, spec.init_timeout))
            }
        }
    }

    /// An idle environment that may not serve again: its process died, or its binary was rebuilt.
    pub fn is_stale(&mut self, binary_modified: Option<SystemTime>) -> bool {
        self.process.has_exited() || binary_modified.is_none_or(|m| m > self.started_at)
    }

    pub async fn invoke(&mut self, request_id: &str, payload: Bytes, timeout: Duration) -> (Outcome, After) {
        let result = self.process.invoke_as(request_id.to_owned(), payload, timeout).await;
        self.idle_since = Instant::now();
        match result {
            Ok(answer) if answer.len() > MAX_PAYLOAD_BYTES => (
                Outcome::error(
                    "Function.ResponseSizeTooLarge",
                    &format!(
                        "Response payload size ({} bytes) exceeded maximum allowed payload size ({MAX_PAYLOAD_BYTES} bytes).",
                        answer.len()
                    ),
                ),
                After::Reuse,
            ),
            Ok(answer) => (Outcome::Response(answer), After::Reuse),
            Err(InvokeError::FunctionError { body, .. }) => (Outcome::Error(body), After::Reuse),
            Err(InvokeError::Timeout) => {
                // Lambda stops the environment of a timed-out invocation.
                let _ = self.process.kill().await;
                let message =
                    format!("RequestId: {request_id} Error: Task timed out after {:.2} seconds", timeout.as_secs_f64());
                (Outcome::error("Sandbox.Timedout", &message), After::Discard)
            }
            Err(InvokeError::ProcessExited(status)) => {
                let message = format!("RequestId: {request_id} Error: Runtime exited with error: {status}");
                (Outcome::error("Runtime.ExitError", &message), After::Discard)
            }
            Err(InvokeError::InitError(body)) => (Outcome::Error(body), After::Discard),
            Err(InvokeError::BadPayload(e)) => (Outcome::error("Runtime.Unknown", &e), After::Discard),
        }
    }

    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
    }
}

fn init_failure(e: InvokeError, init_timeout: Duration) -> Outcome {
    match e {
        // The runtime's own report (missing configuration and the like), as Lambda relays it.
        InvokeError::InitError(body) => Outcome::Error(body),
        InvokeError::ProcessExited(status) => {
            Outcome::error("Runtime.ExitError", &format!("Runtime exited during init with error: {status}"))
        }
        InvokeError::Timeout => Outcome::error(
            "Sandbox.Timedout",
            &format!("INIT_REPORT Init Duration: {} ms Phase: init Status: timeout", init_timeout.as_millis()),
        ),
        other => Outcome::error("Runtime.Unknown", &other.to_string()),
    }
}
