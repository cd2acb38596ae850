//! `local-cloud serve`: the HTTP API gateway, the Invoke API, the SQS event-source mappings and
//! the schedules in one process, over one set of execution environments. Ends on SIGINT or
//! SIGTERM: running batches get a grace period, then every function process is stopped.

use crate::error::{Error, Result};
use crate::gateway::Gateway;
use crate::invoke_api::InvokeApi;
use crate::runtime::{Functions, PoolOptions};
use crate::stack::Stack;
use crate::stack::resolver::LOCAL_API_ID;
use crate::{aws, event_source, http, scheduler};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, Clone)]
pub struct Options {
    pub pools: PoolOptions,
    pub event_sources: bool,
    pub schedules: bool,
    /// `LOCAL_SCHEDULE_RATE_SECONDS`: every schedule fires at least this often.
    pub schedule_rate_cap: Option<Duration>,
    pub gateway_port: u16,
    pub invoke_port: u16,
}

async fn bind(port: u16, what: &str) -> Result<TcpListener> {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| Error::Settings(format!("cannot listen on 127.0.0.1:{port} for the {what}: {e}")))
}

pub async fn serve(stack: Stack, options: Options) -> Result<()> {
    let stack = Arc::new(stack);
    let gateway_listener = bind(options.gateway_port, "HTTP API (LOCAL_GATEWAY_PORT)").await?;
    let invoke_listener = bind(options.invoke_port, "Invoke API (LOCAL_INVOKE_PORT)").await?;
    let functions = Arc::new(Functions::new(&stack, &options.pools).map_err(|e| Error::io(&options.pools.logs, e))?);
    let (stop, stopped) = watch::channel(false);

    let gateway = Arc::new(Gateway {
        routes: stack.routes.clone(),
        functions: functions.clone(),
        account_id: stack.account_id.clone(),
        api_id: LOCAL_API_ID.to_owned(),
        port: options.gateway_port,
    });
    tokio::spawn(http::serve(gateway_listener, stopped.clone(), move |req, peer| gateway.clone().handle(req, peer)));
    let invoke = Arc::new(InvokeApi { stack: stack.clone(), functions: functions.clone() });
    tokio::spawn(http::serve(invoke_listener, stopped.clone(), move |req, _| invoke.clone().handle(req)));
    tokio::spawn(functions.clone().reap_forever(Duration::from_secs(30)));

    let mut sources = tokio::task::JoinSet::new();
    if options.event_sources {
        // Long polls of 2 s: each call needs a little more than that.
        let config = aws::sdk_config(&stack.region, Duration::from_secs(12)).await;
        let sqs = aws::sqs(&config, &stack.emulators.sqs);
        let source_options = event_source::Options {
            wait_time_seconds: 2,
            shutdown_grace: Duration::from_secs(10),
            max_concurrency: options.pools.max_environments,
        };
        sources = event_source::start(&stack, &functions, &sqs, &source_options, &stopped);
    }
    let mut schedules = tokio::task::JoinSet::new();
    if options.schedules {
        schedules = scheduler::start(&stack, &functions, options.schedule_rate_cap, &stopped);
    }
    tracing::info!(
        stack = %stack.name,
        gateway = %stack.gateway_url,
        invoke = %stack.invoke_url,
        functions = stack.functions.len(),
        routes = stack.routes.routes().len(),
        event_source_mappings = if options.event_sources { stack.mappings.len() } else { 0 },
        schedules = if options.schedules { stack.schedules.len() } else { 0 },
        "local cloud ready"
    );

    wait_for_signal().await;
    tracing::info!("shutting down: finishing in-flight batches");
    let _ = stop.send(true);
    let grace = async { while sources.join_next().await.is_some() {} };
    let _ = tokio::time::timeout(Duration::from_secs(15), grace).await;
    schedules.abort_all();
    functions.stop().await;
    tracing::info!("stopped");
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
