//! Execution environments of the real function binaries, as Lambda runs them: a pool per
//! function, one invocation at a time per environment, the template's `Timeout` enforced, and a
//! fresh environment after a crash or a rebuild of the binary. The gateway, the Invoke API, the
//! SQS event sources and the schedules all invoke through [`Functions`].

pub mod environment;
pub mod pool;

pub use pool::{FunctionPool, Functions, PoolOptions};

use bytes::Bytes;
use serde_json::json;
use std::time::Duration;

/// Lambda's limit on a synchronous invocation's request and response payloads.
pub const MAX_PAYLOAD_BYTES: usize = 6 * 1024 * 1024;

/// One invocation's result as the Invoke API reports it.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub request_id: String,
    pub outcome: Outcome,
    /// From the request to the answer, waiting for an environment and its init included.
    pub duration: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The function's answer.
    Response(Bytes),
    /// A function error (Lambda's `X-Amz-Function-Error: Unhandled`): the runtime reported one,
    /// or the environment could not start, crashed or timed out. The body is Lambda's error
    /// document, `{"errorType": ..., "errorMessage": ...}`.
    Error(Bytes),
}

impl Outcome {
    /// An error document of Lambda's own (`Sandbox.Timedout`, `Runtime.ExitError`, ...).
    pub fn error(error_type: &str, message: &str) -> Self {
        Self::Error(Bytes::from(json!({"errorType": error_type, "errorMessage": message}).to_string()))
    }

    /// The `errorType` of an error, for logs (never the message: it may hold user data).
    pub fn error_type(&self) -> Option<String> {
        match self {
            Self::Response(_) => None,
            Self::Error(body) => Some(
                serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| v.get("errorType").and_then(|t| t.as_str()).map(str::to_owned))
                    .unwrap_or_else(|| "Unknown".to_owned()),
            ),
        }
    }
}
