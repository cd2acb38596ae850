//! Image delivery (seed 001 §4): uploads checked from their bytes, stored under keys we choose,
//! listed newest first, and presigned uploads for files too big for an API Gateway payload.
//! Free of AWS types: the object store is the [`ImageStore`] trait (S3 adapter in
//! `adapters::s3`, an in-memory one for unit tests).

use crate::config;
use crate::config::ConfigError;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// Images are public under this prefix (bucket policy); presigned uploads wait, private,
/// under [`STAGING_PREFIX`] until `complete` has checked their bytes.
pub const PUBLIC_PREFIX: &str = "images/";
pub const STAGING_PREFIX: &str = "uploads/";
/// User metadata key holding the client's file name, percent-encoded (S3 metadata is ASCII).
pub const ORIGINAL_NAME_METADATA: &str = "original-name";
/// Bytes read from a staged upload to recognise it: enough for PNG/GIF/WebP headers and for
/// JPEG frame headers behind a large EXIF block.
pub const SNIFF_BYTES: u64 = 256 * 1024;
const MAX_FILENAME_CHARS: usize = 255;

/// The allow-list. Anything else — including formats `imagesize` recognises — is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Webp,
}

impl ImageFormat {
    pub const ALL: [ImageFormat; 4] = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::Webp];

    pub fn content_type(self) -> &'static str {
        match self {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::Gif => "image/gif",
            ImageFormat::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Webp => "webp",
        }
    }

    pub fn from_content_type(value: &str) -> Option<Self> {
        let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
        match essence.as_str() {
            "image/jpg" | "image/pjpeg" => Some(ImageFormat::Jpeg),
            other => Self::ALL.into_iter().find(|f| f.content_type() == other),
        }
    }

    pub fn from_extension(ext: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// The format the bytes really are; `None` for anything outside the allow-list.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        match imagesize::image_type(bytes).ok()? {
            imagesize::ImageType::Png => Some(ImageFormat::Png),
            imagesize::ImageType::Jpeg => Some(ImageFormat::Jpeg),
            imagesize::ImageType::Gif => Some(ImageFormat::Gif),
            imagesize::ImageType::Webp => Some(ImageFormat::Webp),
            _ => None,
        }
    }

    pub fn allowed_content_types() -> String {
        Self::ALL.map(Self::content_type).join(", ")
    }
}

/// Limits, from the environment.
#[derive(Debug, Clone)]
pub struct ImagePolicy {
    /// Largest image accepted through `POST /images`. API Gateway and Lambda cap a request at
    /// 6 MB, base64 included, so anything above ~4.4 MB can only arrive by presigned upload.
    pub max_bytes: usize,
    /// Largest presigned upload; the size is signed into the URL.
    pub max_presigned_bytes: u64,
    /// Width × height limit, so a tiny file cannot claim a decompression bomb's dimensions.
    pub max_pixels: u64,
    pub presign_ttl: Duration,
}

impl ImagePolicy {
    pub fn from_env() -> Result<Self, ConfigError> {
        let max_bytes = config::parse_or("IMAGES_MAX_BYTES", 4 * 1024 * 1024usize)?;
        if max_bytes > 4_500_000 {
            tracing::warn!(max_bytes, "IMAGES_MAX_BYTES is above what an API Gateway payload can carry after base64");
        }
        Ok(Self {
            max_bytes,
            max_presigned_bytes: config::parse_or("IMAGES_PRESIGN_MAX_BYTES", 50 * 1024 * 1024u64)?,
            max_pixels: config::parse_or("IMAGES_MAX_PIXELS", 100_000_000u64)?,
            presign_ttl: Duration::from_secs(config::parse_or("IMAGES_PRESIGN_TTL_SECONDS", 900u64)?),
        })
    }
}

/// What the bytes of an accepted image turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inspected {
    pub format: ImageFormat,
    pub width: u64,
    pub height: u64,
}

