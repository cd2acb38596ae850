//! The accepted image formats and the inspection of an image by its bytes: its format, its
//! header and its dimensions decide, never its name or the type a client claims.

use super::policy::ImagePolicy;
use crate::domain::error::{AppError, ErrorCode};
use serde::Serialize;

/// Bytes read from a staged upload to recognise it: enough for PNG/GIF/WebP headers and for
/// JPEG frame headers behind a large EXIF block.
pub const SNIFF_BYTES: u64 = 256 * 1024;

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

/// The bytes are an accepted image, but not of the type the client declared (or signed).
pub fn mismatch(actual: ImageFormat, declared: ImageFormat) -> AppError {
    AppError::new(
        ErrorCode::ContentTypeMismatch,
        format!("the file is {}, not the {} it was declared as", actual.content_type(), declared.content_type()),
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::images::samples;
    use std::time::Duration;

    pub(crate) fn policy() -> ImagePolicy {
        ImagePolicy {
            max_bytes: 1024,
            max_presigned_bytes: 4096,
            max_pixels: 10_000,
            presign_ttl: Duration::from_secs(60),
        }
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
    fn content_types_are_read_leniently_but_only_from_the_allow_list() {
        assert_eq!(ImageFormat::from_content_type("IMAGE/PNG; charset=binary"), Some(ImageFormat::Png));
        assert_eq!(ImageFormat::from_content_type("image/pjpeg"), Some(ImageFormat::Jpeg));
        assert_eq!(ImageFormat::from_content_type("image/svg+xml"), None);
        assert_eq!(mismatch(ImageFormat::Png, ImageFormat::Jpeg).code(), "CONTENT_TYPE_MISMATCH");
    }
}
