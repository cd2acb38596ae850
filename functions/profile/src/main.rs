//! GET /profile — the bearer's profile (seed 001 §1). A revoked token is refused here too.

use shared::AppError;
use shared::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres};
use shared::config::dependency_timeout;
use shared::domain::auth::Identity;
use shared::domain::error::ErrorCode;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(identity: &Identity<Postgres, DynamoTokens>, req: Request) -> Result<Response<Body>, AppError> {
    let claims = identity.authenticate(http::header_str(&req, "authorization")).await?;
    let user_id = claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
    let profile = identity
        .users
        .profile(user_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::UserNotFound, "the account no longer exists"))?;
    Ok(http::json(200, &profile))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let sdk = sdk_config(dependency_timeout()?).await;
    let identity = Identity::from_env(&sdk)?;
    http::serve(|req| handle(&identity, req)).await
}
