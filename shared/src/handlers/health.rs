//! What every health route answers: the service's report, 200 when each dependency is up and
//! 503 (with the report, naming what is down) otherwise.

use crate::domain::health::HealthCheck;
use crate::transport::http::{self, Body, Response};

pub async fn report(check: &HealthCheck) -> Response<Body> {
    let report = check.report().await;
    http::json(report.http_status(), &report)
}