/// Checks an image by its bytes: not empty, within the size limit, an allowed format whose
/// header parses, and sane dimensions. `total_len` is the full object size when `bytes` is
/// only its beginning (staged uploads).
pub fn inspect(bytes: &[u8], total_len: u64, limit: u64, policy: &ImagePolicy) -> Result<Inspected, AppError> {
    if total_len == 0 {
        return Err(AppError::new(ErrorCode::EmptyFile, "the uploaded file is empty"));
    }
    if total_len > limit {
        return Err(AppError::new(ErrorCode::FileTooLarge, format!("images are limited to {limit} bytes")));
    }
    let format = ImageFormat::sniff(bytes).ok_or_else(|| {
        AppError::new(
            ErrorCode::UnsupportedImageType,
            format!("the file is not an image of an accepted type ({})", ImageFormat::allowed_content_types()),
        )
    })?;
    let size = imagesize::blob_size(bytes)
        .map_err(|_| AppError::new(ErrorCode::InvalidImage, "the image header is damaged or truncated"))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(AppError::new(ErrorCode::InvalidImage, "the image has no pixels"));
    }
    if width.saturating_mul(height) > policy.max_pixels {
        return Err(AppError::new(
            ErrorCode::ImageDimensionsTooLarge,
            format!("images are limited to {} pixels", policy.max_pixels),
        ));
    }
    Ok(Inspected { format, width, height })
}

