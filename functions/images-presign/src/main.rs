//! POST /images/uploads — a presigned PUT for an image too big for an API Gateway payload.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::images::service(), handlers::images::presign).await
}
