//! The limits of the image service: sizes, pixels, how long a presigned upload stays valid,
//! and the page sizes of listings.

use std::time::Duration;

/// Limits of uploads (read from the environment by `config::image_policy`).
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
    pub const DEFAULT_MAX_BYTES: usize = 4 * 1024 * 1024;
    pub const DEFAULT_MAX_PRESIGNED_BYTES: u64 = 50 * 1024 * 1024;
    pub const DEFAULT_MAX_PIXELS: u64 = 100_000_000;
    pub const DEFAULT_PRESIGN_TTL: Duration = Duration::from_secs(900);
    /// What an API Gateway payload can carry once base64-encoded: a larger `max_bytes` can
    /// never be reached through `POST /images`.
    pub const PAYLOAD_CEILING_BYTES: usize = 4_500_000;
}

/// Largest page of `GET /images`.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size of `GET /images` without `?limit=`.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