/// Accepts a client's file name only as a label: one path segment, printable, not too long.
/// Names that try to be paths are refused rather than silently rewritten, so the client
/// learns that its input was wrong. The name is never part of a key.
pub fn validate_filename(name: &str) -> Result<String, AppError> {
    let invalid = |why: &str| AppError::new(ErrorCode::InvalidFilename, format!("invalid file name: {why}"));
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed.chars().count() > MAX_FILENAME_CHARS {
        return Err(invalid("longer than 255 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid("it contains control characters"));
    }
    if trimmed.contains(['/', '\\']) || trimmed == "." || trimmed == ".." {
        return Err(invalid("it must be a name, not a path"));
    }
    let options = sanitize_filename::OptionsForCheck { windows: true, truncate: true };
    if !sanitize_filename::is_sanitized_with_options(trimmed, options) {
        return Err(invalid("it contains characters or a reserved name that file systems refuse"));
    }
    Ok(trimmed.to_string())
}

/// Keys sort newest first: the store lists keys in ascending order, so the timestamp part
/// counts down. Listing newest first is then the store's own order and pages with its own
/// cursor instead of reading the whole bucket.
const KEY_CLOCK_CEILING_MS: i64 = 9_999_999_999_999;

pub fn object_id(now: DateTime<Utc>, format: ImageFormat) -> String {
    let countdown = KEY_CLOCK_CEILING_MS - now.timestamp_millis().clamp(0, KEY_CLOCK_CEILING_MS);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{countdown:013}-{}.{}", &random[..16], format.extension())
}

/// Parses an id made by [`object_id`]; anything else (`..`, slashes, other shapes) is `None`.
pub fn parse_object_id(id: &str) -> Option<(DateTime<Utc>, ImageFormat)> {
    let (stem, ext) = id.split_once('.')?;
    let (countdown, random) = stem.split_once('-')?;
    let valid = countdown.len() == 13
        && countdown.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !valid {
        return None;
    }
    let format = ImageFormat::from_extension(ext)?;
    let millis = KEY_CLOCK_CEILING_MS - countdown.parse::<i64>().ok()?;
    Some((DateTime::from_timestamp_millis(millis)?, format))
}

pub fn percent_encode_name(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn percent_decode_name(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value).decode_utf8().ok().map(|s| s.into_owned())
}

fn mismatch(actual: ImageFormat, declared: ImageFormat) -> AppError {
    AppError::new(
        ErrorCode::ContentTypeMismatch,
        format!("the file is {}, not the {} it was declared as", actual.content_type(), declared.content_type()),
    )
}

// ---- the store ----

pub struct NewObject {
    pub key: String,
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
    pub metadata: BTreeMap<String, String>,
    pub content_disposition: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListedObject {
    pub key: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub size: u64,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresignedPut {
    pub url: String,
    /// Headers the client must send exactly as given: they are part of the signature.
    pub headers: BTreeMap<String, String>,
}

/// The operations the image service needs from an object store, one method each.
pub trait ImageStore: Send + Sync {
    fn put(&self, object: NewObject) -> impl Future<Output = Result<(), AppError>> + Send;
    /// Keys under `prefix` in ascending order, after `start_after`; `bool` = more follow.
    fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: i32,
    ) -> impl Future<Output = Result<(Vec<ListedObject>, bool), AppError>> + Send;
    fn head(&self, key: &str) -> impl Future<Output = Result<Option<ObjectInfo>, AppError>> + Send;
    /// The first `len` bytes of an object: fewer if it is shorter, none if it is empty.
    fn read_prefix(&self, key: &str, len: u64) -> impl Future<Output = Result<Vec<u8>, AppError>> + Send;
    /// Server-side copy with new content type and metadata (nothing passes through the function).
    fn copy(&self, from: &str, to: NewObject) -> impl Future<Output = Result<(), AppError>> + Send;
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), AppError>> + Send;
    fn presign_put(
        &self,
        key: &str,
        content_type: &'static str,
        content_length: u64,
        metadata: &BTreeMap<String, String>,
        ttl: Duration,
    ) -> impl Future<Output = Result<PresignedPut, AppError>> + Send;
}

// ---- the service ----

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

pub struct ImageService<S> {
    pub store: S,
    pub policy: ImagePolicy,
    /// Base of public URLs, without a trailing slash: `<base>/<key>`.
    pub public_base_url: String,
}

pub const MAX_PAGE_SIZE: i32 = 100;
pub const DEFAULT_PAGE_SIZE: i32 = 20;

impl<S: ImageStore> ImageService<S> {
    pub fn public_url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base_url)
    }

    fn stored_object(key: String, bytes: bytes::Bytes, format: ImageFormat, original_name: Option<&str>) -> NewObject {
        let mut metadata = BTreeMap::new();
        let mut content_disposition = None;
        if let Some(name) = original_name {
            let encoded = percent_encode_name(name);
            metadata.insert(ORIGINAL_NAME_METADATA.to_string(), encoded.clone());
            // Downloads get the original name back; RFC 6266/8187 form, so any name is safe.
            content_disposition = Some(format!("inline; filename*=UTF-8''{encoded}"));
        }
        NewObject { key, bytes, content_type: format.content_type(), metadata, content_disposition }
    }

    /// Stores an image that arrived in the request body. Everything is checked before the one
    /// `PutObject`, which is atomic: a refused upload leaves nothing behind.
    /// `declared` is the client's content type, when it named one we accept: it must agree
    /// with the bytes, so a client bug shows instead of silently storing another type.
    pub async fn upload(
        &self,
        bytes: bytes::Bytes,
        original_name: Option<&str>,
        declared: Option<ImageFormat>,
    ) -> Result<Image, AppError> {
        let len = bytes.len() as u64;
        let inspected = inspect(&bytes, len, self.policy.max_bytes as u64, &self.policy)?;
        if let Some(declared) = declared.filter(|d| *d != inspected.format) {
            return Err(mismatch(inspected.format, declared));
        }
        let original_name = original_name.map(validate_filename).transpose()?;
        let now = Utc::now();
        let key = format!("{PUBLIC_PREFIX}{}", object_id(now, inspected.format));
        self.store.put(Self::stored_object(key.clone(), bytes, inspected.format, original_name.as_deref())).await?;
        Ok(Image {
            url: self.public_url(&key),
            key,
            size: len,
            content_type: inspected.format.content_type(),
            uploaded_at: now,
            width: Some(inspected.width),
            height: Some(inspected.height),
            original_name,
        })
    }

    /// Newest first. The cursor is the last key of the previous page.
    pub async fn list(&self, cursor: Option<&str>, limit: i32) -> Result<ImagePage, AppError> {
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(AppError::new(ErrorCode::InvalidLimit, format!("limit must be between 1 and {MAX_PAGE_SIZE}")));
        }
        if let Some(c) = cursor {
            let valid = c.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id).is_some();
            if !valid {
                return Err(AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned"));
            }
        }
        let (objects, more) = self.store.list(PUBLIC_PREFIX, cursor, limit).await?;
        let images: Vec<Image> = objects
            .into_iter()
            .filter_map(|o| {
                // Objects not written by this service (wrong shape) are not listed as images.
                let (uploaded_at, format) = o.key.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id)?;
                Some(Image {
                    url: self.public_url(&o.key),
                    size: o.size,
                    content_type: format.content_type(),
                    // The key's time, not LastModified: it orders the listing and has milliseconds.
                    uploaded_at,
                    key: o.key,
                    width: None,
                    height: None,
                    original_name: None,
                })
            })
            .collect();
        let next_cursor = if more { images.last().map(|i| i.key.clone()) } else { None };
        Ok(ImagePage { images, next_cursor })
    }

    /// A presigned PUT into the private staging prefix, with content type, size and original
    /// name signed in: the store refuses an upload that differs.
    pub async fn presign(
        &self,
        content_type: &str,
        size: u64,
        original_name: Option<&str>,
    ) -> Result<PresignedUpload, AppError> {
        let format = ImageFormat::from_content_type(content_type).ok_or_else(|| {
            AppError::new(
                ErrorCode::UnsupportedImageType,
                format!("contentType must be one of {}", ImageFormat::allowed_content_types()),
            )
        })?;
        if size == 0 {
            return Err(AppError::new(ErrorCode::EmptyFile, "size must be at least 1 byte"));
        }
        if size > self.policy.max_presigned_bytes {
            return Err(AppError::new(
                ErrorCode::FileTooLarge,
                format!("presigned uploads are limited to {} bytes", self.policy.max_presigned_bytes),
            ));
        }
        let original_name = original_name.map(validate_filename).transpose()?;
        let id = object_id(Utc::now(), format);
        let mut metadata = BTreeMap::new();
        if let Some(name) = &original_name {
            metadata.insert(ORIGINAL_NAME_METADATA.to_string(), percent_encode_name(name));
        }
        let ttl = self.policy.presign_ttl;
        let presigned = self
            .store
            .presign_put(&format!("{STAGING_PREFIX}{id}"), format.content_type(), size, &metadata, ttl)
            .await?;
        Ok(PresignedUpload {
            public_url: self.public_url(&format!("{PUBLIC_PREFIX}{id}")),
            upload_id: id,
            method: "PUT",
            url: presigned.url,
            headers: presigned.headers,
            expires_at: Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default(),
            max_bytes: size,
        })
    }

    /// Checks a presigned upload's bytes and publishes it (server-side copy to the public
    /// prefix, then removal of the staged object). A refused upload is deleted. Completing
    /// twice answers with the same image.
    pub async fn complete(&self, upload_id: &str) -> Result<(Image, bool), AppError> {
        let (_, signed_format) = parse_object_id(upload_id)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidUploadId, "uploadId is not one this API issued"))?;
        let staged_key = format!("{STAGING_PREFIX}{upload_id}");
        let public_key = format!("{PUBLIC_PREFIX}{upload_id}");
        let Some(staged) = self.store.head(&staged_key).await? else {
            return match self.store.head(&public_key).await? {
                Some(done) => Ok((self.image_from_info(public_key, signed_format, &done), false)),
                None => Err(AppError::new(ErrorCode::UploadNotFound, "no upload with this id is waiting")),
            };
        };
        // An empty object has no first byte to read (a ranged GET of it is a 416), and nothing
        // to sniff: `inspect` refuses it as EMPTY_FILE from its size alone.
        let head = if staged.size == 0 { Vec::new() } else { self.store.read_prefix(&staged_key, SNIFF_BYTES).await? };
        let checked = inspect(&head, staged.size, self.policy.max_presigned_bytes, &self.policy)
            .and_then(|i| if i.format == signed_format { Ok(i) } else { Err(mismatch(i.format, signed_format)) });
        let inspected = match checked {
            Ok(i) => i,
            Err(refused) => {
                self.store.delete(&staged_key).await?;
                return Err(refused);
            }
        };
        let original_name = staged.metadata.get(ORIGINAL_NAME_METADATA).and_then(|v| percent_decode_name(v));
        let target =
            Self::stored_object(public_key.clone(), bytes::Bytes::new(), inspected.format, original_name.as_deref());
        self.store.copy(&staged_key, target).await?;
        self.store.delete(&staged_key).await?;
        let mut image = self.image_from_info(public_key, inspected.format, &staged);
        image.width = Some(inspected.width);
        image.height = Some(inspected.height);
        Ok((image, true))
    }

    fn image_from_info(&self, key: String, format: ImageFormat, info: &ObjectInfo) -> Image {
        let uploaded_at =
            key.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id).map(|(at, _)| at).unwrap_or_else(Utc::now);
        Image {
            url: self.public_url(&key),
            key,
            size: info.size,
            content_type: format.content_type(),
            uploaded_at,
            width: None,
            height: None,
            original_name: info.metadata.get(ORIGINAL_NAME_METADATA).and_then(|v| percent_decode_name(v)),
        }
    }
}

