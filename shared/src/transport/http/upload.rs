//! Reads an image upload out of an API Gateway request: `multipart/form-data` with a `file`
//! field (what HTML forms and `curl -F` send) or the raw bytes with an image content type.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::images::ImageFormat;
use crate::transport::http::{self, Body, Request};

/// Room for multipart boundaries, part headers and small text fields around the file.
const MULTIPART_OVERHEAD: usize = 64 * 1024;
pub const FILE_FIELD: &str = "file";

#[derive(Debug)]
pub struct Upload {
    pub bytes: bytes::Bytes,
    pub filename: Option<String>,
    /// The content type the client named, when it is one we accept.
    pub declared: Option<ImageFormat>,
}

// Document only: `read_upload` reads the form.
/// The `multipart/form-data` body of `POST /images`.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ImageUploadForm {
    /// The image, exactly one `file` part. The part's file name, when given, names the image
    /// (same rules as `?filename=`); the part's content type, when it is an accepted image type,
    /// must agree with the bytes (400 CONTENT_TYPE_MISMATCH). Other form fields are read within
    /// the size limit and ignored.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

// Document only.
/// A raw image body of `POST /images`: the bytes of a PNG, JPEG, GIF or WebP image.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct RawImage(pub Vec<u8>);

fn too_large(max_bytes: usize) -> AppError {
    AppError::new(ErrorCode::FileTooLarge, format!("images are limited to {max_bytes} bytes"))
}

fn unsupported_request_type() -> AppError {
    AppError::new(
        ErrorCode::UnsupportedMediaType,
        format!(
            "send multipart/form-data with a '{FILE_FIELD}' field, or the raw image with Content-Type one of {}",
            ImageFormat::allowed_content_types()
        ),
    )
}

/// Takes the request by value so a multi-megabyte body is moved, never copied.
pub async fn read_upload(req: Request, max_bytes: usize) -> Result<Upload, AppError> {
    let content_type = http::header_str(&req, "content-type").ok_or_else(unsupported_request_type)?.to_string();
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let filename = http::query_param(&req, "filename");
    // A bad `?filename=` is refused whatever the body: with a multipart body the part's own name
    // is used, but a parameter that was sent is never silently accepted when invalid.
    if let Some(name) = &filename {
        crate::domain::images::validate_filename(name)?;
    }
    let body = match req.into_body() {
        Body::Binary(bytes) => bytes,
        Body::Text(text) => text.into_bytes(),
        _ => Vec::new(),
    };
    if essence == "multipart/form-data" {
        if body.len() > max_bytes + MULTIPART_OVERHEAD {
            return Err(too_large(max_bytes));
        }
        return read_multipart(&content_type, body, max_bytes).await;
    }
    if essence.starts_with("image/") || essence == "application/octet-stream" {
        if body.len() > max_bytes {
            return Err(too_large(max_bytes));
        }
        return Ok(Upload { bytes: body.into(), filename, declared: ImageFormat::from_content_type(&essence) });
    }
    Err(unsupported_request_type())
}

async fn read_multipart(content_type: &str, body: Vec<u8>, max_bytes: usize) -> Result<Upload, AppError> {
    let broken = |why: String| AppError::new(ErrorCode::InvalidMultipart, format!("malformed multipart body: {why}"));
    let boundary = multer::parse_boundary(content_type).map_err(|e| broken(e.to_string()))?;
    let stream =
        futures_util::stream::once(std::future::ready(Ok::<_, std::convert::Infallible>(bytes::Bytes::from(body))));
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new().whole_stream((max_bytes + MULTIPART_OVERHEAD) as u64).per_field(max_bytes as u64),
    );
    let mut multipart = multer::Multipart::with_constraints(stream, boundary, limits);
    let mut upload: Option<Upload> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(e, max_bytes)),
        };
        if field.name() != Some(FILE_FIELD) {
            // Other form fields are allowed and ignored, but still read within the limits.
            field.bytes().await.map_err(|e| multipart_error(e, max_bytes))?;
            continue;
        }
        if upload.is_some() {
            return Err(AppError::new(ErrorCode::TooManyFiles, format!("send one '{FILE_FIELD}' field per request")));
        }
        let filename = field.file_name().map(str::to_string);
        let declared = field.content_type().and_then(|m| ImageFormat::from_content_type(m.essence_str()));
        let bytes = field.bytes().await.map_err(|e| multipart_error(e, max_bytes))?;
        upload = Some(Upload { bytes, filename, declared });
    }
    upload.ok_or_else(|| AppError::new(ErrorCode::MissingFileField, format!("the form has no '{FILE_FIELD}' field")))
}

