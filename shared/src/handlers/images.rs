//! The image delivery service: uploads, listing and presigned uploads. No credentials: the
//! routes are public, like the images they publish.

use crate::domain::error::AppError;
use crate::domain::images::{DEFAULT_PAGE_SIZE, ImageService, ImageStore, MAX_PAGE_SIZE, PresignRequest};
use crate::transport::http::upload::read_upload;
use crate::transport::http::{self, Body, Request, RequestExt, Response};
#[cfg(feature = "openapi")]
use crate::{
    domain::images::{Image, ImagePage, PresignedUpload},
    transport::http::ErrorBody,
    transport::http::upload::{ImageUploadForm, RawImage},
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(upload, list, presign, complete))]
pub struct Doc;

/// Longest JSON body of `POST /images/uploads`.
const MAX_PRESIGN_REQUEST_BYTES: usize = 4 * 1024;

/// Upload an image
///
/// The image is `multipart/form-data` with one `file` part (what HTML forms and `curl -F`
/// send), or the raw bytes with the image's content type (`application/octet-stream` is also
/// read, and then named only by its bytes). Its type is decided from the bytes, never from the
/// name or the declared type: PNG, JPEG, GIF and WebP are accepted; a declared image type that
/// disagrees with the bytes is refused. At most `IMAGES_MAX_BYTES` (4 MiB by default; larger
/// images go through `POST /images/uploads`) and `IMAGES_MAX_PIXELS` (100 million) pixels.
/// The image is stored under a key of the service's own and is publicly readable at `url`
/// (also the `Location` header). A refused upload stores nothing.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/images", tag = "images", operation_id = "uploadImage",
    params(
        ("filename" = Option<String>, Query, min_length = 1, max_length = 255,
            pattern = r#"^[^\u0000-\u001f\u007f-\u009f/\\<>:"|?*]*[^\s\u0000-\u001f\u007f-\u009f/\\<>:"|?*][^\u0000-\u001f\u007f-\u009f/\\<>:"|?*]*$"#,
            description = "The file name of a raw upload (a multipart upload takes its part's file name instead): \
                           one path segment, printable, 1-255 characters, no reserved names. Kept as a label, \
                           never part of the key.",
            example = "holiday.png"),
    ),
    request_body(description = "The image, as a form or raw",
        content(
            (ImageUploadForm = "multipart/form-data"),
            (RawImage = "image/png"),
            (RawImage = "image/jpeg"),
            (RawImage = "image/gif"),
            (RawImage = "image/webp"),
            (RawImage = "application/octet-stream"),
        )),
    responses(
        (status = 201, description = "Stored; `url` is public", body = Image,
            headers(("location" = String, description = "The public URL of the image"))),
        (status = 400, description = "The image or the form is wrong: EMPTY_FILE, INVALID_IMAGE (damaged header or no \
                                      pixels), IMAGE_DIMENSIONS_TOO_LARGE, CONTENT_TYPE_MISMATCH (declared type is not \
                                      what the bytes are), INVALID_FILENAME, INVALID_MULTIPART, MISSING_FILE_FIELD, \
                                      TOO_MANY_FILES", body = ErrorBody),
        (status = 413, description = "The image is larger than IMAGES_MAX_BYTES (FILE_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "The request is neither multipart/form-data nor an image/* or \
                                      application/octet-stream body (UNSUPPORTED_MEDIA_TYPE), or the bytes are not a \
                                      PNG, JPEG, GIF or WebP image (UNSUPPORTED_IMAGE_TYPE)", body = ErrorBody),
        (status = 500, description = "The object store refused the service (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The object store is unavailable (OBJECT_STORE_UNAVAILABLE); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    )))]
pub async fn upload<S: ImageStore>(images: &ImageService<S>, req: Request) -> Result<Response<Body>, AppError> {
    let upload = read_upload(req, images.policy.max_bytes).await?;
    let image = images.upload(upload.bytes, upload.filename.as_deref(), upload.declared).await?;
    let mut resp = http::json(201, &image);
    if let Ok(location) = image.url.parse() {
        resp.headers_mut().insert("location", location);
    }
    Ok(resp)
}

/// List images
///
/// Images with their public URLs, newest first, `limit` per page; pass `nextCursor` back as
/// `cursor` for the next page. Listings do not carry dimensions or original names.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/images", tag = "images", operation_id = "listImages",
    params(
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)",
            example = 20),
        ("cursor" = Option<String>, Query, pattern = r"^images/[0-9]{13}-[0-9a-f]{16}\.(png|jpg|gif|webp)$",
            description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "One page of images", body = ImagePage),
        (status = 400, description = "`limit` out of range or not a number (INVALID_LIMIT), or a cursor this API did \
                                      not return (INVALID_CURSOR)", body = ErrorBody),
        (status = 500, description = "The object store refused the service (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The object store is unavailable (OBJECT_STORE_UNAVAILABLE); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    )))]
pub async fn list<S: ImageStore>(images: &ImageService<S>, req: Request) -> Result<Response<Body>, AppError> {
    let limit = http::page_limit(&req, DEFAULT_PAGE_SIZE.into(), MAX_PAGE_SIZE.into())? as i32;
    let cursor = http::query_param(&req, "cursor");
    let page = images.list(cursor.as_deref(), limit).await?;
    Ok(http::json(200, &page))
}

/// Start a presigned upload
///
/// For images too big for an API request: returns a presigned `PUT` into a private staging
/// area, valid for `IMAGES_PRESIGN_TTL_SECONDS` (15 minutes by default), with the content
/// type, exact size and file name signed in (the store refuses an upload that differs). Send
/// the bytes with exactly the returned `headers`, then call
/// `POST /images/uploads/{uploadId}/complete`. At most `IMAGES_PRESIGN_MAX_BYTES` (50 MiB by
/// default). The JSON body is limited to 4 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/images/uploads", tag = "images", operation_id = "presignImageUpload",
    request_body(content = PresignRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The presigned upload", body = PresignedUpload),
        (status = 400, description = "The body is missing (EMPTY_BODY), not JSON (INVALID_JSON) or not the expected \
                                      fields (VALIDATION_FAILED); size 0 (EMPTY_FILE); a file name that is not one \
                                      (INVALID_FILENAME)", body = ErrorBody),
        (status = 413, description = "The body is over 4 KiB (PAYLOAD_TOO_LARGE), or `size` is over \
                                      IMAGES_PRESIGN_MAX_BYTES (FILE_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE), or `contentType` is not an \
                                      accepted image type (UNSUPPORTED_IMAGE_TYPE)", body = ErrorBody),
        (status = 500, description = "The upload could not be signed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The object store or its credentials are unavailable (OBJECT_STORE_UNAVAILABLE); \
                                      retry", body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    )))]
pub async fn presign<S: ImageStore>(images: &ImageService<S>, req: Request) -> Result<Response<Body>, AppError> {
    let body: PresignRequest = http::parse_json(&req, MAX_PRESIGN_REQUEST_BYTES)?;
    let upload = images.presign(&body.content_type, body.size, body.filename.as_deref()).await?;
    Ok(http::json(201, &upload))
}

/// Complete a presigned upload
///
/// Checks the staged bytes (type from the bytes, which must be the signed type; size;
/// dimensions) and publishes the image under its public key. A refused upload is deleted.
/// Completing an upload that was already published answers 200 with the same image (without
/// dimensions), so a retry is safe. No request body.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/images/uploads/{uploadId}/complete", tag = "images", operation_id = "completeImageUpload",
    params(
        ("uploadId" = String, Path, pattern = r"^[0-9]{13}-[0-9a-f]{16}\.(png|jpg|gif|webp)$",
            description = "`uploadId` of `POST /images/uploads`", example = "8299999999999-0123456789abcdef.png"),
    ),
    responses(
        (status = 200, description = "Already published by an earlier call (no `width`/`height`)", body = Image),
        (status = 201, description = "Published now", body = Image),
        (status = 400, description = "Not an id this API issues (INVALID_UPLOAD_ID); the uploaded bytes are refused: \
                                      EMPTY_FILE, INVALID_IMAGE, IMAGE_DIMENSIONS_TOO_LARGE, CONTENT_TYPE_MISMATCH \
                                      (not the signed type)", body = ErrorBody),
        (status = 404, description = "Nothing was uploaded with this id, or it expired or was refused \
                                      (UPLOAD_NOT_FOUND)", body = ErrorBody),
        (status = 413, description = "The uploaded object is larger than IMAGES_PRESIGN_MAX_BYTES (FILE_TOO_LARGE)",
            body = ErrorBody),
        (status = 415, description = "The uploaded bytes are not a PNG, JPEG, GIF or WebP image \
                                      (UNSUPPORTED_IMAGE_TYPE)", body = ErrorBody),
        (status = 500, description = "The object store refused the service (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "The object store is unavailable (OBJECT_STORE_UNAVAILABLE); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    )))]
pub async fn complete<S: ImageStore>(images: &ImageService<S>, req: Request) -> Result<Response<Body>, AppError> {
    // Untrimmed: an id with surrounding spaces is not one this API issued.
    let upload_id = req.path_parameters_ref().and_then(|p| p.first("uploadId")).unwrap_or_default().to_string();
    let (image, published_now) = images.complete(&upload_id).await?;
    Ok(http::json(if published_now { 201 } else { 200 }, &image))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryImages;
    use crate::domain::images::{ImagePolicy, STAGING_PREFIX, samples};
    use lambda_http::http::Request as HttpRequest;
    use std::collections::{BTreeMap, HashMap};
    use std::time::Duration;

    fn service() -> ImageService<MemoryImages> {
        let policy = ImagePolicy {
            max_bytes: 1024,
            max_presigned_bytes: 4096,
            max_pixels: 10_000,
            presign_ttl: Duration::from_secs(60),
        };
        ImageService { store: MemoryImages::default(), policy, public_base_url: "http://s3/images".into() }
    }

    fn json(resp: &Response<Body>) -> serde_json::Value {
        let Body::Text(text) = resp.body() else { panic!("a JSON body") };
        serde_json::from_str(text).unwrap()
    }

    fn query(req: Request, pairs: &[(&str, &str)]) -> Request {
        req.with_query_string_parameters(
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>(),
        )
    }

    #[tokio::test]
    async fn an_upload_answers_201_with_its_public_location() {
        let images = service();
        let req = HttpRequest::builder()
            .method("POST")
            .uri("/images")
            .header("content-type", "image/png")
            .body(Body::Binary(samples::png()))
            .unwrap();
        let resp = upload(&images, query(req, &[("filename", "cat.png")])).await.unwrap();
        assert_eq!(resp.status(), 201);
        let body = json(&resp);
        assert_eq!(resp.headers()["location"], body["url"].as_str().unwrap());
        assert_eq!((body["contentType"].as_str(), body["originalName"].as_str()), (Some("image/png"), Some("cat.png")));
        assert_eq!((body["width"].as_u64(), body["height"].as_u64()), (Some(1), Some(1)));

        let listed = list(&images, query(HttpRequest::new(Body::Empty), &[("limit", "5")])).await.unwrap();
        assert_eq!(json(&listed)["images"][0]["key"], body["key"]);
        let wrong = list(&images, query(HttpRequest::new(Body::Empty), &[("limit", "101")])).await;
        assert_eq!(wrong.unwrap_err().code(), "INVALID_LIMIT");
    }

    #[tokio::test]
    async fn a_presigned_upload_is_published_once_then_found_again() {
        let images = service();
        let req = HttpRequest::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(Body::Text(r#"{"contentType": "image/png", "size": 68}"#.into()))
            .unwrap();
        let resp = presign(&images, req).await.unwrap();
        assert_eq!(resp.status(), 201);
        let id = json(&resp)["uploadId"].as_str().unwrap().to_string();
        images.store.insert(&format!("{STAGING_PREFIX}{id}"), samples::png(), "image/png", BTreeMap::new());
        let completing = || {
            HttpRequest::new(Body::Empty).with_path_parameters(HashMap::from([("uploadId".to_string(), id.clone())]))
        };
        assert_eq!(complete(&images, completing()).await.unwrap().status(), 201);
        assert_eq!(complete(&images, completing()).await.unwrap().status(), 200);
        let spaced = HttpRequest::new(Body::Empty)
            .with_path_parameters(HashMap::from([("uploadId".to_string(), format!(" {id}"))]));
        assert_eq!(complete(&images, spaced).await.unwrap_err().code(), "INVALID_UPLOAD_ID");
    }
}