#[cfg(feature = "s3")]
impl ImageService<crate::adapters::s3::S3Images> {
    /// The service over S3, configured from the environment (see `S3Images::from_env`).
    pub async fn from_env() -> Result<Self, ConfigError> {
        let sdk = crate::adapters::aws::sdk_config(config::dependency_timeout()?).await;
        let store = crate::adapters::s3::S3Images::from_env(&sdk)?;
        Ok(Self { public_base_url: store.public_base_url().to_string(), store, policy: ImagePolicy::from_env()? })
    }
}

#[cfg(test)]
pub(crate) mod memory {
    //! An in-memory [`ImageStore`] for unit tests of the service's logic.
    use super::*;
    use std::sync::Mutex;

    /// Bytes, content type, metadata.
    type Object = (Vec<u8>, String, BTreeMap<String, String>);

    #[derive(Default)]
    pub struct MemoryStore {
        pub objects: Mutex<BTreeMap<String, Object>>,
    }

    impl MemoryStore {
        pub fn keys(&self) -> Vec<String> {
            self.objects.lock().unwrap().keys().cloned().collect()
        }
        pub fn insert(&self, key: &str, bytes: Vec<u8>, content_type: &str, metadata: BTreeMap<String, String>) {
            self.objects.lock().unwrap().insert(key.to_string(), (bytes, content_type.to_string(), metadata));
        }
    }

