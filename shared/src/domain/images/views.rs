//! What clients send and see: an image, a page of images, a presigned upload and the request
//! for one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// Document only: the code works with `ImageFormat`.
/// The content type of an accepted image.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum ImageContentType {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
    #[serde(rename = "image/gif")]
    Gif,
    #[serde(rename = "image/webp")]
    Webp,
}

// Document only: the code sends the literal.
/// The HTTP method of a presigned upload: always `PUT`.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub enum PresignedMethod {
    #[serde(rename = "PUT")]
    Put,
}

/// An image as clients see it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The object key, chosen by the service (never the client's file name).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "images/8299999999999-0123456789abcdef.png",
            pattern = r"^images/[0-9]{13}-[0-9a-f]{16}\.(png|jpg|gif|webp)$"
        )
    )]
    pub key: String,
    /// Public URL of the image.
    #[cfg_attr(
        feature = "openapi",
        schema(format = "uri", example = "https://images.example.com/images/8299999999999-0123456789abcdef.png")
    )]
    pub url: String,
    /// Size in bytes.
    #[cfg_attr(feature = "openapi", schema(example = 48213))]
    pub size: u64,
    /// The type the bytes really are (detected, not the client's claim).
    #[cfg_attr(feature = "openapi", schema(value_type = ImageContentType))]
    pub content_type: &'static str,
    /// When the image was stored (millisecond precision; from its key).
    pub uploaded_at: DateTime<Utc>,
    /// Width in pixels; present when the bytes were just checked (upload, first completion).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, example = 640))]
    pub width: Option<u64>,
    /// Height in pixels; present when the bytes were just checked (upload, first completion).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, example = 480))]
    pub height: Option<u64>,
    /// The client's file name, when it gave one (not part of listings).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, example = "holiday.png"))]
    pub original_name: Option<String>,
}

/// One page of `GET /images`, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ImagePage {
    pub images: Vec<Image>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, pattern = r"^images/[0-9]{13}-[0-9a-f]{16}\.(png|jpg|gif|webp)$")
    )]
    pub next_cursor: Option<String>,
}

/// The body of `POST /images/uploads`: what the client is going to upload. Unknown fields are
/// refused.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PresignRequest {
    /// The image's type; signed into the URL. Also accepted: `image/jpg` and `image/pjpeg`
    /// (as JPEG), any letter case, with parameters. Anything else is 415 UNSUPPORTED_IMAGE_TYPE.
    #[cfg_attr(feature = "openapi", schema(value_type = ImageContentType))]
    pub content_type: String,
    /// The exact size in bytes the upload will have; signed into the URL. At least 1; at most
    /// `IMAGES_PRESIGN_MAX_BYTES` (50 MiB by default), else 413 FILE_TOO_LARGE.
    #[serde(deserialize_with = "crate::domain::json::integer")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 18_446_744_073_709_551_615u64, example = 8388608))]
    pub size: u64,
    /// The client's file name, kept as a label: one path segment, printable, 1-255 characters
    /// after trimming, no reserved names (else 400 INVALID_FILENAME).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 255,
            example = "holiday.png",
            pattern = r#"^[^\u0000-\u001f\u007f-\u009f/\\<>:"|?*]*[^\s\u0000-\u001f\u007f-\u009f/\\<>:"|?*][^\u0000-\u001f\u007f-\u009f/\\<>:"|?*]*$"#
        )
    )]
    pub filename: Option<String>,
}

/// A presigned upload: send the bytes with `method` to `url` with exactly `headers`, then
/// call `POST /images/uploads/{uploadId}/complete`.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PresignedUpload {
    /// The id to complete the upload with.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "8299999999999-0123456789abcdef.png",
            pattern = r"^[0-9]{13}-[0-9a-f]{16}\.(png|jpg|gif|webp)$"
        )
    )]
    pub upload_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = PresignedMethod))]
    pub method: &'static str,
    /// The presigned URL of the object store (valid until `expiresAt`).
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub url: String,
    /// Headers the client must send exactly as given (lowercase names): they are part of the
    /// signature (`content-type`, `content-length`, `x-amz-*`).
    #[cfg_attr(feature = "openapi", schema(example = json!({"content-type": "image/png", "content-length": "8388608"})))]
    pub headers: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
    /// The size the upload must have (the `size` that was asked for).
    pub max_bytes: u64,
    /// Where the image will be public once `POST /images/uploads/{uploadId}/complete` accepts it.
    #[cfg_attr(feature = "openapi", schema(format = "uri"))]
    pub public_url: String,
}
