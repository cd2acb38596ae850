//! POST /auth/introspect — RFC 7662 token introspection for other services (HTTP Basic).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::introspection(), handlers::auth::introspect).await
}
