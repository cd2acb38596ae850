//! POST /images/uploads/{uploadId}/complete — publishes a presigned upload once its bytes are checked.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::images::service(), handlers::images::complete).await
}