    impl ImageStore for MemoryStore {
        async fn put(&self, o: NewObject) -> Result<(), AppError> {
            self.insert(&o.key, o.bytes.to_vec(), o.content_type, o.metadata);
            Ok(())
        }
        async fn list(
            &self,
            prefix: &str,
            after: Option<&str>,
            limit: i32,
        ) -> Result<(Vec<ListedObject>, bool), AppError> {
            let objects = self.objects.lock().unwrap();
            let mut matching = objects
                .iter()
                .filter(|(k, _)| k.starts_with(prefix) && after.is_none_or(|a| k.as_str() > a))
                .map(|(k, (b, _, _))| ListedObject { key: k.clone(), size: b.len() as u64 });
            let page: Vec<_> = matching.by_ref().take(limit as usize).collect();
            Ok((page, matching.next().is_some()))
        }
        async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, AppError> {
            Ok(self.objects.lock().unwrap().get(key).map(|(b, ct, m)| ObjectInfo {
                size: b.len() as u64,
                content_type: Some(ct.clone()),
                metadata: m.clone(),
            }))
        }
        async fn read_prefix(&self, key: &str, len: u64) -> Result<Vec<u8>, AppError> {
            let objects = self.objects.lock().unwrap();
            let (b, _, _) = objects.get(key).ok_or_else(|| AppError::new(ErrorCode::NotFound, "no object"))?;
            Ok(b[..b.len().min(len as usize)].to_vec())
        }
        async fn copy(&self, from: &str, to: NewObject) -> Result<(), AppError> {
            let bytes = self.objects.lock().unwrap().get(from).map(|(b, _, _)| b.clone()).unwrap_or_default();
            self.insert(&to.key, bytes, to.content_type, to.metadata);
            Ok(())
        }
        async fn delete(&self, key: &str) -> Result<(), AppError> {
            self.objects.lock().unwrap().remove(key);
            Ok(())
        }
        async fn presign_put(
            &self,
            key: &str,
            content_type: &'static str,
            len: u64,
            _m: &BTreeMap<String, String>,
            _ttl: Duration,
        ) -> Result<PresignedPut, AppError> {
            let headers = BTreeMap::from([
                ("content-type".to_string(), content_type.to_string()),
                ("content-length".to_string(), len.to_string()),
            ]);
            Ok(PresignedPut { url: format!("memory://{key}"), headers })
        }
    }
}

