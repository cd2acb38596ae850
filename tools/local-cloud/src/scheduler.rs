//! EventBridge schedules from the template's `Type: Schedule` events: each enabled one invokes
//! its function asynchronously with a Scheduled Event (or the event's `Input`) at its rate or
//! cron times. `LOCAL_SCHEDULE_RATE_SECONDS=N` runs every schedule at least every N seconds, so
//! that tests need not wait a minute (a schedule that never fires again stays silent).

use crate::runtime::{Functions, Outcome};
use crate::schedule::scheduled_event;
use crate::stack::Stack;
use crate::stack::events::Schedule;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// Starts every enabled schedule; the tasks end when `shutdown` turns true.
pub fn start(
    stack: &Stack,
    functions: &Functions,
    rate_cap: Option<Duration>,
    shutdown: &watch::Receiver<bool>,
) -> JoinSet<()> {
    let mut tasks = JoinSet::new();
    for schedule in stack.schedules.iter().filter(|s| s.enabled) {
        let Some(pool) = functions.get(&schedule.function) else {
            continue;
        };
        let (schedule, account, region, mut shutdown) =
            (schedule.clone(), stack.account_id.clone(), stack.region.clone(), shutdown.clone());
        tracing::info!(function = %schedule.function, rule = %schedule.rule_arn, ?rate_cap, "schedule started");
        tasks.spawn(async move {
            let started = Utc::now();
            let mut last = started;
            while let Some(at) = next_fire(&schedule, last, started, rate_cap) {
                let wait = (at - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    () = crate::http::stopped(&mut shutdown) => return,
                }
                let event = schedule
                    .input
                    .clone()
                    .unwrap_or_else(|| scheduled_event(&account, &region, &schedule.rule_arn, at));
                let pool = pool.clone();
                let function = schedule.function.clone();
                // An asynchronous invocation: the next run does not wait for this one.
                tokio::spawn(async move {
                    let invocation = pool.invoke(Bytes::from(event.to_string())).await;
                    let error = matches!(invocation.outcome, Outcome::Error(_));
                    tracing::info!(function = %function, lambda_request_id = %invocation.request_id,
                        error_type = invocation.outcome.error_type().as_deref().unwrap_or("-"),
                        duration_ms = invocation.duration.as_millis() as u64, failed = error, "scheduled invocation");
                });
                last = at;
            }
        });
    }
    tasks
}

/// When the schedule fires after `last`: its own next time, or sooner under the speed-up.
fn next_fire(
    schedule: &Schedule,
    last: DateTime<Utc>,
    started: DateTime<Utc>,
    cap: Option<Duration>,
) -> Option<DateTime<Utc>> {
    let own = schedule.expression.next_after(last, started);
    let capped = cap.and_then(|c| chrono::Duration::from_std(c).ok()).map(|c| last + c);
    match (own, capped) {
        (Some(own), Some(capped)) => Some(own.min(capped)),
        (own, None) => own,
        // A schedule that never fires again stays silent, speed-up or not.
        (None, Some(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Expression;

    fn schedule(expr: &str) -> Schedule {
        Schedule {
            function: "f".into(),
            source: "F.E".into(),
            rule_arn: "arn".into(),
            expression: Expression::parse(expr).unwrap(),
            enabled: true,
            input: None,
        }
    }

    #[test]
    fn the_speed_up_only_ever_shortens_the_wait() {
        let t0 = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap().with_timezone(&Utc);
        let s = schedule("rate(1 minute)");
        assert_eq!(next_fire(&s, t0, t0, None), Some(t0 + chrono::Duration::seconds(60)));
        assert_eq!(next_fire(&s, t0, t0, Some(Duration::from_secs(5))), Some(t0 + chrono::Duration::seconds(5)));
        assert_eq!(next_fire(&s, t0, t0, Some(Duration::from_secs(600))), Some(t0 + chrono::Duration::seconds(60)));
        let never = schedule("cron(0 8 1 1 ? 2020)");
        assert_eq!(next_fire(&never, t0, t0, None), None);
        assert_eq!(next_fire(&never, t0, t0, Some(Duration::from_secs(5))), None);
    }
}
