//! POST /auth/introspect — RFC 7662 token introspection for resource servers (the tenant
//! service of seed 003). Callers authenticate with HTTP Basic; the token comes form-encoded.

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::auth::{Identity, IntrospectionClients, IntrospectionRequest};
use shared::domain::error::ErrorCode;
use shared::transport::http::{self, Body, Request, RequestPayloadExt, Response};

struct State {
    identity: Identity<Postgres, DynamoTokens>,
    clients: IntrospectionClients,
}

async fn handle(state: &State, req: Request) -> Result<Response<Body>, AppError> {
    let client = state.clients.authenticate(http::header_str(&req, "authorization"))?;
    if req.body().len() > 8 * 1024 {
        return Err(AppError::new(ErrorCode::PayloadTooLarge, "request body is limited to 8192 bytes"));
    }
    let body: IntrospectionRequest = req
        .payload()
        .map_err(|_| AppError::new(ErrorCode::InvalidRequest, "expected a form-encoded body with 'token'"))?
        .ok_or_else(|| AppError::new(ErrorCode::InvalidRequest, "the 'token' parameter is required"))?;
    let answer = state.identity.introspect(body.token.trim()).await?;
    tracing::info!(client, active = answer.active, "token introspected");
    Ok(http::json(200, &answer))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let state = State { identity: Identity::from_env(&sdk)?, clients: IntrospectionClients::from_env()? };
    http::serve(|req| handle(&state, req)).await
}