fn multipart_error(e: multer::Error, max_bytes: usize) -> AppError {
    match e {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => too_large(max_bytes),
        other => AppError::new(ErrorCode::InvalidMultipart, format!("malformed multipart body: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::images::samples;

    fn request(content_type: Option<&str>, body: Vec<u8>) -> Request {
        let mut b = lambda_http::http::Request::builder().method("POST").uri("/images");
        if let Some(ct) = content_type {
            b = b.header("content-type", ct);
        }
        b.body(Body::Binary(body)).unwrap()
    }

    fn form(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, data) in parts {
            out.extend_from_slice(b"--XyZ\r\n");
            let disposition = match filename {
                Some(f) => format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n"),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n"),
            };
            out.extend_from_slice(disposition.as_bytes());
            out.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--XyZ--\r\n");
        out
    }

    fn read(content_type: Option<&str>, body: Vec<u8>) -> Result<Upload, AppError> {
        let req = request(content_type, body);
        tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(read_upload(req, 1024))
    }

    const FORM: Option<&str> = Some("multipart/form-data; boundary=XyZ");

    #[test]
    fn multipart_and_raw_bodies_are_read() {
        let png = samples::png();
        let up = read(FORM, form(&[("title", None, b"hello"), ("file", Some("cat.png"), &png)])).unwrap();
        assert_eq!((up.bytes.to_vec(), up.filename.as_deref()), (png.clone(), Some("cat.png")));
        let raw = read(Some("image/png"), png.clone()).unwrap();
        assert_eq!((raw.bytes.to_vec(), raw.declared), (png, Some(ImageFormat::Png)));
    }

    #[test]
    fn an_invalid_filename_parameter_is_refused_with_a_multipart_body_too() {
        use lambda_http::RequestExt as _;
        let png = samples::png();
        for (content_type, body) in [(FORM, form(&[("file", Some("cat.png"), &png)])), (Some("image/png"), png.clone())]
        {
            let req = request(content_type, body).with_query_string_parameters(std::collections::HashMap::from([(
                "filename".to_string(),
                "../../etc/passwd".to_string(),
            )]));
            let run = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
            let refused = run.block_on(read_upload(req, 1024)).err().map(|e| e.code());
            assert_eq!(refused, Some(ErrorCode::InvalidFilename), "{content_type:?}");
        }
    }

    #[test]
    fn broken_forms_have_their_own_codes() {
        let png = samples::png();
        let code = |ct, body| read(ct, body).unwrap_err().code();
        assert_eq!(code(FORM, form(&[("title", None, b"x")])), "MISSING_FILE_FIELD");
        assert_eq!(
            code(FORM, b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc".to_vec()),
            "INVALID_MULTIPART"
        );
        assert_eq!(code(Some("multipart/form-data"), form(&[("file", None, &png)])), "INVALID_MULTIPART");
        assert_eq!(code(FORM, form(&[("file", Some("a.png"), &png), ("file", Some("b.png"), &png)])), "TOO_MANY_FILES");
        assert_eq!(code(FORM, form(&[("file", Some("a.png"), &[0u8; 2000])])), "FILE_TOO_LARGE");
        assert_eq!(code(Some("image/png"), vec![0u8; 2000]), "FILE_TOO_LARGE");
        assert_eq!(code(Some("text/plain"), png.clone()), "UNSUPPORTED_MEDIA_TYPE");
        assert_eq!(code(None, png), "UNSUPPORTED_MEDIA_TYPE");
    }
}
