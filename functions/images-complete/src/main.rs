//! POST /images/uploads/{uploadId}/complete — publishes a presigned upload once its bytes are
//! an allowed image of the declared type and size; a refused upload is deleted. 201 when
//! published now, 200 when it already was (completing twice is safe).

use shared::AppError;
use shared::adapters::s3::S3Images;
use shared::domain::images::ImageService;
use shared::transport::http::{self, Body, Request, RequestExt, Response};

async fn handle(images: &ImageService<S3Images>, req: Request) -> Result<Response<Body>, AppError> {
    let upload_id = req.path_parameters_ref().and_then(|p| p.first("uploadId")).unwrap_or_default().to_string();
    let (image, published_now) = images.complete(&upload_id).await?;
    Ok(http::json(if published_now { 201 } else { 200 }, &image))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let images = ImageService::<S3Images>::from_env().await?;
    http::serve(|req| handle(&images, req)).await
}
