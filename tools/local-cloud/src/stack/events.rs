//! A function's `Events`: HTTP API routes, SQS event-source mappings and schedules. Event types
//! and properties the local cloud cannot honour are errors (an authorizer left out would open a
//! route that is closed on AWS).

use super::functions::Function;
use super::resolver::Resolver;
use super::resources::Queue;
use crate::error::Problem;
use crate::intrinsics::{self, scalar_text};
use crate::routes::Route;
use crate::schedule::Expression;
use crate::template::Resource;
use serde_json::Value;
use std::time::Duration;

/// Largest batch Lambda accepts from a standard queue.
pub const MAX_BATCH_SIZE: u32 = 10_000;
/// Largest `MaximumBatchingWindowInSeconds` Lambda accepts.
pub const MAX_BATCHING_WINDOW_SECONDS: u32 = 300;
/// ReceiveMessage returns at most this many messages per call.
pub const SQS_MAX_MESSAGES_PER_RECEIVE: u32 = 10;
/// API Gateway's HTTP API waits at most this long for an integration.
pub const MAX_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);

/// An SQS event-source mapping (`Type: SQS`).
#[derive(Debug, Clone)]
pub struct SqsMapping {
    /// The function's name.
    pub function: String,
    /// `<FunctionLogicalId>.<EventId>`, for messages.
    pub source: String,
    pub queue: Queue,
    pub batch_size: u32,
    pub maximum_batching_window_seconds: u32,
    pub report_batch_item_failures: bool,
    pub enabled: bool,
    /// `ScalingConfig.MaximumConcurrency`: concurrent batches at most.
    pub maximum_concurrency: Option<u32>,
}

/// An EventBridge schedule (`Type: Schedule`).
#[derive(Debug, Clone)]
pub struct Schedule {
    pub function: String,
    pub source: String,
    pub rule_arn: String,
    pub expression: Expression,
    pub enabled: bool,
    /// `Input`: the event instead of the Scheduled Event.
    pub input: Option<Value>,
}

/// Everything a function's `Events` declares.
#[derive(Debug, Default)]
pub struct Events {
    /// `(API logical id, route)`.
    pub routes: Vec<(String, Route)>,
    pub mappings: Vec<SqsMapping>,
    pub schedules: Vec<Schedule>,
}

pub fn events(r: &Resource<'_>, f: &Function, queues: &[Queue], resolver: &Resolver<'_>) -> Result<Events, Problem> {
    let mut out = Events::default();
    let Some(events) = r.body.pointer("/Properties/Events").and_then(Value::as_object) else {
        return Ok(out);
    };
    for (event_id, event) in events {
        let at = format!("Resources.{}.Properties.Events.{event_id}", r.logical_id);
        let ty = event.get("Type").and_then(Value::as_str).unwrap_or_default();
        let props = event.get("Properties").cloned().unwrap_or(Value::Null);
        let source = format!("{}.{event_id}", r.logical_id);
        match ty {
            "HttpApi" => out.routes.push(route(&props, &at, f, resolver)?),
            "SQS" => out.mappings.push(sqs(&props, &at, f, &source, queues, resolver)?),
            "Schedule" => out.schedules.push(schedule(&props, &at, f, &source, event_id, r.logical_id, resolver)?),
            other => {
                return Err(Problem::new(
                    format!("{at}.Type"),
                    format!("{other:?} events are not served by the local cloud (HttpApi, SQS and Schedule are)"),
                ));
            }
        }
    }
    Ok(out)
}

/// Refuses properties outside `known`.
fn only(props: &Value, at: &str, known: &[&str]) -> Result<(), Problem> {
    match props.as_object().and_then(|p| p.keys().find(|k| !known.contains(&k.as_str()))) {
        Some(key) => Err(Problem::new(
            format!("{at}.Properties.{key}"),
            format!("not applied by the local cloud (it applies {known:?})"),
        )),
        None => Ok(()),
    }
}

fn get<'v>(props: &'v Value, key: &str) -> Option<&'v Value> {
    props.get(key).filter(|v| !v.is_null())
}

