//! A function as Lambda would run it: its name, binary, limits, and its environment, which is
//! the template's `Environment.Variables` (Globals merged, intrinsics resolved, `AWS::NoValue`
//! dropped) plus what the Lambda service itself sets. Nothing else: a setting a function needs
//! locally belongs in the template.

use super::resolver::Resolver;
use crate::error::Problem;
use crate::intrinsics::{self, scalar_text};
use crate::template::{Resource, Template};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// Keys Lambda reserves: a template that sets one is refused by Lambda, so it is refused here.
const RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// The credentials every emulator accepts (they check none, SeaweedFS checks these).
pub const LOCAL_ACCESS_KEY_ID: &str = "test";
pub const LOCAL_SECRET_ACCESS_KEY: &str = "test";

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    /// `FunctionName`: what the Invoke API and the ARN know it by.
    pub name: String,
    /// `Metadata.BuildProperties.Binary`: `target/<profile>/<binary>`.
    pub binary: String,
    pub arn: String,
    pub timeout: Duration,
    pub memory_mb: u64,
    pub handler: String,
    /// `LoggingConfig.LogFormat` (`Text` when absent, as on Lambda).
    pub log_format: String,
    /// `LoggingConfig.ApplicationLogLevel`, which Lambda passes on in JSON format only.
    pub application_log_level: Option<String>,
    /// The template's variables, resolved.
    pub environment: BTreeMap<String, String>,
}

impl Function {
    /// The template's variables plus what the Lambda service sets for every execution
    /// environment of this function (the Runtime API address and the log stream are per
    /// environment and added when one starts).
    pub fn process_environment(&self, region: &str, task_root: &str) -> BTreeMap<String, String> {
        let mut env = self.environment.clone();
        let mut set = |k: &str, v: &str| env.insert(k.to_owned(), v.to_owned());
        set("AWS_REGION", region);
        set("AWS_DEFAULT_REGION", region);
        set("AWS_LAMBDA_FUNCTION_NAME", &self.name);
        set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", &self.memory_mb.to_string());
        set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        set("AWS_LAMBDA_LOG_GROUP_NAME", &format!("/aws/lambda/{}", self.name));
        set("AWS_LAMBDA_LOG_FORMAT", &self.log_format);
        if let Some(level) = &self.application_log_level {
            set("AWS_LAMBDA_LOG_LEVEL", level);
        }
        set("AWS_ACCESS_KEY_ID", LOCAL_ACCESS_KEY_ID);
        set("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET_ACCESS_KEY);
        set("_HANDLER", &self.handler);
        set("LAMBDA_TASK_ROOT", task_root);
        set("LAMBDA_RUNTIME_DIR", task_root);
        set("PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
        set("LANG", "en_US.UTF-8");
        set("TZ", ":UTC");
        env
    }
}

pub fn function(template: &Template, r: &Resource<'_>, resolver: &Resolver<'_>) -> Result<Function, Problem> {
    let id = r.logical_id;
    let binary = r
        .body
        .pointer("/Metadata/BuildProperties/Binary")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Problem::new(
                format!("Resources.{id}.Metadata.BuildProperties.Binary"),
                "missing: the local cloud runs target/<profile>/<Binary>",
            )
        })?
        .to_owned();
    let property = |key: &str| template.function_property(r, key);
    let number = |key: &str, default: u64| -> Result<u64, Problem> {
        match property(key) {
            None => Ok(default),
            Some(v) => {
                let text = intrinsics::resolve_text(&v, &r.at(key), resolver)?;
                text.parse().map_err(|_| Problem::new(r.at(key), format!("{text:?} is not a whole number")))
            }
        }
    };
    let timeout = number("Timeout", 3)?;
    if !(1..=900).contains(&timeout) {
        return Err(Problem::new(r.at("Timeout"), format!("{timeout} is outside Lambda's 1-900 seconds")));
    }
    let memory_mb = number("MemorySize", 128)?;
    let handler = match property("Handler") {
        Some(v) => intrinsics::resolve_text(&v, &r.at("Handler"), resolver)?,
        None => "bootstrap".to_owned(),
    };
    let logging = match property("LoggingConfig") {
        Some(v) => intrinsics::resolve_value(&v, &r.at("LoggingConfig"), resolver)?,
        None => Value::Null,
    };
    let log_format = logging.get("LogFormat").and_then(scalar_text).unwrap_or_else(|| "Text".to_owned());
    // Lambda's application log level only exists with JSON logs (it defaults to INFO there).
    let application_log_level = (log_format == "JSON")
        .then(|| logging.get("ApplicationLogLevel").and_then(scalar_text).unwrap_or_else(|| "INFO".to_owned()));
    let environment = environment(template, r, resolver)?;
    let name = resolver.physical_name(id)?;
    Ok(Function {
        logical_id: id.to_owned(),
        arn: resolver.arn("lambda", &format!("function:{name}")),
        name,
        binary,
        timeout: Duration::from_secs(timeout),
        memory_mb,
        handler,
        log_format,
        application_log_level,
        environment,
    })
}

fn environment(
    template: &Template,
    r: &Resource<'_>,
    resolver: &Resolver<'_>,
) -> Result<BTreeMap<String, String>, Problem> {
    let at = r.at("Environment.Variables");
    let Some(declared) = template.function_property(r, "Environment") else {
        return Ok(BTreeMap::new());
    };
    let variables = match declared.get("Variables") {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(v) => intrinsics::resolve_value(v, &at, resolver)?,
    };
    let Value::Object(variables) = variables else {
        return Err(Problem::new(at, "Variables is not a mapping"));
    };
    let mut out = BTreeMap::new();
    for (key, value) in variables {
        if RESERVED.contains(&key.as_str()) {
            return Err(Problem::new(format!("{at}.{key}"), "a key Lambda reserves for itself: Lambda refuses it"));
        }
        let text = scalar_text(&value)
            .ok_or_else(|| Problem::new(format!("{at}.{key}"), "an environment variable must be a string"))?;
        out.insert(key, text);
    }
    Ok(out)
}
