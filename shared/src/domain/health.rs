//! Health reports: each dependency checked with a deadline, 503 when any is down.

use crate::domain::error::AppError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// One dependency's check.
#[derive(Debug, Serialize, Clone, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    /// `up` or `down`.
    #[cfg_attr(feature = "openapi", schema(example = "up"))]
    pub status: &'static str,
    pub latency_ms: u64,
    /// Why it is down (a stable code such as `DATABASE_UNAVAILABLE` or `TIMEOUT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
}

impl CheckResult {
    pub fn is_up(&self) -> bool {
        self.status == "up"
    }
}

/// Runs one check. A check that overruns `deadline` is reported down, never left hanging.
pub async fn check<F>(deadline: Duration, probe: F) -> CheckResult
where
    F: Future<Output = Result<Option<serde_json::Value>, AppError>>,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(deadline, probe).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    match outcome {
        Ok(Ok(detail)) => CheckResult { status: "up", latency_ms, code: None, error: None, detail },
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            CheckResult {
                status: "down",
                latency_ms,
                code: Some(e.code().as_str()),
                error: Some(e.public_message()),
                detail: None,
            }
        }
        Err(_) => CheckResult {
            status: "down",
            latency_ms,
            code: Some("TIMEOUT"),
            error: Some(format!("no answer within {} ms", deadline.as_millis())),
            detail: None,
        },
    }
}

/// A health endpoint's answer: 200 when every check is up, 503 (code DEPENDENCY_UNAVAILABLE) otherwise.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct HealthReport {
    pub service: &'static str,
    /// `ok` or `unavailable`.
    #[cfg_attr(feature = "openapi", schema(example = "ok"))]
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    pub checks: BTreeMap<&'static str, CheckResult>,
}

impl HealthReport {
    pub fn new(service: &'static str, checks: impl IntoIterator<Item = (&'static str, CheckResult)>) -> Self {
        let checks: BTreeMap<_, _> = checks.into_iter().collect();
        let healthy = checks.values().all(CheckResult::is_up);
        Self {
            service,
            status: if healthy { "ok" } else { "unavailable" },
            code: (!healthy).then_some("DEPENDENCY_UNAVAILABLE"),
            checks,
        }
    }

    pub fn http_status(&self) -> u16 {
        if self.code.is_none() { 200 } else { 503 }
    }
}

/// What a probe answers: up with an optional detail, or the error that makes it down.
pub type ProbeFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<serde_json::Value>, AppError>> + Send + 'a>>;

/// One dependency a health check asks (a database, a queue, a table). Boxed, so that one check
/// holds probes of different adapters.
pub trait Probe: Send + Sync {
    fn probe(&self) -> ProbeFuture<'_>;
}

/// A service's health check: its dependencies, each probed within the deadline, all at once.
pub struct HealthCheck {
    service: &'static str,
    deadline: Duration,
    probes: Vec<(&'static str, Box<dyn Probe>)>,
}

impl HealthCheck {
    pub fn new(service: &'static str, deadline: Duration) -> Self {
        Self { service, deadline, probes: Vec::new() }
    }

    /// Adds a dependency under the name the report shows (`postgres`, `sqs`, ...).
    pub fn with(mut self, name: &'static str, probe: impl Probe + 'static) -> Self {
        self.probes.push((name, Box::new(probe)));
        self
    }

    pub async fn report(&self) -> HealthReport {
        let checks = futures_util::future::join_all(
            self.probes.iter().map(|(name, probe)| async move { (*name, check(self.deadline, probe.probe()).await) }),
        )
        .await;
        HealthReport::new(self.service, checks)
    }
}

/// What a database round trip learns of the server (`GET /test-db`, health details).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// `SELECT version()`.
    #[cfg_attr(feature = "openapi", schema(example = "PostgreSQL 16.4 on x86_64-pc-linux-musl"))]
    pub version: String,
    /// The server's `now()`.
    pub server_time: chrono::DateTime<chrono::Utc>,
}

/// The database's own answer to "who are you and what time is it".
pub trait DatabaseInfo: Send + Sync {
    fn server_info(&self) -> impl Future<Output = Result<ServerInfo, AppError>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::Dependency;

    #[tokio::test]
    async fn one_down_dependency_makes_the_report_503_and_names_it() {
        let up = check(Duration::from_secs(1), async { Ok(None) }).await;
        let down =
            check(Duration::from_secs(1), async { Err(AppError::unavailable(Dependency::Mongo, "refused")) }).await;
        let report = HealthReport::new("connected", [("postgres", up), ("mongo", down)]);
        assert_eq!(report.http_status(), 503);
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["checks"]["mongo"]["status"], "down");
        assert_eq!(json["checks"]["mongo"]["code"], "SESSION_STORE_UNAVAILABLE");
        assert_eq!(json["checks"]["postgres"]["status"], "up");
    }

    struct Fixed(Result<(), Dependency>);

    impl Probe for Fixed {
        fn probe(&self) -> ProbeFuture<'_> {
            let outcome = self.0.map(|()| None).map_err(|d| AppError::unavailable(d, "refused"));
            Box::pin(async move { outcome })
        }
    }

    #[tokio::test]
    async fn a_check_reports_every_probe_under_its_name() {
        let check = HealthCheck::new("auth", Duration::from_secs(1))
            .with("postgres", Fixed(Ok(())))
            .with("sqs", Fixed(Err(Dependency::Sqs)));
        let report = check.report().await;
        assert_eq!(report.http_status(), 503);
        assert_eq!(report.checks["sqs"].code, Some("QUEUE_UNAVAILABLE"));
        assert!(report.checks["postgres"].is_up());
    }

    #[tokio::test]
    async fn a_hanging_probe_times_out() {
        let r = check(Duration::from_millis(20), async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(None)
        })
        .await;
        assert_eq!(r.code, Some("TIMEOUT"));
        assert_eq!(HealthReport::new("x", [("db", r)]).http_status(), 503);
    }
}