fn text(props: &Value, key: &str, at: &str, resolver: &Resolver<'_>) -> Result<Option<String>, Problem> {
    get(props, key).map(|v| intrinsics::resolve_text(v, &format!("{at}.Properties.{key}"), resolver)).transpose()
}

fn count(props: &Value, key: &str, at: &str, resolver: &Resolver<'_>, default: u32) -> Result<u32, Problem> {
    match text(props, key, at, resolver)? {
        None => Ok(default),
        Some(t) => t
            .parse()
            .map_err(|_| Problem::new(format!("{at}.Properties.{key}"), format!("{t:?} is not a whole number"))),
    }
}

fn flag(props: &Value, key: &str, at: &str, resolver: &Resolver<'_>) -> Result<Option<bool>, Problem> {
    match text(props, key, at, resolver)?.as_deref() {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(other) => Err(Problem::new(format!("{at}.Properties.{key}"), format!("{other:?} is not true or false"))),
    }
}

fn route(props: &Value, at: &str, f: &Function, resolver: &Resolver<'_>) -> Result<(String, Route), Problem> {
    // RouteSettings only throttle: nothing to emulate for one developer.
    only(props, at, &["ApiId", "Method", "Path", "TimeoutInMillis", "PayloadFormatVersion", "RouteSettings"])?;
    let api = match get(props, "ApiId") {
        // SAM's implicit API when no ApiId is given.
        None => "ServerlessHttpApi".to_owned(),
        Some(v) => v.get("Ref").and_then(Value::as_str).map(str::to_owned).ok_or_else(|| {
            Problem::new(
                format!("{at}.Properties.ApiId"),
                "expected !Ref to an AWS::Serverless::HttpApi of this template",
            )
        })?,
    };
    if text(props, "PayloadFormatVersion", at, resolver)?.is_some_and(|v| v != "2.0") {
        return Err(Problem::new(
            format!("{at}.Properties.PayloadFormatVersion"),
            "the local gateway speaks payload format 2.0 only",
        ));
    }
    let method = text(props, "Method", at, resolver)?.unwrap_or_else(|| "ANY".to_owned());
    let path =
        text(props, "Path", at, resolver)?.ok_or_else(|| Problem::new(format!("{at}.Properties.Path"), "missing"))?;
    let timeout_ms = count(props, "TimeoutInMillis", at, resolver, 30_000)?;
    if !(50..=30_000).contains(&timeout_ms) {
        return Err(Problem::new(format!("{at}.Properties.TimeoutInMillis"), "API Gateway accepts 50 to 30000"));
    }
    let route = Route::new(&method, &path, &f.name, Duration::from_millis(timeout_ms.into()))
        .map_err(|e| Problem::new(at, e))?;
    Ok((api, route))
}

