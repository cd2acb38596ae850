//! POST /api/v1/auth/refresh — rotates the refresh token (single use); presenting a spent one
//! revokes the whole login session (seed 004).

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::auth::Identity;
use shared::domain::auth::refresh::{RefreshRequest, RefreshedTokens};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(identity: &Identity<Postgres, DynamoTokens>, req: Request) -> Result<Response<Body>, AppError> {
    let body: RefreshRequest = http::parse_json(&req, 4 * 1024)?;
    let refreshed = identity.refresh(&body.refresh_token).await?;
    Ok(http::envelope(200, "token refreshed", &RefreshedTokens::from(refreshed)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let identity = Identity::from_env(&sdk)?;
    http::serve_enveloped(|req| handle(&identity, req)).await
}