#[cfg(test)]
pub(crate) mod samples {
    //! The smallest valid file of each allowed format.
    use base64::Engine;

    fn decode(b64: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD.decode(b64).expect("valid sample")
    }
    pub fn png() -> Vec<u8> {
        decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    }
    pub fn gif() -> Vec<u8> {
        decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryStore;
    use super::*;

    fn policy() -> ImagePolicy {
        ImagePolicy {
            max_bytes: 1024,
            max_presigned_bytes: 4096,
            max_pixels: 10_000,
            presign_ttl: Duration::from_secs(60),
        }
    }

    fn service() -> ImageService<MemoryStore> {
        ImageService { store: MemoryStore::default(), policy: policy(), public_base_url: "http://s3/images".into() }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(f)
    }

    #[test]
    fn bytes_decide_the_type_not_the_name() {
        assert_eq!(ImageFormat::sniff(&samples::png()), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::sniff(&samples::gif()), Some(ImageFormat::Gif));
        assert_eq!(ImageFormat::sniff(b"%PDF-1.7 not an image"), None);
        let code = |b: &[u8]| inspect(b, b.len() as u64, 1024, &policy()).unwrap_err().code();
        assert_eq!(code(b""), "EMPTY_FILE");
        assert_eq!(code(b"<?php echo 'hi'; ?>"), "UNSUPPORTED_IMAGE_TYPE");
        assert_eq!(code(&samples::png()[..12]), "INVALID_IMAGE", "PNG magic with a truncated header");
        assert_eq!(code(&vec![0u8; 2048]), "FILE_TOO_LARGE");
        let ok = inspect(&samples::png(), 68, 1024, &policy()).unwrap();
        assert_eq!((ok.format, ok.width, ok.height), (ImageFormat::Png, 1, 1));
    }

    #[test]
    fn claimed_dimensions_are_limited() {
        let mut big = samples::png();
        big[16..20].copy_from_slice(&100_000u32.to_be_bytes()); // IHDR width
        assert_eq!(inspect(&big, big.len() as u64, 1024, &policy()).unwrap_err().code(), "IMAGE_DIMENSIONS_TOO_LARGE");
    }

    #[test]
    fn file_names_are_labels_not_paths() {
        for bad in ["../etc/passwd", "a/b.png", "a\\b.png", "..", "nul\0byte.png", "line\nbreak.png", "", "   ", "CON"]
        {
            assert_eq!(validate_filename(bad).unwrap_err().code(), "INVALID_FILENAME", "{bad:?}");
        }
        assert_eq!(validate_filename(&"a".repeat(256)).unwrap_err().code(), "INVALID_FILENAME");
        assert_eq!(validate_filename(" holiday photo é.png ").unwrap(), "holiday photo é.png");
        let encoded = percent_encode_name("été 1/2.png");
        assert!(encoded.is_ascii());
        assert_eq!(percent_decode_name(&encoded).as_deref(), Some("été 1/2.png"));
    }

    #[test]
    fn keys_sort_newest_first_and_parse_back() {
        let older = object_id(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(), ImageFormat::Png);
        let newer = object_id(DateTime::from_timestamp_millis(1_700_000_000_001).unwrap(), ImageFormat::Jpeg);
        assert!(newer < older);
        let (at, format) = parse_object_id(&newer).unwrap();
        assert_eq!((at.timestamp_millis(), format), (1_700_000_000_001, ImageFormat::Jpeg));
        for bad in ["../x.png", "8300000000000-0123456789abcdef.exe", "1-2.png", "8300000000000-0123456789ABCDEF.png"] {
            assert!(parse_object_id(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn upload_then_list_pages_newest_first() {
        let svc = service();
        block_on(async {
            let mut keys = Vec::new();
            for name in ["a.png", "b.png", "c.png"] {
                keys.push(svc.upload(samples::png().into(), Some(name), None).await.unwrap().key);
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            let first = svc.list(None, 2).await.unwrap();
            assert_eq!(first.images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), [&keys[2], &keys[1]]);
            let second = svc.list(first.next_cursor.as_deref(), 2).await.unwrap();
            assert_eq!(second.images[0].key, keys[0]);
            assert!(second.next_cursor.is_none());
            assert_eq!(svc.list(Some("images/../secret"), 2).await.unwrap_err().code(), "INVALID_CURSOR");
            assert_eq!(svc.list(None, 0).await.unwrap_err().code(), "INVALID_LIMIT");
        });
    }

    #[test]
    fn refused_uploads_write_nothing() {
        let svc = service();
        block_on(async {
            assert!(svc.upload(bytes::Bytes::from_static(b"GIF89a-not-really"), Some("x.gif"), None).await.is_err());
            assert_eq!(
                svc.upload(samples::png().into(), Some("../x.png"), None).await.unwrap_err().code(),
                "INVALID_FILENAME"
            );
            let declared = Some(ImageFormat::Jpeg);
            assert_eq!(
                svc.upload(samples::png().into(), None, declared).await.unwrap_err().code(),
                "CONTENT_TYPE_MISMATCH"
            );
        });
        assert!(svc.store.keys().is_empty());
    }

    #[test]
    fn presigned_uploads_are_checked_before_publication() {
        let svc = service();
        block_on(async {
            let good = svc.presign("image/png", 68, Some("big.png")).await.unwrap();
            assert_eq!(good.headers["content-type"], "image/png");
            let meta = BTreeMap::from([(ORIGINAL_NAME_METADATA.to_string(), "big.png".to_string())]);
            svc.store.insert(&format!("{STAGING_PREFIX}{}", good.upload_id), samples::png(), "image/png", meta);
            let (image, created) = svc.complete(&good.upload_id).await.unwrap();
            assert!(created);
            assert_eq!(image.original_name.as_deref(), Some("big.png"));
            assert_eq!(svc.store.keys(), [format!("{PUBLIC_PREFIX}{}", good.upload_id)]);
            let (again, created) = svc.complete(&good.upload_id).await.unwrap();
            assert_eq!((again.key, created), (image.key, false));

            let liar = svc.presign("image/jpeg", 68, None).await.unwrap();
            svc.store.insert(
                &format!("{STAGING_PREFIX}{}", liar.upload_id),
                samples::png(),
                "image/jpeg",
                BTreeMap::new(),
            );
            assert_eq!(svc.complete(&liar.upload_id).await.unwrap_err().code(), "CONTENT_TYPE_MISMATCH");
            assert_eq!(svc.store.keys().len(), 1, "the refused upload was deleted");

            let empty = svc.presign("image/png", 68, None).await.unwrap();
            svc.store.insert(&format!("{STAGING_PREFIX}{}", empty.upload_id), Vec::new(), "image/png", BTreeMap::new());
            assert_eq!(svc.complete(&empty.upload_id).await.unwrap_err().code(), "EMPTY_FILE");
            assert_eq!(svc.store.keys().len(), 1, "the empty upload was deleted");

            assert_eq!(svc.complete("../../etc").await.unwrap_err().code(), "INVALID_UPLOAD_ID");
            assert_eq!(svc.presign("text/html", 10, None).await.unwrap_err().code(), "UNSUPPORTED_IMAGE_TYPE");
            assert_eq!(svc.presign("image/png", 5000, None).await.unwrap_err().code(), "FILE_TOO_LARGE");
        });
    }
}