fn sqs(
    props: &Value,
    at: &str,
    f: &Function,
    source: &str,
    queues: &[Queue],
    resolver: &Resolver<'_>,
) -> Result<SqsMapping, Problem> {
    only(
        props,
        at,
        &["Queue", "BatchSize", "MaximumBatchingWindowInSeconds", "FunctionResponseTypes", "Enabled", "ScalingConfig"],
    )?;
    let queue_at = format!("{at}.Properties.Queue");
    let arn = text(props, "Queue", at, resolver)?.ok_or_else(|| Problem::new(&queue_at, "missing"))?;
    let queue = queues
        .iter()
        .find(|q| q.arn == arn)
        .cloned()
        .ok_or_else(|| Problem::new(&queue_at, format!("{arn} is not the ARN of a queue of this template")))?;
    let batch_size = count(props, "BatchSize", at, resolver, 10)?;
    let window = count(props, "MaximumBatchingWindowInSeconds", at, resolver, 0)?;
    if !(1..=MAX_BATCH_SIZE).contains(&batch_size) {
        return Err(Problem::new(format!("{at}.Properties.BatchSize"), format!("must be 1 to {MAX_BATCH_SIZE}")));
    }
    if window > MAX_BATCHING_WINDOW_SECONDS {
        return Err(Problem::new(
            format!("{at}.Properties.MaximumBatchingWindowInSeconds"),
            format!("must be 0 to {MAX_BATCHING_WINDOW_SECONDS}"),
        ));
    }
    if batch_size > SQS_MAX_MESSAGES_PER_RECEIVE && window == 0 {
        return Err(Problem::new(
            format!("{at}.Properties.BatchSize"),
            "above 10 needs MaximumBatchingWindowInSeconds of at least 1 (as on Lambda)",
        ));
    }
    let types = match get(props, "FunctionResponseTypes") {
        None => Vec::new(),
        Some(v) => match intrinsics::resolve_value(v, &format!("{at}.Properties.FunctionResponseTypes"), resolver)? {
            Value::Array(items) => items.iter().filter_map(scalar_text).collect(),
            _ => {
                return Err(Problem::new(format!("{at}.Properties.FunctionResponseTypes"), "expected a list"));
            }
        },
    };
    if let Some(other) = types.iter().find(|t| *t != "ReportBatchItemFailures") {
        return Err(Problem::new(
            format!("{at}.Properties.FunctionResponseTypes"),
            format!("unknown response type {other:?}"),
        ));
    }
    let maximum_concurrency = match get(props, "ScalingConfig") {
        None => None,
        Some(scaling) => {
            let scaling_at = format!("{at}.Properties.ScalingConfig");
            only(scaling, &scaling_at, &["MaximumConcurrency"])?;
            let n = count(scaling, "MaximumConcurrency", &scaling_at, resolver, 1000)?;
            if !(2..=1000).contains(&n) {
                return Err(Problem::new(format!("{scaling_at}.MaximumConcurrency"), "must be 2 to 1000"));
            }
            Some(n)
        }
    };
    Ok(SqsMapping {
        function: f.name.clone(),
        source: source.to_owned(),
        queue,
        batch_size,
        maximum_batching_window_seconds: window,
        report_batch_item_failures: !types.is_empty(),
        enabled: flag(props, "Enabled", at, resolver)?.unwrap_or(true),
        maximum_concurrency,
    })
}

#[allow(clippy::too_many_arguments)]
fn schedule(
    props: &Value,
    at: &str,
    f: &Function,
    source: &str,
    event_id: &str,
    function_id: &str,
    resolver: &Resolver<'_>,
) -> Result<Schedule, Problem> {
    // EventBridge's own delivery retries (RetryPolicy) have nothing to retry locally.
    only(props, at, &["Schedule", "Enabled", "State", "Input", "Name", "Description", "RetryPolicy"])?;
    let expression_text = text(props, "Schedule", at, resolver)?
        .ok_or_else(|| Problem::new(format!("{at}.Properties.Schedule"), "missing"))?;
    let expression =
        Expression::parse(&expression_text).map_err(|e| Problem::new(format!("{at}.Properties.Schedule"), e))?;
    let enabled = match (flag(props, "Enabled", at, resolver)?, text(props, "State", at, resolver)?.as_deref()) {
        (Some(enabled), _) => enabled,
        (None, None | Some("ENABLED")) => true,
        (None, Some("DISABLED")) => false,
        (None, Some(other)) => {
            return Err(Problem::new(
                format!("{at}.Properties.State"),
                format!("{other:?} is not ENABLED or DISABLED"),
            ));
        }
    };
    let input = match text(props, "Input", at, resolver)? {
        None => None,
        Some(json) => Some(
            serde_json::from_str(&json)
                .map_err(|e| Problem::new(format!("{at}.Properties.Input"), format!("not JSON: {e}")))?,
        ),
    };
    let rule = text(props, "Name", at, resolver)?
        .unwrap_or_else(|| format!("{}-{function_id}{event_id}", resolver.stack_name));
    Ok(Schedule {
        function: f.name.clone(),
        source: source.to_owned(),
        rule_arn: resolver.arn("events", &format!("rule/{rule}")),
        expression,
        enabled,
        input,
    })
}
