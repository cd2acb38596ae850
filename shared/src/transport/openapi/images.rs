//! Image delivery (seed 001 §4): `images-upload`, `images-list`, `images-presign` and
//! `images-complete`. No credentials: the routes are public, like the images they publish.

use super::ErrorBody;
use crate::domain::images::{Image, ImagePage, PresignRequest, PresignedUpload};
use crate::transport::http::upload::{ImageUploadForm, RawImage};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(upload_image, list_images, presign_upload, complete_upload))]
pub(super) struct Doc;

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
#[utoipa::path(post, path = "/images", tag = "images", operation_id = "uploadImage",
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
    ))]
#[allow(dead_code)]
fn upload_image() {}

/// List images
///
/// Images with their public URLs, newest first, `limit` per page; pass `nextCursor` back as
/// `cursor` for the next page. Listings do not carry dimensions or original names.
#[utoipa::path(get, path = "/images", tag = "images", operation_id = "listImages",
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
    ))]
#[allow(dead_code)]
fn list_images() {}

/// Start a presigned upload
///
/// For images too big for an API request: returns a presigned `PUT` into a private staging
/// area, valid for `IMAGES_PRESIGN_TTL_SECONDS` (15 minutes by default), with the content
/// type, exact size and file name signed in (the store refuses an upload that differs). Send
/// the bytes with exactly the returned `headers`, then call
/// `POST /images/uploads/{uploadId}/complete`. At most `IMAGES_PRESIGN_MAX_BYTES` (50 MiB by
/// default). The JSON body is limited to 4 KiB.
#[utoipa::path(post, path = "/images/uploads", tag = "images", operation_id = "presignImageUpload",
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
    ))]
#[allow(dead_code)]
fn presign_upload() {}

/// Complete a presigned upload
///
/// Checks the staged bytes (type from the bytes, which must be the signed type; size;
/// dimensions) and publishes the image under its public key. A refused upload is deleted.
/// Completing an upload that was already published answers 200 with the same image (without
/// dimensions), so a retry is safe. No request body.
#[utoipa::path(post, path = "/images/uploads/{uploadId}/complete", tag = "images", operation_id = "completeImageUpload",
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
    ))]
#[allow(dead_code)]
fn complete_upload() {}
