//! GET /images — seed 001 §4 `listImages()`: images with their public URLs, newest first,
//! `?limit=` (1-100, default 20) per page and `?cursor=` from the previous page's `nextCursor`.

use shared::AppError;
use shared::adapters::s3::S3Images;
use shared::domain::images::{DEFAULT_PAGE_SIZE, ImageService, MAX_PAGE_SIZE};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(images: &ImageService<S3Images>, req: Request) -> Result<Response<Body>, AppError> {
    let limit = http::page_limit(&req, DEFAULT_PAGE_SIZE.into(), MAX_PAGE_SIZE.into())? as i32;
    let cursor = http::query_param(&req, "cursor");
    let page = images.list(cursor.as_deref(), limit).await?;
    Ok(http::json(200, &page))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let images = ImageService::<S3Images>::from_env().await?;
    http::serve(|req| handle(&images, req)).await
}
